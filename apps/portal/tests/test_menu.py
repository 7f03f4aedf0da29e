"""The portal menu: grouped by purpose, admin-only entries hidden from members, the current page marked."""

import pytest

from apps.catalogue.tests.fixtures import acme_pro, catalogue, pro_plan  # noqa: F401 - Acme on a plan with Attendance
from apps.core.contributions import MENU_GROUPS, MenuEntry, contributions


def test_every_declared_entry_names_a_known_group():
    entries = contributions(MenuEntry)
    assert entries
    assert {entry.group for entry in entries} <= set(MENU_GROUPS)


def test_an_unknown_group_is_refused_when_declared():
    with pytest.raises(ValueError, match="not one of"):
        MenuEntry("Oops", "x:y", group="Misc")


def test_a_tenant_admin_sees_the_groups_in_order_with_the_current_page_open(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.get("/manage/members/")
    menu = list(response.context["portal_menu"])
    names = [group["name"] for group in menu]
    assert names == ["", "Organisation", "Access", "Workforce", "Billing and account", "Developers"]
    access = next(group for group in menu if group["name"] == "Access")
    assert access["current"] is True
    assert [item["label"] for item in access["items"] if item["current"]] == ["Members"]
    developers = next(group for group in menu if group["name"] == "Developers")
    assert developers["items"][-1]["label"] == "API documentation"
    html = response.content.decode()
    assert 'aria-current="page">Members</a>' in html
    assert 'id="portal-sidebar"' in html and "offcanvas-lg" in html  # the menu is an offcanvas panel on a phone
    assert 'data-bs-target="#portal-sidebar"' in html  # and the top bar has its toggle


def test_a_member_sees_no_admin_only_entry(acme_client, acme_member):
    acme_client.force_login(acme_member)
    menu = list(acme_client.get("/manage/").context["portal_menu"])
    labels = {item["label"] for group in menu for item in group["items"]}
    assert {"Overview", "Organisation", "My access", "My account"} <= labels
    assert not labels & {"Members", "Billing", "Webhooks", "API keys", "Support", "Invitations"}
    assert "Workforce" not in [group["name"] for group in menu]  # nothing in it for this member


def test_the_layout_keeps_the_banner_slot(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    html = acme_client.get("/manage/").content.decode()
    header_end = html.index("</header>")
    assert html.index('class="layout"') > header_end  # banners (includes/banners.html) sit between the two


def test_a_solution_entry_is_offered_to_whoever_may_use_the_solution(acme_pro, acme_client, acme_admin, acme_member):  # noqa: F811
    from django_tenants.utils import tenant_context

    from apps.core.contributions import contribute, contributions_reset
    from apps.solutions.services import solution_access_grant

    contribute(MenuEntry("Shift board", "portal:dashboard", group="Workforce", solution="attendance", order=1))
    try:

        def labels() -> set[str]:
            menu = acme_client.get("/manage/members/").context["portal_menu"]
            return {item["label"] for group in menu for item in group["items"]}

        acme_client.force_login(acme_member)
        assert "Shift board" not in labels()  # no access to Attendance yet
        with tenant_context(acme_pro):
            solution_access_grant(solution_code="attendance", user=acme_member, acting_user=acme_admin)
        assert "Shift board" in labels()
        menu = acme_client.get("/manage/members/").context["portal_menu"]
        urls = {item["url"] for group in menu for item in group["items"]}
        assert "/manage/solutions/attendance/" not in urls  # the solution's own entries replace its landing link
        landing = acme_client.get("/manage/solutions/attendance/")
        assert landing.status_code == 200 and "Shift board" in landing.content.decode()
        acme_client.force_login(acme_admin)  # an admin reaches every solution of the plan
        assert "Shift board" in labels()
    finally:
        contributions_reset()
