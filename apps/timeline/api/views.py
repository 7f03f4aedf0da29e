"""Tenant API: the organisation's activity timeline (the tenant slice), keyset-paginated."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView
from apps.timeline.forms import actor_id_for, day_start
from apps.timeline.selectors import timeline_page
from apps.timeline.sources import TENANT

from .serializers import TimelinePageSerializer, TimelineQuerySerializer


class TimelineView(TenantAPIView):
    tenant_access = "admin"

    @extend_schema(
        summary="List the organisation's activity",
        description="Audit events, sign-ins, provisioning, billing events, support tickets (public replies only) "
        "and record changes of the organisation, newest first, merged into one list. Keyset pagination: follow "
        "`next` (there is no total count). Filter by `kind` (repeatable), `actor` (email or user code), "
        "`since`/`until` (days, inclusive) and `correlation_id`. Staff-only events, IP addresses and internal "
        "notes are never included. Tenant admins only; API keys are refused (`api_key_not_allowed`); a "
        "malformed cursor is 400 `invalid_cursor`.",
        parameters=[TimelineQuerySerializer],
        responses={200: TimelinePageSerializer},
    )
    def get(self, request: Request) -> Response:
        query = TimelineQuerySerializer(data=_query_dict(request))
        query.is_valid(raise_exception=True)
        data = query.validated_data
        try:
            page = timeline_page(tenant=request.tenant, audience=TENANT, **_page_kwargs(data),  # type: ignore[attr-defined]
                                 limit=data["page_size"])  # fmt: skip
        except ValidationError as exc:
            raise serializers.ValidationError({"cursor": exc.messages}, code="invalid_cursor") from exc
        next_url = None
        if page.next_cursor:
            params = request.query_params.copy()
            params["cursor"] = page.next_cursor
            next_url = request.build_absolute_uri(f"{request.path}?{params.urlencode()}")
        results = [vars(entry) for entry in page.entries]
        return Response(TimelinePageSerializer({"next": next_url, "results": results}).data)


def _query_dict(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = {key: value for key, value in request.query_params.items() if key != "kind"}
    if "kind" in request.query_params:
        data["kind"] = request.query_params.getlist("kind")
    return data


def _page_kwargs(data: dict[str, Any]) -> dict[str, Any]:
    until = data.get("until")
    return {
        "kinds": data.get("kind") or None,
        "actor": actor_id_for(data.get("actor", "").strip()),
        "since": day_start(data.get("since")),
        "until": day_start(until + timedelta(days=1)) if until else None,
        "correlation_id": data.get("correlation_id") or None,
        "cursor": data.get("cursor") or None,
    }
