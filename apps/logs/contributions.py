"""What logs adds: the technical log schedules."""

from apps.core.contributions import PeriodicTask, contribute

contribute(
    PeriodicTask(
        "logs.flush_api_requests", "logs.flush_api_requests", interval=(10, "seconds"),
        description="Move buffered API request log entries from Redis into the partitioned log table.",
    ),
    PeriodicTask(
        "logs.archive_and_prune", "logs.archive_and_prune", crontab={"minute": "0", "hour": "3"},
        description="Archive technical logs older than the retention to gzip JSON lines, then delete them.",
    ),
    PeriodicTask(
        "logs.audit_verify", "logs.audit_verify", crontab={"minute": "0", "hour": "4"},
        description="Verify every audit hash chain; raise an operational alert on a broken one.",
    ),
)  # fmt: skip
