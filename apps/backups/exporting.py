"""tenant_export: one tenant's schema and public rows, with a manifest, as one encrypted archive."""

import io
from datetime import UTC, datetime
from typing import Any

from django.db import connection, transaction

from apps.audit.models import AuditEvent
from apps.tenancy.models import Tenant

from .archive import FORMAT_VERSION, Archive, archive_pack
from .tables import (
    PublicTable,
    public_tables,
    schema_tables,
    tenant_reference_columns,
    user_columns_public,
    writable_columns,
)

REFERENCE_TABLES = {
    "django_content_type": "SELECT id, app_label, model FROM public.django_content_type",
    "auth_permission": "SELECT id, content_type_id, codename FROM public.auth_permission",
    "tenancy_plan": "SELECT id, name FROM public.tenancy_plan",
}


def _copy_out(sql: str) -> bytes:
    buffer = io.BytesIO()
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT") as copy:  # type: ignore[attr-defined]
        for chunk in copy:
            buffer.write(chunk)
    return buffer.getvalue()


def _select(schema: str, table: str, where: str = "TRUE") -> tuple[str, list[str]]:
    columns = writable_columns(schema, table)
    listed = ", ".join(f'"{c}"' for c in columns)
    return f'SELECT {listed} FROM "{schema}"."{table}" WHERE {where}', columns


def _migrations(schema: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{schema}".django_migrations ORDER BY app, name')
        return [[app, name] for app, name in cursor.fetchall()]


def _users_where(tables: list[PublicTable], schema: str) -> str:
    """Every user a row of the export points at (members, requesters, history authors, actors)."""
    parts = [f'SELECT "{column}" FROM public."{t.table}" WHERE {t.where}' for t, column in user_columns_public(tables)]
    existing = set(schema_tables(schema))
    for table, columns in tenant_reference_columns().items():
        if table in existing:
            parts += [f'SELECT "{c}" FROM "{schema}"."{table}"' for c, target in columns if target == "accounts_user"]
    return f'"id" IN ({" UNION ".join(parts)})'


def _audit_head(tenant: Tenant) -> dict[str, Any]:
    head = AuditEvent.objects.filter(chain=str(tenant.pk)).order_by("-sequence").first()
    return {
        "chain": str(tenant.pk),
        "sequence": head.sequence if head else 0,
        "hash": head.hash if head else "",
    }


def _tenant_rows(archive: Archive, tenant: Tenant) -> None:
    schema = tenant.schema_name
    tables = public_tables(str(tenant.pk))
    entries = [("public", t.table, t.where) for t in tables]
    entries.append(("public", "accounts_user", _users_where(tables, schema)))
    entries += [(schema, table, "TRUE") for table in schema_tables(schema)]
    for source, table, where in entries:
        section = "public" if source == "public" else "tenant"
        sql, columns = _select(source, table, where)
        data = _copy_out(sql)
        archive.files[f"{section}/{table}.copy"] = data
        archive.manifest["tables"][section][table] = {"rows": data.count(b"\n"), "columns": columns}
    for table, sql in REFERENCE_TABLES.items():
        archive.files[f"reference/{table}.copy"] = _copy_out(sql)


def tenant_export(*, schema_name: str) -> tuple[bytes, dict[str, Any]]:
    """Read the tenant in one REPEATABLE READ snapshot; return the encrypted archive and its manifest."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost:  # inside a caller's transaction the caller's snapshot applies
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        tenant = Tenant.objects.filter(schema_name=schema_name, is_template=False).first()
        if tenant is None:
            raise ValueError(f"No tenant has the schema {schema_name!r}.")
        archive = Archive(
            manifest={
                "format": FORMAT_VERSION,
                "created_at": datetime.now(UTC).isoformat(),
                "tenant": {"id": str(tenant.pk), "schema_name": schema_name, "name": tenant.name, "slug": tenant.slug},
                "migrations": {"public": _migrations("public"), "tenant": _migrations(schema_name)},
                "tables": {"public": {}, "tenant": {}},
                "audit": _audit_head(tenant),
            }
        )
        _tenant_rows(archive, tenant)
    return archive_pack(archive), archive.manifest
