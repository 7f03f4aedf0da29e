"""Integration activations: activate, configure, deactivate; validation against the catalogue;
secrets encrypted at rest and masked everywhere; the provisioning step."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.catalogue.tests import fixtures
from apps.integrations.activations import (
    activation_secrets,
    activation_secrets_masked,
    integration_activate,
    integration_configure,
    integration_deactivate,
    secret_mask,
)
from apps.integrations.models import IntegrationActivation
from apps.integrations.provisioning import activate_integrations

pytestmark = pytest.mark.django_db

# The catalogue and a plan that includes it (shared with the catalogue and solutions tests).
catalogue, pro_plan, acme_pro = fixtures.catalogue, fixtures.pro_plan, fixtures.acme_pro

TOKEN = "xoxb-1234567890-secret-abcd"
SLACK = {"configuration": {"workspace": "acme.slack.com"}, "secrets": {"bot_token": TOKEN}}


def _code(caught) -> str:
    return next(iter(caught.value.error_dict.values()))[0].code


def _events(tenant, action):
    return AuditEvent.objects.filter(tenant_id=tenant.pk, action=action)


def test_activate_stores_settings_scopes_and_an_encrypted_secret(acme_pro, acme_admin):
    with tenant_context(acme_pro):
        activation = integration_activate(code="slack", scopes=["notifications:send"], acting_user=acme_admin, **SLACK)
        assert activation.is_enabled and activation.activated_by == acme_admin
        assert activation.configuration == {"workspace": "acme.slack.com"}
        assert activation.scopes_granted == ["notifications:send"]
        assert activation_secrets(activation) == {"bot_token": TOKEN}
        assert activation_secrets_masked(activation) == {"bot_token": "••••abcd"}
        with connection.cursor() as cursor:
            cursor.execute("SELECT secrets_encrypted, configuration::text FROM integrations_integrationactivation")
            raw_secrets, raw_settings = cursor.fetchone()
            cursor.execute("SELECT * FROM integrations_historicalintegrationactivation")
            history = repr(cursor.fetchall())
        assert TOKEN not in raw_secrets and raw_secrets and TOKEN not in raw_settings and TOKEN not in history
    event = _events(acme_pro, "integrations.activated").get()
    assert event.before is None and event.after["secrets"] == {"bot_token": "••••abcd"}
    assert TOKEN not in repr(event.after)


def test_scopes_default_to_everything_the_integration_may_request(acme_pro, acme_admin):
    with tenant_context(acme_pro):
        activation = integration_activate(code="slack", acting_user=acme_admin, **SLACK)
    assert activation.scopes_granted == ["notifications:send", "members:read"]


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"code": "sso-azure-ad"}, "integration_code", "integration_not_in_plan"),
        ({"code": "nonsense"}, "integration_code", "unknown_integration"),
        ({**SLACK, "configuration": {"workspace": "a", "colour": "red"}}, "configuration", "unknown_setting"),
        ({**SLACK, "configuration": {"workspace": "a", "bot_token": TOKEN}}, "configuration", "secret_in_settings"),
        ({**SLACK, "configuration": {}}, "configuration", "missing_setting"),
        ({**SLACK, "secrets": {}}, "secrets", "missing_secret"),
        ({**SLACK, "secrets": {"password": "x"}}, "secrets", "unknown_secret"),
        ({**SLACK, "scopes": ["members:write"]}, "scopes", "invalid_scope"),
    ],
)
def test_activation_is_validated_against_plan_and_catalogue(acme_pro, acme_admin, kwargs, field, code):
    kwargs = {"code": "slack", **kwargs}
    with tenant_context(acme_pro):
        with pytest.raises(ValidationError) as caught:
            integration_activate(acting_user=acme_admin, **kwargs)
        assert field in caught.value.error_dict and _code(caught) == code
        assert not IntegrationActivation.objects.exists()


def test_configure_keeps_a_blank_secret_and_replaces_a_new_one(acme_pro, acme_admin):
    with tenant_context(acme_pro):
        integration_activate(code="slack", acting_user=acme_admin, **SLACK)
        activation = integration_configure(
            code="slack", configuration={"workspace": "acme2.slack.com", "default_channel": "#ops"},
            secrets={"bot_token": ""}, acting_user=acme_admin,
        )  # fmt: skip
        assert activation_secrets(activation) == {"bot_token": TOKEN}
        assert activation.configuration == {"workspace": "acme2.slack.com", "default_channel": "#ops"}
        activation = integration_configure(code="slack", secrets={"bot_token": "xoxb-new-token-9999"},
                                           acting_user=acme_admin)  # fmt: skip
        assert activation_secrets(activation) == {"bot_token": "xoxb-new-token-9999"}
        with pytest.raises(ValidationError) as caught:
            integration_configure(code="slack", configuration={}, acting_user=acme_admin)
        assert _code(caught) == "missing_setting"  # an enabled integration keeps what it needs
    events = list(_events(acme_pro, "integrations.configured").order_by("sequence"))
    assert events[1].before["secrets"] == {"bot_token": "••••abcd"}
    assert events[1].after["secrets"] == {"bot_token": "••••9999"}
    assert "xoxb-new-token-9999" not in repr([e.after for e in events])


def test_deactivate_keeps_settings_and_reactivates(acme_pro, acme_admin):
    with tenant_context(acme_pro):
        integration_activate(code="slack", acting_user=acme_admin, **SLACK)
        with pytest.raises(ValidationError) as caught:
            integration_activate(code="slack", acting_user=acme_admin, **SLACK)
        assert _code(caught) == "already_enabled"
        activation = integration_deactivate(code="slack", acting_user=acme_admin)
        assert not activation.is_enabled and activation.deactivated_by == acme_admin
        with pytest.raises(ValidationError) as caught:
            integration_deactivate(code="slack", acting_user=acme_admin)
        assert _code(caught) == "not_enabled"
        activation = integration_activate(code="slack", acting_user=acme_admin)
        assert activation.is_enabled and activation_secrets(activation) == {"bot_token": TOKEN}
        assert activation.deactivated_at is None
        assert [row.status for row in activation.history.order_by("history_date")] == [
            "enabled", "disabled", "enabled",
        ]  # fmt: skip
    event = _events(acme_pro, "integrations.deactivated").get()
    assert event.before["status"] == "enabled" and event.after["status"] == "disabled"


def test_the_database_refuses_an_unknown_status(acme_pro, acme_admin):
    from django.db import IntegrityError, transaction

    with tenant_context(acme_pro):
        integration_activate(code="webhook", acting_user=acme_admin)
        with pytest.raises(IntegrityError), transaction.atomic():
            IntegrationActivation.objects.update(status="paused")


def test_secret_mask():
    assert secret_mask("") == "" and secret_mask("short") == "••••"
    assert secret_mask("a-long-secret-1234") == "••••1234"


def test_provisioning_step_is_idempotent(acme_pro, acme_admin):
    job = SimpleNamespace(requested_by=acme_admin)
    activate_integrations(job=job, tenant=acme_pro)
    with tenant_context(acme_pro):
        states = dict(IntegrationActivation.objects.values_list("integration_code", "status"))
    # The plan's webhook needs nothing: on. Slack, Google Calendar and Xero need secrets: waiting, off.
    assert states == {"webhook": "enabled", "slack": "disabled", "google-calendar": "disabled",
                      "payroll-xero": "disabled"}  # fmt: skip
    with tenant_context(acme_pro):
        integration_deactivate(code="webhook", acting_user=acme_admin)  # a tenant's choice is kept
    events = AuditEvent.objects.filter(tenant_id=acme_pro.pk).count()
    activate_integrations(job=job, tenant=acme_pro)
    with tenant_context(acme_pro):
        assert IntegrationActivation.objects.count() == 4
        assert IntegrationActivation.objects.get(integration_code="webhook").status == "disabled"
    assert AuditEvent.objects.filter(tenant_id=acme_pro.pk).count() == events


def test_provisioning_step_with_no_plan_does_nothing(acme, catalogue):
    activate_integrations(job=SimpleNamespace(requested_by=None), tenant=acme)
    with tenant_context(acme):
        assert not IntegrationActivation.objects.exists()


def test_the_step_is_registered_after_the_organisation():
    from apps.tenancy.provisioning import provisioning_steps

    steps = {step.name: step.position for step in provisioning_steps()}
    assert steps["activate_integrations"] == 70 and steps["create_root_entity"] < 70
