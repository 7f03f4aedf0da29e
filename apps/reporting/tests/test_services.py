"""Definitions and their refusals, the one-query report, each file format, schedules across time zones and
daylight-saving changes, exactly-once runs, retries then the failure notice, recipients."""

import datetime
import io
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.access.services import assignment_create, role_create
from apps.reporting import delivery, links, rendering, selectors, services
from apps.reporting.models import ExternalRecipient, GeneratedReport, ReportRun, ReportSchedule, RunStatus

from .conftest import attendance, definition

UTC = datetime.UTC
SYDNEY = zoneinfo.ZoneInfo("Australia/Sydney")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def codes(exc: ValidationError) -> set[str | None]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"dataset": "nope"}, "unknown_dataset"),
        ({"grouping": "colour"}, "unknown_grouping"),
        ({"columns": ["days", "bogus"]}, "unknown_column"),
        ({"period": "fortnight"}, "invalid_period"),
        ({"period_start": datetime.date(2026, 3, 9)}, "invalid_period"),
        ({"period_start": datetime.date(2024, 1, 1)}, "period_too_long"),
        ({"name": "  "}, "name_required"),
    ],
)
def test_definition_refusals(rep, values, code):
    with tenant_context(rep.tenant), pytest.raises(ValidationError) as refused:
        definition(rep.rae, **values)
    assert code in codes(refused.value)


def test_definition_defaults_and_unknown_workplace(rep):
    with tenant_context(rep.tenant):
        made = definition(rep.rae, columns=[], period="last_week")
        assert made.columns == ["days", "worked_hours", "late", "absent", "overtime_hours"]
        assert (made.period_start, made.period_end, made.owner_id) == (None, None, rep.rae.pk)
        with pytest.raises(ValidationError) as refused:
            definition(rep.rae, workplaces=[987654])
        assert codes(refused.value) == {"unknown_workplace"}


def test_report_is_one_grouped_query_whatever_the_rows(rep, django_assert_num_queries):
    day = datetime.date(2026, 3, 3)
    with tenant_context(rep.tenant):
        for offset in range(3):
            attendance(rep.rae, day + datetime.timedelta(days=offset), rep.site, worked_minutes=450, late_minutes=10)
        attendance(rep.ivy, day, rep.site, status="absent", worked_minutes=0)
        attendance(rep.ivy, datetime.date(2026, 3, 20), rep.site)  # outside the period
        made = definition(rep.rae, columns=["days", "worked_hours", "late", "absent", "attendance_rate"])
        with django_assert_num_queries(2):  # the workplaces chosen, then the report
            table = services.report_table(made)
        for more in range(5):
            attendance(rep.ned, day + datetime.timedelta(days=more), rep.site)
        with django_assert_num_queries(2):
            bigger = services.report_table(made)
    assert table.header == ["Person", "Days recorded", "Hours worked", "Days late", "Days absent", "Attendance rate %"]
    assert table.rows == [("Ivy", [1, 0.0, 0, 1, 0.0]), ("Rae", [3, 22.5, 3, 0, 100.0])]
    assert table.totals == [4, 22.5, 3, 1, None]  # a rate is not summed
    assert len(bigger.rows) == 3


def test_period_and_grouping_in_the_tenant_zone(rep):
    """Days are Sydney's: 13:30 UTC on 2 March is 00:30 on 3 March in Sydney, so it belongs to 3 March."""
    from apps.incidents.services import incident_report

    with tenant_context(rep.tenant):
        at = datetime.datetime(2026, 3, 2, 13, 30, tzinfo=UTC)  # 00:30 on 3 March in Sydney (UTC+11)
        incident_report(title="Slip", type="near_miss", severity="low", occurred_at=at, workplace=rep.site,
                        description="Wet floor", acting_user=rep.admin, near_miss=True)  # fmt: skip
        made = definition(rep.rae, dataset="incidents", grouping="week", period="fixed",
                          period_start=datetime.date(2026, 3, 3), period_end=datetime.date(2026, 3, 3))  # fmt: skip
        table = services.report_table(made)
    assert table.rows == [("Week of 2026-03-02", [1, 0, 1, 1])]


def test_each_format_renders(rep):
    from openpyxl import load_workbook

    with tenant_context(rep.tenant):
        attendance(rep.rae, datetime.date(2026, 3, 3), rep.site)
        made = definition(rep.rae)
        files = {fmt: services.report_generate(definition=made, format=fmt, acting_user=rep.rae)
                 for fmt in ("csv", "xlsx", "pdf")}  # fmt: skip
        contents = {fmt: report.file.open("rb").read() for fmt, report in files.items()}
        assert GeneratedReport.objects.count() == 3
    csv_text = contents["csv"].decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("Person,Days recorded") and "Rae,1" in csv_text
    assert csv_text.splitlines()[-1].startswith("Total,1")
    sheet = load_workbook(io.BytesIO(contents["xlsx"])).active
    assert sheet["A1"].value == "Attendance by person" and sheet["A5"].value == "Rae"
    assert contents["pdf"].startswith(b"%PDF")
    assert all(report.size == len(contents[fmt]) and report.rows == 1 for fmt, report in files.items())
    with pytest.raises(ValidationError) as refused, tenant_context(rep.tenant):
        services.report_generate(definition=made, format="docx")
    assert codes(refused.value) == {"invalid_format"}


# --- Schedules -------------------------------------------------------------------------------------


def schedule(rep, made, **values):
    fields = {"rrule": "FREQ=WEEKLY;BYDAY=MO", "starts_at": datetime.datetime(2026, 9, 14, 8, 0),
              "time_zone": "Australia/Sydney", "people": [rep.rae], "acting_user": rep.rae,
              "now": datetime.datetime(2026, 9, 1, tzinfo=UTC)}  # fmt: skip
    fields.update(values)
    return services.schedule_create(definition=made, **fields)


def test_weekly_0800_stays_0800_local_across_daylight_saving(rep):
    """Sydney moves to daylight time on Sunday 4 October 2026: Monday 08:00 is 22:00 UTC before, 21:00 after."""
    with tenant_context(rep.tenant):
        made = schedule(rep, definition(rep.rae))
        assert made.next_run_at == datetime.datetime(2026, 9, 13, 22, 0, tzinfo=UTC)
        for now in (datetime.datetime(2026, 9, 28, 0, 0, tzinfo=UTC), datetime.datetime(2026, 10, 5, 0, 0, tzinfo=UTC)):
            services.runs_create_due(now=now)
        runs = list(ReportRun.objects.filter(schedule=made).order_by("scheduled_for"))
        made.refresh_from_db()
    # The beat after a week's outage makes only what is within the catch-up window (the last Monday).
    assert [(run.occurrence_key, run.scheduled_for.astimezone(UTC).hour) for run in runs] == [
        ("2026-09-28T08:00", 22), ("2026-10-05T08:00", 21),
    ]  # fmt: skip
    assert {run.scheduled_for.astimezone(SYDNEY).hour for run in runs} == {8}
    assert made.next_run_at == datetime.datetime(2026, 10, 11, 21, 0, tzinfo=UTC)


def test_new_york_across_the_autumn_change(rep):
    """New York leaves daylight time on Sunday 1 November 2026: 08:00 is 12:00 UTC before, 13:00 after."""
    with tenant_context(rep.tenant):
        schedule(rep, definition(rep.rae), time_zone="America/New_York", rrule="FREQ=DAILY",
                        starts_at=datetime.datetime(2026, 10, 30, 8, 0))  # fmt: skip
        instants = []
        for day in (30, 31):
            instants += services.runs_create_due(now=datetime.datetime(2026, 10, day, 12, 30, tzinfo=UTC))
        for day in (1, 2):
            instants += services.runs_create_due(now=datetime.datetime(2026, 11, day, 13, 30, tzinfo=UTC))
        runs = list(ReportRun.objects.order_by("scheduled_for"))
    assert [r.scheduled_for.astimezone(UTC).hour for r in runs] == [12, 12, 13, 13]
    assert {r.scheduled_for.astimezone(NEW_YORK).hour for r in runs} == {8}
    assert len(instants) == 4


def test_runs_are_made_once_per_occurrence(rep, sent_tasks):
    now = datetime.datetime(2026, 9, 13, 22, 5, tzinfo=UTC)
    with tenant_context(rep.tenant):
        made = schedule(rep, definition(rep.rae))
        first = services.runs_create_due(now=now)
        again = services.runs_create_due(now=now)
        # A beat that read the schedule before the first one moved it on: the constraint keeps it once.
        ReportSchedule.objects.filter(pk=made.pk).update(next_run_at=datetime.datetime(2026, 9, 13, 22, 0, tzinfo=UTC))
        stale = services.runs_create_due(now=now)
        assert ReportRun.objects.filter(schedule=made).count() == 1
    assert len(first) == 1 and again == [] and stale == []


def test_rule_that_never_fires_and_no_recipients_are_refused(rep):
    cases = [
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "empty_rrule"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20250101T000000"}, "empty_rrule"),
        ({"rrule": "FREQ=WEEKLY;COUNT=2", "starts_at": datetime.datetime(2026, 1, 5, 8)}, "rule_never_fires"),
        ({"rrule": "FREQ=MINUTELY"}, "invalid_rrule"),
        ({"rrule": "not a rule"}, "invalid_rrule"),
        ({"people": []}, "recipients_required"),
        ({"time_zone": "Mars/Olympus"}, "invalid_time_zone"),
        ({"external_emails": ["not-an-email"]}, "invalid_email"),
    ]
    with tenant_context(rep.tenant):
        made = definition(rep.rae)
        for values, code in cases:
            with pytest.raises(ValidationError) as refused:
                schedule(rep, made, **values)
            assert codes(refused.value) == {code}, values
        assert not ReportSchedule.objects.exists()


def test_pause_and_resume_skip_what_was_missed(rep):
    with tenant_context(rep.tenant):
        made = schedule(rep, definition(rep.rae))
        services.schedule_pause(schedule=made, acting_user=rep.rae)
        assert services.runs_create_due(now=datetime.datetime(2026, 9, 21, 22, 1, tzinfo=UTC)) == []
        with pytest.raises(ValidationError) as refused:
            services.schedule_pause(schedule=made, acting_user=rep.rae)
        assert codes(refused.value) == {"schedule_paused"}
        resumed = services.schedule_resume(schedule=made, acting_user=rep.rae,
                                           now=datetime.datetime(2026, 9, 23, tzinfo=UTC))  # fmt: skip
    assert resumed.next_run_at == datetime.datetime(2026, 9, 27, 22, 0, tzinfo=UTC)


def test_scheduled_run_is_sent_by_link_with_a_notice(rep, events, sent_tasks, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with tenant_context(rep.tenant):
        attendance(rep.rae, datetime.date(2026, 9, 8), rep.site)
        schedule(rep, definition(rep.rae, period="last_week"), people=[rep.rae, rep.ivy])
        with django_capture_on_commit_callbacks(execute=True):
            (run_id,) = services.runs_create_due(now=datetime.datetime(2026, 9, 13, 22, 1, tzinfo=UTC))
        assert sent_tasks[-1][0] == "reporting.run_execute" and sent_tasks[-1][1][1] == run_id
        with django_capture_on_commit_callbacks(execute=True):
            run = services.run_execute(run_id=run_id, now=datetime.datetime(2026, 9, 13, 22, 2, tzinfo=UTC))
        assert services.run_execute(run_id=run_id) is None  # claimed once
        report = run.report
    assert (run.status, run.recipients, run.attempts) == (RunStatus.SENT, 2, 1)
    assert (report.period_start, report.period_end) == (datetime.date(2026, 9, 7), datetime.date(2026, 9, 13))
    assert sorted(m.to[0] for m in mail.outbox) == ["ivy@acme.test", "rae@acme.test"]
    assert "/manage/reports/link/" in mail.outbox[0].body and not mail.outbox[0].attachments
    delivered = [payload for name, payload in events if name == "report.delivered"]
    assert len(delivered) == 1 and set(delivered[0]["members"]) == {str(rep.rae.pk), str(rep.ivy.pk)}
    assert [name for name, _ in events].count("report.generated") == 1


def test_attachment_delivery_and_external_recipients_after_confirmation(rep, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with tenant_context(rep.tenant):
        with django_capture_on_commit_callbacks(execute=True):
            made = schedule(rep, definition(rep.rae), delivery="attachment", format="csv",
                            external_emails=["Boss@Example.com"])  # fmt: skip
        confirmation = mail.outbox[-1]
        assert confirmation.to == ["boss@example.com"] and "/manage/reports/confirm/" in confirmation.body
        assert services_recipients(made)[1] == []  # not confirmed yet
        recipient = ExternalRecipient.objects.get(schedule=made)
        token = confirmation.body.split("/manage/reports/confirm/")[1].split("/")[0]
        assert links.confirm_check(token) == (recipient.pk, "boss@example.com")
        services.external_confirm(recipient_id=recipient.pk, email="boss@example.com")
        assert services_recipients(made)[1] == ["boss@example.com"]
        mail.outbox.clear()
        (run_id,) = services.runs_create_due(now=datetime.datetime(2026, 9, 13, 22, 1, tzinfo=UTC))
        run = services.run_execute(run_id=run_id)
    assert run.status == RunStatus.SENT and run.recipients == 2
    assert all(m.attachments and m.attachments[0][0].endswith(".csv") for m in mail.outbox)


def test_attachment_is_the_file_with_its_type(rep, django_capture_on_commit_callbacks):
    """Attached delivery goes through apps.emails' `attachments=`: the file's own bytes and MIME type, no link."""
    mail.outbox.clear()
    with tenant_context(rep.tenant):
        attendance(rep.rae, datetime.date(2026, 9, 8), rep.site)
        made = schedule(rep, definition(rep.rae, period="last_week"), delivery="attachment", format="xlsx")
        (run_id,) = services.runs_create_due(now=datetime.datetime(2026, 9, 13, 22, 1, tzinfo=UTC))
        run = services.run_execute(run_id=run_id)
        with run.report.file.open("rb") as file:
            stored = file.read()
    assert run.status == RunStatus.SENT and made.delivery == "attachment"
    ((name, content, mimetype),) = mail.outbox[0].attachments
    assert name.endswith(".xlsx") and content == stored
    assert mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "/manage/reports/link/" not in mail.outbox[0].body


def test_send_now_runs_outside_the_rule_once(rep, sent_tasks, django_capture_on_commit_callbacks):
    now = datetime.datetime(2026, 9, 9, 3, 0, 5, tzinfo=UTC)
    mail.outbox.clear()
    with tenant_context(rep.tenant):
        made = schedule(rep, definition(rep.rae))
        with django_capture_on_commit_callbacks(execute=True):
            run = services.schedule_send_now(schedule=made, acting_user=rep.rae, now=now)
            again = services.schedule_send_now(schedule=made, acting_user=rep.rae, now=now)  # a double click
        assert again.pk == run.pk and run.occurrence_key == "now-20260909T130005"  # Sydney's wall time
        assert [args[1] for name, args, _ in sent_tasks if name == "reporting.run_execute"] == [run.pk]
        sent = services.run_execute(run_id=run.pk)
        made.refresh_from_db()
        assert made.next_run_at == datetime.datetime(2026, 9, 13, 22, 0, tzinfo=UTC)  # the rule's, unchanged
        assert services.runs_create_due(now=now) == []  # and nothing else is due
        services.schedule_pause(schedule=made, acting_user=rep.rae)
        with pytest.raises(ValidationError) as refused:
            services.schedule_send_now(schedule=made, acting_user=rep.rae)
        assert list(services.runs_of(made)) == [sent]
    assert codes(refused.value) == {"schedule_paused"}
    assert (sent.status, sent.recipients, sent.requested_by) == (RunStatus.SENT, 1, rep.rae)
    assert [m.to for m in mail.outbox] == [["rae@acme.test"]]


def services_recipients(made):
    from apps.reporting.selectors import recipients_of

    return recipients_of(made)


def test_roles_reach_their_holders(rep):
    with tenant_context(rep.tenant):
        role = role_create(code="store-managers", name="Store managers", permissions=[], acting_user=None)
        assignment_create(role=role, user=rep.ned, scope_object=rep.site, acting_user=None, reason="test")
        made = schedule(rep, definition(rep.rae), people=[], roles=[role])
        members, _ = services_recipients(made)
    assert [user.email for user in members] == ["ned@acme.test"]


def test_retries_with_backoff_then_failed_and_owner_told(rep, events, monkeypatch, sent_tasks,
                                                          django_capture_on_commit_callbacks):  # fmt: skip
    def broken(table, format):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(services, "render", broken)
    now = datetime.datetime(2026, 9, 13, 22, 1, tzinfo=UTC)
    with tenant_context(rep.tenant):
        made = schedule(rep, definition(rep.rae))
        (run_id,) = services.runs_create_due(now=now)
        waits = []
        for attempt in range(1, 4):
            with django_capture_on_commit_callbacks(execute=True):
                run = services.run_execute(run_id=run_id, now=now)
            assert run.attempts == attempt
            if attempt < 3:
                assert run.status == RunStatus.QUEUED and "renderer exploded" in run.error
                assert services.run_execute(run_id=run_id, now=now) is None  # not due yet
                waits.append(run.next_attempt_at - now)
                assert services.runs_retry_due(now=run.next_attempt_at) == [run_id]
                now = run.next_attempt_at
        assert run.status == RunStatus.FAILED and run.finished_at is not None
        assert not GeneratedReport.objects.exists()
    assert waits == [datetime.timedelta(minutes=2), datetime.timedelta(minutes=10)]
    failed = [payload for name, payload in events if name == "report.failed"]
    assert len(failed) == 1 and failed[0]["owner"] == str(rep.rae.pk) and failed[0]["attempts"] == 3
    assert made.owner_id == rep.rae.pk


def test_delivery_with_nobody_left_fails_the_attempt(rep):
    with tenant_context(rep.tenant):
        made = schedule(rep, definition(rep.rae))
        made.people.clear()
        (run_id,) = services.runs_create_due(now=datetime.datetime(2026, 9, 13, 22, 1, tzinfo=UTC))
        run = services.run_execute(run_id=run_id, now=datetime.datetime(2026, 9, 13, 22, 2, tzinfo=UTC))
    assert run.status == RunStatus.QUEUED and "Nobody to send to" in run.error
    assert issubclass(delivery.DeliveryFailed, Exception)


def test_signed_link_expiry_tampering_and_other_schema(rep):
    with tenant_context(rep.tenant):
        report = services.report_generate(definition=definition(rep.rae), format="csv")
        token = links.download_token(report.pk, "rae@acme.test")
        assert selectors.signed_download(token) == report
        assert links.download_check(token, max_age=datetime.timedelta(seconds=-1)) is None  # expired
        assert selectors.signed_download(token[:-2] + ("AA" if not token.endswith("AA") else "BB")) is None
        assert links.confirm_check(token) is None  # another purpose's salt
    assert links.download_check(token) is None  # outside acme's schema


def test_rendering_content_types():
    assert rendering.CONTENT_TYPES["pdf"] == "application/pdf"


def test_form_submissions_dataset(rep):
    from apps.forms.models import FormTemplate, FormVersion, Submission

    now = datetime.datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
    with tenant_context(rep.tenant):
        form = FormTemplate.objects.create(name="Store visit")
        version = FormVersion.objects.create(template=form, number=1, schema={}, published_at=now)
        for person, status in (
            (rep.rae, "approved"),
            (rep.rae, "submitted"),
            (rep.ivy, "rejected"),
            (rep.ivy, "draft"),
        ):
            Submission.objects.create(
                template=form, version=version, person=person, workplace=rep.site, status=status,
                submitted_at=None if status == "draft" else now,
                reviewed_at=now if status in ("approved", "rejected") else None,
            )  # fmt: skip
        columns = ["submissions", "awaiting_review", "approved", "approval_rate", "people"]
        made = definition(rep.rae, dataset="form_submissions", grouping="form", columns=columns)
        table = services.report_table(made)
    assert table.rows == [("Store visit", [3, 1, 1, 50.0, 2])]
