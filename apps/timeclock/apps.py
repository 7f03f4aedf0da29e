from django.apps import AppConfig


class TimeclockConfig(AppConfig):
    name = "apps.timeclock"
    label = "timeclock"
    verbose_name = "Time clock"

    def ready(self) -> None:
        from apps.workplaces.models import Geofence, Workplace

        from .models import PunchPolicy
        from .services import SITES

        # The punch's site and policy are cached (services.punch_site); any change to them recomputes.
        SITES.invalidate_on(Workplace, Geofence, PunchPolicy)
