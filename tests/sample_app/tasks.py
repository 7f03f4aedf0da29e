from celery import shared_task


@shared_task(name="sample.tick")
def tick() -> str:
    return "tick"
