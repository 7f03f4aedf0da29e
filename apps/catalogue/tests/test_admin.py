"""Staff edit the catalogue in the admin (history kept); nobody deletes; others are refused."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from apps.catalogue.models import Integration, Solution
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SOLUTIONS = "/admin/catalogue/solution/"
INTEGRATIONS = "/admin/catalogue/integration/"


def listed(client, url, **params) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return re.findall(r'<th class="field-code"><a href="[^"]+">([^<]+)</a>', response.content.decode())


def test_staff_list_search_and_filter_integrations(platform_client, platform_superuser, catalogue):
    platform_client.force_login(platform_superuser)
    assert listed(platform_client, INTEGRATIONS, q="slack") == ["slack"]
    assert listed(platform_client, INTEGRATIONS, category__exact="payroll") == ["payroll-xero"]
    assert len(listed(platform_client, INTEGRATIONS)) == Integration.objects.count()
    Solution.objects.filter(code="chat").update(is_active=False)
    assert "chat" not in listed(platform_client, SOLUTIONS, is_active__exact="1")
    assert listed(platform_client, SOLUTIONS, q="leave") == ["leave"]


def test_staff_edit_a_solution_and_the_change_is_in_history(platform_client, platform_superuser, catalogue):
    platform_client.force_login(platform_superuser)
    leave = Solution.objects.get(code="leave")
    url = f"{SOLUTIONS}{leave.pk}/change/"
    data = {"code": "leave", "name": "Leave & absence", "description": leave.description, "position": 40,
            "is_active": "on"}  # fmt: skip
    response = platform_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    leave.refresh_from_db()
    assert leave.name == "Leave & absence"
    assert leave.history.filter(history_user=platform_superuser).exists()
    assert platform_client.get(f"{SOLUTIONS}{leave.pk}/history/").status_code == 200


def test_an_integration_with_a_bad_schema_is_refused_on_its_field(platform_client, platform_superuser, catalogue):
    platform_client.force_login(platform_superuser)
    slack = Integration.objects.get(code="slack")
    data = {"code": "slack", "name": "Slack", "category": "messaging", "provider": "Slack", "is_active": "on",
            "config_schema": '{"fields": [{"key": "x"}]}', "scopes": "notifications:send"}  # fmt: skip
    response = platform_client.post(f"{INTEGRATIONS}{slack.pk}/change/", data)
    assert response.status_code == 200 and "label" in response.content.decode()
    slack.refresh_from_db()
    assert slack.config_schema["fields"][0]["key"] == "workspace"


def test_there_is_no_delete(platform_client, platform_superuser, catalogue):
    platform_client.force_login(platform_superuser)
    slack = Integration.objects.get(code="slack")
    assert platform_client.get(f"{INTEGRATIONS}{slack.pk}/delete/").status_code == 403


def test_tenant_admins_and_staff_without_permission_are_refused(platform_client, acme_admin, catalogue):
    platform_client.force_login(acme_admin)
    assert platform_client.get(INTEGRATIONS).status_code == 302
    staff = UserFactory(is_staff=True)
    TOTP.activate(staff, generate_totp_secret())
    platform_client.force_login(staff)
    assert platform_client.get(INTEGRATIONS).status_code == 403
    assert platform_client.get(SOLUTIONS).status_code == 403
