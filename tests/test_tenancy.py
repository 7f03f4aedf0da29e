"""Tenant creation by cloning the template: same catalogue as a migrated schema, all or nothing."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django_tenants.utils import schema_exists

from apps.audit.models import AuditEvent
from apps.tenancy.models import Domain, Tenant
from apps.tenancy.schemas import _clone_tables, catalogue_of, constraint_names_restore, triggers_of
from apps.tenancy.services import tenant_create

pytestmark = pytest.mark.django_db


def test_cloned_schema_matches_the_migrated_template(acme, template_tenant):
    migrated = catalogue_of(template_tenant.schema_name)
    cloned = catalogue_of(acme.schema_name)
    assert migrated["tables"], "the template should hold the tenant apps' tables"
    for part in ("tables", "columns", "indexes", "constraints", "functions", "triggers"):
        assert cloned[part] == migrated[part], part


def test_a_clone_keeps_the_templates_triggers_and_their_functions(template_tenant):
    """An append-only table refuses UPDATE and DELETE by a trigger; LIKE ... INCLUDING ALL copies no
    trigger, so the clone adds them: a tenant created from the template refuses the same writes."""
    template = template_tenant.schema_name
    with connection.cursor() as cursor:
        cursor.execute(f"""
            CREATE FUNCTION "{template}".t_refuse() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'append-only'; END; $$ LANGUAGE plpgsql;
            CREATE TRIGGER t_no_delete BEFORE DELETE ON "{template}".workplaces_workplace
                FOR EACH ROW EXECUTE FUNCTION "{template}".t_refuse();
        """)
        _clone_tables(cursor, template, "t_trigclone")
        cursor.execute("INSERT INTO t_trigclone.workplaces_workplace (kind, code, name, address_line1, address_line2, "
                       "city, postcode, state, country, time_zone, holiday_country, holiday_subdivision, is_active, "
                       "created_at, updated_at) VALUES ('region', 'R1', 'R', '', '', '', '', '', '', 'UTC', '', '', "
                       "true, now(), now())")  # fmt: skip
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            cursor.execute("DELETE FROM t_trigclone.workplaces_workplace")
    assert "t_no_delete" in [name for _table, name, _definition in triggers_of("t_trigclone")]
    assert catalogue_of("t_trigclone")["triggers"] == catalogue_of(template)["triggers"]
    connection.set_schema_to_public()


def test_a_raw_clone_renames_unique_constraints_until_restored(template_tenant):
    with connection.cursor() as cursor:
        _clone_tables(cursor, template_tenant.schema_name, "t_rawclone")
    raw = catalogue_of("t_rawclone")["constraints"]
    assert raw != catalogue_of(template_tenant.schema_name)["constraints"]
    assert constraint_names_restore(source=template_tenant.schema_name, target="t_rawclone") > 0
    assert catalogue_of("t_rawclone") == catalogue_of(template_tenant.schema_name)
    connection.set_schema_to_public()


def test_cloned_schema_records_the_templates_migrations(acme, template_tenant):
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT app, name FROM "{template_tenant.schema_name}".django_migrations ORDER BY 1, 2')
        template_rows = cursor.fetchall()
        cursor.execute(f'SELECT app, name FROM "{acme.schema_name}".django_migrations ORDER BY 1, 2')
        assert cursor.fetchall() == template_rows


def test_tenant_create_gives_a_domain_history_and_an_audit_event(platform_superuser):
    tenant = tenant_create(name="Initech", slug="initech", acting_user=platform_superuser)
    assert tenant.status == Tenant.Status.ACTIVE
    assert schema_exists("t_initech")
    assert Domain.objects.get(tenant=tenant).domain == "initech.localhost"
    assert tenant.history.first().history_user == platform_superuser
    event = AuditEvent.objects.get(tenant_id=tenant.pk)
    assert (event.action, event.actor_id) == ("tenant.created", platform_superuser.pk)


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Bad Slug", "lowercase"),
        ("admin", "reserved"),
        ("ab", "3-50"),
        ("acme", "already exists"),
    ],
)
def test_tenant_create_refuses_bad_slugs_and_leaves_nothing(slug, message, acme):
    before = Tenant.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        tenant_create(name="Whatever", slug=slug, acting_user=None)
    assert message in str(excinfo.value)
    assert Tenant.objects.count() == before


def test_tenant_create_rolls_back_the_schema_when_a_later_step_fails(acme):
    # The primary domain is taken by acme, so the domain step fails after the clone.
    with pytest.raises(ValidationError):
        tenant_create(name="Dup Domain", slug="dup-domain", acting_user=None, domain="acme.localhost")
    assert not Tenant.objects.filter(slug="dup-domain").exists()
    assert not schema_exists("t_dup_domain")


def test_tenant_create_command_reports_errors_clearly(capsys):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="reserved"):
        call_command("tenant_create", "admin", "Admin Corp")


def test_domain_allows_one_primary_per_tenant_in_the_database(acme):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Domain.objects.bulk_create([Domain(domain="second.localhost", tenant=acme, is_primary=True)])
