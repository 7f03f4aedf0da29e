from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "apps.policy"
    label = "policy"
    verbose_name = "Security policy"

    def ready(self) -> None:
        from . import hooks, signals  # noqa: F401  (signals connects the receivers)

        hooks.register()  # security and tokens ask the policy through apps.core.hooks
