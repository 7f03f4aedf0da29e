"""Tenant API of form analytics: `GET /api/v1/reports/analytics/<template id>/` (docs/form-analytics.md)."""

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from apps.formstats.access import API_PERMISSIONS, SOLUTION, analytics_scope, template_get
from apps.formstats.export import analytics_data
from apps.formstats.query import analytics_query_parse
from apps.formstats.selectors import analytics_read
from apps.surfaces.api import TenantAPIView

from .serializers import AnalyticsSerializer


class AnalyticsView(TenantAPIView):
    tenant_access = "member"
    resource_family = "reports"
    solution_code = SOLUTION
    permission_classes = API_PERMISSIONS

    @extend_schema(
        summary="Per-field analytics of a form",
        description="Aggregates of every field of the form over its submissions that count (submitted or approved; "
        "drafts and rejected ones do not), across all its versions by field key: `answered`, `sum`, `average`, "
        "`min`, `max` for numbers, ratings and computed fields, the distribution of choices for single and "
        "multiple choice, how many answered for the others (photos: `sum` is the number of photos). Read from "
        "rollups kept as submissions arrive, so a month of a workplace answers at once. Filters: `workplace` "
        "(ids or site codes, comma-separated or repeated), `person` (a user id or `me`), `from`/`to` (days in the "
        "organisation's time zone, both included), `group_by` (`workplace`, `person`, `day`, `week`, `month`). "
        "Tenant admins and `reports:read` keys read everything; a manager (a role with `formstats.view_analytics`) "
        "the workplaces of the role's scope; everyone else with Reports their own submissions.",
        parameters=[
            OpenApiParameter("workplace", str, description="Workplace ids or codes, e.g. `12,SYD-CBD`."),
            OpenApiParameter("person", str, description="A person's user id, or `me`."),
            OpenApiParameter("from", str, description="First day, YYYY-MM-DD."),
            OpenApiParameter("to", str, description="Last day, YYYY-MM-DD."),
            OpenApiParameter("group_by", str, enum=["workplace", "person", "day", "week", "month"]),
        ],
        responses={
            200: AnalyticsSerializer,
            400: OpenApiResponse(
                description="A filter refused, per parameter: `unknown_workplace`, "
                "`workplace_not_managed`, `invalid_person`, `unknown_person`, `person_not_allowed`, "
                "`invalid_date`, `invalid_period`, `invalid_group`, `period_too_long`."
            ),
            403: OpenApiResponse(
                description="Not a member, no access to Reports (`solution_access_required`, "
                "`solution_not_in_plan`), or an API key without `reports:read`."
            ),
            404: OpenApiResponse(description="No such published form."),
        },
    )
    def get(self, request: Request, pk: int, *args: Any, **kwargs: Any) -> Response:
        template = template_get(pk)
        tenant = request.tenant  # type: ignore[attr-defined]
        query = analytics_query_parse(
            request.query_params, template=template, scope=analytics_scope(request), user=request.user, tenant=tenant
        )
        return Response(AnalyticsSerializer(analytics_data(analytics_read(query))).data)
