from django.apps import AppConfig


class TokensConfig(AppConfig):
    name = "apps.tokens"
    label = "tokens"
    verbose_name = "User API tokens"

    def ready(self) -> None:
        from .api import schema  # noqa: F401  (registers the OpenAPI security scheme)
