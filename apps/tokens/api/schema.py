"""OpenAPI: how the access-token security scheme appears in the schema."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AccessTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.tokens.authentication.AccessTokenAuthentication"
    name = "accessToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A member's access token from POST /api/v1/auth/token/: `Authorization: Bearer <access>`.",
        }
