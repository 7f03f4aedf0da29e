"""API contract: schemathesis fuzzes both OpenAPI documents through the WSGI app, as real callers.

The tenant API (/api/v1/schema/ on acme's domain) is called with a tenant admin's bearer token and
with an API key holding every scope; the platform API (/api/schema/ on the platform domain) with a
staff member's session (the platform API takes no bearer tokens: they are issued per tenant). Every
operation gets a few generated requests (hypothesis: derandomized, no deadline, no shrinking, so CI
is stable and quick). A response fails the run when it is a 5xx or does not match the document:
a status code it does not declare, another content type, or a body outside the response schema.

Each example runs in a savepoint that is rolled back, so fuzzing changes nothing the next example or
another test sees (a revoked token, a removed member, a deleted role all come back). Throttles are
raised for the run: the per-key rate (a system setting), the tenant's daily API quota and allauth's
limits, so requests reach the views instead of 429s.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.models import Membership, User
from apps.accounts.totp import totp_ensure
from apps.integrations.scopes import ALL_SCOPES
from apps.integrations.services import api_key_create
from apps.sysconfig.testing import setting_override
from apps.tenancy.models import Tenant
from apps.tokens.services import token_pair_issue
from tests.factories import MembershipFactory, UserFactory
from tests.isolation_world import api_quota_kept
from tests.matrix_report import report

pytestmark = pytest.mark.django_db

TENANT_HOST, PLATFORM_HOST = "acme.localhost", "localhost"
EXAMPLES_PER_OPERATION = 4
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
HYPOTHESIS = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failing example is reported as is
    suppress_health_check=list(HealthCheck),  # DB fixtures and slow views trip them; they say nothing here
    print_blob=False,
)
# Left out of fuzzing, with the reason.
EXCLUDED: dict[str, str] = {}


@dataclass
class Run:
    operations: int = 0
    examples: int = 0
    answered: int = 0  # examples answered with a 2xx: fuzzing that got past "missing" and "invalid"
    failures: list[str] = field(default_factory=list)


@pytest.fixture
def fuzzing(settings: Any) -> Iterator[None]:
    """Throttles out of the way for the run; allauth's per-IP limits off (the token endpoint fails
    logins by the dozen, and those counters live in Redis, outside the rolled-back transaction)."""
    settings.ACCOUNT_RATE_LIMITS = False
    Tenant.objects.filter(slug="acme").update(api_calls_per_day=10_000_000)
    with setting_override("ratelimit.api_per_minute", 10_000_000), api_quota_kept(*Tenant.objects.filter(slug="acme")):
        yield


@contextmanager
def connection_kept() -> Iterator[None]:
    """The WSGI handler closes the connection around each request (Django's test client stops it the
    same way, and reconnects the handlers after each of its requests): that would end the test's
    transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _document(host: str, path: str) -> Any:
    response = Client(HTTP_HOST=host).get(path, {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    connection.set_schema_to_public()
    schema = schemathesis.openapi.from_dict(response.json())
    schema.app = WSGIHandler()
    return schema


def _strategy(operation: Any, real_ids: dict[str, Any]) -> Any:
    """Random path values (mostly "missing") and, for half the examples, a real object of acme's, so
    random bodies reach the serializers and services behind an existing object too."""
    strategy = operation.as_strategy()
    prefix = operation.path.split("{", 1)[0]
    if "{" in operation.path and prefix in real_ids:
        name = operation.path.split("{", 1)[1].split("}", 1)[0]
        strategy = st.one_of(operation.as_strategy(path_parameters={name: real_ids[prefix]}), strategy)
    return strategy


def fuzz(schema: Any, headers: dict[str, str], label: str, real_ids: dict[str, Any] | None = None) -> Run:
    run = Run()
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.label in EXCLUDED:
            continue
        run.operations += 1

        @HYPOTHESIS
        @given(case=_strategy(operation, real_ids or {}))
        def example(case: Any) -> None:
            run.examples += 1
            with transaction.atomic():
                try:
                    response = case.call(headers=headers)
                    run.answered += 200 <= response.status_code < 300
                    case.validate_response(response, checks=CHECKS)
                finally:
                    transaction.set_rollback(True)
                    connection.set_schema_to_public()

        try:
            with connection_kept():
                example()
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every operation's failure is collected, then reported at once
            run.failures.append(f"[{label}] {operation.label}: {str(exc).strip()[:1500]}")
    return run


def _member(tenant: Tenant, email: str, role: str) -> User:
    return MembershipFactory(tenant=tenant, role=role, user__email=email).user


def acme_objects(acme: Tenant, admin: User) -> dict[str, Any]:
    """One object of acme's behind every path with an id (URL prefix → id), in the test's transaction."""
    from django.utils import timezone
    from django_tenants.utils import tenant_context

    from apps.access.services import assignment_create, role_create
    from apps.billing.models import Invoice
    from apps.invitations.services import invitation_create
    from apps.organisation.models import Entity, EntityType
    from apps.organisation.services import entity_create, profile_create
    from apps.solutions.models import SolutionAccess
    from apps.support.services import ticket_open
    from apps.webhooks.models import WebhookDelivery, WebhookEvent
    from apps.webhooks.services import webhook_endpoint_create

    member = MembershipFactory(tenant=acme, role=Membership.Role.MEMBER, user__email="contract-member@acme.test")
    endpoint, _ = webhook_endpoint_create(tenant=acme, url="http://127.0.0.1:9/fuzz", acting_user=admin,
                                          enabled_events=["invoice.issued"], description="Fuzzed")  # fmt: skip
    event = WebhookEvent.objects.create(tenant=acme, type="invoice.issued", payload={})
    delivery = WebhookDelivery.objects.create(
        tenant=acme, endpoint=endpoint, event=event, next_attempt_at=timezone.now()
    )
    ids: dict[str, Any] = {
        "/api/v1/members/": member.pk,
        "/api/v1/invitations/": invitation_create(
            tenant=acme, email="fuzz-invitee@acme.test", role="member", acting_user=admin
        ).pk,
        "/api/v1/billing/invoices/": Invoice.objects.create(
            tenant=acme, idempotency_key="contract", number="FZ-1", currency="AUD"
        ).uuid,
        "/api/v1/support/tickets/": ticket_open(
            tenant=acme, subject="Fuzz", description="Fuzzed", acting_user=admin
        ).number,
        "/api/v1/webhooks/endpoints/": endpoint.uuid,
        "/api/v1/webhooks/deliveries/": delivery.uuid,
    }
    with tenant_context(acme):
        root = Entity.objects.get(parent__isnull=True)
        entity = entity_create(name="Fuzz unit", entity_type=EntityType.objects.get(code="team"), parent=root,
                               acting_user=None)  # fmt: skip
        role = role_create(code="fuzz-role", name="Fuzz role", permissions=[], acting_user=None)
        key, _ = api_key_create(name="Fuzzed key", scopes=["tenant:read"], acting_user=None)
        ids |= {
            "/api/v1/entities/": entity.uuid,
            "/api/v1/people/": profile_create(user=member.user, acting_user=None, entity=entity).uuid,
            "/api/v1/roles/": role.uuid,
            "/api/v1/assignments/": assignment_create(
                role=role, user=member.user, scope_entity=entity, acting_user=None
            ).uuid,
            "/api/v1/api-keys/": key.pk,
            "/api/v1/solution-access/": SolutionAccess.objects.create(solution_code="fuzz", user=member.user).pk,
        }
    connection.set_schema_to_public()
    return ids


def test_tenant_api_matches_its_document_for_an_admin_token_and_a_scoped_key(fuzzing, acme, request):
    started = time.monotonic()
    admin = _member(acme, "contract-admin@acme.test", Membership.Role.TENANT_ADMIN)
    token = token_pair_issue(user=admin, tenant=acme).access
    from django_tenants.utils import tenant_context

    with tenant_context(acme):
        _, key = api_key_create(name="Contract fuzzing", scopes=list(ALL_SCOPES), acting_user=None)
    connection.set_schema_to_public()
    real_ids = acme_objects(acme, admin)
    schema = _document(TENANT_HOST, "/api/v1/schema/")
    runs = [
        fuzz(schema, {"Host": TENANT_HOST, "Authorization": f"Bearer {token}"}, "admin token", real_ids),
        fuzz(schema, {"Host": TENANT_HOST, "Authorization": f"Api-Key {key}"}, "API key", real_ids),
    ]
    _finish(request, "tenant API", runs, started)


def test_platform_api_matches_its_document_for_staff(fuzzing, request):
    started = time.monotonic()
    staff = UserFactory(email="contract-root@platform.test", is_staff=True, is_superuser=True)
    totp_ensure(staff)
    # The platform API takes a staff bearer token (issued for the platform, the public tenant).
    token = token_pair_issue(user=staff, tenant=Tenant.objects.get(schema_name="public")).access
    schema = _document(PLATFORM_HOST, "/api/schema/")
    runs = [fuzz(schema, {"Host": PLATFORM_HOST, "Authorization": f"Bearer {token}"}, "staff token")]
    _finish(request, "platform API", runs, started)


def _finish(request: Any, surface: str, runs: list[Run], started: float) -> None:
    operations, examples = sum(r.operations for r in runs), sum(r.examples for r in runs)
    answered = sum(r.answered for r in runs)
    failures = [f for r in runs for f in r.failures]
    report(
        request,
        f"api contract ({surface}): {operations} operation runs, {examples} examples ({answered} answered 2xx), "
        f"{len(failures)} failing operations, {time.monotonic() - started:.1f} s",
    )
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)
