from typing import Any

from apps.core.correlation import get_client, get_correlation_id

from .models import AuthEvent


def auth_event_record(
    *,
    kind: str,
    user: Any = None,
    email: str = "",
    tenant: Any = None,
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
    user_agent: str | None = None,
) -> AuthEvent:
    """Record one authentication event. IP, user agent and correlation id default to the current request's."""
    client_ip, client_agent = get_client()
    is_user = user is not None and getattr(user, "pk", None) is not None
    return AuthEvent.objects.create(
        kind=kind,
        user_id=user.pk if is_user else None,
        email=(email or (user.email if is_user else "")).lower()[:254],
        tenant_id=getattr(tenant, "pk", None),
        ip_address=ip_address if ip_address is not None else client_ip,
        user_agent=(user_agent if user_agent is not None else client_agent)[:512],
        correlation_id=get_correlation_id(),
        detail=detail or {},
    )
