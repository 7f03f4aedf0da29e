"""Schema-level operations: clone the template, restore constraint names, describe a catalogue."""

import re
from collections import defaultdict
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import schema_exists

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def _check(schema: str) -> str:
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"Unsafe schema name: {schema!r}")
    return schema


def _normalise(definition: str, schema: str) -> str:
    return definition.replace(f'"{schema}".', "").replace(f"{schema}.", "")


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def constraints_of(schema: str) -> list[tuple[str, str, str, str]]:
    """(table, constraint name, type, definition with the schema name removed)."""
    rows = _fetch(
        """
        SELECT cl.relname, con.conname, con.contype, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        JOIN pg_namespace n ON n.oid = cl.relnamespace
        WHERE n.nspname = %s
        ORDER BY 1, 2
        """,
        [schema],
    )
    return [(table, name, kind, _normalise(definition, schema)) for table, name, kind, definition in rows]


def indexes_of(schema: str) -> list[tuple[str, str, str]]:
    """(table, index name, definition with the schema and index name removed)."""
    rows = _fetch("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = %s ORDER BY 1, 2", [schema])
    return [
        (
            table,
            name,
            _normalise(definition, schema).replace(f'INDEX "{name}" ', "INDEX ").replace(f"INDEX {name} ", "INDEX "),
        )
        for table, name, definition in rows
    ]


def columns_of(schema: str) -> list[tuple[str, str, str, str, str]]:
    rows = _fetch(
        """
        SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema = %s ORDER BY 1, 2
        """,
        [schema],
    )
    return [(t, c, d, n, _normalise(default, schema)) for t, c, d, n, default in rows]


def functions_of(schema: str) -> list[tuple[str, str]]:
    """(name, definition) of the schema's own functions (trigger functions of append-only tables)."""
    rows = _fetch(
        "SELECT p.proname, pg_get_functiondef(p.oid) FROM pg_proc p "
        "WHERE p.pronamespace = %s::regnamespace AND p.prokind = 'f' ORDER BY 1",
        [schema],
    )
    return [(name, definition) for name, definition in rows]


def triggers_of(schema: str) -> list[tuple[str, str, str]]:
    """(table, trigger name, definition) of the user-defined triggers on the schema's tables."""
    rows = _fetch(
        "SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t "
        "JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = %s::regnamespace AND NOT t.tgisinternal "
        "ORDER BY 1, 2",
        [schema],
    )
    return [(table, name, definition) for table, name, definition in rows]


def catalogue_of(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Everything that must match between a migrated and a cloned schema."""
    tables = _fetch("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema])
    return {
        "tables": tables,
        "columns": columns_of(schema),  # type: ignore[dict-item]
        "indexes": indexes_of(schema),  # type: ignore[dict-item]
        "constraints": constraints_of(schema),  # type: ignore[dict-item]
        "functions": [(name, _normalise(definition, schema)) for name, definition in functions_of(schema)],
        "triggers": [(table, name, _normalise(definition, schema)) for table, name, definition in triggers_of(schema)],
    }


def _renames(source: list[tuple[Any, ...]], target: list[tuple[Any, ...]]) -> list[tuple[str, str, str]]:
    """Pair objects with the same table and definition; return (table, target name, source name)."""
    by_key: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for table, name, *definition in source:
        by_key[(table, *definition)].append(name)
    renames = []
    for table, name, *definition in target:
        names = by_key.get((table, *definition))
        if not names:
            continue
        wanted = name if name in names else names[0]
        names.remove(wanted)
        if wanted != name:
            renames.append((table, name, wanted))
    return renames


def constraint_names_restore(*, source: str, target: str) -> int:
    """Give the clone's constraints and indexes the template's names.

    Cloning rebuilds unique constraints under PostgreSQL's default names, so a later migration's
    RemoveConstraint would fail on clones. Returns how many objects were renamed.
    """
    _check(source), _check(target)
    count = 0
    with connection.cursor() as cursor:
        for table, old, new in _renames(constraints_of(source), constraints_of(target)):
            cursor.execute(f'ALTER TABLE "{target}"."{table}" RENAME CONSTRAINT "{old}" TO "{new}"')
            count += 1
        # Renaming a constraint renames its index too, so indexes are compared afterwards.
        for _table, old, new in _renames(indexes_of(source), indexes_of(target)):
            cursor.execute(f'ALTER INDEX "{target}"."{old}" RENAME TO "{new}"')
            count += 1
    return count


def _tables_of(schema: str) -> list[str]:
    return [row[0] for row in _fetch("SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY 1", [schema])]


def _foreign_keys_of(schema: str) -> list[tuple[str, str, str]]:
    """(table, name, definition) of the schema's foreign keys, with targets qualified by schema."""
    return _fetch(  # type: ignore[return-value]
        """
        SELECT cl.relname, con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_class cl ON cl.oid = con.conrelid
        WHERE cl.relnamespace = %s::regnamespace AND con.contype = 'f'
        ORDER BY 1, 2
        """,
        [schema],
    )


def _writable_columns_of(schema: str) -> dict[str, list[str]]:
    """Each table's columns in order, without generated ones (which cannot be inserted into)."""
    columns: dict[str, list[str]] = defaultdict(list)
    for table, column in _fetch(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND is_generated = 'NEVER' ORDER BY table_name, ordinal_position",
        [schema],
    ):
        columns[table].append(column)
    return columns


def _identity_columns_of(schema: str) -> list[tuple[str, str]]:
    return _fetch(  # type: ignore[return-value]
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = %s AND is_identity = 'YES'",
        [schema],
    )


def _clone_tables(cursor: Any, source: str, target: str) -> None:
    """Copy the structure and rows of every table of `source` into the new schema `target`.

    LIKE ... INCLUDING ALL brings columns, defaults, identity columns (with their own new
    sequences), check constraints and indexes; foreign keys are added afterwards (re-pointed at the
    new schema), and constraint/index names are restored by the caller. Every lookup is by schema,
    so the time does not grow with the number of tenant schemas (django-tenants' clone_schema
    function does: 0.45 s with 3 schemas, over 2 s with 80 on 2 cores).
    """
    cursor.execute(f'CREATE SCHEMA "{target}"')
    tables = _tables_of(source)
    for table in tables:
        cursor.execute(f'CREATE TABLE "{target}"."{table}" (LIKE "{source}"."{table}" INCLUDING ALL)')
    # Rows: migration records and whatever data migrations put into the template. Generated columns
    # (the materialised paths) are computed again by the target, so they are left out.
    writable = _writable_columns_of(source)
    for table in tables:
        columns = ", ".join(f'"{column}"' for column in writable[table])
        cursor.execute(f'INSERT INTO "{target}"."{table}" ({columns}) SELECT {columns} FROM "{source}"."{table}"')
    for table, column in _identity_columns_of(source):
        cursor.execute(
            f'SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(COALESCE(MAX("{column}"), 0), 1), '
            f'MAX("{column}") IS NOT NULL) FROM "{target}"."{table}"',
            [f'"{target}"."{table}"', column],
        )
    # With search_path at public, definitions name same-schema targets as "<source>.table".
    cursor.execute("SET LOCAL search_path = public")
    for table, name, definition in _foreign_keys_of(source):
        definition = definition.replace(f"REFERENCES {source}.", f'REFERENCES "{target}".').replace(
            f'REFERENCES "{source}".', f'REFERENCES "{target}".'
        )
        cursor.execute(f'ALTER TABLE "{target}"."{table}" ADD CONSTRAINT "{name}" {definition}')
    # Functions, then the triggers that call them (an append-only ledger's refusal of UPDATE and
    # DELETE): LIKE copies neither. With search_path at public, their definitions name the source
    # schema ("<source>.name"), which becomes the target.
    for _name, definition in functions_of(source):
        cursor.execute(_retarget(definition, source, target))
    for _table, _name, definition in triggers_of(source):
        cursor.execute(_retarget(definition, source, target))


def _retarget(definition: str, source: str, target: str) -> str:
    return definition.replace(f'"{source}".', f'"{target}".').replace(f"{source}.", f'"{target}".')


@transaction.atomic
def schema_clone(*, source: str, target: str) -> None:
    """Create schema `target` as a copy of the migrated `source`, including its migration records."""
    _check(source), _check(target)
    if not schema_exists(source):
        raise ValueError(f"The template schema {source!r} does not exist; run `manage.py tenant_template`.")
    if schema_exists(target, case_sensitive=False):
        raise ValueError(f"The schema {target!r} already exists.")
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    with connection.cursor() as cursor:
        _clone_tables(cursor, source, target)
    constraint_names_restore(source=source, target=target)
    connection.set_schema_to_public()  # type: ignore[attr-defined]


def schema_drop(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SCHEMA IF EXISTS "{_check(schema)}" CASCADE')
