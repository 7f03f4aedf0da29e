import json
import logging
import os
import secrets
from collections.abc import Callable
from functools import partial
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from apps.access.services import default_roles_ensure
from apps.accounts.models import Membership, User
from apps.accounts.roles import staff_roles_sync
from apps.accounts.services import tenant_current_users_refresh, user_email_mark_verified
from apps.accounts.staff_roles import SUPPORT
from apps.accounts.totp import totp_ensure, totp_uri
from apps.billing.demo import demo_billing_summary, demo_subscription_ensure
from apps.billing.models import PaymentMethod
from apps.billing.portal.services import payment_method_add
from apps.core.contributions import DemoStep, contributions, resolve
from apps.integrations.provisioning import activate_integrations
from apps.organisation.demo import demo_entity, organisation_demo_seed
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile
from apps.organisation.services import entity_create, entity_membership_add, profile_update
from apps.policy.services import default_policy_ensure
from apps.tenancy.models import Plan, Tenant
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure

DEMO_TENANTS = [("acme", "Acme"), ("globex", "Globex")]
DEMO_PLANS = {"acme": "enterprise", "globex": "starter"}
DEMO_COUNTRIES = {"acme": "AU", "globex": "GB"}  # GST 10 % exclusive; VAT 20 % inclusive
# How long ago each demo subscription started (relative to today, apps/billing/demo.py): Acme's 30-day
# trial ended 40 days ago (two paid invoices, the next renewal in about three weeks); Globex is 4 days
# into its 14-day trial.
DEMO_SUBSCRIPTION_DAYS_AGO = {"acme": 70, "globex": 4}
# Acme's demo people (email, name, demo entity key of apps/organisation/demo.py, job title). The first
# signs in (password printed): the acme admin can give her the "manager" role on one department and
# watch what she then sees.
ACME_PEOPLE = [
    ("manager@acme.localhost", "Mia Manager", "demo:sales", "Sales manager"),
    ("sam@acme.localhost", "Sam Seller", "demo:sales-north", "Account executive"),
    ("sara@acme.localhost", "Sara Seller", "demo:sales-south", "Account executive"),
    ("sue@acme.localhost", "Sue Support", "demo:support", "Support engineer"),
    ("oliver@acme.localhost", "Oliver Ops", "demo:operations", "Operations lead"),
]
logger = logging.getLogger(__name__)
T = TypeVar("T")


class DemoPasswords:
    """Demo passwords: from the environment, else remembered in DEMO_CREDENTIALS_FILE, else generated.

    Remembering generated ones lets every `make run` print working credentials again.
    """

    def __init__(self) -> None:
        configured = getattr(settings, "DEMO_CREDENTIALS_FILE", None)
        self.path = Path(configured) if configured else None
        self.known: dict[str, str] = {}
        if self.path and self.path.exists():
            self.known = json.loads(self.path.read_text())

    def get(self, email: str, env_name: str) -> tuple[str, bool]:
        """The password and whether it must be (re)set on an existing user."""
        if os.environ.get(env_name):
            return os.environ[env_name], True
        if email in self.known:
            return self.known[email], False
        self.known[email] = secrets.token_urlsafe(12)
        return self.known[email], True

    def save(self) -> None:
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.path.write_text(json.dumps(self.known, indent=2))
            self.path.chmod(0o600)


class Command(BaseCommand):
    help = (
        "Idempotently create demo data: the platform tenant on PLATFORM_DOMAIN, tenants acme and globex, "
        "a platform superuser and one admin per demo tenant. Passwords come from DEMO_*_PASSWORD or are "
        "generated once, remembered in DEMO_CREDENTIALS_FILE and printed."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.failures: list[str] = []
        self.passwords = DemoPasswords()
        self.step("platform tenant and tenant template", lambda: (platform_tenant_ensure(), tenant_template_ensure()))
        lines = [
            self.step("staff admin", lambda: self._user("admin@nidia.localhost", "DEMO_ADMIN_PASSWORD",
                                                        superuser=True, label="staff admin")),
            *(self.step("staff admin TOTP", lambda: self._staff_totp("admin@nidia.localhost")) or []),
            self.step("support staff", lambda: self._support_staff("support@nidia.localhost")),
        ]  # fmt: skip
        for slug, name in DEMO_TENANTS:
            lines += self._tenant(slug, name)
        self._operations()
        self.passwords.save()
        port = os.environ.get("PORT", "8000")
        if self.failures:
            self.stdout.write(self.style.WARNING(
                f"Demo data ready, except {len(self.failures)} step(s) that failed: {', '.join(self.failures)} "
                "(the reasons are above, on stderr; everything else is in place)."
            ))  # fmt: skip
        else:
            self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Staff admin:  http://{settings.PLATFORM_DOMAIN}:{port}/admin/")
        for slug, _ in DEMO_TENANTS:
            self.stdout.write(f"  Portal:       http://{slug}.{settings.PLATFORM_DOMAIN}:{port}/manage/")
        self.stdout.write("  Webhooks:     acme's endpoint posts to http://127.0.0.1:8765/acme; "
                          "run `manage.py webhooks_receive` to see the signed events")  # fmt: skip
        for line in lines:
            if line:
                self.stdout.write(line)

    def step(self, name: str, run: Callable[[], T]) -> T | None:
        """Run one seeding step in its own transaction (a savepoint inside an outer one). A step that
        fails is rolled back, reported on stderr and in the log (which step, the error) and skipped:
        the other steps, and `make run`, go on. Returns the step's result, or None when it failed."""
        try:
            with transaction.atomic(), schema_context(get_public_schema_name()):
                return run()
        except Exception as exc:
            logger.exception("seed_demo: step %r failed", name)
            self.stderr.write(f"seed_demo: step {name!r} failed: {exc.__class__.__name__}: {exc}".rstrip())
            self.failures.append(name)
            return None

    def _tenant(self, slug: str, name: str) -> list[str]:
        """One demo tenant: the tenant, its admin, its plan and people, its organisation, its billing."""
        email = f"admin@{slug}.localhost"
        tenant = self.step(
            f"{slug}: tenant",
            lambda: Tenant.objects.filter(slug=slug).first() or tenant_create(name=name, slug=slug, acting_user=None),
        )
        if tenant is None:
            return []
        lines = [self.step(f"{slug}: tenant admin", lambda: self._user(email, f"DEMO_{slug.upper()}_PASSWORD",
                                                                        label=f"{name} tenant admin"))]  # fmt: skip
        self.step(f"{slug}: tenant admin membership", lambda: self._membership(email, tenant))
        self.step(f"{slug}: plan and company details", lambda: self._plan(tenant))
        if slug == "acme":
            lines.append(self.step("acme: Mia Manager", lambda: self._user(
                "manager@acme.localhost", "DEMO_ACME_MANAGER_PASSWORD", label="Mia Manager")))  # fmt: skip
            self.step("acme: demo people", lambda: self._members(tenant))
        lines.append(self.step(f"{slug}: subscription", lambda: self._billing(tenant)))
        self.step(f"{slug}: organisation", lambda: self._organisation(tenant, name, admin_email=email))
        if slug == "acme":
            self.step("acme: people in their entities", lambda: self._acme_people(tenant))
        return [line for line in lines if line]

    def _operations(self) -> None:
        """The apps' own idempotent demo data (`DemoStep` in their contributions.py): reference data, a
        support ticket, a webhook endpoint, consents, the acme company record... Each is a step of its own."""
        for demo in contributions(DemoStep):
            # quiet: every run prints the same summary (tests compare two runs)
            self.step(f"{demo.name} (DemoStep)", partial(resolve(demo.run), stdout=None))

    @transaction.atomic
    def _user(self, email: str, env_name: str, *, label: str, superuser: bool = False) -> str:
        password, reset = self.passwords.get(email, env_name)
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            user = create(email=email, password=password, full_name=label.title())
        elif reset or not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        user_email_mark_verified(user=user, acting_user=None)
        return f"  {label}: {email} / {password}"

    def _support_staff(self, email: str) -> str:
        """A support agent (staff role `support`: works tickets, reads tenants and logs, never billing),
        with a TOTP factor like every staff user (`manage.py demo_totp support@nidia.localhost`)."""
        line = self._user(email, "DEMO_SUPPORT_PASSWORD", label="support staff")
        user = User.objects.get(email=email)
        if not user.is_staff:
            User.objects.filter(pk=user.pk).update(is_staff=True)
        if not Group.objects.filter(name=SUPPORT).exists():
            staff_roles_sync()  # the staff groups (platform_setup syncs them before seeding)
        user.groups.add(Group.objects.get(name=SUPPORT))
        totp_ensure(user)
        return f"{line}  (TOTP: `.venv/bin/python manage.py demo_totp {email}`)"

    def _staff_totp(self, email: str) -> list[str]:
        """Staff must use MFA: the demo staff user gets a TOTP factor a newcomer can use straight away."""
        user = User.objects.get(email=email)
        secret, codes = totp_ensure(user)
        return [
            f"  staff admin TOTP secret: {secret}  (add it to an authenticator app, or run",
            f"    `.venv/bin/python manage.py demo_totp` for the current code; URI: {totp_uri(user, secret)})",
            f"  staff admin recovery codes: {' '.join(codes)}",
        ]

    def _plan(self, tenant: Tenant) -> None:
        plan = Plan.objects.filter(name=DEMO_PLANS[tenant.slug]).first()
        if plan is not None and tenant.plan_id is None:
            Tenant.objects.filter(pk=tenant.pk).update(plan=plan, max_users=plan.max_users)
        if not tenant.country or not tenant.billing_email:
            Tenant.objects.filter(pk=tenant.pk).update(
                country=tenant.country or DEMO_COUNTRIES.get(tenant.slug, ""),
                billing_email=tenant.billing_email or f"billing@{tenant.slug}.localhost",
            )
        tenant.refresh_from_db()

    def _billing(self, tenant: Tenant) -> str | None:
        """The tenant's subscription dated relative to today (apps/billing/demo.py), and for Acme a test
        card on file first, so its past invoices are paid."""
        tenant.refresh_from_db()
        plan = Plan.objects.filter(name=DEMO_PLANS[tenant.slug]).first() or tenant.plan
        if plan is None:
            return None
        if tenant.slug == "acme" and not PaymentMethod.objects.filter(tenant=tenant).exists():
            payment_method_add(tenant=tenant, brand="visa", last4="4242", exp_month=12,
                               exp_year=timezone.now().year + 3, acting_user=None)  # fmt: skip
        seats = Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE).count()
        subscription, _ = demo_subscription_ensure(
            tenant=tenant, plan=plan, days_ago=DEMO_SUBSCRIPTION_DAYS_AGO[tenant.slug], quantity=seats
        )
        return f"  {tenant.name} subscription: {demo_billing_summary(subscription)}"

    def _members(self, tenant: Tenant) -> None:
        for person_email, full_name, _entity, _title in ACME_PEOPLE:
            self._member(person_email, full_name, tenant)

    def _member(self, email: str, full_name: str, tenant: Tenant) -> None:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
        Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.MEMBER})
        tenant_current_users_refresh(tenant=tenant)

    def _organisation(self, tenant: Tenant, name: str, *, admin_email: str) -> None:
        """What provisioning gives a real tenant (root, default roles, policy, integrations) + demo units."""
        admin = User.objects.filter(email=admin_email).first()
        with tenant_context(tenant):
            if not Entity.objects.filter(parent__isnull=True).exists():
                entity_create(
                    name=name, entity_type=EntityType.objects.get(code="enterprise"), parent=None, acting_user=None
                )
            default_roles_ensure(acting_user=None)
            default_policy_ensure(acting_user=None)
            activate_integrations(job=SimpleNamespace(requested_by=None), tenant=tenant)
            organisation_demo_seed(acting_user=admin)

    def _acme_people(self, tenant: Tenant) -> None:
        """Job titles and a home entity for Acme's people, once: a person someone has since moved (or
        whose entity is gone) is left where they are."""
        with tenant_context(tenant):
            for email, _name, entity_key, title in ACME_PEOPLE:
                profile = MemberProfile.objects.select_related("user").filter(user__email__iexact=email).first()
                if profile is None:
                    continue  # not a member any more
                if not profile.job_title:
                    profile_update(profile=profile, job_title=title, acting_user=None)
                entity = demo_entity(entity_key)
                if entity is not None and not EntityMembership.objects.filter(profile=profile).exists():
                    entity_membership_add(profile=profile, entity=entity, is_primary=True, acting_user=None)

    def _membership(self, email: str, tenant: Tenant) -> None:
        Membership.objects.get_or_create(
            user=User.objects.get(email=email), tenant=tenant, defaults={"role": Membership.Role.TENANT_ADMIN}
        )
        tenant_current_users_refresh(tenant=tenant)
