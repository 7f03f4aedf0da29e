"""Reports over a form filtered on its answers: choices, numbers and text, checked against the form's fields with
a code per refusal (services, portal and API), applied in the one report query."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django_tenants.utils import tenant_context

from apps.forms.models import Submission
from apps.forms.services import template_create, template_publish
from apps.reporting import services
from apps.reporting.filters import filters_parse, filters_text

from .conftest import API, api, definition
from .test_services import codes

UTC = datetime.UTC
DAY = datetime.datetime(2026, 3, 3, 1, 0, tzinfo=UTC)
SCHEMA = {"sections": [{"title": "Shelf", "fields": [
    {"key": "shelf_share", "label": "Shelf share", "type": "number", "config": {"unit": "%", "min": 0, "max": 100}},
    {"key": "compliant", "label": "Display compliant", "type": "single_choice",
     "config": {"options": [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]}},
    {"key": "issues", "label": "Issues", "type": "multiple_choice",
     "config": {"options": [{"value": "stock", "label": "Out of stock"}, {"value": "tag", "label": "No tag"}]}},
    {"key": "notes", "label": "Notes", "type": "text"},
    {"key": "visited", "label": "Visited on", "type": "date"},
]}]}  # fmt: skip
VISITS = [  # the answers of five sent visits (and a draft that never counts)
    {"shelf_share": 20, "compliant": "no", "issues": ["stock"], "notes": "Pallet in the aisle"},
    {"shelf_share": "45.5", "compliant": "no", "issues": ["stock", "tag"], "notes": "no tags"},
    {"shelf_share": 60, "compliant": "yes", "issues": [], "notes": ""},
    {"shelf_share": "n/a", "compliant": "yes"},  # not a number (an old import): never matches a comparison
    {"compliant": "no", "issues": ["tag"], "notes": "PALLET again"},
]


@pytest.fixture
def visits(rep):
    with tenant_context(rep.tenant):
        form = template_create(name="Store visit", schema=SCHEMA, acting_user=rep.admin)
        version = template_publish(template=form, acting_user=rep.admin)
        other = template_create(name="Other form", schema=SCHEMA, acting_user=rep.admin)
        other_version = template_publish(template=other, acting_user=rep.admin)
        rows = [Submission(template=form, version=version, person=rep.rae, workplace=rep.site, status="submitted",
                           submitted_at=DAY, answers=answers) for answers in VISITS]  # fmt: skip
        rows.append(Submission(template=form, version=version, person=rep.ivy, status="draft", answers=VISITS[0]))
        rows.append(Submission(template=other, version=other_version, person=rep.ivy, workplace=rep.site,
                               status="submitted", submitted_at=DAY, answers=VISITS[0]))  # fmt: skip
        Submission.objects.bulk_create(rows)
        yield form


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("", 5),  # the form's visits only: the other form's is left out
        ("compliant = no", 3),
        ("compliant in yes, no", 5),
        ("issues = tag", 2),  # a multiple choice holds it
        ("issues in stock, tag", 3),
        ("shelf_share >= 45.5", 2),
        ("shelf_share < 45.5", 1),
        ("shelf_share = 60", 1),
        ("shelf_share > 10\ncompliant = no", 2),  # all of them hold
        ("notes contains pallet", 2),  # any case
        ("notes contains tag\nshelf_share <= 50", 1),
    ],
)
def test_filters_on_answers_in_the_report_query(rep, visits, lines, expected, django_assert_num_queries):
    with tenant_context(rep.tenant):
        made = definition(rep.rae, dataset="form_submissions", grouping="form", columns=["submissions"],
                          form=visits, filters=filters_parse(lines))  # fmt: skip
        with django_assert_num_queries(2):  # the chosen workplaces, then one aggregate query whatever the filters
            table = services.report_table(made)
    assert (table.rows[0][1][0] if table.rows else 0) == expected, lines


@pytest.mark.parametrize(
    ("values", "code"),
    [
        ({"filters": [{"field": "colour", "op": "eq", "value": "red"}]}, "unknown_filter_field"),
        ({"filters": [{"field": "compliant", "op": "gt", "value": "no"}]}, "invalid_filter_operator"),
        ({"filters": [{"field": "visited", "op": "eq", "value": "2026-03-03"}]}, "invalid_filter_operator"),
        ({"filters": [{"field": "compliant", "op": "eq", "value": "maybe"}]}, "invalid_filter_value"),
        ({"filters": [{"field": "issues", "op": "in", "value": []}]}, "invalid_filter_value"),
        ({"filters": [{"field": "shelf_share", "op": "gte", "value": "lots"}]}, "invalid_filter_value"),
        ({"filters": [{"field": "notes", "op": "contains", "value": "  "}]}, "invalid_filter_value"),
        ({"filters": [{"field": "notes"}]}, "invalid_filter"),
        ({"filters": [{"field": "notes", "op": "contains", "value": "x"}] * 11}, "too_many_filters"),
        ({"form": None, "filters": [{"field": "notes", "op": "contains", "value": "x"}]}, "form_required"),
        ({"dataset": "attendance", "grouping": "person", "columns": ["days"]}, "form_not_supported"),
        ({"form": 999999}, "unknown_form"),
    ],
)
def test_filters_are_checked_against_the_form(rep, visits, values, code):
    fields = {"dataset": "form_submissions", "grouping": "form", "columns": ["submissions"], "form": visits,
              **values}  # fmt: skip
    with tenant_context(rep.tenant), pytest.raises(ValidationError) as refused:
        definition(rep.rae, **fields)
    assert codes(refused.value) == {code}
    assert "filters" in refused.value.error_dict or "form" in refused.value.error_dict


def test_a_draft_form_cannot_be_reported_on(rep):
    with tenant_context(rep.tenant):
        draft = template_create(name="Not yet", schema=SCHEMA, acting_user=rep.admin)
        with pytest.raises(ValidationError) as refused:
            definition(rep.rae, dataset="form_submissions", grouping="form", form=draft)
    assert codes(refused.value) == {"unknown_form"}


def test_filters_are_stored_normalised_and_read_back_as_lines(rep, visits):
    lines = "compliant = no\nshelf_share >= 40\nissues in stock, tag\nnotes contains pallet"
    with tenant_context(rep.tenant):
        made = definition(rep.rae, dataset="form_submissions", grouping="form", form=visits,
                          filters=filters_parse(lines))  # fmt: skip
        made.refresh_from_db()
        assert made.filters[1] == {"field": "shelf_share", "op": "gte", "value": 40, "type": "number", "on": "answer"}
        assert filters_text(made.filters) == lines
        changed = services.definition_update(definition=made, acting_user=rep.rae, dataset="attendance",
                                             grouping="person", form=None, filters=[])  # fmt: skip
    assert changed.form is None and changed.filters == []
    with pytest.raises(ValidationError) as refused:
        filters_parse("compliant is no")
    assert codes(refused.value) == {"invalid_filter"} and "Line 1" in refused.value.messages[0]


def test_api_and_portal_take_filters_with_messages(rep, visits):
    client = api(rep.rae)
    body = {"name": "Non-compliant visits", "dataset": "form_submissions", "grouping": "form", "period": "fixed",
            "period_start": "2026-03-01", "period_end": "2026-03-07", "form": visits.pk,
            "filters": [{"field": "compliant", "op": "eq", "value": "no"},
                        {"field": "shelf_share", "op": "lt", "value": 50}]}  # fmt: skip
    made = client.post(f"{API}definitions/", body, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["form"] == visits.pk and made.json()["filters"][1]["type"] == "number"
    data = client.get(f"{API}definitions/{made.json()['id']}/data/")
    assert data.status_code == 200 and data.json()["rows"][0]["values"][0] == 2, data.content
    wrong = client.post(f"{API}definitions/", {**body, "filters": [{"field": "compliant", "op": "eq",
                                                                     "value": "maybe"}]}, format="json")  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_filter_value", wrong.content
    assert "yes, no" in str(wrong.json())
    bad_op = client.post(f"{API}definitions/", {**body, "filters": [{"field": "x", "op": "like", "value": 1}]},
                         format="json")  # fmt: skip
    assert bad_op.status_code == 400

    client.force_login(rep.rae)
    portal = {"name": "Pallets", "dataset": "form_submissions", "grouping": "form", "period": "last_week",
              "form": visits.pk, "filters": "notes contains pallet"}  # fmt: skip
    page = client.post("/manage/reports/definitions/new/", portal)
    assert page.status_code == 302, page.content.decode()[:2000]
    refused = client.post("/manage/reports/definitions/new/", {**portal, "filters": "shelf_share >= lots"})
    assert refused.status_code == 400 and "compares with a number" in refused.content.decode()
    garbled = client.post("/manage/reports/definitions/new/", {**portal, "filters": "shelf_share"})
    assert garbled.status_code == 400 and "Line 1" in garbled.content.decode()
    shown = client.get("/manage/reports/definitions/new/?dataset=form_submissions")
    assert 'name="filters"' in shown.content.decode() and "Store visit" in shown.content.decode()
    other = client.get("/manage/reports/definitions/new/?dataset=attendance")
    assert 'name="form"' not in other.content.decode() and 'name="filters"' in other.content.decode()
