"""migrate_tenants finds the schemas that are behind with a few queries and migrates only those."""

from typing import Any
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection

from apps.tenancy.migrations_state import migration_states, schemas_behind
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

COMMAND = "apps.tenancy.management.commands.migrate_tenants.call_command"
# A shared-only app: re-applying it in a tenant schema only records it, so the test stays quick.
SESSIONS_INITIAL = ("sessions", "0001_initial")


def forget(schema: str, migration: tuple[str, str] = SESSIONS_INITIAL) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f'DELETE FROM "{schema}".django_migrations WHERE app = %s AND name = %s', list(migration))


def migrate_calls(mocked: mock.Mock) -> list[dict[str, Any]]:
    """The keyword arguments of each migrate_schemas call."""
    return [dict(call.kwargs) for call in mocked.call_args_list if call.args == ("migrate_schemas",)]


def test_nothing_pending_runs_no_migrate_at_all(acme, globex):
    assert schemas_behind() == {}
    with mock.patch(COMMAND) as call:
        call_command("migrate_tenants", verbosity=0)
    assert migrate_calls(call) == []


def test_a_schema_missing_a_migration_row_is_detected_and_migrated(acme, globex):
    forget("t_globex")
    assert schemas_behind() == {"t_globex": 1}
    call_command("migrate_tenants", verbosity=0)
    connection.set_schema_to_public()
    assert migration_states(["t_globex", "t_acme"]) == {"t_globex": 0, "t_acme": 0}


def test_only_behind_schemas_are_migrated_template_first(acme, globex, template_tenant):
    forget("t_globex")
    forget(template_tenant.schema_name)
    with mock.patch(COMMAND) as call:
        call_command("migrate_tenants", verbosity=0)
    assert [c.get("schema_name") for c in migrate_calls(call)] == [template_tenant.schema_name, "t_globex"]
    assert all(c["tenant"] and not c.get("shared") for c in migrate_calls(call))


def test_public_is_migrated_with_shared_only_when_it_is_behind(acme):
    forget("public")
    with mock.patch(COMMAND) as call:
        call_command("migrate_tenants", verbosity=0)
    assert migrate_calls(call) == [{"interactive": False, "verbosity": 0, "shared": True}]


def test_tenants_without_a_schema_are_reported_missing_and_not_migrated(acme):
    Tenant.objects.create(name="Requested", slug="requested-co", schema_name="t_requested_co")
    assert migration_states(["t_requested_co", "t_acme"]) == {"t_requested_co": None, "t_acme": 0}
    with mock.patch(COMMAND) as call:
        call_command("migrate_tenants", verbosity=0)
    assert migrate_calls(call) == []


def test_check_lists_behind_schemas_and_fails(acme, capsys):
    forget("t_acme")
    with pytest.raises(SystemExit) as exit_info:
        call_command("migrate_tenants", check=True)
    assert exit_info.value.code == 1
    assert "t_acme: 1 migration(s) to apply" in capsys.readouterr().out


def test_the_state_takes_the_same_few_queries_for_any_number_of_tenants(acme, globex, django_assert_num_queries):
    for i in range(30):
        Tenant.objects.create(name=f"Row {i}", slug=f"row-{i}", schema_name=f"t_row_{i}")
    # tenants, which schemas have django_migrations, one UNION ALL chunk
    with django_assert_num_queries(3):
        assert schemas_behind() == {}
