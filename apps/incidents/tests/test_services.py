"""The rules of incidents: reporting (bad input refused, nothing half-written), idempotent mobile reports,
attachment limits, the workflow and its closing rules, corrective actions as tasks, regulator deadlines
warned exactly once."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.incidents import notices, services
from apps.incidents.models import Incident, IncidentAttachment, IncidentSettings, IncidentType, RegulatorDeadline
from apps.incidents.services import PersonInput
from apps.incidents.tasks import regulator_deadlines
from apps.tasks.models import Task
from apps.tasks.services import task_status_set
from apps.workplaces.models import Workplace

from .conftest import PDF, photo, report

NOW = datetime.datetime.now(datetime.UTC)


def _code(exc: pytest.ExceptionInfo) -> str:
    error = exc.value
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict.values()))[0].code
    return error.code


def test_report_with_people_and_photos_flags_a_serious_injury_notifiable(
    ops, events, django_capture_on_commit_callbacks
):
    with tenant_context(ops.tenant), django_capture_on_commit_callbacks(execute=True):
        occurred = NOW - datetime.timedelta(hours=1)
        incident = report(
            ops, severity="high", occurred_at=occurred, photos=[photo(), photo("notes.pdf", PDF)],
            people=[PersonInput(role="injured", name="A customer"), PersonInput(role="witness", user=ops.ivy)],
        )  # fmt: skip
        assert incident.reference == f"INC-{incident.pk:06d}"
        assert (incident.injury, incident.near_miss, incident.status) == (True, False, "reported")
        assert incident.notifiable and incident.regulator_deadline == occurred + datetime.timedelta(hours=48)
        assert sorted(incident.attachments.values_list("kind", flat=True)) == ["file", "photo"]
        assert incident.people.count() == 2
        assert Incident.history.filter(id=incident.pk).count() == 1
    assert [name for name, _ in events] == ["incident.reported"]
    # Tenant admins are told at once (the critical notice), the reporter is not told of their own report.
    payload = events[0][1]
    assert notices.admins_if_serious(ops.tenant, payload) == [ops.admin.pk]
    assert notices.admins_if_minor(ops.tenant, payload) == []


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"type": "fire"}, "invalid_type"),
        ({"severity": "huge"}, "invalid_severity"),
        ({"title": "  "}, "title_required"),
        ({"occurred_at": NOW + datetime.timedelta(days=1)}, "occurred_in_future"),
        ({"latitude": 10}, "invalid_position"),
        ({"latitude": 95, "longitude": 10}, "invalid_position"),
        ({"type": "near_miss", "injury": True}, "injury_and_near_miss"),
        ({"workplace": "SYD-METRO"}, "unknown_workplace"),
        ({"people": [PersonInput(role="bystander", name="X")]}, "invalid_role"),
        ({"people": [PersonInput(role="witness")]}, "person_required"),
        ({"photos": [photo(), photo("virus.jpg", b"MZ\x90\x00 not an image")]}, "attachment_type"),
        ({"photos": [photo("big.jpg", b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024))]}, "attachment_too_large"),
    ],
)
def test_bad_reports_are_refused_with_a_code_and_write_nothing(ops, change, code):
    with tenant_context(ops.tenant):
        if change.get("workplace"):
            change["workplace"] = Workplace.objects.get(code=change["workplace"])
        with pytest.raises(ValidationError) as exc:
            report(ops, **change)
        assert _code(exc) == code
        assert not Incident.objects.exists() and not IncidentAttachment.objects.exists()


def test_a_retried_mobile_report_is_the_same_incident(ops):
    client_id = uuid.uuid4()
    with tenant_context(ops.tenant):
        first, created = services.incident_report(
            title="Broken glass", type="property_damage", severity="low", occurred_at=NOW, workplace=ops.site,
            description="Shelf fell.", acting_user=ops.rae, client_id=client_id,
        )  # fmt: skip
        again, created_again = services.incident_report(
            title="Broken glass", type="property_damage", severity="low", occurred_at=NOW, workplace=ops.site,
            description="Shelf fell.", acting_user=ops.rae, client_id=client_id,
        )  # fmt: skip
        # Another person's client id never returns someone else's report.
        other, other_created = services.incident_report(
            title="Other", type="other", severity="low", occurred_at=NOW, workplace=ops.site, description="x",
            acting_user=ops.ivy, client_id=client_id,
        )  # fmt: skip
        assert (created, created_again, other_created) == (True, False, True)
        assert again.pk == first.pk and other.pk != first.pk
        assert Incident.objects.count() == 2
        # The same report normalised the same way (spaces trimmed, the time in another zone) is a retry;
        # the same client id with another report is refused and writes nothing.
        sydney = datetime.timezone(datetime.timedelta(hours=11))
        spaced, spaced_created = services.incident_report(
            title=" Broken glass ", type="property_damage", severity="low", occurred_at=NOW.astimezone(sydney),
            workplace=ops.site, description="Shelf fell.\n", acting_user=ops.rae, client_id=client_id,
        )  # fmt: skip
        assert (spaced.pk, spaced_created) == (first.pk, False)
        with pytest.raises(ValidationError) as exc:
            services.incident_report(
                title="Broken glass", type="property_damage", severity="high", occurred_at=NOW, workplace=ops.site,
                description="Shelf fell.", acting_user=ops.rae, client_id=client_id,
            )  # fmt: skip
        assert _code(exc) == "idempotency_conflict"
        assert Incident.objects.count() == 2


def test_attachment_limits_on_an_existing_incident(ops, monkeypatch):
    with tenant_context(ops.tenant):
        incident = report(ops)
        for upload, code in ((photo("a.gif", b"GIF89a" + b"0" * 20), "attachment_type"),
                             (photo("empty.jpg", b""), "attachment_empty")):  # fmt: skip
            with pytest.raises(ValidationError) as exc:
                services.incident_attachment_add(incident=incident, upload=upload, acting_user=ops.rae)
            assert _code(exc) == code
        monkeypatch.setattr("apps.incidents.services.MAX_PER_INCIDENT", 1)
        added = services.incident_attachment_add(incident=incident, upload=photo(), acting_user=ops.rae)
        assert (added.content_type, added.kind, added.size) == ("image/jpeg", "photo", len(photo().read()))
        assert added.file.name.startswith(f"incidents/{ops.tenant.schema_name}/{incident.pk}/")
        with pytest.raises(ValidationError) as exc:
            services.incident_attachment_add(incident=incident, upload=photo(), acting_user=ops.rae)
        assert _code(exc) == "too_many_attachments"


def test_workflow_closing_waits_for_actions_and_the_investigation(ops, events, django_capture_on_commit_callbacks):
    with tenant_context(ops.tenant), django_capture_on_commit_callbacks(execute=True):
        incident = report(ops, severity="high")
        with pytest.raises(ValidationError) as exc:
            services.incident_transition(incident=incident, status="reopened", acting_user=ops.admin)
        assert _code(exc) == "invalid_transition"
        action = services.incident_action_create(incident=incident, title="Put mats out", assignee=ops.ivy,
                                                 acting_user=ops.admin)  # fmt: skip
        task = Task.objects.get(pk=action.task_id)
        assert (task.origin_kind, task.origin_id, task.priority) == ("incidents.action", str(incident.pk), "high")
        assert (task.workplace_id, task.assignee_id) == (ops.site.pk, ops.ivy.pk)
        incident.refresh_from_db()
        assert incident.status == "action_required"
        with pytest.raises(ValidationError) as exc:
            services.incident_transition(incident=incident, status="closed", acting_user=ops.admin)
        assert _code(exc) == "actions_open"
        task_status_set(task=task, status="done", acting_user=ops.ivy)
        with pytest.raises(ValidationError) as exc:
            services.incident_transition(incident=incident, status="closed", acting_user=ops.admin)
        assert _code(exc) == "investigation_required"
        with pytest.raises(ValidationError) as exc:
            services.incident_investigation_save(incident=incident, acting_user=ops.admin, findings="Wet floor",
                                                 root_cause="", completed=True)  # fmt: skip
        assert _code(exc) == "findings_required"
        services.incident_investigation_save(
            incident=incident, acting_user=ops.admin, findings="Wet floor", root_cause="No mats on rainy days",
            investigator=ops.ivy, completed=True,
        )  # fmt: skip
        closed = services.incident_transition(incident=incident, status="closed", note="Mats bought",
                                              acting_user=ops.admin)  # fmt: skip
        assert closed.closed_at is not None and closed.closed_by == ops.admin
        with pytest.raises(ValidationError) as exc:
            services.incident_person_add(incident=closed, person=PersonInput(role="witness", name="Late"),
                                         acting_user=ops.admin)  # fmt: skip
        assert _code(exc) == "incident_closed"
        with pytest.raises(ValidationError) as exc:
            services.incident_transition(incident=closed, status="reopened", acting_user=ops.admin)
        assert _code(exc) == "reason_required"
        reopened = services.incident_transition(incident=closed, status="reopened", note="It happened again",
                                                acting_user=ops.admin)  # fmt: skip
        assert reopened.closed_at is None
        statuses = [row.status for row in Incident.history.filter(id=reopened.pk).order_by("history_date")]
        assert statuses == ["reported", "action_required", "action_required", "closed", "reopened"]
    names = [name for name, _ in events]
    assert names.count("incident.closed") == 1 and names.count("incident.status_changed") == 3


def test_regulator_deadline_warned_once_and_overdue_once(ops, events, django_capture_on_commit_callbacks):
    with tenant_context(ops.tenant), django_capture_on_commit_callbacks(execute=True):
        # Injuries: 48 h to notify (the default).
        soon = report(ops, severity="critical", occurred_at=NOW - datetime.timedelta(hours=44))  # due in 4 h
        late = report(ops, severity="high", occurred_at=NOW - datetime.timedelta(hours=50))  # due 2 h ago
        told = report(ops, severity="critical", occurred_at=NOW - datetime.timedelta(hours=44))
        services.incident_regulator_set(incident=told, notifiable=True, notified_at=NOW, reference="WHS-1",
                                        acting_user=ops.admin)  # fmt: skip
        assert [services.regulator_deadlines_sweep(now=NOW) for _ in range(3)] == [(1, 1), (0, 0), (0, 0)]
        soon.refresh_from_db()
        late.refresh_from_db()
        assert soon.regulator_warned_at == NOW and late.regulator_overdue_at == NOW
        # Closing does not stop the regulator's clock; a new deadline warns again.
        services.incident_regulator_set(incident=soon, notifiable=True, acting_user=ops.admin,
                                        deadline=NOW + datetime.timedelta(hours=2))  # fmt: skip
        assert services.regulator_deadlines_sweep(now=NOW) == (1, 0)
    regulator = [(name, payload["id"]) for name, payload in events if "regulator" in name]
    assert regulator == [("incident.regulator_overdue", late.pk), ("incident.regulator_due", soon.pk),
                         ("incident.regulator_due", soon.pk)]  # fmt: skip
    assert notices.admins(ops.tenant, events[-1][1]) == [ops.admin.pk]


def test_the_beat_visits_tenants_with_workplaces_only_and_is_idempotent(ops, globex):
    with tenant_context(ops.tenant):
        report(ops, severity="critical", occurred_at=NOW - datetime.timedelta(hours=47))
    assert regulator_deadlines() == {ops.tenant.schema_name: [1, 0]}
    assert regulator_deadlines() == {}


def test_the_deadline_comes_from_the_incident_type(ops):
    with tenant_context(ops.tenant):
        assert set(RegulatorDeadline.objects.values_list("incident_type", flat=True)) == set(IncidentType.values)
        injury = report(ops, severity="high")
        assert injury.regulator_deadline == injury.occurred_at + datetime.timedelta(hours=48)
        # A dangerous occurrence is the regulator's business whatever its severity: flagged at once, 24 h.
        dangerous = report(ops, type="dangerous_occurrence", severity="low", title="Scaffold collapsed")
        assert dangerous.notifiable and dangerous.injury is False
        assert dangerous.regulator_deadline == dangerous.occurred_at + datetime.timedelta(hours=24)
        near_miss = report(ops, type="near_miss", severity="high", title="Pallet fell")
        assert not near_miss.notifiable and near_miss.regulator_deadline is None
        flagged = services.incident_regulator_set(incident=near_miss, notifiable=True, acting_user=ops.admin)
        assert flagged.regulator_deadline == near_miss.occurred_at + datetime.timedelta(hours=240)
        assert not report(ops, severity="medium").notifiable  # a minor injury is flagged by hand only


def test_a_deadline_change_applies_from_then_on_and_never_rewrites_an_incident(ops):
    with tenant_context(ops.tenant):
        before = report(ops, severity="critical")
        services.deadline_hours_save(hours={"injury": 12}, rules={"injury": "WHS Act s38"}, acting_user=ops.admin)
        row = RegulatorDeadline.objects.get(incident_type="injury")
        assert (row.hours, row.rule) == (12, "WHS Act s38") and row.history.filter(hours=12).exists()
        after = report(ops, severity="critical")
        assert after.regulator_deadline == after.occurred_at + datetime.timedelta(hours=12)
        before.refresh_from_db()
        assert before.regulator_deadline == before.occurred_at + datetime.timedelta(hours=48)
        # Flagging again (or unflagging and flagging later) keeps a deadline the incident already has.
        again = services.incident_regulator_set(incident=before, notifiable=True, acting_user=ops.admin)
        assert again.regulator_deadline == before.regulator_deadline
        for hours, code in (({"injury": 0}, "invalid_hours"), ({"injury": 10_000}, "invalid_hours"),
                            ({"fire": 5}, "invalid_type")):  # fmt: skip
            with pytest.raises(ValidationError) as exc:
                services.deadline_hours_save(hours={"near_miss": 1, **hours}, acting_user=ops.admin)
            assert _code(exc) == code
        assert RegulatorDeadline.objects.get(incident_type="near_miss").hours == 240  # all or nothing


def test_settings_decide_what_is_flagged(ops):
    with tenant_context(ops.tenant):
        services.settings_save(acting_user=ops.admin, warn_hours_before=6, auto_notifiable=False)
        assert IncidentSettings.objects.get().warn_hours_before == 6
        assert not report(ops, severity="critical").notifiable
        with pytest.raises(ValidationError) as exc:
            services.settings_save(acting_user=ops.admin, warn_hours_before=-1)
        assert _code(exc) == "invalid_settings"
