"""SQL that several apps' migrations need, generated in one place.

`overlap_guard_sql` writes the "no two rows of one person overlap in time" trigger that rosters and
leave wrote by hand (`rosters_shift_no_double_booking`, `leave_request_no_overlap`): an exclusion
constraint would need `user = user` inside a GiST index, hence the btree_gist extension, which the
embedded PostgreSQL of `make run` (pgserver) does not ship. The trigger

- takes a transaction-level advisory lock per person and table, so two concurrent writes for one
  person are judged one after the other (the second sees the first once it commits);
- looks in the row's own schema (`TG_TABLE_SCHEMA`: the function is cloned with each tenant schema);
- raises SQLSTATE 23P01 (exclusion_violation) under `name` as the constraint name, which Django turns
  into an IntegrityError, naming the clashing row's id in the message and in DETAIL (`id=<pk>`).

Ranges are half-open `[start, end)`; a NULL end is unbounded (a running timer holds everything after
its start).
"""

import re

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _identifier(value: str) -> str:
    if not _IDENTIFIER.match(value):
        raise ValueError(f"Not a plain SQL identifier: {value!r}")
    return value


def overlap_guard_sql(
    *,
    name: str,
    table: str,
    start: str,
    end: str,
    person: str = "user_id",
    active_when: str = "",
    watch: tuple[str, ...] = (),
    message: str = "This overlaps another entry of the same person.",
    range_type: str = "tstzrange",
) -> tuple[str, str]:
    """(forward SQL, reverse SQL) of a trigger that refuses overlapping [start, end) rows per person.

    `active_when` is an SQL condition over the row written `{row}` (e.g. ``{row}.status <> 'cancelled'``):
    only rows meeting it hold their time, and a NEW row not meeting it is let through; name the
    columns it reads in `watch` so that updating them runs the check. `message` is a plain sentence."""
    for value in (name, table, start, end, person, *watch):
        _identifier(value)
    if range_type not in ("tstzrange", "tsrange", "daterange"):
        raise ValueError(f"Unsupported range type: {range_type}")
    holds = f"({active_when.format(row='r')})" if active_when else "TRUE"
    new_holds = f"({active_when.format(row='NEW')})" if active_when else "TRUE"
    columns = ", ".join(dict.fromkeys((person, start, end, *watch)))
    quoted_message = message.replace("'", "''")
    query = (
        f"SELECT r.id FROM %I.{table} r WHERE r.{person} = $1 AND r.id IS DISTINCT FROM $2 AND {holds} "
        f"AND {range_type}(r.{start}, r.{end}) && {range_type}($3, $4) ORDER BY r.{start} LIMIT 1"
    ).replace("'", "''")
    forward = f"""
CREATE FUNCTION {name}() RETURNS trigger AS $$
DECLARE clash_id bigint;
BEGIN
    IF NOT {new_holds} OR (NEW.{end} IS NOT NULL AND NEW.{end} <= NEW.{start}) THEN
        RETURN NEW;  -- nothing to hold, or a backwards range the check constraints refuse
    END IF;
    PERFORM pg_advisory_xact_lock(hashtextextended('{table}:' || NEW.{person}::text, 0));
    EXECUTE format('{query}', TG_TABLE_SCHEMA)
        INTO clash_id USING NEW.{person}, NEW.id, NEW.{start}, NEW.{end};
    IF clash_id IS NOT NULL THEN
        RAISE EXCEPTION '{quoted_message} (overlaps id %)', clash_id
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = '{name}', DETAIL = 'id=' || clash_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER {name}
    BEFORE INSERT OR UPDATE OF {columns} ON {table}
    FOR EACH ROW EXECUTE FUNCTION {name}();
"""
    reverse = f"""
DROP TRIGGER IF EXISTS {name} ON {table};
DROP FUNCTION IF EXISTS {name}();
"""
    return forward, reverse


def clash_id(error: BaseException) -> int | None:
    """The id of the row an overlap guard named (from the IntegrityError's DETAIL), if any."""
    diag = getattr(getattr(error, "__cause__", None), "diag", None)
    detail = getattr(diag, "message_detail", None) or ""
    match = re.search(r"id=(\d+)", detail)
    return int(match.group(1)) if match else None


def violated_constraint(error: BaseException) -> str:
    """The constraint name PostgreSQL reported for an IntegrityError ('' if none)."""
    diag = getattr(getattr(error, "__cause__", None), "diag", None)
    return getattr(diag, "constraint_name", None) or ""
