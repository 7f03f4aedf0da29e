from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "apps.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from . import metrics
        from .models import ProvisioningJob

        # Provisioning durations on /metrics (docs/observability.md).
        post_save.connect(metrics.observe_finished_job, sender=ProvisioningJob, dispatch_uid="tenancy.job_metrics")
