"""What audit adds: the checkpoint schedule."""

from apps.core.contributions import PeriodicTask, contribute

contribute(
    PeriodicTask(
        "audit.checkpoint", "audit.checkpoint", crontab={"minute": "7"},
        description="Sign every audit chain's head (sequence, hash, count) into the table and the day's file.",
    ),
)  # fmt: skip
