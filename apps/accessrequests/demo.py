"""Demo data of access requests and approvals, in Globex (Acme is left for the acceptance journey: its
admin defines the access-request workflow there). Idempotent and relative-dated:

- two Globex members, Pat (who asks) and Quinn (who stands in for the admin);
- a one-step "Access requests" workflow approved by Globex's admin, unless the kind has one already;
- Pat's pending request for the Viewer role at Globex (one open request at most: the database says so);
- the admin's delegation to Quinn, starting in 30 days for a week (so it does not route anything today).
"""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.models import Role
from apps.accounts.models import Membership, User
from apps.approvals.models import ApprovalWorkflow, Delegation
from apps.approvals.services import delegation_create, workflow_save
from apps.organisation.models import Entity
from apps.organisation.services import profile_ensure
from apps.tenancy.models import Tenant

from .models import KIND, AccessRequest
from .services import access_request_submit

DEMO_TENANT = "globex"
PEOPLE = [("pat@globex.localhost", "Pat Requester"), ("quinn@globex.localhost", "Quinn Deputy")]
DELEGATION_STARTS_IN = datetime.timedelta(days=30)
DELEGATION_LASTS = datetime.timedelta(days=6)


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def _member(tenant: Tenant, email: str, full_name: str) -> User:
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=None, full_name=full_name
    )
    Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.MEMBER})
    return user


def demo_seed(*, stdout: Any = None) -> None:
    tenant = Tenant.objects.filter(slug=DEMO_TENANT).first()
    admin = User.objects.filter(email=f"admin@{DEMO_TENANT}.localhost").first()
    if tenant is None or admin is None:
        _say(stdout, "accessrequests: no globex tenant or admin, skipped")
        return
    pat, quinn = (_member(tenant, email, name) for email, name in PEOPLE)
    with tenant_context(tenant), transaction.atomic():
        for user in (pat, quinn):
            profile_ensure(user=user, acting_user=None)
        _workflow(admin)
        _request(pat)
        _delegation(admin, quinn)


def _workflow(admin: User) -> None:
    if ApprovalWorkflow.objects.filter(kind=KIND).exists():
        return
    workflow_save(
        kind=KIND, name="Access requests", description="Globex's admin decides every access request (demo).",
        steps=[{"name": "Administrator", "approver_type": "people", "people": [admin.pk], "rule": "any",
                "time_limit_hours": 72, "reminder_hours": 24, "on_timeout": "escalate"}],
        acting_user=admin,
    )  # fmt: skip


def _request(pat: User) -> None:
    role, root = Role.objects.filter(code="viewer").first(), Entity.objects.filter(parent__isnull=True).first()
    if role is None or root is None or AccessRequest.objects.filter(requester=pat).exists():
        return
    access_request_submit(
        requester=pat, kind="role", role=role, entity=root, acting_user=pat,
        reason="I prepare the monthly figures and need to see who is in which team.",
    )  # fmt: skip


def _delegation(admin: User, quinn: User) -> None:
    if Delegation.objects.filter(delegator=admin, delegate=quinn).exists():
        return
    starts = timezone.localdate() + DELEGATION_STARTS_IN
    delegation_create(
        delegator=admin, delegate=quinn, starts_on=starts, ends_on=starts + DELEGATION_LASTS,
        reason="Annual leave (demo)", acting_user=admin,
    )  # fmt: skip
