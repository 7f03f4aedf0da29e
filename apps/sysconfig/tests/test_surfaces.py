"""Admin (super admins write, support and billing admins read), portal page and tenant API (public only)."""

import pytest
from django_tenants.utils import schema_context

from apps.sysconfig.models import AppSetting
from apps.sysconfig.services import setting_get

pytestmark = pytest.mark.django_db

ADMIN_LIST = "/admin/sysconfig/appsetting/"


def change_url(key: str) -> str:
    return f"{ADMIN_LIST}{AppSetting.objects.get(key=key).pk}/change/"


def form_data(key: str, value: str) -> dict:
    setting = AppSetting.objects.get(key=key)
    return {
        "category": setting.category, "description": setting.description, "min_value": setting.min_value or "",
        "max_value": setting.max_value or "", "regex": setting.regex, "choices": "[]",
        "is_public": "on" if setting.is_public else "", "typed_value": value,
    }  # fmt: skip


def test_super_admin_changes_a_setting_with_a_typed_value(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    response = platform_client.post(change_url("password.min_length"), form_data("password.min_length", "16"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AppSetting.objects.get(key="password.min_length").value == 16


def test_a_wrong_type_in_the_admin_is_a_form_error(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    response = platform_client.post(change_url("password.min_length"), form_data("password.min_length", "sixteen"))
    assert response.status_code == 200
    assert "password.min_length must be an integer." in response.content.decode()
    assert AppSetting.objects.get(key="password.min_length").value == 12


@pytest.mark.parametrize("actor", ["support_staff", "billing_staff"])
def test_support_and_billing_admins_read_but_cannot_change(platform_client, request, actor):
    platform_client.force_login(request.getfixturevalue(actor))
    listing = platform_client.get(ADMIN_LIST, {"q": "password"})
    assert listing.status_code == 200 and "password.min_length" in listing.content.decode()
    url = change_url("password.min_length")
    assert platform_client.post(url, form_data("password.min_length", "20")).status_code == 403
    assert AppSetting.objects.get(key="password.min_length").value == 12
    assert platform_client.get("/admin/sysconfig/validationrule/").status_code == 200


def test_tenant_people_cannot_reach_the_settings_admin(platform_client, acme_admin):
    platform_client.force_login(acme_admin)
    assert platform_client.get(ADMIN_LIST).status_code in (302, 403)


def test_admin_list_queries_do_not_grow_with_rows(platform_client, platform_superuser, django_assert_max_num_queries):
    platform_client.force_login(platform_superuser)
    platform_client.get(ADMIN_LIST)
    with django_assert_max_num_queries(15):
        assert platform_client.get(ADMIN_LIST).status_code == 200


def test_tenant_admin_sees_public_settings_in_the_portal(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    page = acme_client.get("/manage/settings/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "password.min_length" in body and "tokens.access_minutes" in body
    assert "ratelimit.login_per_minute" not in body  # not public


def test_portal_settings_refuse_members_outsiders_and_anonymous(acme_client, acme_member, globex_member):
    assert acme_client.get("/manage/settings/").status_code == 302  # to sign in
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/settings/").status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get("/manage/settings/").status_code == 403


def test_api_lists_public_settings_only(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.get("/api/v1/settings/")
    assert response.status_code == 200
    values = {row["key"]: row["value"] for row in response.json()}
    assert values["password.min_length"] == 12 and values["tokens.refresh_days"] == 7
    assert "ratelimit.login_per_minute" not in values
    AppSetting.objects.filter(key="password.min_length").update(is_public=False)
    keys = {row["key"] for row in acme_client.get("/api/v1/settings/").json()}
    assert "password.min_length" not in keys


def test_api_refuses_members_outsiders_and_anonymous(acme_client, acme_member, globex_member):
    assert acme_client.get("/api/v1/settings/").status_code in (401, 403)
    acme_client.force_login(acme_member)
    assert acme_client.get("/api/v1/settings/").json()["code"] == "tenant_admin_required"
    acme_client.force_login(globex_member)
    assert acme_client.get("/api/v1/settings/").status_code == 403


def test_a_change_on_the_platform_is_seen_on_tenant_domains_at_once(acme_client, acme_admin, platform_superuser):
    from apps.sysconfig.services import setting_set

    with schema_context("acme"):
        assert setting_get("tokens.access_minutes") == 15  # cached while serving acme
    acme_client.force_login(acme_admin)
    values = {row["key"]: row["value"] for row in acme_client.get("/api/v1/settings/").json()}
    assert values["tokens.access_minutes"] == 15
    setting_set(key="tokens.access_minutes", value=20, acting_user=platform_superuser)
    with schema_context("acme"):
        assert setting_get("tokens.access_minutes") == 20


def test_validation_rule_admin_refuses_bad_patterns_and_providers(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    data = {"country_code": "FR", "kind": "postal_code", "name": "code postal", "provider": "regex",
            "pattern": "^(\\d{5}$", "message": "Enter a valid code postal.", "example": "75008",
            "is_active": "on"}  # fmt: skip
    response = platform_client.post("/admin/sysconfig/validationrule/add/", data)
    assert response.status_code == 200 and "Not a valid regular expression" in response.content.decode()
    data.update(provider="stdnum:fr.nothing", pattern="")
    response = platform_client.post("/admin/sysconfig/validationrule/add/", data)
    assert "python-stdnum has no module fr.nothing" in response.content.decode()
    data.update(provider="regex", pattern="^\\d{5}$", test_value="75008")
    assert platform_client.post("/admin/sysconfig/validationrule/add/", data).status_code == 302
    from apps.sysconfig.validation import validate_value

    assert validate_value("FR", "postal_code", "75008") == "75008"


def test_support_cannot_add_validation_rules(platform_client, support_staff):
    platform_client.force_login(support_staff)
    assert platform_client.get("/admin/sysconfig/validationrule/add/").status_code == 403
