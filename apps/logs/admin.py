"""Staff console for technical logs: read-only, filterable, no exact counts on the big tables."""

from typing import Any

from django.contrib import admin, messages
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

from apps.accounts.staff_roles import is_super_admin
from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import ApiRequestLog, ApplicationError, LogArchive, OperationalAlert
from .services import operational_alert_resolve


class EstimatedCountPaginator(Paginator):
    """The planner's row estimate instead of COUNT(*): one cheap EXPLAIN, even over millions of rows.

    Page links are therefore approximate on the big log tables; a page past the real end is empty.
    """

    @cached_property
    def count(self) -> int:  # type: ignore[override]
        queryset = self.object_list
        if not isinstance(queryset, QuerySet):
            return len(queryset)
        sql, params = queryset.order_by().query.sql_with_params()
        with connections[queryset.db].cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            import json

            plan = json.loads(plan)
        return max(int(plan[0]["Plan"]["Plan Rows"]), 0)


class TenantFilter(admin.SimpleListFilter):
    """Filter by tenant without a DISTINCT over the log table (tenants come from their own table)."""

    title = "tenant"
    parameter_name = "tenant"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        from django_tenants.utils import get_public_schema_name

        from apps.tenancy.models import Tenant

        tenants = (
            Tenant.objects.exclude(schema_name=get_public_schema_name())
            .order_by("name")
            .values_list("pk", "name")[:200]
        )
        return [(str(pk), name) for pk, name in tenants]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(tenant_id=self.value()) if self.value() else queryset


class StatusClassFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status_class"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("2", "2xx success"), ("3", "3xx redirect"), ("4", "4xx client error"), ("5", "5xx server error")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in {"2", "3", "4", "5"}:
            low = int(self.value()) * 100  # type: ignore[arg-type]
            return queryset.filter(status_code__gte=low, status_code__lt=low + 100)
        return queryset


class MethodFilter(admin.SimpleListFilter):
    title = "method"
    parameter_name = "method"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(m, m) for m in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(method=self.value()) if self.value() else queryset


class LogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    show_full_result_count = False
    list_per_page = 100
    date_hierarchy = None


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(LogAdmin):
    """Partitioned by month; filter by date first to touch one partition."""

    list_display = ["created_at", "method", "path", "status_code", "duration_ms", "tenant", "user",
                    "api_key_prefix", "correlation_id"]  # fmt: skip
    list_filter = [("created_at", admin.DateFieldListFilter), StatusClassFilter, MethodFilter, TenantFilter]
    search_fields = ["=correlation_id", "path"]
    list_select_related = ["tenant", "user"]
    paginator = EstimatedCountPaginator


@admin.register(ApplicationError)
class ApplicationErrorAdmin(LogAdmin):
    list_display = ["created_at", "source", "exception_class", "short_message", "path", "tenant", "correlation_id"]
    list_filter = [("created_at", admin.DateFieldListFilter), "source", TenantFilter]
    search_fields = ["=correlation_id", "path", "exception_class", "=fingerprint"]
    list_select_related = ["tenant"]
    paginator = EstimatedCountPaginator

    @admin.display(description="message")
    def short_message(self, obj: ApplicationError) -> str:
        return obj.message[:120]


@admin.register(LogArchive)
class LogArchiveAdmin(LogAdmin):
    list_display = ["range_start", "table", "part", "status", "row_count", "path", "sha256", "verified_at"]
    list_filter = ["table", "status", ("range_start", admin.DateFieldListFilter)]
    search_fields = ["path", "=sha256"]


@admin.register(OperationalAlert)
class OperationalAlertAdmin(LogAdmin):
    list_display = ["created_at", "kind", "severity", "key", "resolved_at"]
    list_filter = ["kind", "severity", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["key", "message", "=correlation_id"]
    actions = ["resolve"]

    def has_resolve_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user)

    @admin.action(description="Mark the selected alerts resolved", permissions=["resolve"])
    def resolve(self, request: HttpRequest, queryset: QuerySet) -> None:
        for alert in queryset.filter(resolved_at__isnull=True).order_by("pk"):
            operational_alert_resolve(alert=alert, acting_user=request.user)
        self.message_user(request, "Alerts resolved.", messages.SUCCESS)
