"""Password validation by the security policy (settings AUTH_PASSWORD_VALIDATORS)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import ngettext
from django_tenants.utils import get_public_schema_name

from apps.tenancy.context import connection_tenant

from .selectors import policy_effective_for_user


class PolicyMinimumLengthValidator:
    """The minimum length the person's effective policy sets in the tenant being served.

    Outside a tenant's schema (the platform domain), or without a user, it checks nothing: the
    platform-wide MinimumLengthValidator still applies everywhere. A person not yet saved (an
    invitee choosing a password) gets the organisation's default (the root's policy).
    """

    def validate(self, password: str, user: Any = None) -> None:
        minimum = self._minimum(user)
        if minimum is not None and len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "Your organisation's security policy requires passwords of at least %(min_length)d character.",
                    "Your organisation's security policy requires passwords of at least %(min_length)d characters.",
                    minimum,
                ),
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        return "Your organisation's security policy may require a longer password."

    @staticmethod
    def _minimum(user: Any) -> int | None:
        if (
            user is None
            or getattr(user, "pk", None) is None
            or getattr(connection, "schema_name", "") == get_public_schema_name()
        ):
            return None
        tenant = connection_tenant()  # schema_context() leaves a FakeTenant on the connection
        if tenant is None:
            return None
        policy = policy_effective_for_user(user, tenant=tenant, use_cache=not user._state.adding)
        return int(policy.password_min_length.value)
