"""Writes and reads on integration activations: which catalogue integrations this tenant switched
on, with what settings, secrets and scopes. Run in the tenant's schema.

An integration may be activated when the tenant's plan offers it (apps.catalogue.selectors).
Settings and secrets are checked against the integration's `config_schema`; secrets are stored
encrypted (apps.core.crypto) and only ever shown masked ("••••1234"), in the portal, the API and
the audit log alike. A secret left blank when configuring keeps its stored value.
"""

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.audit import writes
from apps.catalogue.models import Integration
from apps.catalogue.selectors import integration_get, integrations_for_plan, tenant_plan
from apps.core.crypto import secret_decrypt, secret_encrypt
from apps.tenancy.context import connection_tenant

from .models import IntegrationActivation

MASK = "••••"


def secret_mask(value: str) -> str:
    """“••••1234” for a long secret, “••••” for a short one (its end would give too much away)."""
    if not value:
        return ""
    return f"{MASK}{value[-4:]}" if len(value) >= 12 else MASK


def activation_secrets(activation: IntegrationActivation) -> dict[str, str]:
    """The decrypted secrets: for the code that calls the provider, never for display."""
    plain = secret_decrypt(activation.secrets_encrypted)
    return json.loads(plain) if plain else {}


def activation_secrets_masked(activation: IntegrationActivation) -> dict[str, str]:
    return {key: secret_mask(value) for key, value in activation_secrets(activation).items()}


ACTIVATION_AUDITED = writes.Fields(
    "status", "configuration", "scopes_granted", integration="integration_code", secrets=activation_secrets_masked
)


def _error(field: str, message: str, code: str) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code)})


def integration_offered(code: str) -> Integration:
    """The catalogue integration `code` if the current tenant's plan offers it, else a clear error."""
    integration = integration_get(code)
    if integration is None or not integration.is_active:
        raise _error("integration_code", f"There is no integration “{code}”.", "unknown_integration")
    plan = tenant_plan(connection_tenant())
    if not integrations_for_plan(plan).filter(pk=integration.pk).exists():
        raise _error(
            "integration_code", f"Your organisation's plan does not include {integration.name}.",
            "integration_not_in_plan",
        )  # fmt: skip
    return integration


def _labels(integration: Integration, keys: set[str]) -> str:
    return ", ".join(field["label"] for field in integration.fields if field["key"] in keys)


def _values(raw: dict[str, Any] | None, field: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict) or not all(isinstance(value, str) for value in raw.values()):
        raise _error(field, "Give an object of names to text values.", "invalid_values")
    return {key: value.strip() for key, value in raw.items()}


def _settings_clean(integration: Integration, configuration: dict[str, Any] | None) -> dict[str, str]:
    values = _values(configuration, "configuration")
    secret = sorted(set(values) & integration.secret_keys)
    if secret:
        raise _error("configuration", f"{', '.join(secret)} is a secret: send it in `secrets`.", "secret_in_settings")
    unknown = sorted(set(values) - integration.setting_keys)
    if unknown:
        known = ", ".join(sorted(integration.setting_keys)) or "none"
        message = f"{integration.name} has no setting {', '.join(unknown)}. Settings: {known}."
        raise _error("configuration", message, "unknown_setting")
    return {key: value for key, value in values.items() if value}


def _secrets_merge(integration: Integration, secrets: dict[str, Any] | None, stored: dict[str, str]) -> dict[str, str]:
    values = _values(secrets, "secrets")
    unknown = sorted(set(values) - integration.secret_keys)
    if unknown:
        known = ", ".join(sorted(integration.secret_keys)) or "none"
        raise _error(
            "secrets", f"{integration.name} has no secret {', '.join(unknown)}. Secrets: {known}.", "unknown_secret"
        )
    # Blank keeps the stored value: forms never show secrets, so they cannot send them back.
    return {**stored, **{key: value for key, value in values.items() if value}}


def _scopes_clean(integration: Integration, scopes: list[str] | None, current: list[str]) -> list[str]:
    if scopes is None:
        return current
    unknown = sorted(set(scopes) - set(integration.scopes))
    if unknown:
        allowed = ", ".join(integration.scopes) or "none"
        message = f"{integration.name} may not request {', '.join(unknown)}. Its scopes: {allowed}."
        raise _error("scopes", message, "invalid_scope")
    return [scope for scope in integration.scopes if scope in set(scopes)]


def _required_check(integration: Integration, settings: dict[str, str], secrets: dict[str, str]) -> None:
    missing_settings = (integration.required_keys & integration.setting_keys) - set(settings)
    if missing_settings:
        raise _error("configuration", f"Fill in: {_labels(integration, missing_settings)}.", "missing_setting")
    missing_secrets = (integration.required_keys & integration.secret_keys) - set(secrets)
    if missing_secrets:
        raise _error("secrets", f"Fill in: {_labels(integration, missing_secrets)}.", "missing_secret")


def _apply(
    activation: IntegrationActivation, integration: Integration, *, configuration: Any, secrets: Any, scopes: Any
) -> None:
    if configuration is not None:
        activation.configuration = _settings_clean(integration, configuration)
    stored = activation_secrets(activation)
    merged = _secrets_merge(integration, secrets, stored)
    activation.scopes_granted = _scopes_clean(integration, scopes, list(activation.scopes_granted))
    if activation.is_enabled:
        _required_check(integration, activation.configuration, merged)
    if merged != stored:
        activation.secrets_encrypted = secret_encrypt(json.dumps(merged, sort_keys=True)) if merged else ""


@transaction.atomic
def integration_activate(
    *, code: str, configuration: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None,
    scopes: list[str] | None = None, acting_user: Any,
) -> IntegrationActivation:  # fmt: skip
    """Switch an integration on (creating its activation, or enabling a disabled one).

    `scopes=None` grants every scope the integration may request (a new activation) or keeps
    the granted ones (an existing one); `configuration=None` keeps the stored settings.
    """
    integration = integration_offered(code)
    activation = IntegrationActivation.objects.select_for_update().filter(integration_code=code).first()
    if activation is not None and activation.is_enabled:
        raise _error("integration_code", f"{integration.name} is already enabled.", "already_enabled")
    before = writes.snapshot(activation, ACTIVATION_AUDITED) if activation is not None else None
    if activation is None:
        activation = IntegrationActivation(integration_code=code, scopes_granted=list(integration.scopes))
    activation.status = IntegrationActivation.Status.ENABLED
    _apply(activation, integration, configuration=configuration, secrets=secrets, scopes=scopes)
    activation.activated_at, activation.activated_by = timezone.now(), writes.history_user(acting_user)
    activation.deactivated_at, activation.deactivated_by = None, None
    return writes.save_audited(activation, action="integrations.activated", before=before, fields=ACTIVATION_AUDITED,
                               acting_user=acting_user, tenant=connection_tenant(), validate_unique=False)  # fmt: skip


@transaction.atomic
def integration_configure(
    *, code: str, configuration: dict[str, Any] | None = None, secrets: dict[str, Any] | None = None,
    scopes: list[str] | None = None, acting_user: Any,
) -> IntegrationActivation:  # fmt: skip
    """Change the settings, secrets or scopes of an activation (enabled or not); None keeps a part."""
    integration = integration_offered(code)
    activation = IntegrationActivation.objects.select_for_update().filter(integration_code=code).first()
    if activation is None:
        raise _error("integration_code", f"{integration.name} has not been set up yet: activate it.", "not_activated")
    before = writes.snapshot(activation, ACTIVATION_AUDITED)
    _apply(activation, integration, configuration=configuration, secrets=secrets, scopes=scopes)
    return writes.save_audited(activation, action="integrations.configured", before=before, fields=ACTIVATION_AUDITED,
                               acting_user=acting_user, tenant=connection_tenant(), validate_unique=False)  # fmt: skip


@transaction.atomic
def integration_deactivate(*, code: str, acting_user: Any) -> IntegrationActivation:
    """Switch an integration off. Its settings and secrets are kept for switching it on again."""
    activation = IntegrationActivation.objects.select_for_update().filter(integration_code=code).first()
    if activation is None or not activation.is_enabled:
        raise _error("integration_code", f"The integration “{code}” is not enabled.", "not_enabled")
    before = writes.snapshot(activation, ACTIVATION_AUDITED)
    activation.status = IntegrationActivation.Status.DISABLED
    activation.deactivated_at, activation.deactivated_by = timezone.now(), writes.history_user(acting_user)
    return writes.save_audited(activation, action="integrations.deactivated", before=before, fields=ACTIVATION_AUDITED,
                               acting_user=acting_user, tenant=connection_tenant(), validate_unique=False)  # fmt: skip


@transaction.atomic
def integration_prepare(*, code: str, acting_user: Any) -> IntegrationActivation:
    """A disabled activation waiting for someone to fill in its settings (the plan includes it)."""
    integration = integration_offered(code)
    activation = IntegrationActivation.objects.filter(integration_code=code).first()
    if activation is not None:
        return activation
    activation = IntegrationActivation(integration_code=code, scopes_granted=list(integration.scopes))
    return writes.save_audited(activation, action="integrations.prepared", before=None, fields=ACTIVATION_AUDITED,
                               acting_user=acting_user, tenant=connection_tenant(), validate_unique=False)  # fmt: skip


# --- Reads -------------------------------------------------------------------------------------------


def activation_needs_configuration(activation: IntegrationActivation | None, integration: Integration) -> bool:
    """True when a required setting or secret is still missing."""
    settings = activation.configuration if activation is not None else {}
    secrets = activation_secrets(activation) if activation is not None else {}
    return bool(integration.required_keys - set(settings) - set(secrets))


def integration_catalogue_for_tenant() -> list[tuple[Integration, IntegrationActivation | None, bool]]:
    """(integration, this tenant's activation or None, offered by the plan) for every integration the
    plan offers, and for those still enabled that the plan no longer offers (so they can be switched off)."""
    offered = list(integrations_for_plan(tenant_plan(connection_tenant())))
    activations = {activation.integration_code: activation for activation in IntegrationActivation.objects.all()}
    codes = {integration.code for integration in offered}
    leftover = [code for code, activation in activations.items() if activation.is_enabled and code not in codes]
    dropped = list(Integration.objects.filter(code__in=leftover)) if leftover else []
    return [(integration, activations.get(integration.code), True) for integration in offered] + [
        (integration, activations[integration.code], False) for integration in dropped
    ]
