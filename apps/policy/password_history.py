"""No reuse of recent passwords (settings AUTH_PASSWORD_VALIDATORS): the person's effective
`password_history_count` in the tenant being served, checked against apps.accounts.password_history.

Every place a password is chosen runs Django's validators with the user: allauth's change, set and
reset forms, the staff admin's "change password" form and the invitation's first password (an
invitee has no history). Outside a tenant's schema (the staff admin on the platform domain) the
strictest count of the tenants the person is an active member of applies, and at least
PASSWORD_HISTORY_PLATFORM_COUNT (settings).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import ngettext
from django_tenants.utils import get_public_schema_name, tenant_context

from apps.accounts.models import Membership
from apps.accounts.password_history import password_is_recent
from apps.tenancy.context import connection_tenant

from .selectors import policy_effective_for_user


def _count_in(user: Any, tenant: Any) -> int:
    if getattr(connection, "schema_name", "") == tenant.schema_name:
        return int(policy_effective_for_user(user, tenant=tenant).password_history_count.value or 0)
    with tenant_context(tenant):
        return int(policy_effective_for_user(user, tenant=tenant).password_history_count.value or 0)


def password_history_count_for(user: Any) -> int:
    """How many recent passwords the person may not reuse where the password is being chosen."""
    platform = int(getattr(settings, "PASSWORD_HISTORY_PLATFORM_COUNT", 0))
    if getattr(connection, "schema_name", "") != get_public_schema_name():
        tenant = connection_tenant()
        return _count_in(user, tenant) if tenant is not None else platform
    memberships = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE).select_related("tenant")
    return max([platform, *(_count_in(user, membership.tenant) for membership in memberships)])


class PasswordHistoryValidator:
    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None or user._state.adding:
            return  # a new account has no history
        count = password_history_count_for(user)
        if count and password_is_recent(user=user, password=password, count=count):
            raise ValidationError(
                ngettext(
                    "Your organisation's security policy does not allow reusing your last password. Choose another.",
                    "Your organisation's security policy does not allow reusing any of your last %(count)d "
                    "passwords. Choose another.",
                    count,
                ),
                code="password_reused",
                params={"count": count},
            )

    def get_help_text(self) -> str:
        return "Your organisation's security policy may forbid reusing a recent password."
