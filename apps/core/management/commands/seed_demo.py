import os
import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django_tenants.utils import tenant_context

from apps.accounts.models import Membership, User
from apps.organisation.models import Entity
from apps.tenancy.models import Tenant
from apps.tenancy.services import platform_tenant_ensure, tenant_create, tenant_template_ensure

DEMO_TENANTS = [("acme", "Acme"), ("globex", "Globex")]


def _password(env_name: str) -> tuple[str, bool]:
    value = os.environ.get(env_name)
    return (value, False) if value else (secrets.token_urlsafe(12), True)


class Command(BaseCommand):
    help = (
        "Idempotently create demo data: the platform tenant on PLATFORM_DOMAIN, tenants acme and globex, "
        "a platform superuser and one admin per demo tenant. Passwords come from DEMO_*_PASSWORD or are "
        "generated and printed (existing users keep theirs unless the variable is set)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        platform_tenant_ensure()
        tenant_template_ensure()
        lines = [self._user("admin@nidia.localhost", "DEMO_ADMIN_PASSWORD", superuser=True, label="staff admin")]
        for slug, name in DEMO_TENANTS:
            tenant = Tenant.objects.filter(slug=slug).first() or tenant_create(name=name, slug=slug, acting_user=None)
            email = f"admin@{slug}.localhost"
            lines.append(self._user(email, f"DEMO_{slug.upper()}_PASSWORD", label=f"{name} tenant admin"))
            self._membership(email, tenant)
            with tenant_context(tenant):
                Entity.objects.get_or_create(name=name, parent=None, defaults={"kind": Entity.Kind.ENTERPRISE})
        port = os.environ.get("PORT", "8000")
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        self.stdout.write(f"  Staff admin:  http://{settings.PLATFORM_DOMAIN}:{port}/admin/")
        for slug, _ in DEMO_TENANTS:
            self.stdout.write(f"  Portal:       http://{slug}.{settings.PLATFORM_DOMAIN}:{port}/manage/")
        for line in lines:
            self.stdout.write(line)

    @transaction.atomic
    def _user(self, email: str, env_name: str, *, label: str, superuser: bool = False) -> str:
        password, generated = _password(env_name)
        user = User.objects.filter(email=email).first()
        if user is None:
            create = User.objects.create_superuser if superuser else User.objects.create_user
            create(email=email, password=password, full_name=label.title())
        elif not generated:
            user.set_password(password)
            user.save(update_fields=["password"])
        else:
            return f"  {label}: {email} (existing password kept; set {env_name} to reset it)"
        return f"  {label}: {email} / {password}"

    def _membership(self, email: str, tenant: Tenant) -> None:
        Membership.objects.get_or_create(
            user=User.objects.get(email=email), tenant=tenant, defaults={"role": Membership.Role.TENANT_ADMIN}
        )
