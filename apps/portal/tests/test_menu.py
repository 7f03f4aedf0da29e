"""The portal menu: grouped by purpose, admin-only entries hidden from members, the current page marked."""

import pytest

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
