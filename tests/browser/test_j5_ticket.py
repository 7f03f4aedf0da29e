"""J5: a ticket opened in the portal is answered by staff in the admin with a reply and an internal note;
the tenant sees the reply and never the note."""

import re

from playwright.sync_api import expect

from apps.accounts.staff_roles import SUPPORT

REPLY = "We have reset the roster export; it runs again from tonight."
NOTE = "Root cause: the export worker ran out of disk. Do not tell the customer the host name."


def test_staff_answer_a_portal_ticket_and_the_tenant_never_sees_the_internal_note(
    page, new_page, live, people, sign_in, mailbox, artifacts
):
    tenant = people.tenant(name="Kestrel Logistics")
    admin = people.tenant_admin(tenant)
    staff = people.staff(group=SUPPORT)

    # The tenant admin opens a ticket in the portal.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), admin)
    page.get_by_role("link", name="Support", exact=True).click()
    page.get_by_role("link", name="Open a ticket").click()
    page.get_by_label("Subject").fill("Roster export stopped")
    page.get_by_label("Description").fill("Since Monday the nightly roster export is empty.")
    page.get_by_role("button", name="Open ticket").click()
    heading = page.get_by_role("heading", name=re.compile("Roster export stopped"))
    expect(heading).to_be_visible()
    number = heading.inner_text().split(" ")[0]

    # Support staff sign in to the admin on the platform domain (password, then TOTP) and answer it.
    desk = new_page()
    sign_in(desk, live.url("/accounts/login/?next=/admin/support/ticket/"), staff)
    desk.get_by_role("link", name=number, exact=True).click()
    expect(desk.locator("#thread")).to_contain_text("Since Monday the nightly roster export is empty.")
    desk.get_by_label("Message").fill(REPLY)
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_text("Reply sent.")).to_be_visible()
    desk.get_by_label("Message").fill(NOTE)
    desk.get_by_label("Internal note (never shown to the customer)").check()
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_text("Internal note added.")).to_be_visible()
    expect(desk.locator("#thread .internal-note")).to_contain_text(NOTE)
    artifacts.screenshot(desk, "staff")

    # The requester is told by email (the reply, not the note) and sees the reply in the portal.
    email = mailbox.last(admin.email, subject=number)
    assert REPLY in email.body and NOTE not in email.body
    page.goto(mailbox.link(admin.email, contains=f"/manage/support/{number}/", subject=number))
    expect(page.locator("body")).to_contain_text(REPLY)
    expect(page.locator("body")).not_to_contain_text(NOTE)
    expect(page.locator("body")).not_to_contain_text("Root cause")
    artifacts.screenshot(page, "last")
