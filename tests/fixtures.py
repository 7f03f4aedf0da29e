"""Session-wide tenants and the actors every permission test needs.

The test database is created once (cold: seconds, thanks to the single-file dj-stripe migration
under test settings); the template schema is migrated once and the demo-like tenants acme and
globex are cloned from it once per session (or reused with --reuse-db).
"""

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from apps.access.services import default_roles_ensure
from apps.accounts.models import Membership, User
from apps.accounts.roles import staff_roles_sync
from apps.accounts.staff_roles import BILLING_ADMIN, SUPPORT
from apps.accounts.totp import totp_ensure
from apps.organisation.models import Entity, EntityType
from apps.organisation.services import entity_create
from apps.tenancy.models import Tenant
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure
from tests.factories import MembershipFactory, UserFactory

PLATFORM_HOST = "localhost"


def _tenant(slug: str, name: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first() or tenant_create(name=name, slug=slug, acting_user=None)
    with schema_context(tenant.schema_name):
        # What the provisioning step gives every real tenant: the enterprise entity at the root.
        if not Entity.objects.filter(parent__isnull=True).exists():
            entity_create(
                name=name, entity_type=EntityType.objects.get(code="enterprise"), parent=None, acting_user=None
            )
        default_roles_ensure()  # what the "default_roles" provisioning step gives every real tenant
    return tenant


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        platform_tenant_ensure(domain=PLATFORM_HOST)
        tenant_template_ensure()
        staff_roles_sync()
        call_command("schedules_sync", verbosity=0)  # as platform_setup does: the beat schedule from code
        _tenant("acme", "Acme")
        _tenant("globex", "Globex")


@pytest.fixture(autouse=True)
def _public_schema_between_tests(django_db_blocker):
    """A test-client request can leave the connection on a tenant's schema (PRODUCT.md section 6)."""
    yield
    from django.db import connection

    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _versioned_caches_fresh():
    """Rolled-back rows must not be served from a cache filled by an earlier test (apps.core.cache)."""
    import uuid

    from apps.core.cache import VersionedCache

    VersionedCache.generation = uuid.uuid4().hex[:12]
    yield


@pytest.fixture
def acme(db) -> Tenant:
    return Tenant.objects.get(slug="acme")


@pytest.fixture
def globex(db) -> Tenant:
    return Tenant.objects.get(slug="globex")


@pytest.fixture
def acme_root(acme) -> Entity:
    """Acme's root (enterprise) entity; every other entity of Acme hangs below it."""
    with schema_context(acme.schema_name):
        return Entity.objects.select_related("entity_type").get(parent__isnull=True)


@pytest.fixture
def globex_root(globex) -> Entity:
    with schema_context(globex.schema_name):
        return Entity.objects.select_related("entity_type").get(parent__isnull=True)


@pytest.fixture
def entity_type():
    """entity_type("department") -> the EntityType of the current schema with that code."""

    def _get(code: str) -> EntityType:
        return EntityType.objects.get(code=code)

    return _get


@pytest.fixture
def template_tenant(db) -> Tenant:
    return Tenant.objects.get(is_template=True)


# --- Actors --------------------------------------------------------------------------------------


def _staff(email: str, *, superuser: bool = False, group: str | None = None) -> User:
    """A staff user with a TOTP factor (staff cannot use the platform domain without one)."""
    from django.contrib.auth.models import Group

    user = UserFactory(email=email, is_staff=True, is_superuser=superuser)
    if group:
        user.groups.add(Group.objects.get(name=group))
    totp_ensure(user)
    return user


@pytest.fixture
def platform_superuser(db) -> User:
    return _staff("root@platform.test", superuser=True)


@pytest.fixture
def support_staff(db) -> User:
    return _staff("support@platform.test", group=SUPPORT)


@pytest.fixture
def billing_staff(db) -> User:
    return _staff("billing@platform.test", group=BILLING_ADMIN)


@pytest.fixture
def acme_admin(acme) -> User:
    return MembershipFactory(tenant=acme, role=Membership.Role.TENANT_ADMIN, user__email="admin@acme.test").user


@pytest.fixture
def acme_member(acme) -> User:
    return MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email="member@acme.test").user


@pytest.fixture
def globex_member(globex) -> User:
    """The outsider: a member of another tenant."""
    return MembershipFactory(tenant=globex, role=Membership.Role.MEMBER, user__email="member@globex.test").user


# --- Clients per surface -------------------------------------------------------------------------


@pytest.fixture
def platform_client() -> Client:
    return Client(HTTP_HOST=PLATFORM_HOST)


@pytest.fixture
def acme_client(acme) -> Client:
    return Client(HTTP_HOST="acme.localhost")


@pytest.fixture
def globex_client(globex) -> Client:
    return Client(HTTP_HOST="globex.localhost")


@pytest.fixture
def in_schema():
    return schema_context


@pytest.fixture
def notifications_inline(monkeypatch):
    """Notification deliveries are sent in this process when their chunk is handed to Celery (the test
    run has no worker), so a test sees the email in `mail.outbox` as soon as the commit is played."""
    from apps.notifications import tasks

    def send_here(args: Any = None, **options: Any) -> Any:
        return tasks.deliveries_send.apply(args=args)

    monkeypatch.setattr(tasks.deliveries_send, "apply_async", send_here)


@pytest.fixture(autouse=True)
def _notifications_inline_outside_the_engine(request):
    """Every app's tests get their notifications sent inline, as the email they replaced was; the engine's
    own tests (apps/notifications/) decide for themselves (some check what is queued)."""
    if "apps/notifications/" not in str(request.node.path):
        request.getfixturevalue("notifications_inline")


@pytest.fixture
def broker_down(monkeypatch):
    """Celery's broker unreachable: port 9 (discard) has nothing listening, so connecting is refused.

    Patched as items of the settings' own layer, not as attributes: `app.conf.broker_write_url` reads
    back the *computed* URL, and an attribute patch would restore that as an explicit write URL, which
    then outlives every later change of `broker_url` (the chaos tests' private broker got no tasks).
    """
    from config.celery import app

    monkeypatch.setitem(app.conf, "broker_write_url", None)
    monkeypatch.setitem(app.conf, "broker_url", "redis://127.0.0.1:9/0")
