"""The rollups stay exact: what counts, across versions, hidden fields, rejection, rebuild, day boundaries."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.formstats.hooks import submissions_bulk_created
from apps.formstats.models import FieldDayRollup, FieldPersonDayRollup, RolledSubmission, SubmissionDayRollup
from apps.formstats.rollup import rollup_add, rollup_rebuild, rollup_remove
from apps.formstats.selectors import AnalyticsQuery, analytics_read

from .conftest import V2, status_set, submit, version_publish

pytestmark = pytest.mark.django_db
SYDNEY = ZoneInfo("Australia/Sydney")


def read(w, **kwargs):
    result = analytics_read(AnalyticsQuery(template=w.template, **kwargs))
    return result, {(f.key, f.type): f for f in result.fields}


def snapshot():
    """Every rollup row's figures (to compare incremental and rebuilt rollups)."""

    def rows(model, *extra):
        return sorted(model.objects.values_list("template_id", "workplace_id", "day", *extra), key=repr)

    keys = ("field_key", "field_type", "answered", "total", "low", "high", "choices")
    return (rows(FieldDayRollup, *keys), rows(FieldPersonDayRollup, "person_id", *keys),
            rows(SubmissionDayRollup, "person_id", "submissions"))  # fmt: skip


def test_numbers_choices_and_answered(in_acme):
    w = in_acme
    submit(w, {"shelf_share": 40, "display_ok": "yes", "brands": ["a", "b"], "facings": 3, "notes": "ok"}, photos=2)
    submit(w, {"shelf_share": 60.5, "display_ok": "no", "brands": ["b"], "notes": ""}, by=w.sam)
    result, fields = read(w)
    assert result.submissions == 2
    share = fields[("shelf_share", "number")].overall
    assert (share.answered, share.total, share.low, share.high) == (2, Decimal("100.5"), Decimal(40), Decimal("60.5"))
    assert share.average == Decimal("50.25")
    assert fields[("display_ok", "single_choice")].overall.choices == {"yes": 1, "no": 1}
    assert fields[("brands", "multiple_choice")].overall.choices == {"a": 1, "b": 2}
    assert fields[("brands", "multiple_choice")].overall.answered == 2
    assert fields[("facings", "number")].overall.answered == 1
    assert fields[("notes", "text")].overall.answered == 1  # "" is not an answer
    photos = fields[("photos", "photo")].overall
    assert (photos.answered, photos.total) == (1, Decimal(2))


def test_drafts_do_not_count_and_submitting_adds_once(in_acme):
    w = in_acme
    draft = submit(w, {"shelf_share": 10}, status="draft")
    assert read(w)[0].submissions == 0
    status_set(draft, "submitted")
    rollup_add([draft.pk])  # a retried hook adds nothing twice
    result, fields = read(w)
    assert result.submissions == 1 and fields[("shelf_share", "number")].overall.total == Decimal(10)
    status_set(draft, "approved")  # approved still counts, once
    assert read(w)[0].submissions == 1


def test_rejection_removes_and_recomputes_the_range(in_acme):
    w = in_acme
    submit(w, {"shelf_share": 20, "display_ok": "yes"})
    high = submit(w, {"shelf_share": 90, "display_ok": "no"})
    submit(w, {"shelf_share": 50, "display_ok": "no"}, by=w.sam)
    status_set(high, "rejected")
    result, fields = read(w)
    share = fields[("shelf_share", "number")].overall
    assert result.submissions == 2
    assert (share.answered, share.total, share.low, share.high) == (2, Decimal(70), Decimal(20), Decimal(50))
    assert fields[("display_ok", "single_choice")].overall.choices == {"yes": 1, "no": 1}
    assert rollup_remove([high.pk]) == 0  # already out
    row = FieldPersonDayRollup.objects.get(person=w.rae, field_key="shelf_share")
    assert (row.answered, row.low, row.high) == (1, Decimal(20), Decimal(20))


def test_rejecting_the_only_submission_leaves_no_rows(in_acme):
    w = in_acme
    only = submit(w, {"shelf_share": 20, "display_ok": "yes", "notes": "x"})
    status_set(only, "rejected")
    assert not FieldDayRollup.objects.exists() and not FieldPersonDayRollup.objects.exists()
    assert not SubmissionDayRollup.objects.exists() and not RolledSubmission.objects.exists()


def test_versions_by_key_and_type(in_acme):
    w = in_acme
    submit(w, {"shelf_share": 30, "facings": 12})  # v1: facings is a number
    v2 = version_publish(w.template, 2, V2)
    submit(w, {"shelf_share": 50, "facings": 4, "display_ok": "yes"}, version=v2)  # v2: a rating
    _, fields = read(w)
    assert fields[("shelf_share", "number")].overall.answered == 2  # one key across versions
    assert fields[("facings", "number")].overall.total == Decimal(12)
    assert fields[("facings", "rating")].overall.total == Decimal(4)
    assert fields[("facings", "rating")].label == "Facings"


def test_hidden_conditional_fields_are_not_counted(in_acme):
    w = in_acme
    v2 = version_publish(w.template, 2, V2)
    submit(w, {"display_ok": "yes", "why_not": "slipped in"}, version=v2)  # hidden: display is ok
    submit(w, {"display_ok": "no", "why_not": "no stand"}, version=v2)
    _, fields = read(w)
    assert fields[("why_not", "text")].overall.answered == 1


def test_rebuild_equals_incremental(in_acme):
    w = in_acme
    v2 = version_publish(w.template, 2, V2)
    made = [
        submit(w, {"shelf_share": 10 + i, "display_ok": "no" if i % 3 else "yes", "why_not": "x", "brands": ["a"],
                   "facings": i % 5 + 1}, by=(w.rae, w.sam)[i % 2], version=(w.v1, v2)[i % 2], photos=i % 3,
               workplace=(w.cbd, w.other, None)[i % 3])
        for i in range(12)
    ]  # fmt: skip
    status_set(made[4], "rejected")
    status_set(made[5], "approved")
    incremental = snapshot()
    assert rollup_rebuild(w.template.pk) == 11
    assert snapshot() == incremental
    assert rollup_rebuild(w.template.pk) == 11  # idempotent
    assert snapshot() == incremental


def test_bulk_created(in_acme):
    w = in_acme
    made = [submit(w, {"shelf_share": 5}, status="draft") for _ in range(3)]
    for s in made:
        s.status, s.submitted_at = "submitted", s.created_at
        s.save()
    submissions_bulk_created([s.pk for s in made])
    submissions_bulk_created([s.pk for s in made])
    assert read(w)[0].submissions == 3


def test_days_are_the_tenants_local_days(in_acme):
    w = in_acme  # Australia/Sydney: 23:30 local on the 1st is 13:30 UTC on the 1st; 00:30 on the 2nd is 14:30
    late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=SYDNEY)
    early = datetime.datetime(2026, 3, 2, 0, 30, tzinfo=SYDNEY)
    submit(w, {"shelf_share": 1}, at=late)
    submit(w, {"shelf_share": 2}, at=early)
    result, fields = read(w, group_by="day")
    assert result.group_submissions == {"2026-03-01": 1, "2026-03-02": 1}
    assert fields[("shelf_share", "number")].groups["2026-03-02"].total == Decimal(2)
    on_the_second = read(w, date_from=datetime.date(2026, 3, 2), date_to=datetime.date(2026, 3, 2))[0]
    assert on_the_second.submissions == 1


def test_grouping_and_filters(in_acme):
    w = in_acme
    submit(w, {"shelf_share": 10, "display_ok": "yes"})
    submit(w, {"shelf_share": 30, "display_ok": "no"}, by=w.sam)
    submit(w, {"shelf_share": 50, "display_ok": "no"}, by=w.sam, workplace=w.other)
    result, fields = read(w, group_by="workplace")
    assert result.group_submissions == {str(w.cbd.pk): 2, str(w.other.pk): 1}
    assert dict(result.groups)[str(w.cbd.pk)] == w.cbd.name
    assert fields[("shelf_share", "number")].groups[str(w.cbd.pk)].total == Decimal(40)
    result, fields = read(w, group_by="person", workplace_ids=frozenset({w.cbd.pk}))
    assert result.group_submissions == {str(w.rae.pk): 1, str(w.sam.pk): 1}
    result, fields = read(w, person_id=w.sam.pk, group_by="month")
    assert result.submissions == 2 and fields[("display_ok", "single_choice")].overall.choices == {"no": 2}


def test_read_query_count_is_constant(in_acme, django_assert_num_queries):
    w = in_acme
    for i in range(3):
        submit(w, {"shelf_share": i, "display_ok": "yes", "brands": ["a"]}, by=(w.rae, w.sam)[i % 2])
    with django_assert_num_queries(5):
        read(w, group_by="person")
    for i in range(20):
        submit(w, {"shelf_share": i, "display_ok": "no", "brands": ["b"]}, by=(w.rae, w.sam, w.max)[i % 3],
               workplace=(w.cbd, w.other)[i % 2])  # fmt: skip
    with django_assert_num_queries(5):
        read(w, group_by="person")
    with django_assert_num_queries(4):
        read(w, group_by="month")
