# ruff: noqa: S603, S607 (the test runs the PostgreSQL client tools and manage.py, found on PATH)
"""Tenant export and restore: the round trip onto another database, and every refusal before a write."""

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from apps.audit.models import AuditEvent
from apps.audit.services import audit_record
from apps.backups.archive import Archive, ArchiveRefused, archive_pack, archive_unpack
from apps.backups.exporting import tenant_export
from apps.backups.restoring import tenant_restore
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)
REFERENCE_DATA = {"django_content_type", "auth_permission", "tenancy_plan", "django_migrations"}


@pytest.fixture
def acme_archive(acme, acme_admin, acme_member) -> tuple[bytes, dict]:
    for n in range(3):
        audit_record(action="backup.test", tenant=acme, acting_user=acme_admin, after={"n": n})
    return tenant_export(schema_name=acme.schema_name)


def _db_params(name: str) -> list[str]:
    db = connection.settings_dict
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"] or "postgres", name]


def _migrations_digest(database: str) -> str:
    query = "SELECT md5(string_agg(app || '.' || name, ',' ORDER BY app, name)) FROM django_migrations"
    out = subprocess.run(["psql", "-At", *_db_params(database), "-c", query], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


def _scratch_base(source: str) -> str:
    """A database with the test database's structure, reference rows and template, and no tenant.

    Built once per set of migrations (creating ~400 tables takes tens of seconds) and kept, like --reuse-db;
    each run then copies it with `createdb -T`, which takes a second.
    """
    base = f"{source}_scratch_base"
    if _migrations_digest(base) == _migrations_digest(source):
        return base
    admin = _db_params("postgres")[:-1]
    subprocess.run(["dropdb", "--if-exists", *admin, base], check=True)
    subprocess.run(["createdb", *admin, base], check=True)
    subprocess.run(["psql", "-q", *_db_params(base), "-c", "DROP SCHEMA public"], check=True)  # the dump makes it
    # One dump: public's and the template's structure, the template's rows and the reference rows a restore
    # matches by natural key (plans, content types, permissions, migrations); no tenant's public rows.
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        no_data = [f"--exclude-table-data=public.{t}" for (t,) in cursor.fetchall() if t not in REFERENCE_DATA]
    dump = ["pg_dump", "-n", "public", "-n", "tenant_template", *no_data, *_db_params(source)]
    sql = subprocess.run(dump, check=True, capture_output=True).stdout
    subprocess.run(
        ["psql", "-q", "-v", "ON_ERROR_STOP=1", *_db_params(base)], input=sql, check=True, capture_output=True
    )
    rows = subprocess.run(
        ["psql", *_db_params(source), "-c", "COPY (SELECT * FROM tenancy_tenant WHERE is_template) TO STDOUT"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    subprocess.run(["psql", *_db_params(base), "-c", "COPY tenancy_tenant FROM STDIN"], input=rows, check=True)
    return base


def _scratch_database(name: str) -> None:
    """A second database: a copy of the scratch base (structure, reference rows, template; no tenant)."""
    base = _scratch_base(connection.settings_dict["NAME"])
    admin = _db_params("postgres")[:-1]
    subprocess.run(["dropdb", "--if-exists", *admin, name], check=True)
    subprocess.run(["createdb", *admin, "-T", base, name], check=True)


def _manage(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    db = connection.settings_dict
    url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_a_tenant_exported_here_restores_on_another_database_with_the_same_counts(acme_archive, tmp_path):
    token, manifest = acme_archive
    assert manifest["audit"]["sequence"] >= 3
    assert manifest["tables"]["public"]["accounts_membership"]["rows"] >= 2
    path = tmp_path / "acme.nfbak"
    path.write_bytes(token)
    scratch = f"{connection.settings_dict['NAME']}_scratch"
    _scratch_database(scratch)
    try:
        restored = _manage(scratch, "tenant_restore", str(path))
        assert restored.returncode == 0, restored.stderr
        assert "row counts match the manifest" in restored.stdout
        assert "audit chain verified" in restored.stdout
        with psycopg.connect(dbname=scratch, host="127.0.0.1", user="postgres") as other:
            for table, info in manifest["tables"]["tenant"].items():
                found = other.execute(
                    f'SELECT count(*) FROM "{manifest["tenant"]["schema_name"]}"."{table}"'
                ).fetchone()
                assert found[0] == info["rows"], table
            tenant_id = manifest["tenant"]["id"]
            for table in ("accounts_membership", "tenancy_domain"):
                found = other.execute(f"SELECT count(*) FROM {table} WHERE tenant_id = %s", [tenant_id]).fetchone()
                assert found[0] == manifest["tables"]["public"][table]["rows"], table
        verified = _manage(scratch, "audit_verify", "--chain", manifest["tenant"]["id"])
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        subprocess.run(["dropdb", "--if-exists", *_db_params("postgres")[:-1], scratch], check=True)


def _nothing_written(tenants_before: int, events_before: int) -> None:
    assert Tenant.objects.count() == tenants_before
    assert AuditEvent.objects.count() == events_before


def test_a_corrupt_or_truncated_archive_is_refused_before_any_write(acme_archive):
    token, _ = acme_archive
    before = Tenant.objects.count(), AuditEvent.objects.count()
    flipped = bytearray(token)
    flipped[len(flipped) // 2] ^= 0x01
    for bad in (bytes(flipped), token[: len(token) - 100]):
        with pytest.raises(ArchiveRefused, match="corrupt, truncated or encrypted with another key"):
            tenant_restore(token=bad, into_new="t_restored")
    _nothing_written(*before)


def test_an_archive_over_another_tenant_is_refused(acme_archive, globex):
    token, _ = acme_archive
    before = Tenant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ArchiveRefused, match="not 'Globex"):
        tenant_restore(token=token, over_archived=globex.schema_name)
    _nothing_written(*before)


def test_an_archive_over_a_live_tenant_or_into_an_existing_one_is_refused(acme_archive, acme):
    token, _ = acme_archive
    with pytest.raises(ArchiveRefused, match="not archived"):
        tenant_restore(token=token, over_archived=acme.schema_name)
    with pytest.raises(ArchiveRefused, match="already exists here"):
        tenant_restore(token=token, into_new="t_acme_copy")


def test_an_archive_from_a_newer_schema_version_is_refused(acme_archive):
    token, _ = acme_archive
    archive = archive_unpack(token)
    archive.manifest["migrations"]["tenant"].append(["chat", "9999_from_the_future"])
    newer = archive_pack(Archive(manifest=archive.manifest, files=archive.files))
    before = Tenant.objects.count(), AuditEvent.objects.count()
    with pytest.raises(ArchiveRefused, match=r"newer schema version.*chat\.9999_from_the_future"):
        tenant_restore(token=newer, into_new="t_newer")
    _nothing_written(*before)


def test_restore_over_the_archived_tenant_brings_its_rows_back(acme_archive, acme):
    token, manifest = acme_archive
    Tenant.objects.filter(pk=acme.pk).update(status=Tenant.Status.ARCHIVED)
    report = tenant_restore(token=token, over_archived=acme.schema_name)
    assert report.counts_ok and report.audit_ok
    assert report.users_created == 0
    acme.refresh_from_db()
    assert acme.status == manifest_status(manifest)


def manifest_status(manifest: dict) -> str:
    archive_tenant = Tenant.objects.get(pk=manifest["tenant"]["id"])
    return archive_tenant.status
