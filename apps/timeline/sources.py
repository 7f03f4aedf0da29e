"""The timeline's sources: one small class per table that feeds a tenant's timeline.

Each source answers one keyset query: rows of ONE tenant, filtered by actor, date range and
correlation id, strictly older than the cursor, newest first, LIMIT n. The merge (selectors.py)
takes the newest rows across sources, so a page costs one query per source at any depth.

Sources whose table lives in the tenant's schema (`tenant_schema = True`) are queried inside
`schema_context(tenant.schema_name)`: their rows are the tenant's by construction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from django.apps import apps
from django.db.models import F, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch, reverse

from apps.audit.models import PiiVault
from apps.audit.pseudonyms import ERASED
from apps.core.contributions import TimelineSource, contributions, resolve
from apps.core.crypto import secret_decrypt

STAFF = "staff"
TENANT = "tenant"
STAFF_LABEL = "Platform staff"

# Audit actions tenants never see: the staff's own look at their data and other staff-console traces.
STAFF_ONLY_AUDIT_PREFIXES = ("tenant.data_viewed", "staff.", "support.ticket_note_added", "support.ticket_assigned")


class Kind:
    AUDIT = "audit"
    AUTH = "auth"
    PROVISIONING = "provisioning"
    BILLING = "billing"
    SUPPORT = "support"
    EMAIL = "email"
    HISTORY = "history"

    choices: ClassVar[list[tuple[str, str]]] = [
        ("audit", "Audit events"),
        ("auth", "Sign-ins and security"),
        ("provisioning", "Provisioning"),
        ("billing", "Billing"),
        ("support", "Support tickets"),
        ("email", "Emails sent"),
        ("history", "Record changes"),
    ]
    values: ClassVar[list[str]] = [value for value, _ in choices]


@dataclass(frozen=True)
class Cursor:
    """The last entry of a page: (timestamp, source, id). Entries sort by these three, descending."""

    timestamp: datetime
    source: str
    id: int


@dataclass
class TimelineEntry:
    kind: str
    source: str
    id: int
    timestamp: datetime
    actor_label: str
    summary: str
    link: str = ""
    correlation_id: str = ""
    detail: str = ""
    related: int = field(default=0)  # how many entries of this page share the correlation id

    @property
    def sort_key(self) -> tuple[datetime, str, int]:
        return (self.timestamp, self.source, self.id)


def admin_url(model: Model | str, pk: Any) -> str:
    label = model if isinstance(model, str) else model._meta.label_lower
    app_label, model_name = label.split(".")
    try:
        return reverse(f"admin:{app_label}_{model_name}_change", args=[pk])
    except NoReverseMatch:
        return ""


def user_label(user: Any, audience: str) -> str:
    if user is None:
        return "system"
    if audience == TENANT and (user.is_staff or user.is_superuser):
        return STAFF_LABEL
    return user.email or user.code


class Source:
    """One table in the timeline. Subclasses set the model and the fields; override to_entry()."""

    name: ClassVar[str]  # unique; part of the cursor and of the sort order
    kind: ClassVar[str]
    model_label: ClassVar[str]
    ts_field: ClassVar[str] = "created_at"
    id_field: ClassVar[str] = "id"
    actor_field: ClassVar[str | None] = None  # the *_id column of the acting user
    actor_relation: ClassVar[str | None] = None  # select_related path for the actor label
    # The column with the id of the request or task that wrote the row (apps.core.correlation). Every
    # source has one (apps/timeline/tests/test_correlation.py); None would drop the source
    # from a correlation-filtered page.
    correlation_field: ClassVar[str | None] = "correlation_id"
    tenant_visible: ClassVar[bool] = True
    tenant_schema: ClassVar[bool] = False
    deferred: ClassVar[tuple[str, ...]] = ()  # big columns an entry never shows (JSON payloads, hashes)

    def model(self) -> type[Model] | None:
        app_label, model_name = self.model_label.split(".")
        try:
            return apps.get_model(app_label, model_name)
        except LookupError:  # an app still being written (support): the source waits for it
            return None

    def available(self) -> bool:
        return self.model() is not None

    def scope(self, queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
        return queryset.filter(tenant_id=tenant.pk)

    def audience_filter(self, queryset: QuerySet[Any], audience: str) -> QuerySet[Any]:
        return queryset

    def timestamp_expression(self) -> Any:
        return F(self.ts_field)

    def queryset(
        self,
        *,
        tenant: Any,
        audience: str,
        actor: Any,
        since: datetime | None,
        until: datetime | None,
        correlation_id: str | None,
        cursor: Cursor | None,
        limit: int,
    ) -> QuerySet[Any] | None:
        """The keyset query, or None when the filters exclude this source entirely."""
        model = self.model()
        if model is None:
            return None
        if actor is not None and self.actor_field is None:
            return None
        if correlation_id and self.correlation_field is None:
            return None
        qs = self.audience_filter(self.scope(model._default_manager.all(), tenant), audience)
        qs = qs.annotate(tl_ts=self.timestamp_expression(), tl_id=F(self.id_field))
        if actor is not None:
            qs = qs.filter(**{str(self.actor_field): actor})
        if correlation_id:
            qs = qs.filter(**{str(self.correlation_field): correlation_id})
        if since is not None:
            qs = qs.filter(tl_ts__gte=since)
        if until is not None:
            qs = qs.filter(tl_ts__lt=until)
        qs = qs.filter(tl_ts__isnull=False)
        if cursor is not None:
            qs = qs.filter(self.keyset(cursor))
        if self.actor_relation:
            qs = qs.select_related(self.actor_relation)
        if self.deferred:
            qs = qs.defer(*self.deferred)
        return qs.order_by("-tl_ts", "-tl_id")[: limit + 1]

    def keyset(self, cursor: Cursor) -> Q:
        """Rows strictly after the cursor in (timestamp desc, source desc, id desc) order."""
        older = Q(tl_ts__lt=cursor.timestamp)
        if self.name < cursor.source:
            return Q(tl_ts__lte=cursor.timestamp)
        if self.name == cursor.source:
            return Q(tl_ts__lte=cursor.timestamp) & (older | Q(tl_ts=cursor.timestamp, tl_id__lt=cursor.id))
        return older

    def actor_label(self, row: Any, audience: str) -> str:
        if not self.actor_relation:
            return "system"
        return user_label(getattr(row, self.actor_relation), audience)

    def entry(self, row: Any, audience: str, summary: str, link: str = "", detail: str = "") -> TimelineEntry:
        return TimelineEntry(
            kind=self.kind,
            source=self.name,
            id=row.tl_id,
            timestamp=row.tl_ts,
            actor_label=self.actor_label(row, audience),
            summary=summary,
            link=link if audience == STAFF else "",
            correlation_id=getattr(row, self.correlation_field, "") if self.correlation_field else "",
            detail=detail,
        )

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        raise NotImplementedError


class AuditSource(Source):
    name = "audit"
    kind = Kind.AUDIT
    model_label = "audit.AuditEvent"
    actor_field = "actor_id"
    deferred = ("before", "after", "user_agent", "prev_hash", "hash")
    actor_relation = "actor"

    def audience_filter(self, queryset: QuerySet[Any], audience: str) -> QuerySet[Any]:
        if audience == STAFF:
            # Newer rows keep the client IP as a pseudonym (apps.audit.pseudonyms): staff see the real
            # value from the PII vault, fetched in the same query (a correlated subquery per row).

            vault = PiiVault.objects.filter(pseudonym=OuterRef("ip_pseudonym")).values("value_encrypted")[:1]
            return queryset.annotate(ip_vault_value=Subquery(vault))
        hidden = Q()
        for prefix in STAFF_ONLY_AUDIT_PREFIXES:
            hidden |= Q(action__startswith=prefix)
        return queryset.exclude(hidden)

    def actor_label(self, row: Any, audience: str) -> str:
        if row.actor is None:
            return row.actor_label or "system"
        return user_label(row.actor, audience)

    @staticmethod
    def _client_ip(row: Any) -> str:
        if row.ip_address:  # rows written before the pseudonym vault
            return str(row.ip_address)
        encrypted = getattr(row, "ip_vault_value", None)
        return secret_decrypt(encrypted) if encrypted else ERASED

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        target = f" {row.target_type} #{row.target_id}" if row.target_type else ""
        detail = f"IP {self._client_ip(row)}" if audience == STAFF and (row.ip_address or row.ip_pseudonym) else ""
        return self.entry(row, audience, f"{row.action}{target}", admin_url(row, row.pk), detail)


class AuthSource(Source):
    name = "auth"
    kind = Kind.AUTH
    model_label = "security.AuthEvent"
    actor_field = "user_id"
    deferred = ("detail", "user_agent")
    actor_relation = "user"

    def audience_filter(self, queryset: QuerySet[Any], audience: str) -> QuerySet[Any]:
        # Tenants see their people's sign-ins, never the staff's (nor anybody's IP address).
        return queryset if audience == STAFF else queryset.exclude(user__is_staff=True)

    def actor_label(self, row: Any, audience: str) -> str:
        if row.user is None:  # a failed sign-in: what was typed is shown to staff only
            return (row.email or "unknown") if audience == STAFF else "unknown account"
        return user_label(row.user, audience)

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        parts = [f"IP {row.ip_address}"] if audience == STAFF and row.ip_address else []
        if row.risk_score is not None:  # a scored sign-in (apps/security/risk.py): score, reasons, place
            reasons = ", ".join(flag.replace("_", " ") for flag in row.risk_flags)
            parts.append(f"risk {row.risk_score}/100" + (f" ({reasons})" if reasons else ""))
            parts.append(", ".join(part for part in (row.city, row.country) if part) or "unknown location")
        return self.entry(row, audience, row.get_kind_display(), admin_url(row, row.pk), " · ".join(parts))


class ProvisioningSource(Source):
    """Each step of a provisioning job; its correlation id is the run that last ran it (the request
    that asked for the tenant, through the task header; a retry's own id for the steps it re-ran)."""

    name = "provisioning"
    kind = Kind.PROVISIONING
    model_label = "tenancy.ProvisioningStep"
    actor_field = "job__requested_by_id"
    actor_relation = "job__requested_by"

    def scope(self, queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
        return queryset.filter(job__tenant_id=tenant.pk)

    def timestamp_expression(self) -> Any:
        return Coalesce("finished_at", "started_at", "job__created_at")

    def actor_label(self, row: Any, audience: str) -> str:
        return user_label(row.job.requested_by, audience) if row.job.requested_by else "system"

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        detail = row.error[:200] if audience == STAFF and row.error else ""
        summary = f"Provisioning step “{row.name}” {row.get_status_display().lower()}"
        return self.entry(row, audience, summary, admin_url("tenancy.tenant", row.job.tenant_id), detail)


class InvoiceIssuedSource(Source):
    name = "invoice_issued"
    kind = Kind.BILLING
    model_label = "billing.Invoice"
    ts_field = "issued_at"

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        summary = f"Invoice {row.number or row.pk} issued: {row.total} {row.currency}"
        return self.entry(row, audience, summary, admin_url(row, row.pk))


class InvoicePaidSource(InvoiceIssuedSource):
    """The invoice row again, at paid_at: it keeps the id of the run or request that issued the invoice
    (the payment entry carries the id of the request or run that paid it)."""

    name = "invoice_paid"
    ts_field = "paid_at"

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        summary = f"Invoice {row.number or row.pk} paid: {row.amount_paid} {row.currency}"
        return self.entry(row, audience, summary, admin_url(row, row.pk))


class PaymentSource(Source):
    name = "payment"
    kind = Kind.BILLING
    model_label = "billing.Payment"

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        summary = f"Payment of {row.amount} {row.currency} {row.get_status_display().lower()}"
        detail = row.failure_reason if row.status == "failed" else ""
        return self.entry(row, audience, summary, admin_url(row, row.pk), detail)


class SubscriptionChangeSource(Source):
    name = "subscription_change"
    kind = Kind.BILLING
    model_label = "billing.SubscriptionChange"
    actor_field = "acting_user_id"
    actor_relation = "acting_user"

    def scope(self, queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
        return queryset.filter(subscription__tenant_id=tenant.pk).select_related("from_plan", "to_plan")

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        summary = f"Subscription: {row.get_kind_display().lower()} ({row.get_status_display().lower()})"
        if row.to_plan_id:
            summary += f" → {row.to_plan.display_name or row.to_plan.name}"
        return self.entry(row, audience, summary, admin_url("billing.subscription", row.subscription_id))


class EmailSource(Source):
    """Emails sent about the tenant (invitations, billing notices, support replies, webhook alerts)."""

    name = "email"
    kind = Kind.EMAIL
    model_label = "emails.EmailDelivery"

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        summary = f"Email “{row.subject or row.template}” to {row.recipient}: {row.get_status_display().lower()}"
        detail = row.error[:200] if audience == STAFF and row.error else row.template
        return self.entry(row, audience, summary, admin_url(row, row.pk), detail)


class TicketSource(Source):
    name = "ticket"
    kind = Kind.SUPPORT
    model_label = "support.Ticket"
    actor_field = "requester_id"
    deferred = ("description",)
    actor_relation = "requester"

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        summary = f"Ticket {row.number} opened: {row.subject}"
        return self.entry(row, audience, summary, admin_url(row, row.pk), f"{row.priority} · {row.status}")


class TicketMessageSource(Source):
    name = "ticket_message"
    kind = Kind.SUPPORT
    model_label = "support.TicketMessage"
    actor_field = "author_id"
    deferred = ("body",)
    actor_relation = "author"

    def scope(self, queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
        return queryset.filter(ticket__tenant_id=tenant.pk).select_related("ticket")

    def audience_filter(self, queryset: QuerySet[Any], audience: str) -> QuerySet[Any]:
        return queryset if audience == STAFF else queryset.filter(is_internal=False)

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        what = "Internal note on" if row.is_internal else "Reply on"
        return self.entry(row, audience, f"{what} ticket {row.ticket.number}", admin_url(row.ticket, row.ticket_id))


class HistorySource(Source):
    """The simple-history table of one model (history_date, history_id, history_user)."""

    kind = Kind.HISTORY
    ts_field = "history_date"
    id_field = "history_id"
    actor_field = "history_user_id"
    actor_relation = "history_user"
    label_fields: ClassVar[tuple[str, ...]] = ("name", "display_name", "title", "email", "code")
    TYPES: ClassVar[dict[str, str]] = {"+": "created", "~": "changed", "-": "deleted"}

    def subject(self, row: Any) -> str:
        for name in self.label_fields:
            value = getattr(row, name, None)
            if value:
                return f"“{value}”"
        return f"#{self.object_pk(row)}"

    @staticmethod
    def object_pk(row: Any) -> Any:
        """The tracked object's primary key: not always `id` (a geofence's is its site)."""
        return getattr(row, row.instance_type._meta.pk.attname)

    def to_entry(self, row: Any, audience: str) -> TimelineEntry:
        verbose = row.instance_type._meta.verbose_name
        summary = f"{str(verbose).capitalize()} {self.subject(row)} {self.TYPES.get(row.history_type, 'changed')}"
        link = "" if self.tenant_schema else admin_url(row.instance_type._meta.label_lower, self.object_pk(row))
        return self.entry(row, audience, summary, link, row.history_change_reason or "")


class TenantHistorySource(HistorySource):
    name = "history_tenant"
    model_label = "tenancy.HistoricalTenant"
    tenant_visible = False  # plan status, placement, lifecycle notes: the platform's record

    def scope(self, queryset: QuerySet[Any], tenant: Any) -> QuerySet[Any]:
        return queryset.filter(id=tenant.pk)


class MembershipHistorySource(HistorySource):
    name = "history_membership"
    model_label = "accounts.HistoricalMembership"

    def subject(self, row: Any) -> str:
        return f"#{row.id} ({row.role}, {row.status})"


def tenant_schema_history(model_label: str) -> type[HistorySource]:
    """A history source for a model inside the tenant schema (the schema is the scope); the app that
    owns the model declares it: `TimelineSource(tenant_schema_history("access.HistoricalRole"))`."""
    attrs = {
        "name": "history_" + model_label.split(".")[1].lower().removeprefix("historical"),
        "model_label": model_label,
        "tenant_schema": True,
        "scope": lambda self, queryset, tenant: queryset,
    }
    return type(f"{model_label.replace('.', '')}Source", (HistorySource,), attrs)


def registered_sources() -> list[Source]:
    """The sources the apps declare (`TimelineSource` in their contributions.py), one instance each."""
    found: dict[str, Source] = {}
    for declared in contributions(TimelineSource):
        target = resolve(declared.source)
        source = target() if isinstance(target, type) else target
        found.setdefault(source.name, source)
    return list(found.values())
