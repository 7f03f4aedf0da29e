"""The staff dashboard shown above the app list on the admin index (`templates/admin/index.html`).

Two layers:

* `dashboard_data(revenue=..., now=...)` computes the numbers: one aggregate query per block (time
  series are ONE query over a series of period boundaries), never a loop over tenants, so the query
  count is the same for ten tenants or ten thousand. The result is plain data, cached for
  `CACHE_SECONDS` per audience (with or without revenue: support staff never get MRR).
* `dashboard_for(user)` turns that data into what the template shows: server-side SVG charts and
  numbers, each linked to the admin changelist filtered to exactly the rows it counts, when the
  user may view that changelist (the permission cache the admin index already loaded: no query).

The page opens with a row of key figures (`key_figures`: MRR, active tenants, trials, churn, open
tickets, SLA breaches, failed jobs) above the blocks; time series that belong together share one
chart with a series each (`svg_multi_line_chart`: MRR per plan, new and churned tenants).

The ticket, webhook and GDPR blocks read those apps' models and status enums directly. Which blocks
are shown, in which order, are the `DashboardBlock` contributions (apps/<app>/contributions.py): the
built-in ones are declared in apps/backoffice/contributions.py, other apps add theirs.
"""

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.cache import cache
from django.db import connection, models
from django.db.models import Count, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.billing.dashboard import mrr_by_plan, tenants_new_and_churned
from apps.billing.models import Subscription, SubscriptionStatus
from apps.core.contributions import DashboardBlock, contributions, resolve
from apps.gdpr.models import OPEN_STATUSES as GDPR_OPEN_STATUSES
from apps.gdpr.models import GdprRequest
from apps.support.models import Ticket, TicketPriority, TicketStatus
from apps.tenancy.models import ProvisioningJob, ProvisioningJobStatus, Tenant, TenantStatus
from apps.webhooks.models import WebhookDelivery

logger = logging.getLogger(__name__)

CACHE_SECONDS = 60
CACHE_VERSION = 3  # 3: trials, churn and churned per month for the key figures
WEEKS = 12
MONTHS = 12
FAILED_DAYS = 30

OPEN_TICKET_STATUSES = (TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_ON_CUSTOMER)
TICKET_PRIORITIES = tuple(reversed(TicketPriority.values))  # urgent first

# What the revenue block needs: billing's own view permission (superuser, super_admin, billing_admin).
REVENUE_PERMISSION = "billing.view_subscription"


# --- Periods ---------------------------------------------------------------------------------------


def _midnight(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def week_starts(now: dt.datetime, weeks: int = WEEKS) -> list[dt.datetime]:
    """The Mondays (local midnight) of the last `weeks` weeks, the current one last."""
    monday = _midnight(now) - dt.timedelta(days=timezone.localtime(now).weekday())
    return [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _shift_months(moment: dt.datetime, delta: int) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 + delta
    return moment.replace(year=index // 12, month=index % 12 + 1)


def month_starts(now: dt.datetime, months: int = MONTHS) -> list[dt.datetime]:
    first = _midnight(now).replace(day=1)
    return [_shift_months(first, i - (months - 1)) for i in range(months)]


def day_starts(now: dt.datetime, days: int) -> list[dt.datetime]:
    today = _midnight(now)
    return [today - dt.timedelta(days=days - 1 - i) for i in range(days)]


def period_counts(
    model: type[models.Model], column: str, starts: Sequence[dt.datetime], end: dt.datetime, **equal: Any
) -> list[int]:
    """Rows of `model` whose `column` falls in each period [starts[i], starts[i+1]) (the last one ends at
    `end`) and whose fields equal `equal`: ONE query, a LEFT JOIN of the table onto the series of period
    boundaries, grouped (empty periods count 0)."""
    opts = model._meta
    conditions = "".join(f' AND r."{opts.get_field(name).column}" = %s' for name in equal)  # type: ignore[union-attr]
    ts = opts.get_field(column).column  # type: ignore[union-attr]
    pk = opts.pk.column  # type: ignore[union-attr]
    sql = f"""
        SELECT p.start_at, COUNT(r."{pk}")
        FROM unnest(%s::timestamptz[], %s::timestamptz[]) AS p(start_at, end_at)
        LEFT JOIN "{opts.db_table}" r
          ON r."{ts}" >= p.start_at AND r."{ts}" < p.end_at{conditions}
        GROUP BY p.start_at ORDER BY p.start_at
    """  # identifiers come from model metadata, values are parameters
    ends = [*starts[1:], end]
    with connection.cursor() as cursor:
        cursor.execute(sql, [list(starts), ends, *equal.values()])
        return [int(count) for _, count in cursor.fetchall()]


# --- Data (cached) ---------------------------------------------------------------------------------


@dataclass
class Series:
    label: str
    days: list[dt.date] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    # (start, end) ISO timestamps of each period, for the changelist links of the latest values.
    bounds: list[tuple[str, str]] = field(default_factory=list)


def _series(label: str, starts: Sequence[dt.datetime], end: dt.datetime, counts: Sequence[int]) -> Series:
    ends = [*starts[1:], end]
    return Series(
        label=label,
        days=[timezone.localtime(start).date() for start in starts],
        values=list(counts),  # ints: the chart captions read "3", not "3.0"
        bounds=[(start.isoformat(), stop.isoformat()) for start, stop in zip(starts, ends, strict=True)],
    )


def tenants_by_status() -> dict[str, int]:
    """Tenants (the template excluded, as in the tenant changelist) per status; one query."""
    rows = Tenant.objects.filter(is_template=False).values_list("status").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(TenantStatus.values, 0)
    counts.update({status: n for status, n in rows})
    return counts


def signups(now: dt.datetime) -> dict[str, Series]:
    """New tenants per week and per month: one query each."""
    weeks = week_starts(now)
    months = month_starts(now)
    end = now
    return {
        "weekly": _series("New tenants per week", weeks, end,
                          period_counts(Tenant, "created_at", weeks, end, is_template=False)),
        "monthly": _series("New tenants per month", months, end,
                           period_counts(Tenant, "created_at", months, end, is_template=False)),
    }  # fmt: skip


def failed_jobs(now: dt.datetime) -> dict[str, Any]:
    """Failed provisioning jobs (by when they finished) in the last 7 and 30 days, and per day; two queries."""
    since_7, since_30 = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    counts = ProvisioningJob.objects.filter(
        status=ProvisioningJobStatus.FAILED, finished_at__gte=since_30, finished_at__lte=now
    ).aggregate(last_7=Count("pk", filter=Q(finished_at__gte=since_7)), last_30=Count("pk"))
    days = day_starts(now, FAILED_DAYS)
    per_day = period_counts(ProvisioningJob, "finished_at", days, now, status=ProvisioningJobStatus.FAILED)
    return {
        "last_7": counts["last_7"],
        "last_30": counts["last_30"],
        "since_7": since_7.isoformat(),
        "since_30": since_30.isoformat(),
        "per_day": _series("Failed provisioning jobs per day", days, now, per_day),
    }


def webhook_deliveries(now: dt.datetime) -> dict[str, Any]:
    """Deliveries of the last 7 days, the failed ones of the last 7 and 30 days; one query."""
    since_7, since_30 = now - dt.timedelta(days=7), now - dt.timedelta(days=30)
    recent = Q(created_at__gte=since_7)
    counts = WebhookDelivery.objects.filter(created_at__gte=since_30, created_at__lte=now).aggregate(
        total_7=Count("pk", filter=recent),
        failed_7=Count("pk", filter=recent & Q(status="failed")),
        failed_30=Count("pk", filter=Q(status="failed")),
    )
    total, failed = counts["total_7"], counts["failed_7"]
    return {**counts, "rate_7": round(100 * failed / total, 1) if total else 0.0,
            "since_7": since_7.isoformat(), "since_30": since_30.isoformat()}  # fmt: skip


def open_tickets() -> list[dict[str, Any]]:
    """Open tickets (open, in progress, waiting on the customer) per priority with their SLA breaches; one query."""
    rows = (
        Ticket.objects.filter(status__in=OPEN_TICKET_STATUSES)
        .values_list("priority")
        .annotate(
            total=Count("pk"),
            first_response=Count("pk", filter=Q(first_response_breached=True)),
            resolution=Count("pk", filter=Q(resolution_breached=True)),
            breached=Count("pk", filter=Q(first_response_breached=True) | Q(resolution_breached=True)),
        )
        .order_by()
    )
    found = {priority: counts for priority, *counts in rows}
    names = ("total", "first_response", "resolution", "breached")
    return [
        {"priority": priority, **dict(zip(names, found.get(priority, (0, 0, 0, 0)), strict=True))}
        for priority in TICKET_PRIORITIES
    ]


def subscriptions_summary(now: dt.datetime) -> dict[str, Any]:
    """Subscriptions in trial now, and tenants whose subscription ended in the last 30 days (churn); one
    aggregate query (the status index; ended subscriptions are a small share)."""
    since_30 = now - dt.timedelta(days=30)
    counts = Subscription.objects.aggregate(
        trials=Count("pk", filter=Q(status=SubscriptionStatus.TRIALING)),
        churned_30=Count("tenant", distinct=True, filter=Q(ended_at__gte=since_30, ended_at__lte=now)),
    )
    return {**counts, "since_30": since_30.isoformat()}


def churned_per_month(now: dt.datetime) -> Series:
    """Tenants whose subscription ended, per month (billing's own query, the months of `signups`)."""
    _, churned = tenants_new_and_churned(now=now)
    return Series(label=churned.label, days=churned.days, values=[int(v) for v in churned.values])


def overdue_gdpr_requests(now: dt.datetime) -> int:
    """Open GDPR requests past their due date; one query."""
    return GdprRequest.objects.filter(due_at__lt=now, status__in=GDPR_OPEN_STATUSES).count()


def mrr(now: dt.datetime) -> list[Any]:
    """MRR per plan over the last 12 months: billing's own query (apps/billing/dashboard.py), not duplicated."""
    return mrr_by_plan(now=now)


def cache_key(*, revenue: bool) -> str:
    return f"staff-dashboard:v{CACHE_VERSION}:{'revenue' if revenue else 'no-revenue'}"


def cache_clear() -> None:
    cache.delete_many([cache_key(revenue=True), cache_key(revenue=False)])


def dashboard_data(*, revenue: bool, now: dt.datetime | None = None, use_cache: bool = True) -> dict[str, Any]:
    """Every number of the dashboard; constant query count; cached `CACHE_SECONDS` per audience."""
    key = cache_key(revenue=revenue)
    if use_cache and now is None:
        cached = _cache_call(cache.get, key)
        if cached is not None:
            return cached  # type: ignore[no-any-return]
    # Whole seconds: the "since" filters in the links then match the counted rows exactly.
    moment = (now or timezone.now()).replace(microsecond=0)
    data: dict[str, Any] = {
        "computed_at": moment,
        "tenants_by_status": tenants_by_status(),
        "signups": signups(moment),
        "failed_jobs": failed_jobs(moment),
        "webhooks": webhook_deliveries(moment),
        "tickets": open_tickets(),
        "gdpr_overdue": overdue_gdpr_requests(moment),
        "subscriptions": subscriptions_summary(moment),
        "churned_monthly": churned_per_month(moment),
        "mrr": mrr(moment) if revenue else None,
    }
    if use_cache and now is None:
        _cache_call(cache.set, key, data, CACHE_SECONDS)
    return data


def _cache_call(method: Any, *args: Any) -> Any:
    """The admin index must not fail with the cache: without Redis the dashboard is just computed each time."""
    try:
        return method(*args)
    except Exception:  # any cache backend error
        logger.warning("Staff dashboard cache unavailable", exc_info=True)
        return None


# --- Presentation ----------------------------------------------------------------------------------

BAR_WIDTH, BAR_HEIGHT, BAR_PAD = 640, 180, 28


def svg_bar_chart(*, title: str, bars: Sequence[tuple[str, float, str]]) -> SafeString:
    """A small accessible bar chart (label, value, link or ""), no JavaScript; linked bars are clickable."""
    top = max((value for _, value, _ in bars), default=0) or 1
    slot = (BAR_WIDTH - 2 * BAR_PAD) / max(len(bars), 1)
    span = BAR_HEIGHT - 2 * BAR_PAD - 12
    bottom = BAR_HEIGHT - BAR_PAD
    parts = []
    for i, (label, value, href) in enumerate(bars):
        height = value / top * span
        x = BAR_PAD + i * slot + slot * 0.15
        bar = format_html(
            '<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="#417690"><title>{label}: {value}</title></rect>'
            '<text x="{cx}" y="{ty}" font-size="11" text-anchor="middle">{value}</text>'
            '<text x="{cx}" y="{ly}" font-size="11" text-anchor="middle">{label}</text>',
            x=f"{x:.1f}", y=f"{bottom - height:.1f}", w=f"{slot * 0.7:.1f}", h=f"{height:.1f}", label=label,
            value=_number(value), cx=f"{x + slot * 0.35:.1f}", ty=f"{bottom - height - 4:.1f}", ly=bottom + 14,
        )  # fmt: skip
        parts.append(format_html('<a href="{}">{}</a>', href, bar) if href else bar)
    return format_html(
        '<figure class="dashboard-chart" style="margin:0 0 1em"><figcaption><strong>{title}</strong></figcaption>'
        '<svg role="img" viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{title}"><title>{title}</title>'
        '<line x1="{pad}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>{bars}</svg></figure>',
        title=title, w=BAR_WIDTH, h=BAR_HEIGHT, pad=BAR_PAD, bottom=bottom, right=BAR_WIDTH - BAR_PAD,
        bars=format_html_join("", "{}", ((part,) for part in parts)),
    )  # fmt: skip


# Series colours of the combined charts (colour-blind safe, Okabe-Ito), repeated past eight series.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
LINE_WIDTH, LINE_HEIGHT, LINE_PAD = 640, 200, 32


def svg_multi_line_chart(
    *, title: str, days: Sequence[dt.date], series: Sequence[tuple[str, Sequence[float]]]
) -> SafeString:
    """One chart with a line per series on a shared scale (e.g. MRR per plan), a legend with the latest
    value of each; no JavaScript. The SVG scales to its column (viewBox, width 100%)."""
    values = [v for _, points in series for v in points]
    top = max(values, default=0) or 1
    step = (LINE_WIDTH - 2 * LINE_PAD) / max(len(days) - 1, 1)
    span = LINE_HEIGHT - 2 * LINE_PAD
    bottom, right = LINE_HEIGHT - LINE_PAD, LINE_WIDTH - LINE_PAD
    lines, legend = [], []
    for i, (label, points) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        coords = " ".join(f"{LINE_PAD + j * step:.1f},{bottom - v / top * span:.1f}" for j, v in enumerate(points))
        lines.append(format_html(
            '<polyline fill="none" stroke="{}" stroke-width="2" points="{}"><title>{}</title></polyline>',
            colour, coords, label,
        ))  # fmt: skip
        latest = _number(points[-1]) if points else "0"
        legend.append(format_html(
            '<li><span class="swatch" style="background:{}"></span>{} <strong>{}</strong></li>', colour, label, latest
        ))  # fmt: skip
    first, last = (days[0], days[-1]) if days else ("", "")
    return format_html(
        '<figure class="dashboard-chart combined-chart"><figcaption><strong>{title}</strong></figcaption>'
        '<svg role="img" viewBox="0 0 {w} {h}" width="100%" aria-label="{title}, {first} to {last}">'
        "<title>{title}</title>"
        '<line x1="{pad}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#999"/>'
        '<line x1="{pad}" y1="{pad}" x2="{pad}" y2="{bottom}" stroke="#999"/>{lines}'
        '<text x="{pad}" y="{h}" font-size="11" dy="-8">{first}</text>'
        '<text x="{right}" y="{h}" font-size="11" dy="-8" text-anchor="end">{last}</text>'
        '<text x="{pad}" y="{pad}" font-size="11" dx="4" dy="-8">{peak}</text>'
        '</svg><ul class="chart-legend">{legend}</ul></figure>',
        title=title, w=LINE_WIDTH, h=LINE_HEIGHT, pad=LINE_PAD, bottom=bottom, right=right, first=first, last=last,
        peak=_number(max(values, default=0)), lines=format_html_join("", "{}", ((line,) for line in lines)),
        legend=format_html_join("", "{}", ((item,) for item in legend)),
    )  # fmt: skip


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


@dataclass(frozen=True)
class Figure:
    """A number of the dashboard and the filtered changelist that lists what it counts ("" = no link);
    `hint` is a short explanation under a key figure, `alert` marks a figure that needs looking at."""

    label: str
    value: Any
    href: str
    hint: str = ""
    alert: bool = False


class _Links:
    """Changelist URLs with filters, kept only for the changelists this user may view."""

    def __init__(self, user: Any) -> None:
        self.user = user

    def __call__(self, app_label: str, model_name: str, **params: Any) -> str:
        if not self.user.has_perm(f"{app_label}.view_{model_name}"):
            return ""
        try:
            url = reverse(f"admin:{app_label}_{model_name}_changelist")
        except NoReverseMatch:  # the model is not registered in the admin (yet)
            return ""
        return f"{url}?{urlencode(params)}" if params else url


def can_see_revenue(user: Any) -> bool:
    return bool(user.is_active and user.is_staff and user.has_perm(REVENUE_PERMISSION))


def dashboard_for(user: Any, *, now: dt.datetime | None = None) -> dict[str, Any] | None:
    """What the admin index shows to this staff user (None for anyone else)."""
    if not (getattr(user, "is_active", False) and getattr(user, "is_staff", False)):
        return None
    revenue = can_see_revenue(user)
    data = dashboard_data(revenue=revenue, now=now)
    link = _Links(user)
    context: dict[str, Any] = {"computed_at": data["computed_at"], "cache_seconds": CACHE_SECONDS, "revenue": False}
    context["blocks"] = dashboard_blocks(user, now=now)

    labels = dict(TenantStatus.choices)
    statuses = [
        Figure(labels[status], count, link("tenancy", "tenant", status__exact=status))
        for status, count in data["tenants_by_status"].items()
    ]
    context["tenant_statuses"] = statuses
    context["tenant_chart"] = svg_bar_chart(
        title="Tenants by status", bars=[(f.label, f.value, f.href) for f in statuses]
    )

    signup_figures = []
    for key, series in data["signups"].items():
        start, _ = series.bounds[-1]  # the current period: from its start on
        period = "this week" if key == "weekly" else "this month"
        signup_figures.append(
            Figure(f"New tenants {period}", int(series.values[-1]), link("tenancy", "tenant", created_at__gte=start))
        )
    context["signups"] = signup_figures
    weekly, monthly = data["signups"]["weekly"], data["signups"]["monthly"]
    churned = data["churned_monthly"]
    context["signup_charts"] = format_html(
        "{}{}",
        svg_multi_line_chart(title=weekly.label, days=weekly.days, series=[("New tenants", weekly.values)]),
        svg_multi_line_chart(title="New and churned tenants per month", days=monthly.days,
                             series=[("New", monthly.values), ("Churned", churned.values)]),
    )  # fmt: skip

    jobs = data["failed_jobs"]
    failures = [
        Figure("Failed provisioning jobs, last 7 days", jobs["last_7"],
               link("tenancy", "provisioningjob", status__exact="failed", finished_at__gte=jobs["since_7"])),
        Figure("Failed provisioning jobs, last 30 days", jobs["last_30"],
               link("tenancy", "provisioningjob", status__exact="failed", finished_at__gte=jobs["since_30"])),
    ]  # fmt: skip
    hooks = data["webhooks"]
    failures += [
        Figure("Failed webhook deliveries, last 7 days", hooks["failed_7"],
               link("webhooks", "webhookdelivery", status__exact="failed", created_at__gte=hooks["since_7"])),
        Figure("Failed webhook deliveries, last 30 days", hooks["failed_30"],
               link("webhooks", "webhookdelivery", status__exact="failed", created_at__gte=hooks["since_30"])),
    ]  # fmt: skip
    context["webhook_rate"] = Figure(
        f"Webhook failure rate, last 7 days ({hooks['failed_7']} of {hooks['total_7']} deliveries)",
        f"{hooks['rate_7']}%",
        link("webhooks", "webhookdelivery", created_at__gte=hooks["since_7"]),
    )
    context["failures"] = failures
    per_day = jobs["per_day"]
    context["failed_chart"] = svg_multi_line_chart(
        title=per_day.label, days=per_day.days, series=[("Failed provisioning jobs", per_day.values)]
    )

    tickets = data["tickets"]
    open_in = ",".join(OPEN_TICKET_STATUSES)
    rows = []
    for row in tickets:
        base = {"priority__exact": row["priority"], "status__in": open_in}
        rows.append({
            "priority": row["priority"].title(),
            "open": Figure("Open", row["total"], link("support", "ticket", **base)),
            "first_response": Figure("First response breached", row["first_response"],
                                     link("support", "ticket", **base, first_response_breached__exact=1)),
            "resolution": Figure("Resolution breached", row["resolution"],
                                 link("support", "ticket", **base, resolution_breached__exact=1)),
            # Either clock breached: the support queue's own "SLA: breached" filter.
            "breached": Figure("Any SLA breached", row["breached"],
                               link("support", "ticket", **base, sla="breached")),
        })  # fmt: skip
    context["tickets"] = rows
    context["ticket_chart"] = svg_bar_chart(
        title="Open tickets by priority", bars=[(r["priority"], r["open"].value, r["open"].href) for r in rows]
    )

    context["gdpr_overdue"] = Figure(
        "Open GDPR requests past their due date", data["gdpr_overdue"],
        link("gdpr", "gdprrequest", due="overdue"),  # the GDPR admin's own "Overdue" filter
    )  # fmt: skip

    if revenue and data["mrr"] is not None:
        context["revenue"] = True
        subscriptions = link("billing", "subscription", status__exact="active")
        context["mrr"] = [
            Figure(series.label, f"{series.values[-1]:.2f}", subscriptions) for series in data["mrr"] if series.values
        ]
        context["mrr_charts"] = _mrr_charts(data["mrr"])
        try:
            context["revenue_dashboard"] = reverse("admin:billing_dashboard")
        except NoReverseMatch:
            context["revenue_dashboard"] = ""
    context["key_figures"] = key_figures(data, link, revenue=context["revenue"])
    return context


def key_figures(data: dict[str, Any], link: "_Links", *, revenue: bool) -> list[Figure]:
    """The row of cards on top: MRR (revenue staff only), active tenants, trials, churn, open tickets,
    SLA breaches, failed jobs; numbers already in `data` (no further query)."""
    figures = []
    if revenue and data["mrr"]:
        totals: dict[str, float] = {}
        for series in data["mrr"]:
            currency = series.label.rsplit("(", 1)[-1].rstrip(")") if "(" in series.label else ""
            totals[currency] = totals.get(currency, 0.0) + (series.values[-1] if series.values else 0.0)
        value = " · ".join(f"{amount:,.2f} {currency}".strip() for currency, amount in sorted(totals.items()))
        figures.append(Figure("MRR", value, link("billing", "subscription", status__exact="active"),
                              hint="active subscriptions, this month"))  # fmt: skip
    tenants = data["tenants_by_status"]
    subs = data["subscriptions"]
    tickets = data["tickets"]
    open_in = ",".join(OPEN_TICKET_STATUSES)
    breached = sum(row["breached"] for row in tickets)
    jobs = data["failed_jobs"]
    figures += [
        Figure("Active tenants", tenants.get(TenantStatus.ACTIVE, 0),
               link("tenancy", "tenant", status__exact=TenantStatus.ACTIVE),
               hint=f"{tenants.get(TenantStatus.SUSPENDED, 0)} suspended"),
        Figure("Trials", subs["trials"], link("billing", "subscription", status__exact=SubscriptionStatus.TRIALING),
               hint="subscriptions in trial"),
        Figure("Churn", subs["churned_30"], link("billing", "subscription", ended_at__gte=subs["since_30"]),
               hint="tenants whose subscription ended, last 30 days", alert=bool(subs["churned_30"])),
        Figure("Open tickets", sum(row["total"] for row in tickets), link("support", "ticket", status__in=open_in),
               hint="open, in progress or waiting"),
        Figure("SLA breaches", breached, link("support", "ticket", status__in=open_in, sla="breached"),
               hint="open tickets past a deadline", alert=bool(breached)),
        Figure("Failed jobs", jobs["last_7"],
               link("tenancy", "provisioningjob", status__exact="failed", finished_at__gte=jobs["since_7"]),
               hint="provisioning, last 7 days", alert=bool(jobs["last_7"])),
    ]  # fmt: skip
    return figures


def _mrr_charts(series: Sequence[Any]) -> SafeString:
    """MRR: one chart per currency, with a line per plan (a shared scale only makes sense in one currency)."""
    by_currency: dict[str, list[Any]] = {}
    for s in series:
        currency = s.label.rsplit("(", 1)[-1].rstrip(")") if "(" in s.label else ""
        by_currency.setdefault(currency, []).append(s)
    charts = []
    for currency, plans in by_currency.items():
        labels = [p.label.removeprefix("MRR · ").removesuffix(f" ({currency})") for p in plans]
        charts.append(svg_multi_line_chart(
            title=f"MRR per plan ({currency})" if currency else "MRR per plan", days=plans[0].days,
            series=[(label, p.values) for label, p in zip(labels, plans, strict=True)],
        ))  # fmt: skip
    return format_html_join("", "{}", ((chart,) for chart in charts))


def dashboard_blocks(user: Any, *, now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """The declared blocks this user sees: a block's `context` callable may add data, or hide it (None)."""
    blocks = []
    for block in contributions(DashboardBlock):
        extra: dict[str, Any] | None = {}
        if block.context is not None:
            try:
                extra = resolve(block.context)(user, now or timezone.now())
            except Exception:  # one app's block must not take the admin index down
                logger.exception("Staff dashboard block %s failed", block.name)
                continue
        if extra is not None:
            blocks.append({"name": block.name, "template": block.template, "context": extra})
    return blocks
