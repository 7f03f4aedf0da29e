"""Celery entry point: rebuild a template's rollups in the sender's tenant (tenant-schemas-celery runs the task
in the schema it was sent from), e.g. after a bulk repair. Thin: the work is rollup.rollup_rebuild."""

from celery import shared_task

from .rollup import rollup_rebuild


@shared_task(name="formstats.rebuild")
def rebuild(template_id: int) -> int:
    """The submissions counted after the rebuild."""
    return rollup_rebuild(int(template_id))
