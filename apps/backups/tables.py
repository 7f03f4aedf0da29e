"""Which rows belong to one tenant: its schema's tables and the public rows that name it.

Public rows are found from the models, not from a list of apps: every public model with a foreign key
to the tenant, then (repeatedly) every public model with a foreign key to one of those (invoice lines,
ticket messages, webhook attempts). A model that should not travel is named in ``PUBLIC_SKIPPED`` with
its reason; ``tests/test_tables.py`` fails when a new tenant-keyed model is neither exported nor skipped.
"""

import uuid
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models
from django.db.models.fields import AutoFieldMixin

from apps.accounts.models import User
from apps.tenancy.models import Tenant

# Tenant-keyed public tables deliberately left out of an export, and why.
PUBLIC_SKIPPED: dict[str, str] = {
    "logs_apirequestlog": "technical log (90 days), archived by logs.archive_and_prune",
    "logs_applicationerror": "technical log (90 days), archived by logs.archive_and_prune",
    "security_authevent": "technical log (90 days), archived by logs.archive_and_prune",
    "emails_emaildelivery": "technical log (90 days), archived by logs.archive_and_prune",
    "accounts_signinhandoff": "one-time sign-in hand-offs, minutes long",
    "tokens_refreshtokenfamily": "signed-in API sessions: a restored tenant's people sign in again",
    "tokens_historicalrefreshtokenfamily": "history of the sessions above",
    "tokens_refreshtoken": "tokens of the sessions above",
}
# Public reference rows other rows point at, matched on the target by a natural key, not by id.
NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "tenancy_plan": ("name",),
    "django_content_type": ("app_label", "model"),
}


@dataclass(frozen=True)
class PublicTable:
    """One public table of the export: its rows are ``SELECT ... FROM table WHERE where``."""

    model: type[models.Model]
    where: str

    @property
    def table(self) -> str:
        return self.model._meta.db_table

    @property
    def remaps_pk(self) -> bool:
        """Integer keys are given new values on the target (another database has its own sequence)."""
        return isinstance(self.model._meta.pk, AutoFieldMixin)


def _fks(model: type[models.Model]) -> list[models.ForeignKey]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]


def _public_models() -> list[type[models.Model]]:
    shared = set(settings.SHARED_APPS)
    return [m for m in apps.get_models() if m._meta.app_config.name in shared and not m._meta.proxy]


def _tenant_where(model: type[models.Model], tenant_id: str) -> str:
    columns = [f.column for f in _fks(model) if f.related_model is Tenant and f.name == "tenant"]
    columns = columns or [f.column for f in _fks(model) if f.related_model is Tenant]
    return f"\"{columns[0]}\" = '{tenant_id}'"


def _child_where(fk: models.ForeignKey, parent: PublicTable) -> str:
    return f'"{fk.column}" IN (SELECT "{fk.target_field.column}" FROM public."{parent.table}" WHERE {parent.where})'


def public_tables(tenant_id: str) -> list[PublicTable]:
    """The tenant row, then its public rows, parents before children."""
    tenant_id = str(uuid.UUID(str(tenant_id)))
    candidates = [m for m in _public_models() if m._meta.db_table not in PUBLIC_SKIPPED and m not in (Tenant, User)]
    chosen: dict[type[models.Model], PublicTable] = {Tenant: PublicTable(Tenant, f"\"id\" = '{tenant_id}'")}
    for model in candidates:
        if any(f.related_model is Tenant for f in _fks(model)):
            chosen[model] = PublicTable(model, _tenant_where(model, tenant_id))
    grew = True
    while grew:  # children of chosen rows, then their children
        grew = False
        for model in candidates:
            parents = [f for f in _fks(model) if f.related_model in chosen and f.related_model is not Tenant]
            if model in chosen or not parents:
                continue
            where = " OR ".join(_child_where(f, chosen[f.related_model]) for f in parents)  # type: ignore[index]
            chosen[model], grew = PublicTable(model, where), True
    return list(chosen.values())


def user_columns_public(tables: list[PublicTable]) -> list[tuple[PublicTable, str]]:
    return [(t, f.column) for t in tables for f in _fks(t.model) if f.related_model is User]


def tenant_models() -> list[type[models.Model]]:
    tenant_apps = set(settings.TENANT_APPS)
    return [m for m in apps.get_models() if m._meta.app_config.name in tenant_apps and not m._meta.proxy]


def tenant_reference_columns() -> dict[str, list[tuple[str, str]]]:
    """Per tenant-schema table, its columns that point at public users, content types or permissions."""
    targets = {User: "accounts_user", ContentType: "django_content_type", Permission: "auth_permission"}
    found: dict[str, list[tuple[str, str]]] = {}
    for model in tenant_models():
        for f in _fks(model):
            if f.related_model in targets:
                found.setdefault(model._meta.db_table, []).append((f.column, targets[f.related_model]))
    return found


def schema_tables(schema: str) -> list[str]:
    """The schema's tables with rows of their own (partition parents read through their children)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition AND c.relname <> 'django_migrations' ORDER BY 1",
            [schema],
        )
        return [row[0] for row in cursor.fetchall()]


def writable_columns(schema: str, table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s "
            "AND is_generated = 'NEVER' ORDER BY ordinal_position",
            [schema, table],
        )
        return [row[0] for row in cursor.fetchall()]
