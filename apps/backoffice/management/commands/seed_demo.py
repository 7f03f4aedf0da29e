import datetime as dt
import json
import os
import secrets
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.access.services import default_roles_ensure
from apps.accounts.models import Membership, User
from apps.accounts.roles import staff_roles_sync
from apps.accounts.services import tenant_current_users_refresh, user_email_mark_verified
from apps.accounts.staff_roles import SUPPORT
from apps.accounts.totp import totp_ensure, totp_uri
from apps.billing.models import PaymentMethod, Subscription
from apps.billing.portal.services import payment_method_add
from apps.billing.services import subscription_create
from apps.core.contributions import DemoStep, contributions, resolve
from apps.integrations.provisioning import activate_integrations
from apps.organisation.demo import organisation_demo_seed
from apps.organisation.models import Entity, EntityType, MemberProfile
from apps.organisation.services import entity_create, entity_membership_add, profile_update
from apps.policy.services import default_policy_ensure
from apps.tenancy.models import Plan, Tenant
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure

DEMO_TENANTS = [("acme", "Acme"), ("globex", "Globex")]
DEMO_PLANS = {"acme": "enterprise", "globex": "starter"}
DEMO_COUNTRIES = {"acme": "AU", "globex": "GB"}  # GST 10 % exclusive; VAT 20 % inclusive
# Acme's demo people (email, name, entity, job title). The first signs in (password printed): the acme
# admin can give her the "manager" role on one department and watch what she then sees.
ACME_PEOPLE = [
    ("manager@acme.localhost", "Mia Manager", "Sales", "Sales manager"),
    ("sam@acme.localhost", "Sam Seller", "Sales North", "Account executive"),
    ("sara@acme.localhost", "Sara Seller", "Sales South", "Account executive"),
    ("sue@acme.localhost", "Sue Support", "Support", "Support engineer"),
    ("oliver@acme.localhost", "Oliver Ops", "Operations", "Operations lead"),
]


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
        platform_tenant_ensure()
        tenant_template_ensure()
        self.passwords = DemoPasswords()
        lines = [self._user("admin@nidia.localhost", "DEMO_ADMIN_PASSWORD", superuser=True, label="staff admin")]
        lines += self._staff_totp("admin@nidia.localhost")
        lines.append(self._support_staff("support@nidia.localhost"))
        for slug, name in DEMO_TENANTS:
            tenant = Tenant.objects.filter(slug=slug).first() or tenant_create(name=name, slug=slug, acting_user=None)
            email = f"admin@{slug}.localhost"
            lines.append(self._user(email, f"DEMO_{slug.upper()}_PASSWORD", label=f"{name} tenant admin"))
            self._membership(email, tenant)
            self._plan(tenant, DEMO_PLANS[slug])
            if slug == "acme":
                lines.append(self._user("manager@acme.localhost", "DEMO_ACME_MANAGER_PASSWORD", label="Mia Manager"))
                for person_email, full_name, _entity, _title in ACME_PEOPLE:
                    self._member(person_email, full_name, tenant)
            self._billing(tenant)
            with tenant_context(tenant):
                self._organisation(tenant, name, admin=User.objects.get(email=email))
                if slug == "acme":
                    self._acme_people()
        self._operations()
        self.passwords.save()
        port = os.environ.get("PORT", "8000")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Staff admin:  http://{settings.PLATFORM_DOMAIN}:{port}/admin/")
        for slug, _ in DEMO_TENANTS:
            self.stdout.write(f"  Portal:       http://{slug}.{settings.PLATFORM_DOMAIN}:{port}/manage/")
        self.stdout.write("  Webhooks:     acme's endpoint posts to http://127.0.0.1:8765/acme; "
                          "run `manage.py webhooks_receive` to see the signed events")  # fmt: skip
        for line in lines:
            self.stdout.write(line)

    def _operations(self) -> None:
        """The apps' own idempotent demo data (`DemoStep` in their contributions.py): reference data, a
        support ticket, a webhook endpoint, consents, the acme company record..."""
        for step in contributions(DemoStep):
            resolve(step.run)(stdout=None)  # quiet: every run prints the same summary (tests compare two runs)

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

    def _plan(self, tenant: Tenant, plan_name: str) -> None:
        plan = Plan.objects.filter(name=plan_name).first()
        if plan is not None and tenant.plan_id is None:
            Tenant.objects.filter(pk=tenant.pk).update(plan=plan, max_users=plan.max_users)
        if not tenant.country or not tenant.billing_email:
            Tenant.objects.filter(pk=tenant.pk).update(
                country=tenant.country or DEMO_COUNTRIES.get(tenant.slug, ""),
                billing_email=tenant.billing_email or f"billing@{tenant.slug}.localhost",
            )
        tenant.refresh_from_db()

    @transaction.atomic
    def _billing(self, tenant: Tenant) -> None:
        """A subscription that started a month ago (so `manage.py billing_run` has a period to bill
        today) and, for Acme, a test card on file."""
        if tenant.plan is None or Subscription.objects.filter(tenant=tenant).exists():
            return
        seats = Membership.objects.filter(tenant=tenant, status=Membership.Status.ACTIVE).count()
        started = timezone.now() - dt.timedelta(days=31)
        subscription_create(tenant=tenant, plan=tenant.plan, billing_cycle="monthly", quantity=max(seats, 1),
                            acting_user=None, now=started)  # fmt: skip
        if tenant.slug == "acme" and not PaymentMethod.objects.filter(tenant=tenant).exists():
            payment_method_add(tenant=tenant, brand="visa", last4="4242", exp_month=12,
                               exp_year=timezone.now().year + 3, acting_user=None)  # fmt: skip

    def _member(self, email: str, full_name: str, tenant: Tenant) -> None:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=full_name)
        Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.MEMBER})
        tenant_current_users_refresh(tenant=tenant)

    @transaction.atomic
    def _organisation(self, tenant: Tenant, name: str, *, admin: User) -> None:
        """What provisioning gives a real tenant (root, default roles, policy, integrations) + demo units."""
        if not Entity.objects.filter(parent__isnull=True).exists():
            entity_create(
                name=name, entity_type=EntityType.objects.get(code="enterprise"), parent=None, acting_user=None
            )
        default_roles_ensure(acting_user=None)
        default_policy_ensure(acting_user=None)
        activate_integrations(job=SimpleNamespace(requested_by=None), tenant=tenant)
        organisation_demo_seed(acting_user=admin)

    @transaction.atomic
    def _acme_people(self) -> None:
        for email, _name, entity_name, title in ACME_PEOPLE:
            profile = MemberProfile.objects.select_related("user").get(user__email=email)
            if not profile.job_title:
                profile_update(profile=profile, job_title=title, acting_user=None)
            entity = Entity.objects.get(name=entity_name)
            entity_membership_add(profile=profile, entity=entity, is_primary=True, acting_user=None)

    def _membership(self, email: str, tenant: Tenant) -> None:
        Membership.objects.get_or_create(
            user=User.objects.get(email=email), tenant=tenant, defaults={"role": Membership.Role.TENANT_ADMIN}
        )
        tenant_current_users_refresh(tenant=tenant)
