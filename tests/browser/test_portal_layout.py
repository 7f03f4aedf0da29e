"""The portal layout in Chromium: the grouped menu beside the page on a desktop, folded behind a
"Menu" button on a phone (it must never cover the page), and the home page's attention blocks."""

from allauth.account.models import EmailAddress
from playwright.sync_api import expect


def test_the_menu_is_grouped_and_folds_away_on_a_phone(page, live, people, sign_in, artifacts):
    tenant = people.tenant(name="Layout Pty Ltd")
    admin = people.tenant_admin(tenant)
    # Mandatory verification: allauth reads its own EmailAddress row (the harness does not make one yet).
    EmailAddress.objects.update_or_create(
        user=admin.user, email=admin.email, defaults={"verified": True, "primary": True}
    )
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), admin)

    menu = page.get_by_role("navigation", name="Main")
    panel = page.locator("#portal-sidebar")  # the same element; open on a phone it is a dialog
    for group in ("Organisation", "Access", "Billing and account", "Developers"):
        expect(menu.get_by_role("heading", name=group)).to_be_visible()
    expect(page.get_by_role("heading", name="Seats")).to_be_visible()  # a home block
    artifacts.screenshot(page, "desktop")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(panel.get_by_role("link", name="Members")).to_be_hidden()  # the page is not covered
    expect(page.get_by_role("heading", name=tenant.name, level=1)).to_be_visible()
    page.get_by_role("button", name="Menu").click()
    expect(panel.get_by_role("link", name="Members")).to_be_visible()
    panel.get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    expect(panel.get_by_role("link", name="Members")).to_be_hidden()  # folded again on the new page
    artifacts.screenshot(page, "last")
