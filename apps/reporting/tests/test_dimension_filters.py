"""Reports narrowed on their dataset's dimensions (a leave type, a status, a person, a number, some text, yes or
no): checked with a code per refusal, stored by id, applied in the report's one query, shown on the page, in the
API and in the datasets catalogue."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.incidents.models import Incident
from apps.leave.models import LeaveRequest, LeaveType
from apps.reporting import services
from apps.reporting.datasets import LEAVE
from apps.reporting.filters import filters_parse, filters_shown, filters_text
from apps.reporting.models import ReportDefinition
from apps.tasks.models import Task

from .conftest import API, api, attendance, definition
from .test_services import codes

MONDAY = datetime.date(2026, 3, 2)
NOON = datetime.datetime(2026, 3, 3, 1, 0, tzinfo=datetime.UTC)  # Tuesday noon in Sydney


@pytest.fixture
def rows(rep):
    """Leave, attendance, tasks and incidents of Rae and Ivy in the first week of March 2026."""
    with tenant_context(rep.tenant):
        annual = LeaveType.objects.create(code="ANNUAL", name="Annual leave")
        sick = LeaveType.objects.create(code="SICK", name="Sick leave")
        LeaveType.objects.create(code="TWICE_A", name="Twice")
        LeaveType.objects.create(code="TWICE_B", name="twice")
        for user, kind, status in ((rep.rae, annual, "pending"), (rep.rae, sick, "rejected"),
                                   (rep.ivy, annual, "pending"), (rep.ivy, annual, "cancelled")):  # fmt: skip
            LeaveRequest.objects.create(user=user, leave_type=kind, start_date=MONDAY, end_date=MONDAY, status=status,
                                        effective_end=MONDAY, minutes=456, workplace=rep.site,
                                        decided_at=None if status == "pending" else NOON)  # fmt: skip
        for offset, late in enumerate((0, 5, 20)):
            attendance(rep.rae, MONDAY + datetime.timedelta(days=offset), rep.site, late_minutes=late,
                       status="late" if late else "present")  # fmt: skip
        attendance(rep.ivy, MONDAY, rep.site, status="absent", worked_minutes=0)
        for title, priority, status in (("Count the pallets", "high", "todo"),
                                        ("Clean the dock", "normal", "in_progress"),
                                        ("Pallet wrap order", "urgent", "todo")):  # fmt: skip
            Task.objects.create(title=title, priority=priority, status=status, due_at=NOON, workplace=rep.site)
        for severity, injury in (("low", False), ("high", True), ("critical", True)):
            Incident.objects.create(title="Spill", type="injury" if injury else "property_damage", injury=injury,
                                    severity=severity, occurred_at=NOON, reported_at=NOON, reported_by=rep.rae,
                                    workplace=rep.site, status_changed_at=NOON)  # fmt: skip
    return rep


CASES = [
    ("leave", "", 4),
    ("leave", "leave_type = annual leave", 3),  # a record by its name (any case)
    ("leave", "status in pending, rejected", 3),
    ("leave", "person = ivy@acme.test", 2),  # a person by email
    ("leave", "leave_type = Annual leave\nperson = rae@acme.test", 1),  # all of them hold
    ("attendance", "late_minutes >= 5", 2),
    ("attendance", "status = absent", 1),
    ("attendance", "person in rae@acme.test, ivy@acme.test", 4),
    ("tasks", "title contains PALLET", 2),
    ("tasks", "priority in high, urgent\nstatus = todo", 2),
    ("incidents", "injury = yes", 2),
    ("incidents", "severity = critical", 1),
    ("incidents", "reported_by = rae@acme.test\ninjury = no", 1),
]


@pytest.mark.parametrize(("dataset", "lines", "expected"), CASES)
def test_dimension_filters_narrow_the_rows_in_the_one_query(rows, dataset, lines, expected, django_assert_num_queries):
    with tenant_context(rows.tenant):
        made = definition(rows.rae, dataset=dataset, grouping="week", filters=filters_parse(lines))
        with django_assert_num_queries(2):  # the chosen workplaces, then one aggregate query whatever the filters
            table = services.report_table(made)
    assert (table.rows[0][1][0] if table.rows else 0) == expected, lines


def test_people_and_records_are_stored_by_id_and_read_back(rows):
    with tenant_context(rows.tenant):
        lines = "person = RAE@acme.test\nleave_type in Sick leave, annual leave"
        made = definition(rows.rae, dataset="leave", grouping="status", filters=filters_parse(lines))
        made.refresh_from_db()
        annual, sick = LeaveType.objects.get(code="ANNUAL"), LeaveType.objects.get(code="SICK")
    assert made.filters == [
        {"field": "person", "op": "eq", "value": str(rows.rae.pk), "type": "person", "on": "dimension"},
        {"field": "leave_type", "op": "in", "value": [sick.pk, annual.pk], "type": "record", "on": "dimension"},
    ]
    assert filters_text(made.filters) == f"person = {rows.rae.pk}\nleave_type in {sick.pk}, {annual.pk}"
    assert filters_parse(filters_text(made.filters))[0]["value"] == str(rows.rae.pk)  # the portal edits them back
    with tenant_context(rows.tenant):
        assert filters_shown(made.filters, LEAVE) == [
            "person = rae@acme.test",
            "leave type in Sick leave, Annual leave",
        ]


@pytest.mark.parametrize(
    ("dataset", "filters", "code"),
    [
        ("leave", [{"field": "colour", "op": "eq", "value": "red"}], "unknown_filter_field"),
        ("leave", [{"field": "status", "op": "gt", "value": "pending"}], "invalid_filter_operator"),
        ("leave", [{"field": "status", "op": "eq", "value": "maybe"}], "invalid_filter_value"),
        ("leave", [{"field": "status", "op": "eq", "value": ["pending", "approved"]}], "invalid_filter_value"),
        ("leave", [{"field": "leave_type", "op": "eq", "value": "Long service"}], "invalid_filter_value"),
        ("leave", [{"field": "leave_type", "op": "in", "value": [999999]}], "invalid_filter_value"),
        ("leave", [{"field": "leave_type", "op": "eq", "value": "Twice"}], "invalid_filter_value"),  # two have it
        ("leave", [{"field": "person", "op": "eq", "value": "nobody@acme.test"}], "unknown_person"),
        ("leave", [{"field": "person", "op": "contains", "value": "rae"}], "invalid_filter_operator"),
        ("attendance", [{"field": "late_minutes", "op": "gt", "value": "lots"}], "invalid_filter_value"),
        ("tasks", [{"field": "title", "op": "contains", "value": " "}], "invalid_filter_value"),
        ("incidents", [{"field": "injury", "op": "eq", "value": "maybe"}], "invalid_filter_value"),
        ("incidents", [{"field": "injury", "op": "in", "value": ["yes"]}], "invalid_filter_operator"),
        ("form_submissions", [{"field": "notes", "op": "contains", "value": "x"}], "form_required"),
    ],
)
def test_dimension_filters_are_refused_with_a_code(rows, dataset, filters, code):
    grouping = "week"
    with tenant_context(rows.tenant), pytest.raises(ValidationError) as refused:
        definition(rows.rae, dataset=dataset, grouping=grouping, filters=filters)
    assert codes(refused.value) == {code}, refused.value
    assert {"filters", "form"} & set(refused.value.error_dict)


def test_another_organisations_person_is_refused(rows, globex_member):
    with tenant_context(rows.tenant):
        for value in (str(globex_member.pk), globex_member.email):
            with pytest.raises(ValidationError) as refused:
                definition(rows.rae, dataset="leave", grouping="week",
                           filters=[{"field": "person", "op": "eq", "value": value}])  # fmt: skip
            assert codes(refused.value) == {"unknown_person"}
    wrong = api(rows.rae).post(f"{API}definitions/", {"name": "Theirs", "dataset": "tasks", "grouping": "status",
                                                      "filters": [{"field": "assignee", "op": "in",
                                                                   "value": [str(globex_member.pk)]}]},
                               format="json")  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["code"] == "unknown_person", wrong.content


def test_dimension_filters_need_no_form_but_answer_filters_do_in_the_database(rows):
    with tenant_context(rows.tenant):
        made = definition(rows.rae, dataset="form_submissions", grouping="status",
                          filters=[{"field": "status", "op": "eq", "value": "approved"}])  # fmt: skip
        assert made.form is None and made.filters[0]["on"] == "dimension"
        with transaction.atomic(), pytest.raises(IntegrityError):
            ReportDefinition.objects.filter(pk=made.pk).update(
                filters=[{"field": "notes", "op": "contains", "value": "x", "type": "text", "on": "answer"}]
            )


def test_api_lists_dimensions_and_takes_and_shows_filters(rows):
    client = api(rows.rae)
    datasets = {d["key"]: d for d in client.get(f"{API}datasets/").json()}
    leave = {d["key"]: d for d in datasets["leave"]["dimensions"]}
    assert leave["leave_type"]["kind"] == "record" and leave["person"]["operators"] == ["eq", "in"]
    assert {"value": "pending", "label": "Pending"} in leave["status"]["choices"]
    assert datasets["form_submissions"]["forms"] and not datasets["leave"]["forms"]
    body = {"name": "Annual pending", "dataset": "leave", "grouping": "person", "period": "fixed",
            "period_start": "2026-03-01", "period_end": "2026-03-07",
            "filters": [{"field": "leave_type", "op": "eq", "value": "Annual leave"},
                        {"field": "status", "op": "eq", "value": "pending"}]}  # fmt: skip
    made = client.post(f"{API}definitions/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["filters"][1] == {"field": "status", "op": "eq", "value": "pending", "type": "choice",
                                         "on": "dimension"}  # fmt: skip
    data = client.get(f"{API}definitions/{made.json()['id']}/data/").json()
    assert [row["values"][0] for row in data["rows"]] == [1, 1], data

    client.force_login(rows.rae)
    portal = {"name": "Sick", "dataset": "leave", "grouping": "person", "period": "last_week",
              "filters": "leave_type = sick leave\nstatus in rejected"}  # fmt: skip
    shown = client.get("/manage/reports/definitions/new/?dataset=leave").content.decode()
    assert 'name="filters"' in shown and "leave_type" in shown
    page = client.post("/manage/reports/definitions/new/", portal)
    assert page.status_code == 302, page.content.decode()[:2000]
    shown = client.get(page["Location"]).content.decode()
    assert "leave type = Sick leave" in shown and "status in Rejected" in shown, shown
    edit = client.get(f"{page['Location']}edit/").content.decode()
    sick = client.get(f"{API}definitions/{page['Location'].rstrip('/').rsplit('/', 1)[1]}/").json()["filters"][0]
    assert f"leave_type = {sick['value']}\nstatus in rejected" in edit  # the stored filters, editable as lines
    refused = client.post("/manage/reports/definitions/new/", {**portal, "filters": "status = maybe"})
    assert refused.status_code == 400 and "is one of" in refused.content.decode()
