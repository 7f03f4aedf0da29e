"""Payloads of the events domains publishes (built when published, so they describe the committed row)."""

from typing import Any

from django.utils import timezone

from apps.tenancy.models import Domain


def domain_certificate_payload(domain: Domain) -> dict[str, Any]:
    """`event_id` names this check's result, so one change of status is one message whatever the retries."""
    expires = domain.tls_expires_at
    checked = domain.tls_checked_at.isoformat() if domain.tls_checked_at else ""
    return {
        "event_id": f"domain_certificate:{domain.pk}:{domain.tls_status}:{checked}",
        "domain": domain.domain,
        "domain_id": domain.pk,
        "status": domain.tls_status,
        "status_display": domain.get_tls_status_display(),
        "expires_at": expires.isoformat() if expires else None,
        "expires_display": timezone.localtime(expires).strftime("%Y-%m-%d %H:%M %Z") if expires else "",
        "error": domain.tls_error,
    }
