"""Re-encrypt every stored secret with the current field-encryption key (`rotate_field_encryption`).

Encrypted columns are found by convention, not by a list an app must edit: every concrete field whose
name ends in ``_encrypted`` holds a token of ``apps.core.crypto`` (history tables copy the field, so
they are found too). Shared apps' tables are rotated in the public schema, tenant apps' tables in
every tenant schema that exists. Rows are walked by primary key in batches, each batch locked and
written in its own transaction, and a value already under the current key is left alone, so a run
that stops half way is simply run again.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django_tenants.utils import get_public_schema_name, get_tenant_model, schema_context

from .crypto import secret_is_current, secret_reencrypt

SUFFIX = "_encrypted"


@dataclass
class RotationCount:
    """What one (schema, table) held: values checked, stale ones (re-encrypted unless a dry run), unreadable ones."""

    schema: str
    table: str
    fields: list[str]
    checked: int = 0
    stale: int = 0
    unreadable: int = 0
    unreadable_pks: list[str] = field(default_factory=list)


def encrypted_models() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.attname for f in model._meta.concrete_fields if f.name.endswith(SUFFIX)]
        if names:
            found.append((model, names))
    return found


def _app_names(setting: str) -> set[str]:
    return set(getattr(settings, setting, []))


def _tenant_schemas() -> list[str]:
    """Tenant schemas that exist (a tenant still provisioning may have none yet)."""
    wanted = list(
        get_tenant_model().objects.exclude(schema_name=get_public_schema_name()).values_list("schema_name", flat=True)
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s) ORDER BY nspname", [wanted])
        return [row[0] for row in cursor.fetchall()]


def _table_in_schema(schema: str, table: str) -> bool:
    # search_path falls back to public: a tenant table missing from its schema must not rotate public's twice.
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [f'"{schema}"."{table}"'])
        return bool(cursor.fetchone()[0])


def rotation_plan() -> Iterator[tuple[str, type[models.Model], list[str]]]:
    """(schema, model, fields) for every encrypted table in every schema that holds it."""
    shared, tenant = _app_names("SHARED_APPS"), _app_names("TENANT_APPS")
    public = get_public_schema_name()
    schemas = _tenant_schemas()
    for model, names in encrypted_models():
        app = model._meta.app_config.name if model._meta.app_config else ""
        targets = ([public] if app in shared or app not in tenant else []) + (schemas if app in tenant else [])
        for schema in targets:
            yield schema, model, names


def _rotate_batch(model: type[models.Model], names: list[str], after: object, size: int, count: RotationCount,
                  *, dry_run: bool) -> object | None:  # fmt: skip
    """Lock and rotate the next `size` rows after primary key `after`; the last pk seen, or None at the end."""
    manager = model._base_manager
    with transaction.atomic():
        query = manager.order_by("pk").only("pk", *names)
        if after is not None:
            query = query.filter(pk__gt=after)
        rows = list(query.select_for_update()[:size])
        changed = [row for row in rows if _rotate_row(row, names, count)]
        if changed and not dry_run:
            manager.bulk_update(changed, names)
    return rows[-1].pk if rows else None


def _rotate_row(row: models.Model, names: list[str], count: RotationCount) -> bool:
    changed = False
    for name in names:
        token = getattr(row, name) or ""
        count.checked += bool(token)
        if secret_is_current(token):
            continue
        try:
            setattr(row, name, secret_reencrypt(token))
        except ValueError:
            count.unreadable += 1
            count.unreadable_pks.append(str(row.pk))
            continue
        count.stale += 1
        changed = True
    return changed


def field_encryption_rotate(*, batch_size: int = 500, dry_run: bool = False) -> list[RotationCount]:
    """Re-encrypt every ``*_encrypted`` value not under the current key, in public and every tenant schema."""
    counts = []
    for schema, model, names in rotation_plan():
        with schema_context(schema):
            if not _table_in_schema(schema, model._meta.db_table):
                continue
            count = RotationCount(schema, model._meta.db_table, names)
            after: object | None = None
            while (after := _rotate_batch(model, names, after, batch_size, count, dry_run=dry_run)) is not None:
                pass
            counts.append(count)
    return counts
