"""Portal and admin pages of integration activations: tenant admins only; secrets only masked."""

import re

import pytest
from django_tenants.utils import tenant_context

from apps.catalogue.tests import fixtures
from apps.integrations.activations import activation_secrets, integration_activate
from apps.integrations.models import IntegrationActivation

pytestmark = pytest.mark.django_db

# The catalogue and a plan that includes it (shared with the catalogue and solutions tests).
catalogue, pro_plan, acme_pro = fixtures.catalogue, fixtures.pro_plan, fixtures.acme_pro

LIST = "/manage/integrations/"
TOKEN = "xoxb-1234567890-secret-abcd"
SLACK_FORM = {"setting_workspace": "acme.slack.com", "secret_bot_token": TOKEN, "scopes": ["notifications:send"]}


def url(code: str, action: str = "") -> str:
    return f"{LIST}{code}/{action + '/' if action else ''}"


def test_admin_sees_the_plans_integrations_with_their_status(acme_client, acme_pro, acme_admin):
    with tenant_context(acme_pro):
        integration_activate(code="webhook", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    page = acme_client.get(LIST).content.decode()
    assert "Outgoing webhooks" in page and "Slack" in page and "Xero Payroll" in page
    assert "Azure" not in page  # not in the plan
    assert "Enabled" in page and "Needs configuration" in page


def test_admin_activates_configures_and_deactivates_with_secrets_masked(acme_client, acme_pro, acme_admin):
    acme_client.force_login(acme_admin)
    assert "Bot token" in acme_client.get(url("slack")).content.decode()
    response = acme_client.post(url("slack", "activate"), SLACK_FORM)
    assert response.status_code == 302
    with tenant_context(acme_pro):
        activation = IntegrationActivation.objects.get(integration_code="slack")
    assert activation.is_enabled and activation.scopes_granted == ["notifications:send"]
    page = acme_client.get(url("slack")).content.decode()
    assert TOKEN not in page and "••••abcd" in page and "acme.slack.com" in page
    response = acme_client.post(url("slack", "configure"), {**SLACK_FORM, "secret_bot_token": "",
                                                           "setting_default_channel": "#ops"})  # fmt: skip
    assert response.status_code == 302
    with tenant_context(acme_pro):
        activation.refresh_from_db()
        assert activation_secrets(activation) == {"bot_token": TOKEN}
    assert activation.configuration["default_channel"] == "#ops"
    assert acme_client.post(url("slack", "deactivate")).status_code == 302
    with tenant_context(acme_pro):
        assert not IntegrationActivation.objects.get(integration_code="slack").is_enabled
    assert TOKEN not in acme_client.get(LIST).content.decode()


def test_activation_errors_are_shown_and_change_nothing(acme_client, acme_pro, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.post(url("slack", "activate"), {"setting_workspace": "acme.slack.com"})
    assert response.status_code == 400 and "Fill in: Bot token." in response.content.decode()
    assert acme_client.get(url("sso-azure-ad")).status_code == 404  # not in the plan
    with tenant_context(acme_pro):
        assert not IntegrationActivation.objects.exists()


def test_members_outsiders_and_anonymous_are_refused(acme_client, acme_pro, acme_member, globex_member):
    for path in (LIST, url("slack")):
        assert acme_client.get(path).status_code == 302
    assert acme_client.post(url("slack", "activate"), SLACK_FORM).status_code == 302
    for user in (acme_member, globex_member):
        acme_client.force_login(user)
        assert acme_client.get(LIST).status_code == 403
        assert acme_client.get(url("slack")).status_code == 403
        assert acme_client.post(url("slack", "activate"), SLACK_FORM).status_code == 403
        assert acme_client.post(url("webhook", "deactivate")).status_code == 403
    with tenant_context(acme_pro):
        assert not IntegrationActivation.objects.exists()


def test_list_page_query_count_does_not_grow_per_integration(
    acme_client, acme_pro, acme_admin, django_assert_max_num_queries
):
    acme_client.force_login(acme_admin)
    acme_client.get(LIST)
    with tenant_context(acme_pro):
        for code in ("webhook",):
            integration_activate(code=code, acting_user=acme_admin)
        integration_activate(code="slack", configuration={"workspace": "x"}, secrets={"bot_token": TOKEN},
                             acting_user=acme_admin)  # fmt: skip
    with django_assert_max_num_queries(12):
        assert acme_client.get(LIST).status_code == 200


# --- Staff admin ----------------------------------------------------------------------------------

ADMIN = "/admin/integrations/integrationactivation/"


def test_staff_list_one_tenants_activations_read_only_with_masked_secrets(
    platform_client, platform_superuser, acme_pro, acme_admin
):
    with tenant_context(acme_pro):
        integration_activate(code="slack", configuration={"workspace": "acme.slack.com"},
                             secrets={"bot_token": TOKEN}, acting_user=acme_admin)  # fmt: skip
    platform_client.force_login(platform_superuser)
    page = platform_client.get(f"{ADMIN}?tenant={acme_pro.pk}").content.decode()
    assert "slack" in page and "••••abcd" in page and TOKEN not in page
    assert re.search(r"gAAAA", page) is None  # no ciphertext either
    assert "Choose a tenant" in platform_client.get(ADMIN).content.decode()
    assert platform_client.get(f"{ADMIN}add/").status_code == 404


def test_admin_refuses_tenant_admins(platform_client, acme_pro, acme_admin):
    platform_client.force_login(acme_admin)
    assert platform_client.get(f"{ADMIN}?tenant={acme_pro.pk}").status_code == 302


def test_an_enabled_integration_the_plan_dropped_is_listed_to_switch_off(acme_client, acme_pro, acme_admin):
    from apps.tenancy.models import Plan

    with tenant_context(acme_pro):
        integration_activate(code="webhook", acting_user=acme_admin)
    Plan.objects.filter(pk=acme_pro.plan_id).update(features={"solutions": [], "integrations": []})
    acme_client.force_login(acme_admin)
    page = acme_client.get(LIST).content.decode()
    assert "Outgoing webhooks" in page and "No longer in your plan" in page and "Slack" not in page
    assert acme_client.get(url("webhook")).status_code == 404
    assert acme_client.post(url("webhook", "deactivate")).status_code == 302
    with tenant_context(acme_pro):
        assert not IntegrationActivation.objects.get().is_enabled
