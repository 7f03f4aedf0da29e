"""Staff console for tenants, plans, provisioning jobs and daily usage.

Lifecycle changes (suspend, archive, delete, retry, change plan) and new tenants go through the
services in apps/tenancy/lifecycle.py via apps/tenancy/admin_actions.py; the forms here only edit
the fields a tenant may override (name, contacts, limits, placement, security policy).
"""

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from apps.audit.services import audit_record
from apps.core.admin_mixins import NoWritesAdminMixin, ReadOnlyInlineMixin, ServiceWritesAdminMixin

from .admin_actions import (
    archive_tenants,
    change_plan,
    delete_tenants,
    reactivate_tenants,
    retry_provisioning,
    suspend_tenants,
    tenant_admin_urls,
)
from .domains import domain_add, domain_make_primary, domain_remove, domain_verify
from .migrations_state import migration_states
from .models import Domain, Plan, ProvisioningJob, ProvisioningStep, Tenant, TenantUsageDaily
from .services import plan_create, plan_update
from .tenant_browser import available_sections, tenant_browser_urls
from .usage import usage_series

USAGE_DAYS = 90

# --- Usage chart (server-side SVG) ----------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 640, 140, 28


def _polyline(values: Sequence[float]) -> str:
    top = max(values, default=0) or 1
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(values) - 1, 1)
    span = CHART_HEIGHT - 2 * CHART_PAD
    return " ".join(
        f"{CHART_PAD + i * step:.1f},{CHART_HEIGHT - CHART_PAD - value / top * span:.1f}"
        for i, value in enumerate(values)
    )


def svg_line_chart(*, title: str, days: Sequence[dt.date], values: Sequence[float]) -> SafeString:
    """A small accessible line chart; no JavaScript, so it renders in any admin page."""
    bottom, right = CHART_HEIGHT - CHART_PAD, CHART_WIDTH - CHART_PAD
    first, last = (days[0], days[-1]) if days else ("", "")
    return format_html(
        '<figure class="usage-chart" style="margin:0 0 1em">'
        '<figcaption><strong>{title}</strong> — latest {latest}, peak {peak}</figcaption>'
        '<svg role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{title}, {first} to {last}">'
        "<title>{title}</title>"
        '<line x1="{pad}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>'
        '<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{bottom}" stroke="#999"/>'
        '<polyline fill="none" stroke="#417690" stroke-width="2" points="{points}"/>'
        '<text x="{pad}" y="{h}" font-size="11" dy="-6">{first}</text>'
        '<text x="{right}" y="{h}" font-size="11" dy="-6" text-anchor="end">{last}</text>'
        '<text x="{pad}" y="{pad}" font-size="11" dx="4" dy="-8">{peak}</text>'
        "</svg></figure>",
        title=title, latest=values[-1] if values else 0, peak=max(values, default=0), w=CHART_WIDTH,
        h=CHART_HEIGHT, pad=CHART_PAD, bottom=bottom, right=right, points=_polyline(values), first=first, last=last,
    )  # fmt: skip


def usage_charts(tenant: Tenant) -> SafeString:
    points = usage_series(tenant=tenant, days=USAGE_DAYS)
    days = [point.date for point in points]
    return format_html(
        "{}{}",
        svg_line_chart(title="Active users", days=days, values=[p.active_users for p in points]),
        svg_line_chart(title="API calls", days=days, values=[p.api_calls for p in points]),
    )


# --- Inlines ---------------------------------------------------------------------------------------


class DomainInline(ReadOnlyInlineMixin, admin.TabularInline):
    """Read-only: domains are added and verified through apps/tenancy/domains.py (token, DNS check)."""

    model = Domain
    show_change_link = True
    fields = readonly_fields = ("domain", "is_primary", "verification_status", "verified_at", "last_checked_at",
                                "last_check_error", "tls_status", "tls_expires_at", "tls_checked_at",
                                "tls_error")  # fmt: skip


def step_timings(job: ProvisioningJob) -> SafeString:
    """The job's steps with status and duration; uses the prefetched steps (no query per job)."""
    rows = [
        (step.position, step.name, step.get_status_display(), _seconds(step.duration_s), step.error[:120])
        for step in job.steps.all()
    ]
    if not rows:
        return format_html("<em>{}</em>", "No steps recorded yet")
    return format_html(
        "<ol style='margin:0;padding-left:1.2em'>{}</ol>",
        format_html_join("", "<li value='{}'>{} — {} ({}) <span class='errors'>{}</span></li>", rows),
    )


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


class ProvisioningJobInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ProvisioningJob
    fk_name = "tenant"
    show_change_link = True
    fields = readonly_fields = ("status", "attempts", "admin_email", "created_at", "started_at", "finished_at",
                                "duration", "steps", "error")  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProvisioningJob]:
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description="Duration")
    def duration(self, job: ProvisioningJob) -> str:
        if job.started_at and job.finished_at:
            return _seconds((job.finished_at - job.started_at).total_seconds())
        return "—"

    @admin.display(description="Steps and timings")
    def steps(self, job: ProvisioningJob) -> SafeString:
        return step_timings(job)


# --- Tenants ---------------------------------------------------------------------------------------

LIFECYCLE_FIELDS = ["status", "failed_step", "failure_error", "suspended_at", "suspension_reason", "archived_at",
                    "archive_reason", "delete_after", "deleted_at"]  # fmt: skip


@admin.register(Tenant)
class TenantAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "plan", "status", "users", "storage", "created_at"]
    list_filter = ["status", "plan", "plan_status", "isolation_level"]
    # The search box also takes an exact domain: see get_search_results (no join, so no duplicates).
    search_fields = ["name", "slug"]
    search_help_text = "Name or slug (contains), or an exact domain such as acme.example.com."
    list_select_related = ["plan"]
    show_full_result_count = False
    list_per_page = 50
    actions = [suspend_tenants, reactivate_tenants, archive_tenants, delete_tenants, retry_provisioning, change_plan]
    inlines = [DomainInline, ProvisioningJobInline]
    change_list_template = "admin/tenancy/tenant/tenant_change_list.html"
    fieldsets = [
        (None, {"fields": ["id", "name", "slug", "schema_name", "migration_state", "created_at", "updated_at"]}),
        ("Plan and contacts", {"fields": ["plan", "plan_status", "billing_email", "country", "time_zone"]}),
        (
            "Limits and current usage",
            {"fields": ["max_users", "current_users", "max_storage_gb", "current_storage_gb", "api_calls_per_day"]},
        ),
        (f"Usage, last {USAGE_DAYS} days", {"fields": ["usage_chart"]}),
        ("Lifecycle", {"fields": LIFECYCLE_FIELDS}),
        ("Security policy", {"fields": ["mfa_required"]}),
        ("Inside the tenant", {"fields": ["tenant_data"]}),
        (
            "Placement",
            {"fields": ["isolation_level", "db_name", "db_host", "db_port", "db_user"], "classes": ["collapse"]},
        ),
    ]
    readonly_fields = ["id", "slug", "schema_name", "migration_state", "created_at", "updated_at", "plan",
                       "current_users", "current_storage_gb", "usage_chart", "isolation_level", "tenant_data",
                       *LIFECYCLE_FIELDS]  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        return super().get_queryset(request).filter(is_template=False)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Tenant], search_term: str
    ) -> tuple[QuerySet[Tenant], bool]:
        term = search_term.strip()
        if not term:
            return queryset, False
        owners = Domain.objects.filter(domain=term.lower()).values("tenant_id")
        matches = Q(name__icontains=term) | Q(slug__icontains=term) | Q(pk__in=owners)
        return queryset.filter(matches), False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Tenants are archived then deleted through the lifecycle action, never deleted from the admin.
        return False

    def get_urls(self) -> list[Any]:
        overview = path("schemas/", self.admin_site.admin_view(self.schemas_view), name="tenancy_tenant_schemas")
        return [overview, *tenant_admin_urls(self), *tenant_browser_urls(self), *super().get_urls()]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        # New tenants are requested (a provisioning job), never saved as a bare row.
        return HttpResponseRedirect(reverse("admin:tenancy_tenant_request"))

    @transaction.atomic
    def save_model(self, request: HttpRequest, obj: Tenant, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        audit_record(action="tenant.updated", acting_user=request.user, tenant=obj, target=obj,
                     after={name: str(value) for name, value in changed.items()})  # fmt: skip

    @admin.display(description="Users / limit")
    def users(self, tenant: Tenant) -> str:
        return f"{tenant.current_users} / {tenant.max_users}"

    @admin.display(description="Storage / limit")
    def storage(self, tenant: Tenant) -> str:
        return f"{tenant.current_storage_gb.normalize():f} / {tenant.max_storage_gb.normalize():f} GB"

    @admin.display(description="Usage")
    def usage_chart(self, tenant: Tenant) -> SafeString:
        return usage_charts(tenant) if tenant.pk else format_html("")

    @admin.display(description="Organisation and access (read-only)")
    def tenant_data(self, tenant: Tenant) -> SafeString:
        if not tenant.pk:
            return format_html("—")
        if tenant.status in (Tenant.Status.REQUESTED, Tenant.Status.DELETED):  # no schema, but a timeline
            return format_html('<a href="{}">Timeline</a>', reverse("timeline-admin:tenant", args=[tenant.pk]))
        links = [(reverse("timeline-admin:tenant", args=[tenant.pk]), "Timeline")] + [
            (reverse("admin:tenancy_tenant_data", args=[tenant.pk, section.key]), section.label)
            for section in available_sections()
        ]
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    @admin.display(description="Migrations")
    def migration_state(self, tenant: Tenant) -> str:
        behind = migration_states([tenant.schema_name]).get(tenant.schema_name)
        return migration_label(behind)

    def schemas_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": "Tenant schemas: migrations and provisioning", **schema_overview(request)}  # fmt: skip
        return TemplateResponse(request, "admin/tenancy/tenant/schemas_overview.html", context)


def migration_label(behind: int | None) -> str:
    if behind is None:
        return "missing schema"
    return "up to date" if behind == 0 else f"{behind} behind"


SCHEMA_STATES = {"behind": "Behind", "missing": "Missing schema", "current": "Up to date"}


def _state_key(behind: int | None) -> str:
    return "missing" if behind is None else ("behind" if behind else "current")


def schema_overview(request: HttpRequest) -> dict[str, Any]:
    """Every tenant schema (template included) with its migration state and last provisioning job.

    The migration state of all schemas costs a few set-based queries (apps/tenancy/migrations_state.py);
    the last jobs of the shown page cost one DISTINCT ON query.
    """
    tenants = list(Tenant.objects.exclude(schema_name="public").order_by("-is_template", "name")
                   .only("id", "name", "slug", "schema_name", "status", "is_template"))  # fmt: skip
    states = migration_states(t.schema_name for t in tenants)
    counts = {key: 0 for key in SCHEMA_STATES}
    for behind in states.values():
        counts[_state_key(behind)] += 1
    wanted = request.GET.get("state", "")
    shown = [t for t in tenants if not wanted or _state_key(states[t.schema_name]) == wanted]
    page = Paginator(shown, 100).get_page(request.GET.get("p"))
    last_jobs = {job.tenant_id: job for job in ProvisioningJob.objects.filter(tenant__in=[t.pk for t in page])
                 .order_by("tenant_id", "-created_at", "-id").distinct("tenant_id")}  # fmt: skip
    rows = [{"tenant": t, "behind": states[t.schema_name], "label": migration_label(states[t.schema_name]),
             "state": _state_key(states[t.schema_name]), "job": last_jobs.get(t.pk)} for t in page]  # fmt: skip
    links = [(key, label, counts[key]) for key, label in SCHEMA_STATES.items()]
    return {"rows": rows, "page": page, "state_links": links, "wanted": wanted, "total": len(tenants)}


@admin.register(Domain)
class DomainAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    """Verified and primary change only through the DNS proof services (apps/tenancy/domains.py):
    the actions check the TXT record now or make a verified domain primary. The TLS fields are the
    certificate check's (apps/domains/tls.py, which adds its "check the certificate" action here)."""

    list_display = ["domain", "tenant", "is_primary", "verification_status", "tls_status", "tls_expires_at",
                    "last_checked_at"]  # fmt: skip
    list_filter = ["is_primary", "verification_status", "tls_status"]
    search_fields = ["domain", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    autocomplete_fields = ["tenant"]
    readonly_fields = ["is_primary", "verification_status", "verification_token", "verified_at", "last_checked_at",
                       "last_check_error", "tls_status", "tls_expires_at", "tls_checked_at", "tls_error",
                       "created_at"]  # fmt: skip
    show_full_result_count = False
    actions: list[Any] = ["verify_domains", "make_primary"]  # apps/domains/admin.py adds the certificate check

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Once added, a hostname stays what was proven; the TLS status is the certificate job's.
        fixed = ["domain", "tenant"] if obj is not None else []
        return fixed + list(self.readonly_fields)

    def record_create(self, request: HttpRequest, fields: dict[str, Any]) -> Domain:
        return domain_add(tenant=fields["tenant"], domain=fields["domain"], acting_user=request.user)

    def record_update(self, request: HttpRequest, obj: Domain, changes: dict[str, Any]) -> Domain:
        return obj  # nothing on the change form is editable

    def delete_model(self, request: HttpRequest, obj: Domain) -> None:
        domain_remove(domain=obj, acting_user=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        for domain in queryset.order_by("pk"):
            domain_remove(domain=domain, acting_user=request.user)

    @admin.action(description="Check the DNS record of the selected domains now", permissions=["change"])
    def verify_domains(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        verified = sum(domain_verify(domain=domain, acting_user=request.user) for domain in queryset.order_by("pk"))
        self.message_user(request, f"{verified} of {queryset.count()} domain(s) verified.", messages.SUCCESS)

    @admin.action(description="Make the selected verified domain its organisation's primary", permissions=["change"])
    def make_primary(self, request: HttpRequest, queryset: QuerySet[Domain]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one domain to make primary.", messages.ERROR)
            return
        try:
            domain = domain_make_primary(domain=queryset.get(), acting_user=request.user)
        except ValidationError as refusal:
            self.message_user(request, " ".join(refusal.messages), messages.ERROR)
            return
        self.message_user(request, f"{domain} is now the primary domain of {domain.tenant}.", messages.SUCCESS)


# --- Plans -----------------------------------------------------------------------------------------

PRICE_FIELDS = ["price_monthly", "price_quarterly", "price_annual"]


class PlanAdminForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = ["name", "display_name", "description", "currency", *PRICE_FIELDS, "max_users", "max_storage_gb",
                  "api_calls_per_day", "features", "trial_days", "proration_upgrade", "proration_downgrade",
                  "stripe_product_id", "stripe_price_id_monthly", "stripe_price_id_quarterly",
                  "stripe_price_id_annual", "is_active", "display_order"]  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The database refuses it too (tenancy_plan_prices_not_negative); this says which field.
        for name in PRICE_FIELDS:
            price = cleaned.get(name)
            if price is not None and price < Decimal("0"):
                self.add_error(name, forms.ValidationError("A price cannot be negative.", code="negative_price"))
        return cleaned


@admin.register(Plan)
class PlanAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    form = PlanAdminForm
    list_display = ["name", "display_name", "currency", *PRICE_FIELDS, "max_users", "max_storage_gb",
                    "api_calls_per_day", "trial_days", "proration_upgrade", "proration_downgrade", "is_active",
                    "display_order"]  # fmt: skip
    list_filter = ["is_active", "currency", "proration_upgrade", "proration_downgrade"]
    search_fields = ["name", "display_name"]
    list_select_related: list[str] = []
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Tenants reference plans (PROTECT); retire a plan by clearing "active" instead.
        return False

    def record_create(self, request: HttpRequest, fields: dict[str, Any]) -> Plan:
        return plan_create(acting_user=request.user, **fields)

    def record_update(self, request: HttpRequest, obj: Plan, changes: dict[str, Any]) -> Plan:
        return plan_update(plan=obj, acting_user=request.user, **changes)


# --- Provisioning jobs -----------------------------------------------------------------------------


class ProvisioningStepInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ProvisioningStep
    show_change_link = False
    fields = readonly_fields = ("position", "name", "status", "started_at", "finished_at", "duration", "error")

    @admin.display(description="Duration")
    def duration(self, step: ProvisioningStep) -> str:
        return _seconds(step.duration_s)


@admin.register(ProvisioningJob)
class ProvisioningJobAdmin(NoWritesAdminMixin, admin.ModelAdmin):
    list_display = ["id", "tenant", "status", "attempts", "created_at", "started_at", "finished_at", "requested_by"]
    list_filter = ["status"]
    search_fields = ["tenant__name", "tenant__slug"]
    list_select_related = ["tenant", "requested_by"]
    inlines = [ProvisioningStepInline]
    show_full_result_count = False


# --- Daily usage -----------------------------------------------------------------------------------


class RecentDaysFilter(admin.SimpleListFilter):
    """A cheap date filter: date_hierarchy would scan this large table for its year/month links."""

    title = "date"
    parameter_name = "days"
    DAYS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days"}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return list(self.DAYS.items())

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() not in self.DAYS:
            return queryset
        since = timezone.now().date() - dt.timedelta(days=int(self.value() or 0) - 1)
        return queryset.filter(date__gte=since)


@admin.register(TenantUsageDaily)
class TenantUsageDailyAdmin(NoWritesAdminMixin, admin.ModelAdmin):
    list_display = ["tenant", "date", "active_users", "storage_used_gb", "emails_sent", "whatsapp_messages_sent",
                    "api_calls"]  # fmt: skip
    list_filter = [RecentDaysFilter]
    # Exact slug: a contains-search would join and scan every row of this table.
    search_fields = ["=tenant__slug"]
    search_help_text = "Exact tenant slug."
    list_select_related = ["tenant"]
    show_full_result_count = False
