"""tenant_restore: an archive back into a new schema or over an archived tenant, checked before commit.

Everything that can refuse is checked before the first write (the MAC, the tenant, the migrations); the
writes then run in one transaction, which ends with the row counts compared to the manifest and the
tenant's audit chain verified: a mismatch rolls everything back.

Ids: tenants and users keep their UUIDs (the audit chain hashes them); integer keys of public rows get
new values from the target's sequences, and every column pointing at them is rewritten set-based in
temporary tables before the rows are inserted. A user whose email already exists on the target is
matched, not duplicated (the audit rows keep the id they were hashed with). Plans and content types are
matched by natural key.
"""

import re
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, models, transaction
from django.db.migrations.loader import MigrationLoader

from apps.audit.models import AuditEvent
from apps.audit.selectors import audit_chain_verify
from apps.audit.services import audit_record
from apps.tenancy.models import Domain, Tenant, TenantStatus
from apps.tenancy.schemas import schema_clone

from .archive import Archive, ArchiveRefused, archive_unpack
from .tables import public_tables, schema_tables, tenant_reference_columns, writable_columns

_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class RestoreFailed(Exception):
    """The restore ran but its checks failed; the transaction was rolled back."""


@dataclass
class RestoreReport:
    tenant_id: str
    schema_name: str
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)  # table: (manifest, restored)
    users_created: int = 0
    users_matched: int = 0
    audit_checked: int = 0
    audit_ok: bool = False

    @property
    def counts_ok(self) -> bool:
        return all(expected == found for expected, found in self.counts.values())


def _execute(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall() if cursor.description else []


def _copy_in(target: str, columns: list[str], data: bytes) -> None:
    listed = ", ".join(f'"{c}"' for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {target} ({listed}) FROM STDIN") as copy:  # type: ignore[attr-defined]
        copy.write(data)


# --- Checks before anything is written ---------------------------------------------------------------


def _newer_migrations(manifest: dict[str, Any]) -> list[str]:
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    recorded = {tuple(m) for section in ("public", "tenant") for m in manifest["migrations"][section]}
    return sorted(f"{app}.{name}" for app, name in recorded - known)


def _missing_tables(manifest: dict[str, Any], template: str) -> list[str]:
    public = set(schema_tables("public")) | {"accounts_user"}
    missing = [t for t in manifest["tables"]["public"] if t not in public]
    tenant = set(schema_tables(template))
    return missing + [t for t in manifest["tables"]["tenant"] if t not in tenant]


def _check_version(manifest: dict[str, Any], template: str) -> None:
    newer = _newer_migrations(manifest)
    if newer:
        shown = ", ".join(newer[:5]) + (f" and {len(newer) - 5} more" if len(newer) > 5 else "")
        raise ArchiveRefused(
            f"The archive comes from a newer schema version: this code does not have the migrations {shown}. "
            "Restore it with the code that made it."
        )
    missing = _missing_tables(manifest, template)
    if missing:
        raise ArchiveRefused(f"The archive has tables this database does not: {', '.join(missing[:5])}.")


def _archived_domains(archive: Archive) -> list[str]:
    columns = archive.manifest["tables"]["public"].get("tenancy_domain", {}).get("columns", [])
    if "domain" not in columns:
        return []
    at = columns.index("domain")
    return [line.split("\t")[at] for line in archive.table("public", "tenancy_domain").decode().splitlines()]


def _check_new(archive: Archive, schema: str) -> None:
    info = archive.manifest["tenant"]
    existing = Tenant.objects.filter(pk=info["id"]).first()
    if existing is not None:
        raise ArchiveRefused(
            f"Tenant {info['name']!r} ({info['id']}) already exists here as schema {existing.schema_name!r}: "
            f"archive it and restore with --over-archived {existing.schema_name}."
        )
    if Tenant.objects.filter(schema_name=schema).exists() or schema in schema_tables_namespaces():
        raise ArchiveRefused(f"The schema {schema!r} already exists.")
    if Tenant.objects.filter(slug=info["slug"]).exists():
        raise ArchiveRefused(f"Another tenant already uses the slug {info['slug']!r}.")
    taken = list(Domain.objects.filter(domain__in=_archived_domains(archive)).values_list("domain", flat=True))
    if taken:
        raise ArchiveRefused(f"Domains of the archive belong to another tenant here: {', '.join(taken)}.")


def _check_over(archive: Archive, schema: str) -> Tenant:
    info = archive.manifest["tenant"]
    tenant = Tenant.objects.filter(schema_name=schema).first()
    if tenant is None:
        raise ArchiveRefused(f"No tenant has the schema {schema!r}.")
    if str(tenant.pk) != info["id"]:
        raise ArchiveRefused(
            f"The archive is tenant {info['name']!r} ({info['id']}, schema {info['schema_name']!r}), "
            f"not {tenant.name!r} ({tenant.pk}, schema {schema!r}): refused."
        )
    if tenant.status != TenantStatus.ARCHIVED:
        raise ArchiveRefused(f"Tenant {tenant.name!r} is {tenant.status}, not archived: archive it first.")
    return tenant


def schema_tables_namespaces() -> set[str]:
    return {row[0] for row in _execute("SELECT nspname FROM pg_namespace")}


# --- The writes --------------------------------------------------------------------------------------


class _Loader:
    """Loads the public rows through temporary tables, where ids are rewritten before the insert."""

    def __init__(self, archive: Archive, tenant_id: str, schema: str) -> None:
        self.archive, self.tenant_id, self.schema = archive, tenant_id, schema
        self.tables = {t.table: t for t in public_tables(tenant_id)}
        self.temp: dict[str, str] = {}
        self.maps: dict[str, str] = {}  # target table -> map temp table (old, new)

    def stage(self, section: str, table: str, source: str) -> str:
        name = f"_bk_{section[0]}{len(self.temp)}"
        _execute(f'CREATE TEMP TABLE "{name}" (LIKE {source}) ON COMMIT DROP')
        info = self.archive.manifest["tables"][section][table]
        _copy_in(f'"{name}"', info["columns"], self.archive.table(section, table))
        self.temp[f"{section}/{table}"] = name
        return name

    def reference_maps(self) -> None:
        """Plans by name, content types by (app label, model), permissions by (content type, codename)."""
        _execute("CREATE TEMP TABLE _bk_ct (id int, app_label text, model text) ON COMMIT DROP")
        _copy_in(
            "_bk_ct", ["id", "app_label", "model"], self.archive.files.get("reference/django_content_type.copy", b"")
        )
        self._map_raw(
            "django_content_type",
            "SELECT a.id AS old, t.id AS new FROM _bk_ct a JOIN public.django_content_type t USING (app_label, model)",
        )
        _execute("CREATE TEMP TABLE _bk_perm (id int, content_type_id int, codename text) ON COMMIT DROP")
        _copy_in(
            "_bk_perm",
            ["id", "content_type_id", "codename"],
            self.archive.files.get("reference/auth_permission.copy", b""),
        )
        self._map_raw(
            "auth_permission",
            "SELECT a.id AS old, t.id AS new FROM _bk_perm a JOIN _bk_m_django_content_type m "
            "ON m.old = a.content_type_id JOIN public.auth_permission t ON t.content_type_id = m.new "
            "AND t.codename = a.codename",
        )
        _execute("CREATE TEMP TABLE _bk_plan (id bigint, name text) ON COMMIT DROP")
        _copy_in("_bk_plan", ["id", "name"], self.archive.files.get("reference/tenancy_plan.copy", b""))
        self._map_raw(
            "tenancy_plan", "SELECT a.id AS old, t.id AS new FROM _bk_plan a JOIN public.tenancy_plan t USING (name)"
        )

    def users(self) -> tuple[int, int]:
        staged = self.stage("public", "accounts_user", "public.accounts_user")
        self._map_raw(
            "accounts_user",
            f"""
            SELECT r.id AS old, COALESCE(
                (SELECT u.id FROM public.accounts_user u WHERE u.id = r.id),
                (SELECT u.id FROM public.accounts_user u WHERE lower(u.email) = lower(r.email) LIMIT 1),
                r.id) AS new
            FROM "{staged}" r""",
        )
        columns = self._insert_columns("public", "accounts_user", "public")
        created = _execute(
            f'WITH ins AS (INSERT INTO public.accounts_user ({columns}) SELECT {columns} FROM "{staged}" r '
            "WHERE NOT EXISTS (SELECT 1 FROM public.accounts_user u "
            "WHERE u.id = r.id OR lower(u.email) = lower(r.email)) "
            "RETURNING 1) SELECT count(*) FROM ins"
        )[0][0]
        total = self.archive.manifest["tables"]["public"]["accounts_user"]["rows"]
        return created, total - created

    def _map_raw(self, table: str, select: str) -> None:
        name = f"_bk_m_{table}"
        _execute(f'CREATE TEMP TABLE "{name}" ON COMMIT DROP AS {select}')
        self.maps[table] = name

    def _insert_columns(self, section: str, table: str, schema: str) -> str:
        target = set(writable_columns(schema, table))
        return ", ".join(f'"{c}"' for c in self.archive.manifest["tables"][section][table]["columns"] if c in target)

    def _rewrite(self, staged: str, column: str, map_table: str) -> None:
        _execute(f'UPDATE "{staged}" r SET "{column}" = m.new FROM "{map_table}" m WHERE r."{column}" = m.old')

    def public_rows(self) -> None:
        archived = self.archive.manifest["tables"]["public"]
        order = [t for t in self.tables if t in archived]
        for table in order:
            staged = self.stage("public", table, f'public."{table}"')
            spec = self.tables[table]
            if spec.remaps_pk:
                pk = spec.model._meta.pk.column  # type: ignore[union-attr]
                self._map_raw(
                    table,
                    f'SELECT "{pk}" AS old, nextval(pg_get_serial_sequence(\'public."{table}"\', '
                    f"'{pk}')) AS new FROM \"{staged}\"",
                )
        for table in order:
            self._rewrite_public(table)
        for table in order:
            self._insert_public(table)

    def _rewrite_public(self, table: str) -> None:
        spec, staged = self.tables[table], self.temp[f"public/{table}"]
        if spec.remaps_pk:
            self._rewrite(staged, spec.model._meta.pk.column, self.maps[table])  # type: ignore[union-attr]
        instance = getattr(spec.model, "instance_type", None)  # a simple-history table: its `id` is the object's
        if instance is not None and instance._meta.db_table in self.maps:
            self._rewrite(staged, instance._meta.pk.column, self.maps[instance._meta.db_table])
        for f in spec.model._meta.concrete_fields:
            if not isinstance(f, models.ForeignKey) or (spec.model is AuditEvent and f.name == "actor"):
                continue  # audit rows keep the actor id they were hashed with
            related = f.related_model._meta.db_table  # type: ignore[union-attr]
            if (related in self.maps and related != table) or (related == table and spec.remaps_pk):
                self._rewrite(staged, f.column, self.maps[related])
        if spec.model is Tenant:
            _execute(f'UPDATE "{staged}" SET schema_name = %s', [self.schema])

    def _insert_public(self, table: str) -> None:
        staged, columns = self.temp[f"public/{table}"], self._insert_columns("public", table, "public")
        spec = self.tables[table]
        if spec.model is Tenant:
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns.split(", ") if c != '"id"')
            _execute(
                f'INSERT INTO public."{table}" ({columns}) SELECT {columns} FROM "{staged}" '
                f"ON CONFLICT (id) DO UPDATE SET {updates}"
            )
        elif spec.model is AuditEvent:  # over an archived tenant the chain is still there: add what is missing
            _execute(
                f'INSERT INTO public."{table}" ({columns}) SELECT {columns} FROM "{staged}" r '
                "WHERE NOT EXISTS (SELECT 1 FROM public.audit_auditevent a WHERE a.uuid = r.uuid)"
            )
        else:
            _execute(f'INSERT INTO public."{table}" ({columns}) SELECT {columns} FROM "{staged}"')

    def tenant_rows(self) -> None:
        references = tenant_reference_columns()
        # Only maps that change an id need a rewrite: each staged table holds locks until the commit, and one
        # transaction over ~200 tables is already near PostgreSQL's default lock table (docs/backup.md).
        changing = {
            table for table, name in self.maps.items() if _execute(f'SELECT 1 FROM "{name}" WHERE old <> new LIMIT 1')
        }
        for table in self.archive.manifest["tables"]["tenant"]:
            target = f'"{self.schema}"."{table}"'
            refs = [(c, t) for c, t in references.get(table, []) if t in changing]
            if not refs:
                _copy_in(
                    target,
                    self.archive.manifest["tables"]["tenant"][table]["columns"],
                    self.archive.table("tenant", table),
                )
                continue
            staged = self.stage("tenant", table, target)
            for column, related in refs:
                self._rewrite(staged, column, self.maps[related])
            columns = self._insert_columns("tenant", table, self.schema)
            _execute(f'INSERT INTO {target} ({columns}) SELECT {columns} FROM "{staged}"')
        self._sequences()

    def _sequences(self) -> None:
        for table, column in _execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = %s "
            "AND (is_identity = 'YES' OR column_default LIKE 'nextval%%')",
            [self.schema],
        ):
            _execute(
                f'SELECT setval(pg_get_serial_sequence(%s, %s), GREATEST(COALESCE(MAX("{column}"), 0), 1), '
                f'MAX("{column}") IS NOT NULL) FROM "{self.schema}"."{table}"',
                [f'"{self.schema}"."{table}"', column],
            )


def _schema_prepare(schema: str) -> None:
    """An empty schema of this code's structure: the archived tenant's own (kept current by migrate_tenants,
    and reusing it takes half the locks of a drop and a clone), else a clone of the template."""
    if schema not in schema_tables_namespaces():
        schema_clone(source=Tenant.objects.get(is_template=True).schema_name, target=schema)
    # Few tables hold rows (the template's data migrations): find them in one query and empty only those (a
    # TRUNCATE of every table costs a new file per table and index: seconds for ~200 tables).
    probes = " UNION ALL ".join(
        f'SELECT \'{t}\' WHERE EXISTS (SELECT 1 FROM "{schema}"."{t}")' for t in schema_tables(schema)
    )
    for (table,) in _execute(probes) if probes else []:
        _execute(f'DELETE FROM "{schema}"."{table}"')


def _clear_archived(tenant: Tenant) -> None:
    """Over an archived tenant: its public rows go (its audit chain and tenant row stay; the schema is emptied
    by _schema_prepare)."""
    for spec in reversed(public_tables(str(tenant.pk))):
        if spec.model not in (Tenant, AuditEvent):
            _execute(f'DELETE FROM public."{spec.table}" WHERE {spec.where}')


def _count(schema: str, table: str, where: str = "TRUE") -> int:
    return int(_execute(f'SELECT count(*) FROM "{schema}"."{table}" WHERE {where}')[0][0])


def _verify(loader: _Loader, report: RestoreReport) -> None:
    manifest = loader.archive.manifest
    for table, info in manifest["tables"]["public"].items():
        if table == "accounts_user":
            found = _count("public", table, f'id IN (SELECT new FROM "{loader.maps[table]}")')
        elif table == "audit_auditevent":
            found = _count("public", table, f'uuid IN (SELECT uuid FROM "{loader.temp["public/" + table]}")')
        else:
            found = _count("public", table, loader.tables[table].where)
        report.counts[f"public.{table}"] = (info["rows"], found)
    for table, info in manifest["tables"]["tenant"].items():
        report.counts[f"tenant.{table}"] = (info["rows"], _count(loader.schema, table))
    report.audit_checked, broken = audit_chain_verify(manifest["audit"]["chain"])
    report.audit_ok = broken is None
    if not report.counts_ok or not report.audit_ok:
        wrong = [f"{t}: {e} in the archive, {f} restored" for t, (e, f) in report.counts.items() if e != f]
        raise RestoreFailed(
            "The restore was rolled back: " + "; ".join(wrong + ([] if report.audit_ok else [f"audit chain: {broken}"]))
        )


def tenant_restore(*, token: bytes, into_new: str | None = None, over_archived: str | None = None) -> RestoreReport:
    """Restore an archive; refuse (ArchiveRefused) before writing, or roll back (RestoreFailed) on a bad check."""
    if into_new and over_archived:
        raise ArchiveRefused("Give --into-new or --over-archived, not both.")
    archive = archive_unpack(token)
    manifest = archive.manifest
    schema = over_archived or into_new or manifest["tenant"]["schema_name"]
    if not _SCHEMA.match(schema) or schema in ("public", "information_schema") or schema.startswith("pg_"):
        raise ArchiveRefused(f"{schema!r} is not a usable schema name.")
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    _check_version(manifest, Tenant.objects.get(is_template=True).schema_name)
    archived = _check_over(archive, schema) if over_archived else None
    if archived is None:
        _check_new(archive, schema)
    report = RestoreReport(tenant_id=manifest["tenant"]["id"], schema_name=schema)
    with transaction.atomic():
        if archived is not None:
            _clear_archived(archived)
        _schema_prepare(schema)
        loader = _Loader(archive, manifest["tenant"]["id"], schema)
        loader.reference_maps()
        report.users_created, report.users_matched = loader.users()
        loader.public_rows()
        loader.tenant_rows()
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        _verify(loader, report)
        tenant = Tenant.objects.get(pk=report.tenant_id)
        audit_record(
            action="tenant.restored",
            tenant=tenant,
            target=tenant,
            after={"schema": schema, "archive_created_at": manifest["created_at"], "over_archived": bool(archived)},
        )
    return report
