from celery import shared_task


@shared_task(name="sample.tick")
def tick() -> str:
    return "tick"


@shared_task(name="sample.fail")
def fail() -> None:
    """Always raises: error reporting from a worker is tested with it (tests/test_sentry.py)."""
    password = "task-secret-value"  # noqa: F841 - a local the scrubber must keep out of reports
    raise RuntimeError("the sample task failed")
