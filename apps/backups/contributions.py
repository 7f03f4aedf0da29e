"""What backups adds: the daily retention sweep."""

from apps.core.contributions import PeriodicTask, contribute

contribute(
    PeriodicTask(
        "backups.retention_sweep", "backups.retention_sweep", crontab={"minute": "30", "hour": "3"},
        description="Delete operational data older than its retention period, except for tenants under legal hold.",
    ),
)  # fmt: skip
