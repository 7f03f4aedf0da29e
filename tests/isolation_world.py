"""Globex's objects for the isolation matrix, each carrying a canary string, and the outsiders.

Everything here is built once per module inside a transaction the module rolls back, so the other
tests never see it. Globex's tenant-schema sequences are moved far ahead first: an id of globex's
then never names an object acme happens to have under the same number, and "acme's admin asks for
globex's id" can only be answered with a refusal.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.models import Membership, User
from apps.tenancy.models import Tenant
from tests.factories import MembershipFactory, UserFactory

# In names, subjects, descriptions and emails of globex's objects, never in a URL (a 404 page may
# echo the path it was asked for, which would be no leak).
CANARY = "cnry7f3kq9globex"
# Ids in URLs: globex's slugs are not canaries either.
GLOBEX_SLUG = "gx-matrix-type"
UNKNOWN_SLUG = "gx-matrix-unknown"
SEQUENCE_FLOOR = 7_000_000
TENANT_HOST = "acme.localhost"


@dataclass
class World:
    acme: Tenant
    globex: Tenant
    users: dict[str, User] = field(default_factory=dict)
    # route hint → (value used in a URL, whether it names a real object of globex)
    values: dict[str, Any] = field(default_factory=dict)
    # (schema, model, pk) of every globex object, to prove a task left them alone
    objects: list[tuple[str, Any, Any]] = field(default_factory=list)
    clients: dict[str, Client] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def keep(self, schema: str, obj: Any) -> Any:
        self.objects.append((schema, type(obj), obj.pk))
        return obj


def _sequences_forward(schema: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", [schema])
        for (name,) in cursor.fetchall():
            qualified = f'"{schema}"."{name}"'
            cursor.execute(
                "SELECT setval(%s, GREATEST(%s, (SELECT COALESCE(last_value, 1) FROM pg_sequences "
                "WHERE schemaname = %s AND sequencename = %s)))",
                [qualified, SEQUENCE_FLOOR, schema, name],
            )


def _member(tenant: Tenant, email: str, role: str = Membership.Role.MEMBER, **fields: Any) -> User:
    return MembershipFactory(tenant=tenant, role=role, user__email=email, **fields).user


def _actors(world: World) -> None:
    acme, globex = world.acme, world.globex
    world.users["acme_admin"] = _member(acme, "matrix-admin@acme.test", Membership.Role.TENANT_ADMIN)
    world.users["acme_member"] = _member(acme, "matrix-member@acme.test")
    world.users["acme_suspended"] = _member(
        acme, "matrix-suspended@acme.test", status=Membership.Status.SUSPENDED, removed_at=None
    )
    world.users["globex_member"] = _member(globex, "matrix-outsider@globex.test")
    # The person whose data must never show: canary in the name and the email.
    subject = UserFactory(email=f"{CANARY}@globex.test", full_name=f"Pat {CANARY}")
    world.values["membership"] = (
        Membership.objects.create(tenant=globex, user=subject, role=Membership.Role.MEMBER).pk,
        True,
    )
    world.users["globex_subject"] = subject
    world.users["staff"] = UserFactory(email="matrix-root@platform.test", is_staff=True, is_superuser=True)


def _public_objects(world: World) -> None:
    from apps.billing.models import CheckoutSession, Invoice, PaymentMethod, Subscription
    from apps.gdpr.models import GdprRequest
    from apps.gdpr.services import gdpr_request_create
    from apps.gdpr.views import export_link_token
    from apps.invitations.services import invitation_create
    from apps.security.models import UserSession
    from apps.support.models import TicketAttachment
    from apps.support.services import ticket_open
    from apps.tenancy.models import Domain, Plan, ProvisioningJob
    from apps.webhooks.models import WebhookDelivery, WebhookEvent
    from apps.webhooks.services import webhook_endpoint_create

    globex, subject, keep, values = world.globex, world.users["globex_subject"], world.keep, world.values
    keep("public", Membership.objects.get(pk=values["membership"][0]))
    invitation = keep("public", invitation_create(tenant=globex, email=f"{CANARY}.invitee@globex.test",
                                                  role="member", acting_user=None))  # fmt: skip
    values["invitation"] = (invitation.pk, True)
    values["invitation_token"] = (invitation.token, True)
    ticket = keep("public", ticket_open(
        tenant=globex, subject=f"Ticket {CANARY}", description=f"About {CANARY}", acting_user=None,
        attachments=[SimpleUploadedFile("notes.txt", f"{CANARY}\n".encode(), content_type="text/plain")],
    ))  # fmt: skip
    values["ticket_number"] = (ticket.number, True)
    attachment = TicketAttachment.objects.filter(message__ticket=ticket).first()
    values["attachment"] = (attachment.pk, True) if attachment else (SEQUENCE_FLOOR + 11, False)
    invoice = keep("public", Invoice.objects.create(
        tenant=globex, idempotency_key=f"matrix-{CANARY}", billing_name=f"Globex {CANARY}",
        number="GX-MATRIX-1", currency="AUD",
    ))  # fmt: skip
    values["invoice_uuid"] = (invoice.uuid, True)
    method = keep("public", PaymentMethod.objects.create(tenant=globex, last4="4242", brand=CANARY))
    values["payment_method_uuid"] = (method.uuid, True)
    checkout = keep("public", CheckoutSession.objects.create(tenant=globex, provider_session_id=f"cs_{CANARY}"))
    values["checkout_uuid"] = (checkout.uuid, True)
    plan = Plan.objects.get_or_create(name=f"matrix-{CANARY}".lower(), defaults={"currency": "AUD"})[0]
    subscription = keep("public", Subscription.objects.create(
        tenant=globex, plan=plan, currency="AUD", status="active", provider="stripe",
        provider_subscription_id=f"sub_{CANARY}", current_period_start=timezone.now(),
        current_period_end=timezone.now() + timedelta(days=30),
    ))  # fmt: skip
    values["subscription_uuid"] = (subscription.uuid, True)
    endpoint, _ = webhook_endpoint_create(tenant=globex, url="http://127.0.0.1:9/matrix", acting_user=None,
                                          enabled_events=["invoice.issued"], description=f"Hook {CANARY}")  # fmt: skip
    keep("public", endpoint)
    values["endpoint_uuid"] = (endpoint.uuid, True)
    event = keep("public", WebhookEvent.objects.create(tenant=globex, type="invoice.issued", payload={"n": CANARY}))
    delivery = keep(
        "public",
        WebhookDelivery.objects.create(tenant=globex, endpoint=endpoint, event=event, next_attempt_at=timezone.now()),
    )
    values["delivery_uuid"] = (delivery.uuid, True)
    values["delivery_id"] = (delivery.pk, True)
    with schema_context("public"):
        request = gdpr_request_create(subject=subject, kind="access", acting_user=None, notes=CANARY, enqueue=False)
    keep("public", request)
    assert isinstance(request, GdprRequest)
    values["gdpr_request_id"] = (request.pk, True)
    values["export_token"] = (export_link_token(request), True)
    session = keep("public", UserSession.objects.create(
        user=subject, session_key=f"matrix-{SEQUENCE_FLOOR}", user_agent=CANARY,
        expires_at=timezone.now() + timedelta(days=1),
    ))  # fmt: skip
    values["user_session"] = (session.pk, True)
    domain = keep("public", Domain.objects.create(domain="gx-matrix.globex.test", tenant=globex, is_primary=False))
    values["domain"] = (domain.pk, True)
    job = keep("public", ProvisioningJob.objects.create(tenant=globex, admin_email=f"{CANARY}@globex.test"))
    values["provisioning_job_id"] = (job.pk, True)
    values["tenant_id"] = (globex.pk, True)
    keep("public", globex)


def _tenant_objects(world: World) -> None:
    from apps.access.services import assignment_create, role_create
    from apps.branding.services import branding_set
    from apps.integrations.scopes import ALL_SCOPES
    from apps.integrations.services import api_key_create
    from apps.organisation.models import Entity, EntityMembership, EntityType
    from apps.organisation.services import (
        certification_add,
        entity_create,
        entity_type_create,
        profile_create,
        skill_add,
    )
    from apps.policy.services import policy_set

    schema, keep, values, subject = world.globex.schema_name, world.keep, world.values, world.users["globex_subject"]
    entity_type = keep(schema, entity_type_create(code=GLOBEX_SLUG, name=f"Type {CANARY}", acting_user=None))
    values["entity_type_code"] = (entity_type.code, True)
    root = Entity.objects.get(parent__isnull=True)
    entity = keep(schema, entity_create(name=f"Unit {CANARY}", entity_type=EntityType.objects.get(code="team"),
                                        parent=root, description=CANARY, acting_user=None))  # fmt: skip
    values["entity_uuid"], values["entity"] = (entity.uuid, True), (entity.pk, True)
    profile = keep(schema, profile_create(user=subject, acting_user=None, entity=entity, title=f"Lead {CANARY}"))
    values["person_uuid"] = (profile.uuid, True)
    membership = keep(schema, EntityMembership.objects.get(profile=profile, entity=entity))
    values["entity_membership"] = (membership.pk, True)
    values["skill"] = (keep(schema, skill_add(profile=profile, name=f"Skill {CANARY}", acting_user=None)).pk, True)
    certification = certification_add(profile=profile, name=f"Cert {CANARY}", acting_user=None)
    values["certification"] = (keep(schema, certification).pk, True)
    role = keep(schema, role_create(code="gx-matrix-role", name=f"Role {CANARY}", permissions=[], acting_user=None))
    values["role_uuid"] = (role.uuid, True)
    assignment = assignment_create(role=role, user=subject, scope_entity=entity, acting_user=None, reason=CANARY)
    values["assignment_uuid"] = (keep(schema, assignment).uuid, True)
    api_key, raw = api_key_create(name=f"Key {CANARY}", scopes=list(ALL_SCOPES), acting_user=None)
    values["api_key"], values["globex_api_key"] = (keep(schema, api_key).pk, True), (raw, True)
    branding = keep(schema, branding_set(entity=entity, acting_user=None, email_sender_name=f"Brand {CANARY}"))
    values["branding"] = (branding.pk, True)
    keep(schema, policy_set(entity=entity, acting_user=None, password_min_length=14))
    _solution_access(world)
    _notifications(world)
    _approvals(world, role=role, entity=entity)
    for module in app_isolation_modules():
        module.build(world)


def app_isolation_modules() -> list[Any]:
    """Each installed app's `apps/<app>/tests/isolation.py`, when it has one: `build(world)` adds globex's
    objects of that app (inside globex's schema, each kept with `world.keep` and carrying the CANARY),
    `SEGMENTS` maps (path segment, kwarg) to a `world.values` key and `TASK_ARGUMENTS` a task's
    parameter name to one (both optional). A new app extends the matrix without editing this file."""
    from importlib import import_module
    from importlib.util import find_spec

    from django.apps import apps

    found = []
    for config in apps.get_app_configs():
        name = f"{config.name}.tests.isolation"
        if config.name.startswith("apps.") and find_spec(f"{config.name}.tests") and find_spec(name):
            found.append(import_module(name))
    return found


def _approvals(world: World, *, role: Any, entity: Any) -> None:
    """Globex's access request, its approval request and workflow, and a delegation: acme's people must
    neither see nor act on them by uuid."""
    from datetime import date

    from apps.accessrequests.models import AccessRequest
    from apps.approvals.models import ApprovalRequest, ApprovalWorkflow, Delegation

    schema, subject, keep = world.globex.schema_name, world.users["globex_subject"], world.keep
    workflow = keep(schema, ApprovalWorkflow.objects.create(kind="access.request", name=f"Flow {CANARY}"))
    access = keep(schema, AccessRequest.objects.create(
        requester=subject, kind="role", role=role, entity=entity, reason=f"Need {CANARY}",
    ))  # fmt: skip
    request = keep(schema, ApprovalRequest.objects.create(
        kind="access.request", subject_model="accessrequests.AccessRequest", subject_id=str(access.pk),
        summary=f"Role {CANARY}", fields={}, requester=subject, workflow=workflow, steps_snapshot=[],
    ))  # fmt: skip
    delegation = keep(schema, Delegation.objects.create(
        delegator=subject, delegate=world.users["globex_member"], starts_on=date(2030, 1, 1),
        ends_on=date(2030, 1, 31), reason=CANARY,
    ))  # fmt: skip
    world.values["approval_workflow_uuid"] = (workflow.uuid, True)
    world.values["approval_request_uuid"] = (request.uuid, True)
    world.values["access_request_uuid"] = (access.pk, True)
    world.values["delegation_uuid"] = (delegation.uuid, True)


def _notifications(world: World) -> None:
    """A message of globex's inbox and its email delivery (the sending task is given their ids)."""
    from apps.notifications.models import Delivery, Notification

    schema, subject = world.globex.schema_name, world.users["globex_subject"]
    note = world.keep(schema, Notification.objects.create(
        recipient=subject, recipient_key=f"u:{subject.pk}", event="matrix.news", event_key="matrix",
        category="matrix", title=f"News {CANARY}", body=CANARY,
    ))  # fmt: skip
    delivery = world.keep(schema, Delivery.objects.create(
        notification=note, channel="email", event_key="matrix", recipient_key=f"u:{subject.pk}",
    ))  # fmt: skip
    world.values["notification"] = (note.pk, True)
    world.values["notification_delivery_ids"] = ([delivery.pk], True)
    world.values["schema_name"] = (schema, True)


def _solution_access(world: World) -> None:
    """A grant of a solution, when globex's plan has one (not every test database seeds plans)."""
    from apps.solutions.models import SolutionAccess

    access = SolutionAccess.objects.create(solution_code="gx-matrix-solution", reason=CANARY,
                                           user=world.users["globex_subject"])  # fmt: skip
    world.values["solution_access"] = (world.keep(world.globex.schema_name, access).pk, True)


def _clients(world: World) -> None:
    from apps.integrations.scopes import ALL_SCOPES
    from apps.integrations.services import api_key_create
    from apps.tokens.services import token_pair_issue

    def client(**extra: str) -> Client:
        return Client(HTTP_HOST=TENANT_HOST, raise_request_exception=False, **extra)

    def session(user: User) -> Client:
        signed_in = client()
        signed_in.force_login(user)
        return signed_in

    outsider = world.users["globex_member"]
    world.clients["anonymous"] = client()
    world.clients["outsider_session"] = session(outsider)
    # A token of globex: acme's domain must not take it.
    globex_token = token_pair_issue(user=outsider, tenant=world.globex).access
    world.clients["outsider_token"] = client(HTTP_AUTHORIZATION=f"Bearer {globex_token}")
    # A token issued for acme to someone who is not a member (as if a membership had just ended).
    acme_token = token_pair_issue(user=outsider, tenant=world.acme).access
    world.clients["outsider_token_for_acme"] = client(HTTP_AUTHORIZATION=f"Bearer {acme_token}")
    world.clients["globex_api_key"] = client(HTTP_AUTHORIZATION=f"Api-Key {world.values['globex_api_key'][0]}")
    world.clients["platform_staff"] = session(world.users["staff"])
    world.clients["acme_suspended"] = session(world.users["acme_suspended"])
    world.clients["acme_member"] = session(world.users["acme_member"])
    world.clients["acme_admin"] = session(world.users["acme_admin"])
    with tenant_context(world.acme):
        _, raw = api_key_create(name="Matrix acme key", scopes=list(ALL_SCOPES), acting_user=None)
    world.clients["acme_api_key"] = client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


@contextmanager
def api_quota_kept(*tenants: Tenant) -> Iterator[None]:
    """Put each tenant's API-call counter of today (Redis, outside any transaction) back as it was:
    thousands of calls here must not make later tests hit the daily quota."""
    from apps.tenancy import usage

    today = timezone.now().astimezone(dt.UTC).date()
    keys = [usage.api_calls_key(tenant_id=tenant.pk, day=today) for tenant in tenants]
    redis = usage._redis()
    before = [redis.get(key) for key in keys]
    try:
        yield
    finally:
        for key, value in zip(keys, before, strict=True):
            if value is None:
                redis.delete(key)
            else:
                redis.set(key, value, ex=usage.API_CALLS_KEY_TTL)


def world_build() -> World:
    acme, globex = Tenant.objects.get(slug="acme"), Tenant.objects.get(slug="globex")
    # Every authenticated API call counts against the tenant's daily quota; the matrix makes thousands.
    Tenant.objects.filter(pk__in=[acme.pk, globex.pk]).update(api_calls_per_day=10_000_000)
    acme.refresh_from_db()
    globex.refresh_from_db()
    world = World(acme=acme, globex=globex)
    _actors(world)
    _public_objects(world)
    _sequences_forward(globex.schema_name)
    with tenant_context(globex):
        _tenant_objects(world)
    _clients(world)
    return world
