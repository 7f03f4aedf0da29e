from django.apps import AppConfig


class LogsConfig(AppConfig):
    name = "apps.logs"
    label = "logs"
    verbose_name = "Technical logs"

    def ready(self) -> None:
        from celery.signals import task_failure
        from django.core.signals import got_request_exception

        from .errors import on_request_exception, on_task_failure

        got_request_exception.connect(on_request_exception, dispatch_uid="logs.request_exception")
        task_failure.connect(on_task_failure, dispatch_uid="logs.task_failure", weak=False)
