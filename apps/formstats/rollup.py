"""Keeping the rollups exact (models.py says what counts): set-based SQL, whatever the number of submissions.

`rollup_add(ids)` / `rollup_remove(ids)` are the one code path: the forms hooks call them for one submission,
the bulk hook for thousands, and `rollup_rebuild(template)` for a whole template. Each is one statement whose
first step writes the ledger (`formstats_rolledsubmission`): only the submissions that step really inserted
(or deleted) are added (or subtracted), with `INSERT … ON CONFLICT DO UPDATE` increments ordered by key, so
retries add nothing twice and concurrent writers to one bucket wait for each other instead of losing counts.

Which answers count, per field of the submission's own version (`forms_formfield`):
- the field is shown: no `condition` in its config, or the condition holds on the answers
  ({"field": key, "equals": v} — a list answer contains v —, {"field": key, "in": [...]} — a list answer has one
  of them —,
  {"field": key, "filled": true|false}); a hidden field is never counted, even if an answer slipped in;
- it is answered: a value that is not null, "", [] or {}; photos and signatures: at least one file
  (`total` = the number of files);
- numbers, ratings and computed fields also add their value (a JSON number, or a numeric string);
  single and multiple choice add one to each chosen value.

A removal subtracts what the add added (answers of a counted submission do not change: forms validates them
once, on submit) and then recomputes the low and high of the buckets it touched, since a minimum cannot be
subtracted: a person's day from its submissions, a workplace's day from its people's days.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from apps.tenancy.context import connection_tenant

COUNTED = ("submitted", "approved")
NUMERIC_TYPES = ("number", "rating", "computed")
CHOICE_TYPES = ("single_choice", "multiple_choice")
FILE_TYPES = ("photo", "signature")

# The submissions entering the rollups (ledger rows inserted now).
ADDED = """
    INSERT INTO formstats_rolledsubmission (submission_id, template_id, workplace_id, person_id, day)
    SELECT s.id, s.template_id, s.workplace_id, s.person_id, (s.submitted_at AT TIME ZONE %(zone)s)::date
    FROM forms_submission s
    WHERE {which} AND s.status IN ('submitted', 'approved') AND s.submitted_at IS NOT NULL
    ORDER BY s.id
    ON CONFLICT (submission_id) DO NOTHING
    RETURNING submission_id, template_id, COALESCE(workplace_id, 0) AS wp, person_id, day
"""
# The submissions leaving them (ledger rows deleted now).
REMOVED = """
    DELETE FROM formstats_rolledsubmission WHERE submission_id = ANY(%(ids)s::bigint[])
    RETURNING submission_id, template_id, COALESCE(workplace_id, 0) AS wp, person_id, day
"""
# Ledger rows of some buckets (to recompute their low and high).
IN_BUCKETS = """
    SELECT l.submission_id, l.template_id, COALESCE(l.workplace_id, 0) AS wp, l.person_id, l.day
    FROM formstats_rolledsubmission l
    JOIN unnest(%(b_template)s::bigint[], %(b_wp)s::bigint[], %(b_person)s::uuid[], %(b_day)s::date[])
         AS b(template_id, wp, person_id, day)
      ON b.template_id = l.template_id AND b.wp = COALESCE(l.workplace_id, 0) AND b.person_id = l.person_id
     AND b.day = l.day
"""

# One row per (submission, field of its version) that is shown and answered, with its number.
VALUES = """
    answers AS (
        SELECT d.submission_id, d.template_id, d.wp, d.person_id, d.day, f.key, f.type,
               s.answers -> f.key AS v,
               CASE WHEN f.type IN ('photo', 'signature') THEN (
                   SELECT count(*) FROM forms_submissionfile sf
                   WHERE sf.submission_id = s.id AND sf.field_key = f.key) END AS files
        FROM delta d
        JOIN forms_submission s ON s.id = d.submission_id
        JOIN forms_formfield f ON f.version_id = s.version_id
        WHERE CASE
            WHEN jsonb_typeof(f.config -> 'condition') IS DISTINCT FROM 'object' THEN true
            WHEN f.config -> 'condition' ? 'equals' THEN COALESCE(
                s.answers -> (f.config #>> '{condition,field}') = f.config #> '{condition,equals}'
                OR (jsonb_typeof(s.answers -> (f.config #>> '{condition,field}')) = 'array'
                    AND s.answers -> (f.config #>> '{condition,field}')
                        @> jsonb_build_array(f.config #> '{condition,equals}')), false)
            WHEN f.config -> 'condition' ? 'in' THEN COALESCE(CASE
                WHEN jsonb_typeof(s.answers -> (f.config #>> '{condition,field}')) = 'array' THEN EXISTS (
                    SELECT 1 FROM jsonb_array_elements(s.answers -> (f.config #>> '{condition,field}')) AS e(x)
                    WHERE f.config #> '{condition,in}' @> jsonb_build_array(e.x))
                ELSE f.config #> '{condition,in}' @> jsonb_build_array(s.answers -> (f.config #>> '{condition,field}'))
                END, false)
            WHEN f.config -> 'condition' ? 'filled' THEN
                (COALESCE(s.answers -> (f.config #>> '{condition,field}'), 'null'::jsonb)
                    NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb))
                = COALESCE((f.config #>> '{condition,filled}')::boolean, true)
            ELSE true END
    ),
    vals AS (
        SELECT submission_id, template_id, wp, person_id, day, key, type, v,
               CASE WHEN type IN ('photo', 'signature') THEN files::numeric
                    WHEN type NOT IN ('number', 'rating', 'computed') THEN NULL
                    WHEN jsonb_typeof(v) = 'number' THEN (v #>> '{}')::numeric
                    WHEN jsonb_typeof(v) = 'string' AND v #>> '{}' ~ '^\\s*-?[0-9]+(\\.[0-9]+)?\\s*$'
                        THEN (v #>> '{}')::numeric END AS n
        FROM answers
    ),
    answered AS (
        SELECT * FROM vals
        WHERE CASE WHEN type IN ('photo', 'signature') THEN n > 0
                   WHEN type IN ('number', 'rating', 'computed') THEN n IS NOT NULL
                   ELSE COALESCE(v, 'null'::jsonb) NOT IN ('null'::jsonb, '""'::jsonb, '[]'::jsonb, '{}'::jsonb) END
    ),
    chosen AS (
        SELECT a.template_id, a.wp, a.person_id, a.day, a.key, a.type, c.value AS choice,
               count(DISTINCT a.submission_id) AS n
        FROM answered a
        CROSS JOIN LATERAL (
            SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(a.v) = 'array' THEN a.v ELSE '[]'::jsonb END)
            UNION ALL SELECT a.v #>> '{}' WHERE jsonb_typeof(a.v) IN ('string', 'number', 'boolean')
        ) AS c(value)
        WHERE a.type IN ('single_choice', 'multiple_choice')
        GROUP BY 1, 2, 3, 4, 5, 6, 7
    )
"""

MERGE_CHOICES = """(
    SELECT COALESCE(jsonb_object_agg(k, t), '{}'::jsonb) FROM (
        SELECT k, sum(n) AS t FROM (
            SELECT key AS k, value::bigint AS n FROM jsonb_each_text(r.choices)
            UNION ALL SELECT key, %(sign)s * value::bigint FROM jsonb_each_text(EXCLUDED.choices)
        ) AS both_sides GROUP BY k HAVING sum(n) <> 0
    ) AS merged
)"""

UPSERT_FIELDS = """
    ins_{name} AS (
        INSERT INTO {table} AS r (template_id, workplace_id, {person_col} day, field_key, field_type,
                                  answered, total, low, high, choices)
        SELECT g.template_id, NULLIF(g.wp, 0), {person_g} g.day, g.key, g.type,
               g.answered, g.total, g.low, g.high, COALESCE(c.choices, '{{}}'::jsonb)
        FROM (
            SELECT template_id, wp, {person_a} day, key, type, count(*) AS answered, sum(n) AS total,
                   min(n) AS low, max(n) AS high
            FROM answered GROUP BY template_id, wp, {person_a} day, key, type
        ) AS g
        LEFT JOIN (
            SELECT template_id, wp, {person_a} day, key, type, jsonb_object_agg(choice, n) AS choices
            FROM (SELECT template_id, wp, {person_a} day, key, type, choice, sum(n) AS n
                  FROM chosen GROUP BY template_id, wp, {person_a} day, key, type, choice) AS per_choice
            GROUP BY template_id, wp, {person_a} day, key, type
        ) AS c ON c.template_id = g.template_id AND c.wp = g.wp {person_join} AND c.day = g.day
              AND c.key = g.key AND c.type = g.type
        ORDER BY g.template_id, g.wp, {person_g} g.day, g.key, g.type
        ON CONFLICT (template_id, workplace_id, {person_col} day, field_key, field_type) DO UPDATE SET
            answered = r.answered + %(sign)s * EXCLUDED.answered,
            total = CASE WHEN r.total IS NULL THEN EXCLUDED.total WHEN EXCLUDED.total IS NULL THEN r.total
                         ELSE r.total + %(sign)s * EXCLUDED.total END,
            low = CASE WHEN %(sign)s > 0 THEN LEAST(r.low, EXCLUDED.low) ELSE r.low END,
            high = CASE WHEN %(sign)s > 0 THEN GREATEST(r.high, EXCLUDED.high) ELSE r.high END,
            choices = {merge}
        RETURNING (xmax = 0) AS inserted
    )
"""

UPSERT_SUBMISSIONS = """
    ins_submissions AS (
        INSERT INTO formstats_submissiondayrollup AS r (template_id, workplace_id, person_id, day, submissions)
        SELECT template_id, NULLIF(wp, 0), person_id, day, count(*)
        FROM delta GROUP BY template_id, wp, person_id, day
        ORDER BY template_id, wp, person_id, day
        ON CONFLICT (template_id, workplace_id, person_id, day) DO UPDATE
            SET submissions = r.submissions + %(sign)s * EXCLUDED.submissions
        RETURNING (xmax = 0) AS inserted
    )
"""


def _upsert(name: str, table: str, *, by_person: bool) -> str:
    return UPSERT_FIELDS.format(
        name=name, table=table, merge=MERGE_CHOICES,
        person_col="person_id," if by_person else "", person_g="g.person_id," if by_person else "",
        person_a="person_id," if by_person else "", person_join="AND c.person_id = g.person_id" if by_person else "",
    )  # fmt: skip


APPLY = (
    "WITH delta AS ({delta}), "
    + VALUES
    + ", "
    + _upsert("person", "formstats_fieldpersondayrollup", by_person=True)
    + ", "
    + _upsert("day", "formstats_fielddayrollup", by_person=False)
    + ", "
    + UPSERT_SUBMISSIONS
    + " SELECT template_id, wp, person_id, day, count(*), "
    + "(SELECT count(*) FROM ins_person WHERE inserted) + (SELECT count(*) FROM ins_day WHERE inserted) "
    + "+ (SELECT count(*) FROM ins_submissions WHERE inserted) FROM delta GROUP BY template_id, wp, person_id, day"
)

# Low and high of the touched buckets: a person's day from the ledger, then a workplace's day from its people.
EXTREMES_PERSON = (
    "WITH delta AS ("
    + IN_BUCKETS
    + "), "
    + VALUES
    + """
    UPDATE formstats_fieldpersondayrollup r SET low = x.low, high = x.high
    FROM unnest(%(b_template)s::bigint[], %(b_wp)s::bigint[], %(b_person)s::uuid[], %(b_day)s::date[])
         AS b(template_id, wp, person_id, day)
    LEFT JOIN LATERAL (
        SELECT key, type, min(n) AS low, max(n) AS high FROM answered a
        WHERE a.template_id = b.template_id AND a.wp = b.wp AND a.person_id = b.person_id AND a.day = b.day
        GROUP BY key, type
    ) AS x ON true
    WHERE r.template_id = b.template_id AND COALESCE(r.workplace_id, 0) = b.wp AND r.person_id = b.person_id
      AND r.day = b.day AND x.key = r.field_key AND x.type = r.field_type
"""
)
EXTREMES_DAY = """
    UPDATE formstats_fielddayrollup r SET low = x.low, high = x.high
    FROM (
        SELECT p.template_id, COALESCE(p.workplace_id, 0) AS wp, p.day, p.field_key, p.field_type,
               min(p.low) AS low, max(p.high) AS high
        FROM formstats_fieldpersondayrollup p
        JOIN (SELECT DISTINCT * FROM unnest(%(b_template)s::bigint[], %(b_wp)s::bigint[], %(b_day)s::date[]))
             AS b(template_id, wp, day)
          ON p.template_id = b.template_id AND COALESCE(p.workplace_id, 0) = b.wp AND p.day = b.day
        GROUP BY 1, 2, 3, 4, 5
    ) AS x
    WHERE r.template_id = x.template_id AND COALESCE(r.workplace_id, 0) = x.wp AND r.day = x.day
      AND r.field_key = x.field_key AND r.field_type = x.field_type
"""
EMPTY_ROWS = """
    DELETE FROM {table} r
    USING unnest(%(b_template)s::bigint[], %(b_wp)s::bigint[], %(b_day)s::date[]) AS b(template_id, wp, day)
    WHERE r.template_id = b.template_id AND COALESCE(r.workplace_id, 0) = b.wp AND r.day = b.day
      AND r.{count} <= 0
"""


def tenant_zone() -> str:
    tenant = connection_tenant()
    return getattr(tenant, "time_zone", "") or "UTC"


def _ids(submission_ids: Iterable[Any]) -> list[int]:
    return sorted({int(pk) for pk in submission_ids})


def _apply(delta: str, params: dict[str, Any], sign: int) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(APPLY.replace("{delta}", delta), {**params, "sign": sign})
        return list(cursor.fetchall())


@transaction.atomic
def rollup_add(submission_ids: Iterable[Any]) -> int:
    """Add the counted submissions among `submission_ids` that are not in the rollups yet; returns how many."""
    ids = _ids(submission_ids)
    if not ids:
        return 0
    which = "s.id = ANY(%(ids)s::bigint[])"
    buckets = _apply(ADDED.format(which=which), {"ids": ids, "zone": tenant_zone()}, 1)
    return sum(int(bucket[4]) for bucket in buckets)


@transaction.atomic
def rollup_remove(submission_ids: Iterable[Any]) -> int:
    """Take the submissions among `submission_ids` that are in the rollups out of them; returns how many."""
    ids = _ids(submission_ids)
    if not ids:
        return 0
    buckets = _apply(REMOVED, {"ids": ids}, -1)
    if buckets and any(bucket[5] for bucket in buckets):
        # A removal only ever meets rows its add wrote: new rows mean the rollups are out of step. Roll back.
        raise RuntimeError("Form analytics rollups are out of step with their ledger: run formstats_rebuild.")
    if buckets:
        _extremes_recompute(buckets)
    return sum(int(bucket[4]) for bucket in buckets)


def _extremes_recompute(buckets: list[tuple[Any, ...]]) -> None:
    params = {
        "b_template": [b[0] for b in buckets], "b_wp": [b[1] for b in buckets],
        "b_person": [b[2] for b in buckets], "b_day": [b[3] for b in buckets],
    }  # fmt: skip
    with connection.cursor() as cursor:
        for table, count in (("formstats_fieldpersondayrollup", "answered"), ("formstats_fielddayrollup", "answered"),
                             ("formstats_submissiondayrollup", "submissions")):  # fmt: skip
            cursor.execute(EMPTY_ROWS.format(table=table, count=count), params)
        cursor.execute(EXTREMES_PERSON, params)
        cursor.execute(EXTREMES_DAY, params)


def status_counts(status: str | None) -> bool:
    return status in COUNTED


@transaction.atomic
def rollup_rebuild(template_id: int) -> int:
    """The template's rollups made again from its submissions (repair); idempotent. Holds a transaction-scoped
    advisory lock on the template so two rebuilds do not interleave; concurrent submissions wait on the ledger.
    Returns the submissions counted."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('formstats.rebuild'), %s::int)", [template_id])
        cursor.execute("LOCK TABLE formstats_rolledsubmission IN SHARE ROW EXCLUSIVE MODE")
        for table in ("formstats_fieldpersondayrollup", "formstats_fielddayrollup", "formstats_submissiondayrollup",
                      "formstats_rolledsubmission"):  # fmt: skip
            cursor.execute(f"DELETE FROM {table} WHERE template_id = %s", [template_id])
    which = "s.template_id = %(template)s"
    buckets = _apply(ADDED.format(which=which), {"template": template_id, "zone": tenant_zone()}, 1)
    return sum(int(bucket[4]) for bucket in buckets)
