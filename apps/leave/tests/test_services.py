"""Requests (working time, refusals, approval → ledger → balance, cancellation) and the accrual engine."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.approvals.services import request_approve, request_reject
from apps.leave.models import LeaveLedgerEntry, LeaveRequest, WorkPattern
from apps.leave.selectors import approval_request_of, balance_on, leave_days, ledger_sum, working_minutes
from apps.leave.services import (
    balance_adjust,
    leave_accrue,
    leave_accrue_hours,
    leave_policy_save,
    leave_request_cancel,
    leave_request_submit,
    policy_assign,
)
from apps.workplaces.services import workplace_create

from .factories import enrol, leave_setup

D = datetime.date
MON = D(2026, 3, 2)  # a Monday


@pytest.fixture
def setup(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(acme_admin)
        enrol(acme_member)
        enrol(acme_admin)
        leave_accrue(today=D(2026, 2, 28))  # Jan 2025 .. Feb 2026: 14 months of annual leave
        yield found


def code(exc: ValidationError) -> str | None:
    return next(iter(exc.error_dict.values()))[0].code


def ask(user, leave_type, start, end=None, **extra):
    return leave_request_submit(
        user=user, leave_type=leave_type, start_date=start, end_date=end or start, acting_user=user, **extra
    )


def test_a_week_counts_five_working_days_and_approval_charges_the_balance(setup, acme_member, acme_admin):
    before = ledger_sum(user=acme_member, leave_type=setup["annual"])
    request = ask(acme_member, setup["annual"], MON, MON + datetime.timedelta(days=6), reason="Holiday")
    assert request.status == "pending" and request.minutes == 5 * 456 and len(request.day_minutes) == 5
    assert leave_days(user_ids=[acme_member.pk], start=MON, end=MON) == {}  # pending is not leave yet
    request_approve(request=approval_request_of(request), acting_user=acme_admin)
    request.refresh_from_db()
    assert request.status == "approved"
    assert ledger_sum(user=acme_member, leave_type=setup["annual"]) == before - 5 * 456
    assert len(leave_days(user_ids=[acme_member.pk], start=MON, end=MON + datetime.timedelta(days=10))) == 5
    assert LeaveLedgerEntry.objects.filter(request=request, kind="taken").count() == 1


def test_rejection_keeps_the_balance(setup, acme_member, acme_admin):
    before = ledger_sum(user=acme_member, leave_type=setup["annual"])
    request = ask(acme_member, setup["annual"], MON)
    request_reject(request=approval_request_of(request), acting_user=acme_admin, reason="Stocktake")
    request.refresh_from_db()
    assert request.status == "rejected" and request.decision_reason == "Stocktake"
    assert ledger_sum(user=acme_member, leave_type=setup["annual"]) == before


def test_half_day_and_hourly(setup, acme_member):
    half = ask(acme_member, setup["sick"], MON, MON + datetime.timedelta(days=1), end_half=True)
    assert half.minutes == 456 + 228
    hourly = ask(
        acme_member,
        setup["toil"],
        MON + datetime.timedelta(days=3),
        start_time=datetime.time(9),
        end_time=datetime.time(11, 30),
    )
    assert hourly.minutes == 150
    assert leave_days(user_ids=[acme_member.pk], start=MON, end=MON) == {}  # pending


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"type": "annual", "start": MON, "end": MON - datetime.timedelta(days=1)}, "invalid_range"),
        ({"type": "annual", "start": D(2026, 3, 7), "end": D(2026, 3, 8)}, "not_working_days"),
        ({"type": "sick", "start": MON, "end": MON + datetime.timedelta(days=3)}, "attachment_required"),
        ({"type": "annual", "start": D(2026, 6, 1), "end": D(2026, 8, 30)}, "insufficient_balance"),
        ({"type": "unpaid", "start": D(2026, 6, 1), "end": D(2026, 7, 30)}, "max_consecutive_days"),
        ({"type": "annual", "start": MON, "end": MON, "start_half": True}, "invalid_range"),
    ],
)
def test_refusals_have_a_code_and_write_nothing(setup, acme_member, kwargs, expected):
    extra = {k: v for k, v in kwargs.items() if k not in ("type", "start", "end")}
    with pytest.raises(ValidationError) as caught:
        ask(acme_member, setup[kwargs["type"]], kwargs["start"], kwargs["end"], **extra)
    assert code(caught.value) == expected
    assert not LeaveRequest.objects.exists()


def test_overlap_refused(setup, acme_member):
    ask(acme_member, setup["annual"], MON, MON + datetime.timedelta(days=2))
    with pytest.raises(ValidationError) as caught:
        ask(acme_member, setup["sick"], MON + datetime.timedelta(days=2))
    assert code(caught.value) == "overlaps_request"


def test_attachment_beyond_threshold_accepted(setup, acme_member):
    pdf = SimpleUploadedFile("certificate.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    request = ask(acme_member, setup["sick"], MON, MON + datetime.timedelta(days=3), attachment=pdf)
    assert request.attachment.name.endswith(".pdf")
    with pytest.raises(ValidationError) as caught:
        ask(acme_member, setup["sick"], D(2026, 4, 6), attachment=SimpleUploadedFile("x.exe", b"MZ"))
    assert code(caught.value) == "attachment_type"


def test_negative_limit_allows_going_below_zero(setup, acme_member, acme_admin):
    leave_policy_save(policy=setup["policy"], negative_limit_minutes=20 * 456, acting_user=acme_admin)
    request = ask(acme_member, setup["annual"], D(2026, 6, 1), D(2026, 7, 10))
    assert request.status == "pending"


def test_cancellation_whole_and_partial_returns_the_balance(setup, acme_member, acme_admin):
    annual = setup["annual"]
    start = ledger_sum(user=acme_member, leave_type=annual)
    request = ask(acme_member, annual, MON, MON + datetime.timedelta(days=4))
    request_approve(request=approval_request_of(request), acting_user=acme_admin)
    request = leave_request_cancel(
        leave_request=LeaveRequest.objects.get(pk=request.pk),
        acting_user=acme_member,
        from_date=MON + datetime.timedelta(days=3),
    )
    assert request.status == "partially_cancelled" and request.effective_end == MON + datetime.timedelta(days=2)
    assert ledger_sum(user=acme_member, leave_type=annual) == start - 3 * 456
    assert len(leave_days(user_ids=[acme_member.pk], start=MON, end=MON + datetime.timedelta(days=6))) == 3
    # the freed days can be asked for again
    ask(acme_member, annual, MON + datetime.timedelta(days=4))
    request = leave_request_cancel(leave_request=request, acting_user=acme_member)
    assert request.status == "cancelled"
    assert ledger_sum(user=acme_member, leave_type=annual) == start


def test_cancelling_a_pending_request_cancels_its_approval(setup, acme_member):
    request = ask(acme_member, setup["annual"], MON)
    request = leave_request_cancel(leave_request=request, acting_user=acme_member)
    assert request.status == "cancelled"
    assert approval_request_of(request).status == "cancelled"


def test_adjustment_needs_a_reason_and_is_append_only(setup, acme_member, acme_admin):
    with pytest.raises(ValidationError) as caught:
        balance_adjust(user=acme_member, leave_type=setup["annual"], minutes=60, reason=" ", acting_user=acme_admin)
    assert code(caught.value) == "reason_required"
    before = ledger_sum(user=acme_member, leave_type=setup["annual"])
    balance_adjust(
        user=acme_member, leave_type=setup["annual"], minutes=-60, reason="Correction", acting_user=acme_admin
    )
    assert ledger_sum(user=acme_member, leave_type=setup["annual"]) == before - 60


# --- Working time ------------------------------------------------------------------------------


def test_public_holidays_of_the_home_workplace_subdivision(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(acme_admin)
        region = workplace_create(kind="region", code="AU", name="Australia", country="AU", acting_user=acme_admin)
        area = workplace_create(
            kind="area", code="EAST", name="East", parent=region, country="AU", acting_user=acme_admin
        )
        nsw = workplace_create(
            kind="site",
            code="SYD",
            name="Sydney",
            parent=area,
            country="AU",
            holiday_subdivision="NSW",
            time_zone="Australia/Sydney",
            acting_user=acme_admin,
        )
        vic = workplace_create(
            kind="site",
            code="MEL",
            name="Melbourne",
            parent=area,
            country="AU",
            holiday_subdivision="VIC",
            time_zone="Australia/Melbourne",
            acting_user=acme_admin,
        )
        # Melbourne Cup day (VIC only): Tuesday 3 November 2026; first Monday of October is NSW Labour Day.
        policy_assign(
            policy=found["sick_policy"],
            user=acme_member,
            starts_on=D(2026, 1, 1),
            home_workplace=vic,
            acting_user=acme_admin,
        )
        per_day, workplace = working_minutes(user=acme_member, start=D(2026, 11, 2), end=D(2026, 11, 6))
        assert workplace == vic and per_day[D(2026, 11, 3)] == 0 and sum(per_day.values()) == 4 * 456
        policy_assign(
            policy=found["policy"], user=acme_admin, starts_on=D(2026, 1, 1), home_workplace=nsw, acting_user=acme_admin
        )
        per_day, _ = working_minutes(user=acme_admin, start=D(2026, 11, 2), end=D(2026, 11, 6))
        assert per_day[D(2026, 11, 3)] == 456
        per_day, _ = working_minutes(user=acme_admin, start=D(2026, 10, 5), end=D(2026, 10, 5))
        assert per_day[D(2026, 10, 5)] == 0  # NSW Labour Day


def test_a_work_pattern_decides_without_shifts(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(acme_admin)
        pattern = WorkPattern.objects.create(name="Four days", mon=600, tue=600, wed=600, thu=600, fri=0)
        policy_assign(
            policy=found["policy"],
            user=acme_member,
            starts_on=D(2026, 1, 1),
            work_pattern=pattern,
            acting_user=acme_admin,
        )
        per_day, _ = working_minutes(user=acme_member, start=MON, end=MON + datetime.timedelta(days=6))
        assert sum(per_day.values()) == 2400 and per_day[MON + datetime.timedelta(days=4)] == 0


# --- Accrual ---------------------------------------------------------------------------------


def _sum(user, leave_type, on=None):
    return ledger_sum(user=user, leave_type=leave_type, on=on)


def test_monthly_accrual_across_a_year_sums_exactly_and_reruns_write_nothing(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(acme_admin, starts_on=D(2026, 1, 1), minutes_per_year=20 * 456 + 7)  # not divisible by 12
        enrol(acme_member)
        for day in range(0, 366, 9):  # the task runs on many days, some twice
            leave_accrue(today=D(2026, 1, 1) + datetime.timedelta(days=day), user_ids=[acme_member.pk])
            leave_accrue(today=D(2026, 1, 1) + datetime.timedelta(days=day), user_ids=[acme_member.pk])
        leave_accrue(today=D(2026, 12, 31), user_ids=[acme_member.pk])
        rows = LeaveLedgerEntry.objects.filter(user=acme_member, leave_type=found["annual"], kind="accrual")
        assert rows.count() == 12
        assert _sum(acme_member, found["annual"]) == 20 * 456 + 7


def test_pro_rata_mid_year_start(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(acme_admin, starts_on=D(2026, 1, 1))
        policy_assign(
            policy=found["sick_policy"],
            user=acme_member,
            starts_on=D(2026, 1, 1),
            person_start_date=D(2026, 7, 1),
            acting_user=acme_admin,
        )
        policy_assign(
            policy=found["policy"],
            user=acme_member,
            starts_on=D(2026, 1, 1),
            person_start_date=D(2026, 7, 16),
            acting_user=acme_admin,
        )
        leave_accrue(today=D(2026, 12, 31), user_ids=[acme_member.pk])
        # lump sum: 184 of 365 days of 4560 minutes
        assert _sum(acme_member, found["sick"]) == round(4560 * 184 / 365)
        # monthly: July pro-rata (16 of 31 days of 760), then five whole months
        assert _sum(acme_member, found["annual"]) == round(760 * 16 / 31) + 5 * 760


def test_carry_over_cap_and_expiry(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(
            acme_admin, starts_on=D(2025, 1, 1), carry_over_cap_minutes=5 * 456, carry_over_expiry_months=3
        )
        enrol(acme_member)
        annual = found["annual"]
        leave_accrue(today=D(2025, 12, 31), user_ids=[acme_member.pk])
        assert _sum(acme_member, annual) == 20 * 456
        # projection: on 1 Jan 2026 the cap leaves 5 days; January accrues one more month by its end
        assert balance_on(user=acme_member, leave_type=annual, on=D(2026, 1, 1)) == 5 * 456
        assert balance_on(user=acme_member, leave_type=annual, on=D(2026, 3, 31)) == 5 * 456 + 3 * 760
        # after the expiry day (1 April) the unused carried days are gone
        assert balance_on(user=acme_member, leave_type=annual, on=D(2026, 4, 1)) == 3 * 760
        assert LeaveLedgerEntry.objects.filter(user=acme_member, effective_on__gt=D(2025, 12, 31)).count() == 0
        leave_accrue(today=D(2026, 4, 1), user_ids=[acme_member.pk])
        leave_accrue(today=D(2026, 4, 1), user_ids=[acme_member.pk])
        assert _sum(acme_member, annual) == 3 * 760
        kinds = list(
            LeaveLedgerEntry.objects.filter(user=acme_member, kind__in=["carry_over", "expiry"])
            .order_by("effective_on", "id")
            .values_list("kind", "minutes")
        )
        assert kinds == [("carry_over", -20 * 456), ("carry_over", 5 * 456), ("expiry", -5 * 456)]


def test_expiry_spares_carried_minutes_already_used(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(
            acme_admin, starts_on=D(2025, 1, 1), carry_over_cap_minutes=5 * 456, carry_over_expiry_months=3
        )
        enrol(acme_member)
        leave_accrue(today=D(2026, 1, 5), user_ids=[acme_member.pk])
        request = ask(acme_member, found["annual"], D(2026, 2, 2), D(2026, 2, 4))  # 3 days
        request_approve(request=approval_request_of(request), acting_user=acme_admin)
        leave_accrue(today=D(2026, 4, 2), user_ids=[acme_member.pk])
        expiry = LeaveLedgerEntry.objects.get(user=acme_member, kind="expiry")
        assert expiry.minutes == -2 * 456


def test_per_hour_accrual_is_exactly_once_per_period(acme, acme_admin, acme_member):
    with tenant_context(acme):
        found = leave_setup(acme_admin)
        policy = leave_policy_save(
            name="Casual",
            leave_type=found["toil"],
            accrual="per_hour",
            minutes_per_hour_worked=2.5,
            acting_user=acme_admin,
        )
        policy_assign(policy=policy, user=acme_member, starts_on=D(2026, 1, 1), acting_user=acme_admin)
        for _ in range(3):
            leave_accrue_hours(
                user=acme_member,
                leave_type=found["toil"],
                hours_worked=38,
                period="2026-W10",
                effective_on=D(2026, 3, 8),
            )
        assert _sum(acme_member, found["toil"]) == 95


def test_the_daily_task_visits_tenants_with_leave_and_is_exactly_once(acme_pro, acme_admin, acme_member, globex):
    from apps.leave.tasks import accrue, tenants_with_leave

    with tenant_context(acme_pro):
        leave_setup(acme_admin, starts_on=D(2026, 1, 1))
        enrol(acme_member)
    assert [t.slug for t in tenants_with_leave()] == ["acme"]  # globex's plan has no leave
    first = accrue()
    assert first[acme_pro.schema_name] > 0
    assert accrue()[acme_pro.schema_name] == 0
