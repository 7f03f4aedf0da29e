from celery import shared_task
from django_tenants.utils import schema_context

from .services import invitation_expire_due


@shared_task(name="invitations.expire_due")
def expire_due() -> int:
    """Beat, every 15 minutes: mark pending invitations past their expiry as expired."""
    # Invitations live in public; run there whatever schema the task was sent from.
    with schema_context("public"):
        return invitation_expire_due()
