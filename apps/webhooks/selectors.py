"""Reads of outbound webhooks, scoped to one owner (a tenant, or the platform when tenant is None).

"Not yours" and "missing" give the same 404.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from .models import WebhookDelivery, WebhookEndpoint


def _owned(queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
    return queryset.filter(tenant__isnull=True) if tenant is None else queryset.filter(tenant=tenant)


def tenant_endpoints(tenant: Any) -> QuerySet[WebhookEndpoint]:
    return _owned(WebhookEndpoint.objects.all(), tenant).order_by("-created_at", "-id")


def tenant_endpoint_get(*, tenant: Any, uuid: Any) -> WebhookEndpoint:
    endpoint = _owned(WebhookEndpoint.objects.select_related("tenant"), tenant).filter(uuid=uuid).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint in this organisation.")
    return endpoint


def tenant_deliveries(tenant: Any, *, endpoint: WebhookEndpoint | None = None) -> QuerySet[WebhookDelivery]:
    deliveries = _owned(WebhookDelivery.objects.select_related("endpoint", "event", "replay_of"), tenant)
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    return deliveries.order_by("-created_at", "-id")


def tenant_delivery_get(*, tenant: Any, uuid: Any) -> WebhookDelivery:
    delivery = (
        _owned(WebhookDelivery.objects.select_related("endpoint", "event", "replay_of"), tenant)
        .prefetch_related("attempts")
        .filter(uuid=uuid)
        .first()
    )
    if delivery is None:
        raise Http404("No such webhook delivery in this organisation.")
    return delivery


def delivery_stats(*, since: Any) -> dict[str, Any]:
    """Deliveries created since `since` by status, and the failure rate (failed / closed), for dashboards."""
    from django.db.models import Count

    rows = WebhookDelivery.objects.filter(created_at__gte=since).values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    closed = counts.get("succeeded", 0) + counts.get("failed", 0)
    return {"by_status": counts, "failure_rate": (counts.get("failed", 0) / closed) if closed else 0.0}
