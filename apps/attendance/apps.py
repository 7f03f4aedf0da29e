from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "apps.attendance"
    label = "attendance"
    verbose_name = "Attendance"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (follows the approval events of its kinds)
