"""The staff revenue dashboard: MRR by plan, new vs churned tenants, past-due amounts, failed payments.

Every chart is ONE aggregate SQL query over a generated series of months (or weeks), so the number
of queries is the same for ten tenants or ten thousand. Charts are server-side SVG drawn with the
tenant-usage helper (apps/tenancy/admin.py `svg_line_chart`).

MRR "as of a month end" counts the subscriptions that had started by then and had not ended by then
(`ended_at`; trialing ones only once their trial was over), at their CURRENT plan, cycle and quantity: the
plan price of the cycle normalised to a month (quarterly / 3, annual / 12) x seats. Plan changes are
not replayed, so past months show today's plan of each subscription.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from apps.tenancy.admin import svg_line_chart
from apps.tenancy.models import Plan, Tenant

from .models import Invoice, InvoiceStatus, Payment, PaymentStatus, Subscription

MONTHS = 12
WEEKS = 12


def _tables() -> dict[str, str]:
    return {
        "sub": Subscription._meta.db_table,
        "plan": Plan._meta.db_table,
        "tenant": Tenant._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "payment": Payment._meta.db_table,
    }


def _month_start(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_tables()), params)
        return list(cursor.fetchall())


@dataclass
class Series:
    label: str
    days: list[dt.date] = field(default_factory=list)
    values: list[float] = field(default_factory=list)


def mrr_by_plan(*, now: dt.datetime | None = None, months: int = MONTHS) -> list[Series]:
    """MRR per plan (in the plan's currency) at each of the last `months` month ends; one query."""
    first = _month_start(now or timezone.now())
    # Month ends: the instant each month ends, the current month included (its end is in the future:
    # "as of now" is what an unfinished month shows).
    sql = """
        WITH month_ends AS (
            SELECT generate_series(%s::timestamptz, %s::timestamptz, interval '1 month') + interval '1 month'
                AS month_end
        )
        SELECT m.month_end, p.id, p.display_name, p.currency, p.is_active,
               COALESCE(SUM(CASE s.billing_cycle
                   WHEN 'monthly' THEN p.price_monthly
                   WHEN 'quarterly' THEN p.price_quarterly / 3
                   WHEN 'annual' THEN p.price_annual / 12
               END * s.quantity), 0) AS mrr
        FROM month_ends m
        CROSS JOIN {plan} p
        LEFT JOIN {sub} s
          ON s.plan_id = p.id
         AND s.created_at < LEAST(m.month_end, %s)
         AND ((s.ended_at IS NULL AND s.status NOT IN ('ended', 'cancelled'))
              OR s.ended_at >= LEAST(m.month_end, %s))
         AND (s.trial_end IS NULL OR s.trial_end < LEAST(m.month_end, %s))
        GROUP BY m.month_end, p.id, p.display_name, p.currency, p.is_active, p.display_order
        ORDER BY p.display_order, p.display_name, m.month_end
    """
    start = _shift_months(first, -(months - 1))
    cutoff = now or timezone.now()
    rows = _fetch(sql, [start, first, cutoff, cutoff, cutoff])
    by_plan: dict[int, Series] = {}
    shown: set[int] = set()
    for month_end, plan_id, name, currency, is_active, mrr in rows:
        series = by_plan.setdefault(plan_id, Series(label=f"MRR · {name} ({currency})"))
        if is_active or mrr:
            shown.add(plan_id)
        series.days.append((timezone.localtime(month_end) - dt.timedelta(days=1)).date())
        series.values.append(float(Decimal(mrr).quantize(Decimal("0.01"))))
    # A retired plan is shown while it still earned something in the window.
    return [series for plan_id, series in by_plan.items() if plan_id in shown]


def _shift_months(moment: dt.datetime, delta: int) -> dt.datetime:
    index = moment.year * 12 + moment.month - 1 + delta
    return moment.replace(year=index // 12, month=index % 12 + 1)


def tenants_new_and_churned(*, now: dt.datetime | None = None, months: int = MONTHS) -> tuple[Series, Series]:
    """Per month: tenants created, and tenants whose subscription ended (churned); one query."""
    first = _month_start(now or timezone.now())
    sql = """
        SELECT m.month_start,
               (SELECT COUNT(*) FROM {tenant} t WHERE NOT t.is_template
                  AND t.created_at >= m.month_start AND t.created_at < m.month_start + interval '1 month'),
               (SELECT COUNT(DISTINCT s.tenant_id) FROM {sub} s WHERE s.ended_at IS NOT NULL
                  AND s.ended_at >= m.month_start AND s.ended_at < m.month_start + interval '1 month')
        FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 month') AS m(month_start)
        ORDER BY m.month_start
    """
    rows = _fetch(sql, [_shift_months(first, -(months - 1)), first])
    new, churned = Series("New tenants per month"), Series("Churned tenants per month")
    for month_start, created, ended in rows:
        day = timezone.localtime(month_start).date()
        new.days.append(day)
        new.values.append(float(created))
        churned.days.append(day)
        churned.values.append(float(ended))
    return new, churned


def failed_payments_per_week(*, now: dt.datetime | None = None, weeks: int = WEEKS) -> Series:
    """Failed payment attempts per week (weeks start on Monday); one query."""
    moment = timezone.localtime(now or timezone.now())
    monday = (moment - dt.timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    sql = """
        SELECT w.week_start,
               (SELECT COUNT(*) FROM {payment} p WHERE p.status = %s
                  AND p.created_at >= w.week_start AND p.created_at < w.week_start + interval '1 week')
        FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 week') AS w(week_start)
        ORDER BY w.week_start
    """
    rows = _fetch(sql, [PaymentStatus.FAILED, monday - dt.timedelta(weeks=weeks - 1), monday])
    series = Series("Failed payments per week")
    for week_start, count in rows:
        series.days.append(timezone.localtime(week_start).date())
        series.values.append(float(count))
    return series


@dataclass(frozen=True)
class PastDue:
    currency: str
    invoices: int
    amount: Decimal
    oldest_due_at: dt.datetime | None


def past_due(*, now: dt.datetime | None = None) -> list[PastDue]:
    """Open invoices past their due date: count and amount still due, per currency; one query."""
    sql = """
        SELECT i.currency, COUNT(*), COALESCE(SUM(GREATEST(i.total - i.amount_paid, 0)), 0), MIN(i.due_at)
        FROM {invoice} i
        WHERE i.status = %s AND i.due_at < %s
        GROUP BY i.currency ORDER BY i.currency
    """
    rows = _fetch(sql, [InvoiceStatus.OPEN, now or timezone.now()])
    return [PastDue(currency, count, Decimal(amount), oldest) for currency, count, amount, oldest in rows]


def dashboard_context(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the dashboard page shows: four queries whatever the data."""
    mrr = mrr_by_plan(now=now)
    new, churned = tenants_new_and_churned(now=now)
    failed = failed_payments_per_week(now=now)
    return {
        "mrr_charts": _charts(mrr) if mrr else format_html("<p>{}</p>", "No plans yet."),
        "mrr_latest": [(s.label, Decimal(str(s.values[-1])).quantize(Decimal("0.01"))) for s in mrr],
        "tenant_charts": _charts([new, churned]),
        "failed_chart": _charts([failed]),
        "past_due": past_due(now=now),
    }


def _charts(series: list[Series]) -> SafeString:
    return format_html_join("", "{}", ((svg_line_chart(title=s.label, days=s.days, values=s.values),) for s in series))
