"""J6: support staff impersonate a member. They sign in with TOTP, choose the member in the admin and
give a reason; in the tenant's portal a banner says who they are signed in as, by whom, why and until
when; the member's security pages are refused; ending it returns to the admin; the tenant admin sees
the start and the end in the organisation's activity timeline."""

import re

from playwright.sync_api import expect

from apps.accounts.services import user_email_mark_verified
from apps.accounts.staff_roles import SUPPORT

REASON = "Ticket T-1042: the member cannot find the leave report"


def test_staff_impersonate_a_member(page, new_page, live, people, sign_in, artifacts):
    tenant = people.tenant(name="Harbour Logistics")
    admin = people.tenant_admin(tenant)
    member = people.member(tenant, full_name="Mia Member")
    staff = people.staff(group=SUPPORT)
    for person in (admin, member, staff):  # allauth signs in only people whose address it knows verified
        user_email_mark_verified(user=person.user, acting_user=None)

    # Staff sign in on the platform domain (password, then TOTP) and find the member in the admin.
    page.goto(live.url("/accounts/login/?next=/admin/"))
    page.locator("input[name=login]").fill(staff.email)
    page.locator("input[name=password]").fill(staff.password)
    page.get_by_role("button", name="Sign In").click()
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.locator("input[name=code]").fill(staff.totp_code())
    page.locator("input[name=code]").press("Enter")
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/admin/$"))
    page.goto(live.url(f"/admin/accounts/membership/?q={tenant.slug}"))
    row = page.get_by_role("row").filter(has_text=member.email)
    row.get_by_role("link", name="Sign in as…").click()

    # A reason is required; the time limit defaults to 15 minutes.
    expect(page.get_by_label("Time limit (minutes)")).to_have_value("15")
    page.get_by_label("Reason").fill(REASON)
    page.get_by_role("button", name="Sign in as this member").click()

    # The hand-off lands in the tenant's portal, signed in as the member, under the banner.
    expect(page).to_have_url(re.compile(rf"^http://{tenant.slug}\.localhost:\d+/manage/"))
    banner = page.locator("#impersonation-banner")
    expect(banner).to_contain_text("You are signed in as Mia Member")
    expect(banner).to_contain_text(f"by staff {staff.email}")
    expect(banner).to_contain_text(REASON)
    expect(banner).to_contain_text("ends at")

    # The member's security pages are refused while impersonating.
    for path in ("/manage/account/", "/accounts/password/change/", "/accounts/2fa/"):
        response = page.goto(live.tenant_url(tenant, path))
        assert response is not None and response.status == 403, path
        expect(page.locator("body")).to_contain_text("through staff impersonation")

    # Ending it signs the browser out of the portal and returns to the impersonation in the admin.
    page.goto(live.tenant_url(tenant, "/manage/"))
    page.locator("#impersonation-banner").get_by_role("button", name="End impersonation").click()
    expect(page).to_have_url(re.compile(r"^http://localhost:\d+/admin/security/impersonationsession/\d+/change/"))
    expect(page.locator("body")).to_contain_text("Ended by staff")
    page.goto(live.tenant_url(tenant, "/manage/"))
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # The tenant admin sees the start and the end in the organisation's activity timeline.
    admin_page = new_page()
    sign_in(admin_page, live.tenant_url(tenant, "/accounts/login/?next=/manage/activity/"), admin)
    admin_page.goto(live.tenant_url(tenant, "/manage/activity/"))
    expect(admin_page.locator("body")).to_contain_text("impersonation.started")
    expect(admin_page.locator("body")).to_contain_text("impersonation.ended")
    expect(admin_page.locator("body")).to_contain_text("Platform staff")
    artifacts.screenshot(admin_page, "tenant-timeline")
    artifacts.screenshot(page, "last")
