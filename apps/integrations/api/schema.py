"""OpenAPI: how the API-key security scheme appears in the schema."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.integrations.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An integrator API key created by a tenant admin: `Authorization: Api-Key nf_<prefix>_<secret>`. "
                "What it may call depends on its scopes; calls are rate limited per key."
            ),
        }
