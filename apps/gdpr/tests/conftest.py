"""GDPR fixtures: a person who belongs to acme AND globex, with data in public and both tenant schemas."""

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from apps.accounts.models import Membership
from apps.audit.services import audit_record

# Billing fixtures (plans, the AU country, subscriptions) for the legal-hold tests.
from apps.billing.tests.conftest import acme_au, acme_subscription, au_country, make_subscription, plan_factory, starter  # noqa: F401
from apps.emails.models import EmailDelivery
from apps.invitations.models import Invitation
from apps.organisation.models import Entity
from apps.organisation.services import profile_create, skill_add
from apps.security.models import AuthEvent, UserSession
from tests.factories import MembershipFactory, UserFactory

EMAIL = "erin.quarrington@example.test"
NAME = "Erin Quarrington-Vale"
IP = "203.0.113.77"


@pytest.fixture
def person(acme, globex, acme_admin) -> Any:
    user: Any = UserFactory(email=EMAIL, full_name=NAME, role_title="Chief Widget Officer")
    MembershipFactory(user=user, tenant=acme, role=Membership.Role.MEMBER)
    MembershipFactory(user=user, tenant=globex, role=Membership.Role.MEMBER)
    for tenant, title in ((acme, "Acme widget engineer"), (globex, "Globex gizmo lead")):
        with schema_context(tenant.schema_name):
            root = Entity.objects.get(parent__isnull=True)
            profile = profile_create(user=user, acting_user=None, entity=root, title=title, job_title=title)
            skill_add(profile=profile, name=f"{tenant.slug}-negotiation", acting_user=None)
    AuthEvent.objects.create(
        kind="login_succeeded", user=user, email=EMAIL, tenant=acme, ip_address=IP, user_agent="ErinBrowser/1.0"
    )
    AuthEvent.objects.create(kind="login_failed", email=EMAIL, ip_address=IP, user_agent="ErinBrowser/1.0")
    UserSession.objects.create(
        user=user,
        session_key="erin-session-key-0001",
        ip_address=IP,
        user_agent="ErinBrowser",
        expires_at=timezone.now() + timedelta(days=1),
    )
    EmailDelivery.objects.create(recipient=EMAIL, template="invitation", subject=f"Welcome {NAME}", tenant=acme)
    Invitation.objects.create(
        tenant=globex,
        email=EMAIL,
        role="member",
        token_hash="e" * 64,
        expires_at=timezone.now(),
    )
    # Audited personal values: written as pseudonyms, real values in the vault.
    audit_record(
        action="test.person_changed",
        acting_user=acme_admin,
        tenant=acme,
        target=user,
        before={"email": "old-" + EMAIL, "full_name": NAME},
        after={"email": EMAIL, "full_name": NAME, "note": "contact " + EMAIL},
        ip_address=IP,
        user_agent="ErinBrowser/1.0",
    )
    audit_record(action="test.person_login", acting_user=user, tenant=None, ip_address=IP, user_agent="ErinBrowser")
    return user


def database_hits(*values: str) -> list[str]:
    """Every schema, every text/varchar/json(b) column: where does any of the values still appear?"""
    hits = []
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_schema, c.table_name, c.column_name
            FROM information_schema.columns c
            JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
            WHERE t.table_type = 'BASE TABLE'
              AND c.table_schema NOT IN ('pg_catalog', 'information_schema')
              AND c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'character')
            """
        )
        columns = cursor.fetchall()
        for schema, table, column in columns:
            for value in values:
                cursor.execute(
                    f'SELECT count(*) FROM "{schema}"."{table}" WHERE "{column}"::text ILIKE %s',
                    [f"%{value}%"],
                )
                if cursor.fetchone()[0]:
                    hits.append(f"{schema}.{table}.{column} contains {value!r}")
    return hits
