"""Which schemas have migrations to apply, found without running `migrate` in each of them.

Stock `migrate_schemas` builds a migration plan in every schema (about a second each, so minutes
for hundreds of tenants) even when nothing is pending. Here the expected migrations come from the
migration files on disk (the loader's graph, i.e. everything `migrate` would apply up to the leaf
nodes), and every schema's `django_migrations` rows are compared with them in a few set-based
queries: one catalogue lookup for which schemas have the table, then a UNION ALL of one semi-join
per schema, in chunks. Counting rows that match the expected (app, name) pairs is exact, unlike
row estimates from `pg_class.reltuples`, and costs a few hundred index-free row reads per schema.
"""

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django_tenants.utils import get_public_schema_name

from .models import Tenant, TenantStatus
from .schemas import _check

# Schemas per UNION ALL statement: keeps each statement's plan small.
CHUNK = 400


@cache
def expected_migrations() -> tuple[tuple[str, str], ...]:
    """Every migration `migrate` applies in a schema (it records shared and tenant apps alike)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return tuple(sorted(loader.graph.nodes))


def schemas_with_migration_table(schemas: Iterable[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relname = 'django_migrations' AND c.relkind = 'r' AND n.nspname = ANY(%s)
            """,
            [list(schemas)],
        )
        return {row[0] for row in cursor.fetchall()}


def _applied_counts(schemas: Sequence[str], expected: Sequence[tuple[str, str]]) -> dict[str, int]:
    """How many of the expected migrations each schema has recorded; one statement per chunk."""
    apps, names = [app for app, _ in expected], [name for _, name in expected]
    counts: dict[str, int] = {}
    for start in range(0, len(schemas), CHUNK):
        chunk = [_check(schema) for schema in schemas[start : start + CHUNK]]
        branches = " UNION ALL ".join(
            f"SELECT '{schema}', count(*) FROM expected e WHERE EXISTS "
            f'(SELECT 1 FROM "{schema}".django_migrations m WHERE m.app = e.app AND m.name = e.name)'
            for schema in chunk
        )
        sql = f"WITH expected(app, name) AS (SELECT * FROM unnest(%s::text[], %s::text[])) {branches}"
        with connection.cursor() as cursor:
            cursor.execute(sql, [apps, names])
            counts.update(dict(cursor.fetchall()))
    return counts


def migration_states(schemas: Iterable[str]) -> dict[str, int | None]:
    """Schema -> number of migrations it is behind; None when the schema (or its table) is missing."""
    schemas = list(dict.fromkeys(schemas))
    present = schemas_with_migration_table(schemas)
    expected = expected_migrations()
    counts = _applied_counts([s for s in schemas if s in present], expected)
    return {schema: (len(expected) - counts[schema]) if schema in present else None for schema in schemas}


def tenant_schemas() -> list[str]:
    """Every tenant schema that should be kept migrated: the template first, deleted tenants left out."""
    rows = (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .exclude(status=TenantStatus.DELETED)
        .order_by("-is_template", "schema_name")
        .values_list("schema_name", flat=True)
    )
    return list(rows)


def schemas_behind(*, include_public: bool = True) -> dict[str, int]:
    """Schema -> pending migration count, for existing schemas with something to apply.

    Tenants without a schema (requested, or dropped) are not listed: migrating cannot help them.
    """
    schemas = ([get_public_schema_name()] if include_public else []) + tenant_schemas()
    return {schema: behind for schema, behind in migration_states(schemas).items() if behind}
