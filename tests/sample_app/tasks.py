from celery import shared_task


@shared_task(name="sample.tick")
def tick() -> str:
    return "tick"


@shared_task(name="sample.fail")
def fail() -> None:
    """Always raises: error reporting from a worker is tested with it (tests/test_sentry.py)."""
    password = "-".join(["task", "secret", "value"])  # noqa: F841 - kept out of reports (built: source lines are sent)
    raise RuntimeError("the sample task failed")
