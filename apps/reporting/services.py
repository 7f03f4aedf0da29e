"""Writes of reporting. Refusals are `ValidationError`s (apps.core.errors.refused) whose `code` names the rule:

`name_required`, `unknown_dataset`, `unknown_grouping`, `columns_required`, `unknown_column`, `invalid_period`,
`period_too_long`, `unknown_workplace`, `form_not_supported`, `unknown_form`, `form_required`, `invalid_filter`,
`unknown_filter_field`, `invalid_filter_operator`, `invalid_filter_value`, `too_many_filters`, `unknown_person`
(a filter's person; filters.py),
`invalid_format`, `invalid_delivery`, `invalid_time_zone`, `invalid_rrule`, `empty_rrule` (the rule yields
nothing at all), `rule_never_fires` (no occurrence after now),
`recipients_required`, `unknown_person`, `invalid_email`, `schedule_paused`, `schedule_active`.

Definitions and schedules keep history (the acting person). Generated files are stored through Django's
storage API. Scheduled runs are made by the beat exactly once per occurrence and sent by a worker (tasks.py);
a failing run is retried with backoff, then marked failed and its owner told (`report.failed`).
"""

import datetime
import logging
import uuid
import zoneinfo
from collections.abc import Iterable
from typing import Any

from celery import current_app
from dateutil.rrule import rrule
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.core.actors import acting_person
from apps.core.errors import refused
from apps.core.events import publish
from apps.core.recurrence import occurrence_key, occurrences_between, rule_parse, zone
from apps.forms.models import FormField, FormTemplate
from apps.workplaces.models import Workplace

from . import delivery
from .datasets import Dataset, ReportTable, dataset_get, report_query, totals_of
from .filters import filter_conditions, filters_check
from .models import (
    Delivery,
    ExternalRecipient,
    GeneratedReport,
    Period,
    ReportDefinition,
    ReportFormat,
    ReportRun,
    ReportSchedule,
    RunStatus,
    ScheduleStatus,
)
from .payloads import generated_payload, run_payload
from .periods import period_bounds
from .rendering import render

logger = logging.getLogger(__name__)

MAX_PERIOD_DAYS = 366
MAX_ATTEMPTS = 3
BACKOFF = (datetime.timedelta(minutes=2), datetime.timedelta(minutes=10), datetime.timedelta(minutes=30))
CATCH_UP = datetime.timedelta(hours=6)  # an occurrence missed longer ago (beat down) is skipped, not sent late
FAR_UNTIL = "20991231T235959"
MAX_EXTERNAL = 20
RUN_TASK = "reporting.run_execute"


def _save(instance: Any, acting_user: Any) -> None:
    instance._history_user = acting_person(acting_user)
    instance.save()


def tenant_zone_name() -> str:
    return str(getattr(getattr(connection, "tenant", None), "time_zone", "") or "UTC")


def current_tenant() -> Any:
    tenant = getattr(connection, "tenant", None)
    return tenant if getattr(tenant, "pk", None) else None


# --- Definitions -----------------------------------------------------------------------------------


def _definition_check(definition: ReportDefinition) -> None:
    if not definition.name.strip():
        raise refused("Name the report.", code="name_required", field="name")
    dataset = dataset_get(definition.dataset)
    if dataset is None:
        raise refused("Choose one of the datasets.", code="unknown_dataset", field="dataset")
    if dataset.grouping(definition.grouping) is None:
        names = ", ".join(g.key for g in dataset.groupings)
        raise refused(f"Group {dataset.label.lower()} by one of: {names}.", code="unknown_grouping", field="grouping")
    if not definition.columns:
        raise refused("Choose at least one column.", code="columns_required", field="columns")
    unknown = [key for key in definition.columns if dataset.column(key) is None]
    if unknown:
        names = ", ".join(c.key for c in dataset.columns)
        raise refused(f"Unknown columns {', '.join(unknown)}; {dataset.label.lower()} has {names}.",
                      code="unknown_column", field="columns")  # fmt: skip
    _period_check(definition)
    _form_check(definition, dataset)


def _form_check(definition: ReportDefinition, dataset: Dataset) -> None:
    """A form only for a dataset of form submissions; filters (on the dataset's dimensions, and on the chosen
    form's answers) checked against them and stored normalised."""
    fields = None
    if definition.form_id is not None:
        if not dataset.form_field:
            raise refused(f"{dataset.label} are not form submissions: leave the form out.", code="form_not_supported",
                          field="form")  # fmt: skip
        form = FormTemplate.objects.filter(pk=definition.form_id).select_related("current_version").first()
        if form is None or form.current_version is None:
            raise refused("Choose a published form of this organisation.", code="unknown_form", field="form")
        fields = {field.key: field for field in FormField.objects.filter(version=form.current_version)}
    definition.filters = filters_check(definition.filters or [], fields, dataset)


def _period_check(definition: ReportDefinition) -> None:
    if definition.period not in Period.values:
        raise refused(f"The period is one of {', '.join(Period.values)}.", code="invalid_period", field="period")
    if definition.period != Period.FIXED:
        definition.period_start = definition.period_end = None
        return
    start, end = definition.period_start, definition.period_end
    if start is None or end is None or start > end:
        raise refused("A fixed period has a first and a last day, in order.", code="invalid_period", field="period")
    if (end - start).days >= MAX_PERIOD_DAYS:
        raise refused("A report covers at most a year.", code="period_too_long", field="period")


def _workplaces(ids: Iterable[Any]) -> list[Workplace]:
    wanted = {int(pk) for pk in ids}
    found = list(Workplace.objects.filter(pk__in=wanted))
    if len(found) != len(wanted):
        raise refused("No such workplace in this organisation.", code="unknown_workplace", field="workplaces")
    return found


DEFINITION_FIELDS = (
    "name",
    "description",
    "dataset",
    "grouping",
    "columns",
    "period",
    "period_start",
    "period_end",
    "form",
    "filters",
)


def _form_of(value: Any) -> FormTemplate | None:
    """The form a definition names: a template, its id (the API) or nothing."""
    if value is None or value == "" or isinstance(value, FormTemplate):
        return value or None
    found = FormTemplate.objects.filter(pk=value).first() if str(value).isdigit() else None
    if found is None:
        raise refused("Choose a published form of this organisation.", code="unknown_form", field="form")
    return found


@transaction.atomic
def definition_create(*, acting_user: Any, workplaces: Iterable[Any] = (), **fields: Any) -> ReportDefinition:
    if "form" in fields:
        fields["form"] = _form_of(fields["form"])
    dataset = dataset_get(fields.get("dataset", ""))
    if dataset is not None and not fields.get("columns"):
        fields["columns"] = list(dataset.default_columns)
    definition = ReportDefinition(
        owner=acting_person(acting_user), **{k: v for k, v in fields.items() if v is not None}
    )
    definition.columns = list(dict.fromkeys(definition.columns or []))
    _definition_check(definition)
    chosen = _workplaces(workplaces)
    _save(definition, acting_user)
    definition.workplaces.set(chosen)
    return definition


@transaction.atomic
def definition_update(*, definition: ReportDefinition, acting_user: Any, workplaces: Any = None,
                      **fields: Any) -> ReportDefinition:  # fmt: skip
    definition = ReportDefinition.objects.select_for_update().get(pk=definition.pk)
    if "form" in fields:
        fields["form"] = _form_of(fields["form"])
    for name, value in fields.items():
        if name in DEFINITION_FIELDS:
            setattr(definition, name, value)
    if "dataset" in fields and "columns" not in fields:
        dataset = dataset_get(definition.dataset)
        definition.columns = list(dataset.default_columns) if dataset else []
    definition.columns = list(dict.fromkeys(definition.columns or []))
    _definition_check(definition)
    if workplaces is not None:
        definition.workplaces.set(_workplaces(workplaces))
    _save(definition, acting_user)
    return definition


@transaction.atomic
def definition_delete(*, definition: ReportDefinition, acting_user: Any) -> None:
    definition._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    definition.delete()  # its schedules and runs go with it; generated files stay (definition set to null)


# --- Computing and generating ----------------------------------------------------------------------


def report_table(definition: ReportDefinition, *, at: datetime.datetime | None = None,
                 start: datetime.date | None = None, end: datetime.date | None = None) -> ReportTable:  # fmt: skip
    """The report as of `at` (its relative period resolved then), in the organisation's time zone. One
    aggregate query (plus the workplace names when some are chosen)."""
    at = at or timezone.now()
    zone_name = tenant_zone_name()
    tz = zone(zone_name)
    dataset = dataset_get(definition.dataset)
    if dataset is None:
        raise refused("This report's dataset no longer exists.", code="unknown_dataset", field="dataset")
    grouping = dataset.grouping(definition.grouping) or dataset.groupings[0]
    columns = [c for c in (dataset.column(key) for key in definition.columns) if c is not None]
    if start is None or end is None:
        start, end = period_bounds(definition.period, at=at, zone=tz, start=definition.period_start,
                                   end=definition.period_end)  # fmt: skip
    places = list(definition.workplaces.values_list("pk", "name"))
    rows, truncated = report_query(dataset=dataset, grouping=grouping, columns=columns, start=start, end=end,
                                   workplace_ids=[pk for pk, _ in places], zone=tz,
                                   conditions=_conditions(definition, dataset))  # fmt: skip
    return ReportTable(
        title=definition.name, dataset=dataset, grouping=grouping, columns=columns, rows=rows,
        totals=totals_of(columns, rows), period_start=start, period_end=end, workplaces=[n for _, n in places],
        truncated=truncated, generated_at=timezone.now(), time_zone=zone_name,
    )  # fmt: skip


def _conditions(definition: ReportDefinition, dataset: Dataset) -> tuple[Any, ...]:
    form = (Q(**{f"{dataset.form_field}_id": definition.form_id}),) if dataset.form_field and definition.form_id else ()
    return (*form, *filter_conditions(definition.filters or [], dataset))


@transaction.atomic
def report_generate(
    *,
    definition: ReportDefinition,
    format: str,
    acting_user: Any = None,
    at: datetime.datetime | None = None,
    schedule: ReportSchedule | None = None,
) -> GeneratedReport:
    """Compute, render and store one file; publishes `report.generated`."""
    if format not in ReportFormat.values:
        raise refused(f"The format is one of {', '.join(ReportFormat.values)}.", code="invalid_format", field="format")
    table = report_table(definition, at=at)
    content, _ = render(table, format)
    report = GeneratedReport(
        definition=definition, title=definition.name[:200], format=format, size=len(content), rows=len(table.rows),
        truncated=table.truncated, period_start=table.period_start, period_end=table.period_end,
        generated_at=timezone.now(), generated_by=acting_person(acting_user), schedule=schedule,
    )  # fmt: skip
    report.file.save(f"report-{uuid.uuid4().hex[:12]}.{format}", ContentFile(content), save=False)
    report.save()
    publish("report.generated", generated_payload(report), tenant=current_tenant())
    return report


@transaction.atomic
def run_request(*, definition: ReportDefinition, format: str, acting_user: Any,
                client_id: uuid.UUID | None = None) -> tuple[ReportRun, bool]:  # fmt: skip
    """Generate now, in the background: a run the worker renders. With a `client_id`, a retried request is the
    same run (False: not created)."""
    if format not in ReportFormat.values:
        raise refused(f"The format is one of {', '.join(ReportFormat.values)}.", code="invalid_format", field="format")
    person = acting_person(acting_user)
    if client_id is not None and person is not None:
        existing = ReportRun.objects.filter(requested_by=person, client_id=client_id).first()
        if existing is not None:
            return existing, False
    run = ReportRun.objects.create(definition=definition, format=format, scheduled_for=timezone.now(),
                                   requested_by=person, client_id=client_id)  # fmt: skip
    _enqueue([run.pk])
    return run, True


def _enqueue(run_ids: list[int], countdown: int = 0) -> None:
    """Hand runs to workers once the transaction commits (sent by name: the task module imports this one;
    tenant-schemas-celery's `send_task` carries the schema, and the task refuses another tenant's)."""
    schema = str(getattr(connection, "schema_name", ""))

    def send() -> None:
        for pk in run_ids:
            current_app.send_task(RUN_TASK, args=[schema, pk], countdown=countdown)

    if run_ids:
        transaction.on_commit(send)


# --- Schedules -------------------------------------------------------------------------------------


def _bounded(text: str) -> str:
    """The rule as the shared parser takes it: a schedule runs until paused, so a rule without COUNT or
    UNTIL is given a far UNTIL (the shared parser refuses unbounded rules for generated work)."""
    body = (text or "").strip()
    upper = body.upper()
    if body and "COUNT=" not in upper and "UNTIL=" not in upper:
        body = f"{body.rstrip(';')};UNTIL={FAR_UNTIL}"
    return body


def schedule_rule(text: str, *, starts_at: datetime.datetime, tz: zoneinfo.ZoneInfo) -> rrule:
    return rule_parse(_bounded(text), dtstart=starts_at.astimezone(tz).replace(tzinfo=None))


def next_occurrence(rule: rrule, tz: zoneinfo.ZoneInfo, *, after: datetime.datetime) -> datetime.datetime | None:
    """The first occurrence strictly after `after` (aware UTC), or None when the rule has ended."""
    wall = after.astimezone(tz).replace(tzinfo=None) - datetime.timedelta(days=1)
    for _ in range(1000):
        wall = rule.after(wall, inc=False)
        if wall is None:
            return None
        instant = wall.replace(tzinfo=tz).astimezone(datetime.UTC)
        if instant > after:
            return instant
    return None


def _zone_check(name: str) -> str:
    name = (name or "").strip() or tenant_zone_name()
    if name not in zoneinfo.available_timezones():
        raise refused("Choose a time zone such as Australia/Sydney.", code="invalid_time_zone", field="time_zone")
    return name


def _active_members(users: Iterable[Any]) -> list[User]:
    ids = {getattr(user, "pk", user) for user in users}
    schema = str(getattr(connection, "schema_name", ""))
    found = list(User.objects.filter(pk__in=ids, memberships__tenant__schema_name=schema,
                                     memberships__status=Membership.Status.ACTIVE).distinct())  # fmt: skip
    if len(found) != len(ids):
        raise refused("That person is not a member of this organisation.", code="unknown_person", field="people")
    return found


def _emails_check(emails: Iterable[str]) -> list[str]:
    clean = list(dict.fromkeys(e.strip().lower() for e in emails if e and e.strip()))
    for email in clean:
        try:
            validate_email(email)
        except ValidationError:
            raise refused(f"{email} is not an email address.", code="invalid_email", field="external_emails") from None
    if len(clean) > MAX_EXTERNAL:
        raise refused(f"At most {MAX_EXTERNAL} external addresses.", code="invalid_email", field="external_emails")
    return clean


def _schedule_check(schedule: ReportSchedule, *, now: datetime.datetime) -> None:
    if schedule.format not in ReportFormat.values:
        raise refused(f"The format is one of {', '.join(ReportFormat.values)}.", code="invalid_format", field="format")
    if schedule.delivery not in Delivery.values:
        raise refused("Deliver a link or the file attached.", code="invalid_delivery", field="delivery")
    tz = zone(schedule.time_zone)
    rule = schedule_rule(schedule.rrule, starts_at=schedule.starts_at, tz=tz)
    upcoming = next_occurrence(rule, tz, after=max(now, schedule.starts_at - datetime.timedelta(seconds=1)))
    if upcoming is None:
        raise refused("The rule never fires again: every occurrence is in the past.", code="rule_never_fires",
                      field="rrule")  # fmt: skip
    schedule.next_run_at = upcoming if schedule.status == ScheduleStatus.ACTIVE else None


def _aware(value: datetime.datetime, tz_name: str) -> datetime.datetime:
    return value if timezone.is_aware(value) else value.replace(tzinfo=zone(tz_name))


def _recipients_set(schedule: ReportSchedule, *, people: Any, roles: Any, emails: Any, acting_user: Any) -> None:
    """Replace the recipients given (None keeps that kind); refuse a schedule left with nobody."""
    if people is not None:
        schedule.people.set(_active_members(people))
    if roles is not None:
        wanted = {getattr(role, "pk", role) for role in roles}
        found = list(Role.objects.filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise refused("No such role in this organisation.", code="unknown_role", field="roles")
        schedule.roles.set(found)
    if emails is not None:
        clean = _emails_check(emails)
        schedule.external_recipients.exclude(email__in=clean).delete()
        known = set(schedule.external_recipients.values_list("email", flat=True))
        added = [ExternalRecipient.objects.create(schedule=schedule, email=email, added_by=acting_person(acting_user))
                 for email in clean if email not in known]  # fmt: skip
        if added:
            tenant = current_tenant()
            transaction.on_commit(lambda: delivery.confirmations_send(tenant, [r.pk for r in added]))
    if not (schedule.people.exists() or schedule.roles.exists() or schedule.external_recipients.exists()):
        raise refused("Choose who receives the report: people, roles or email addresses.",
                      code="recipients_required", field="recipients")  # fmt: skip


@transaction.atomic
def schedule_create(
    *,
    definition: ReportDefinition,
    rrule: str,
    starts_at: datetime.datetime,
    acting_user: Any,
    time_zone: str = "",
    format: str = ReportFormat.PDF,
    delivery: str = Delivery.LINK,
    people: Iterable[Any] = (),
    roles: Iterable[Any] = (),
    external_emails: Iterable[str] = (),
    now: datetime.datetime | None = None,
) -> ReportSchedule:
    """A schedule of `definition`. `starts_at` may be naive: a wall-clock time in `time_zone` (default: the
    organisation's)."""
    name = _zone_check(time_zone)
    schedule = ReportSchedule(definition=definition, rrule=rrule.strip(), starts_at=_aware(starts_at, name),
                              time_zone=name, format=format, delivery=delivery,
                              owner=acting_person(acting_user))  # fmt: skip
    _schedule_check(schedule, now=now or timezone.now())
    _save(schedule, acting_user)
    _recipients_set(schedule, people=list(people), roles=list(roles), emails=list(external_emails),
                    acting_user=acting_user)  # fmt: skip
    return schedule


SCHEDULE_FIELDS = ("rrule", "starts_at", "time_zone", "format", "delivery")


@transaction.atomic
def schedule_update(*, schedule: ReportSchedule, acting_user: Any, people: Any = None, roles: Any = None,
                    external_emails: Any = None, now: datetime.datetime | None = None,
                    **fields: Any) -> ReportSchedule:  # fmt: skip
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    for name, value in fields.items():
        if name in SCHEDULE_FIELDS:
            setattr(schedule, name, value)
    schedule.time_zone = _zone_check(schedule.time_zone)
    schedule.starts_at = _aware(schedule.starts_at, schedule.time_zone)
    _schedule_check(schedule, now=now or timezone.now())
    _recipients_set(schedule, people=people, roles=roles, emails=external_emails, acting_user=acting_user)
    _save(schedule, acting_user)
    return schedule


@transaction.atomic
def schedule_pause(*, schedule: ReportSchedule, acting_user: Any) -> ReportSchedule:
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status == ScheduleStatus.PAUSED:
        raise refused("This schedule is already paused.", code="schedule_paused")
    schedule.status, schedule.next_run_at = ScheduleStatus.PAUSED, None
    _save(schedule, acting_user)
    return schedule


@transaction.atomic
def schedule_resume(*, schedule: ReportSchedule, acting_user: Any, now: datetime.datetime | None = None) -> Any:
    """Active again from now: the occurrences it missed while paused are not sent."""
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status == ScheduleStatus.ACTIVE:
        raise refused("This schedule is already active.", code="schedule_active")
    schedule.status = ScheduleStatus.ACTIVE
    _schedule_check(schedule, now=now or timezone.now())
    _save(schedule, acting_user)
    return schedule


@transaction.atomic
def schedule_send_now(*, schedule: ReportSchedule, acting_user: Any, now: datetime.datetime | None = None) -> ReportRun:
    """A run of the schedule now, outside its rule (to check what the recipients get, or send a missed week):
    rendered and sent like an occurrence, to the same recipients, and in the schedule's history. The rule's
    next run stays where it was. Its occurrence key starts with "now-" (a rule's keys are wall times), so it
    never takes the place of a real occurrence; a double click within the same second is one run."""
    schedule = ReportSchedule.objects.select_for_update().get(pk=schedule.pk)
    if schedule.status != ScheduleStatus.ACTIVE:
        raise refused("A paused schedule sends nothing: resume it first.", code="schedule_paused")
    now = now or timezone.now()
    key = "now-" + now.astimezone(zone(schedule.time_zone)).strftime("%Y%m%dT%H%M%S")
    run, created = ReportRun.objects.get_or_create(
        schedule=schedule, occurrence_key=key,
        defaults={"definition_id": schedule.definition_id, "scheduled_for": now, "format": schedule.format,
                  "requested_by": acting_person(acting_user)},
    )  # fmt: skip
    if created:
        _enqueue([run.pk])
    return run


@transaction.atomic
def schedule_delete(*, schedule: ReportSchedule, acting_user: Any) -> None:
    schedule._history_user = acting_person(acting_user)  # type: ignore[attr-defined]
    schedule.delete()


@transaction.atomic
def external_confirm(
    *, recipient_id: int, email: str, now: datetime.datetime | None = None
) -> ExternalRecipient | None:
    """The address confirmed it wants the reports (the signed link of its invitation); None if it is gone."""
    found = ExternalRecipient.objects.select_for_update().filter(pk=recipient_id, email=email).first()
    if found is not None and found.confirmed_at is None:
        found.confirmed_at = now or timezone.now()
        found.save()
    return found


# --- Runs: the beat makes them once, the worker sends them -----------------------------------------


def runs_create_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Make the runs of every due occurrence of the active schedules, exactly once each (a schedule being
    handled by another beat is skipped: its row is locked; the unique (schedule, occurrence) constraint
    is the backstop), move each schedule's `next_run_at` on, and hand the new runs to workers."""
    now = now or timezone.now()
    made: list[int] = []
    with transaction.atomic():
        due = (ReportSchedule.objects.select_for_update(skip_locked=True, of=("self",))
               .filter(status=ScheduleStatus.ACTIVE, next_run_at__lte=now).order_by("pk")[:500])  # fmt: skip
        for schedule in due:
            made.extend(_schedule_runs(schedule, now))
        _enqueue(made)
    return made


def _schedule_runs(schedule: ReportSchedule, now: datetime.datetime) -> list[int]:
    tz = zone(schedule.time_zone)
    made = []
    try:
        rule = schedule_rule(schedule.rrule, starts_at=schedule.starts_at, tz=tz)
    except ValidationError:
        logger.warning("Report schedule %s has an unreadable rule; paused.", schedule.pk)
        ReportSchedule.objects.filter(pk=schedule.pk).update(status=ScheduleStatus.PAUSED, next_run_at=None)
        return []
    start = max(schedule.next_run_at or now, now - CATCH_UP)
    for instant in occurrences_between(rule, tz=tz, start=start, end=now + datetime.timedelta(seconds=1), limit=50):
        run, created = ReportRun.objects.get_or_create(
            schedule=schedule, occurrence_key=occurrence_key(instant, tz),
            defaults={"definition_id": schedule.definition_id, "scheduled_for": instant, "format": schedule.format},
        )  # fmt: skip
        if created:
            made.append(run.pk)
    ReportSchedule.objects.filter(pk=schedule.pk).update(next_run_at=next_occurrence(rule, tz, after=now))
    return made


def runs_retry_due(*, now: datetime.datetime | None = None) -> list[int]:
    """Queued runs whose next attempt is due (a retry whose message was lost) and runs left running by a
    worker that died: handed to workers again (the claim makes each run once)."""
    now = now or timezone.now()
    stale = now - datetime.timedelta(minutes=30)
    ReportRun.objects.filter(status=RunStatus.RUNNING, started_at__lt=stale).update(status=RunStatus.QUEUED,
                                                                                     next_attempt_at=now)  # fmt: skip
    ids = list(ReportRun.objects.filter(status=RunStatus.QUEUED, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:500])  # fmt: skip
    _enqueue(ids)
    return ids


def run_claim(run_id: int, *, now: datetime.datetime) -> ReportRun | None:
    """Take a queued run (one worker only); None when another took it or it is not due."""
    taken = ReportRun.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), pk=run_id, status=RunStatus.QUEUED
    ).update(status=RunStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, next_attempt_at=None)
    if not taken:
        return None
    return ReportRun.objects.select_related("definition", "schedule", "requested_by").get(pk=run_id)


def runs_requeue(*, run_ids: list[int]) -> int:
    """Put runs left `running` by a worker that died back to queued (apps.core.jobs knows it died)."""
    return ReportRun.objects.filter(pk__in=run_ids, status=RunStatus.RUNNING).update(
        status=RunStatus.QUEUED, next_attempt_at=None
    )


def run_execute(*, run_id: int, now: datetime.datetime | None = None) -> ReportRun | None:
    """Render and (for a schedule) send one run; a failure is retried with backoff, then the run fails and
    its owner is told. Returns the run, or None when there was nothing to do."""
    now = now or timezone.now()
    run = run_claim(run_id, now=now)
    if run is None:
        return None
    try:
        report = run.report if run.report is not None else _run_report(run)
        sent = delivery.run_deliver(run, report) if run.schedule_id else None
    except Exception as exc:  # noqa: BLE001 - any failure is the run's: recorded, retried, then reported
        logger.warning("Report run %s failed (attempt %s): %s", run.pk, run.attempts, exc)
        return _run_failed(run, exc, now)
    with transaction.atomic():
        run.status = RunStatus.SENT if run.schedule_id else RunStatus.DONE
        run.recipients, run.error, run.finished_at = sent or 0, "", timezone.now()
        run.save(update_fields=["status", "report", "recipients", "error", "finished_at"])
    return run


@transaction.atomic
def _run_report(run: ReportRun) -> GeneratedReport:
    """Make the run's file and record it on the run in one transaction: a copy of the run re-sent after its
    worker died (apps.core.jobs) or a retry finds it there and sends it, instead of making a second file."""
    report = report_generate(definition=run.definition, format=run.format, acting_user=run.requested_by,
                             at=run.scheduled_for, schedule=run.schedule)  # fmt: skip
    ReportRun.objects.filter(pk=run.pk).update(report=report)
    run.report = report
    return report


def _run_failed(run: ReportRun, exc: Exception, now: datetime.datetime) -> ReportRun:
    with transaction.atomic():
        run.error = f"{type(exc).__name__}: {exc}"[:2000]
        if run.attempts < MAX_ATTEMPTS:
            wait = BACKOFF[min(run.attempts - 1, len(BACKOFF) - 1)]
            run.status, run.next_attempt_at = RunStatus.QUEUED, now + wait
            run.save(update_fields=["status", "next_attempt_at", "error", "report"])
            _enqueue([run.pk], countdown=int(wait.total_seconds()))
            return run
        run.status, run.finished_at = RunStatus.FAILED, timezone.now()
        run.save(update_fields=["status", "finished_at", "error", "report"])
        owner = run.schedule.owner_id if run.schedule is not None else run.requested_by_id
        publish("report.failed", run_payload(run, owner=str(owner) if owner else None), tenant=current_tenant())
    return run


def runs_of(schedule: ReportSchedule) -> QuerySet[ReportRun]:
    return schedule.runs.select_related("report").order_by("-scheduled_for", "-id")
