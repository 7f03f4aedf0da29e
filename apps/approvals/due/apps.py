from django.apps import AppConfig


class ApprovalsDueConfig(AppConfig):
    name = "apps.approvals.due"
    label = "approvals_due"
    verbose_name = "Approvals: time-limit index"
