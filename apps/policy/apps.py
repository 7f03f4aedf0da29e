from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "apps.policy"
    label = "policy"
    verbose_name = "Security policy"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers)
