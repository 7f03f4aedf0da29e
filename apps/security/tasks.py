from importlib import import_module

from celery import shared_task
from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from .models import UserSession


def expired_sessions_cleanup() -> int:
    """Delete Django's expired sessions and close the tracked sessions past their expiry.

    Returns how many tracked sessions were closed. Idempotent: a second run finds nothing to do.
    """
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
    # They ended when they expired, not when this sweep noticed.
    return UserSession.objects.filter(revoked_at__isnull=True, expires_at__lte=timezone.now()).update(
        revoked_at=F("expires_at"), end_reason=UserSession.EndReason.EXPIRED
    )


@shared_task(name="security.cleanup_expired_sessions")
def cleanup_expired_sessions() -> int:
    """Beat, hourly: sessions live in public; run there whatever schema the task was sent from."""
    with schema_context("public"):
        return expired_sessions_cleanup()
