"""J3: a tenant admin invites a member, who accepts, verifies, signs in and sees only what the role allows."""

import re

from allauth.account.models import EmailAddress
from playwright.sync_api import expect

from apps.accounts.models import User
from tests.browser.harness import unique

INVITEE_PASSWORD = "Lantern-orchard-42"


def test_an_invited_member_joins_and_sees_only_what_a_member_may(
    page, new_page, live, people, sign_in, mailbox, artifacts
):
    tenant = people.tenant(name="Harbour Cafe")
    admin = people.tenant_admin(tenant)
    invitee_email = f"{unique('barista')}@example.test"

    # The admin invites a member from the portal.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), admin)
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing", exact=True)).to_have_count(
        1
    )  # an admin's menu entry
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations", exact=True).click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email address").fill(invitee_email)
    page.get_by_label("Role").select_option(label="Member")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {invitee_email}")).to_be_visible()

    # The invitee opens the link from the email, in a browser of their own, and creates the account.
    invitee = new_page()
    invitee.goto(mailbox.link(invitee_email, contains="/invitations/accept/"))
    expect(invitee.get_by_role("heading", name="Join Harbour Cafe")).to_be_visible()
    expect(invitee.locator("body")).to_contain_text("as Member")
    invitee.get_by_label("Your name").fill("Robin Barista")
    invitee.get_by_label(re.compile(r"^Password:?$")).fill(INVITEE_PASSWORD)
    invitee.get_by_label("Password again").fill(INVITEE_PASSWORD)
    invitee.get_by_role("button", name="Create account and join").click()
    expect(invitee.get_by_text("Your account is ready")).to_be_visible()

    # Sign in; where the product asks for the email to be confirmed, the link comes from the mail.
    _sign_in_with_form(invitee, invitee_email)
    if "/accounts/confirm-email/" in invitee.url:
        invitee.goto(mailbox.link(invitee_email, contains="/accounts/confirm-email/"))
        invitee.get_by_role("button", name="Confirm").click()
        invitee.goto(live.tenant_url(tenant, "/accounts/login/?next=/manage/"))
        if "/accounts/login/" in invitee.url:
            _sign_in_with_form(invitee, invitee_email)
    expect(invitee.locator("body")).to_contain_text(invitee_email)
    assert invitee.url.startswith(live.tenant_url(tenant, "/manage/"))
    # The link from the mail proved the address: one truth for it (allauth's record and the user's).
    user = User.objects.get(email=invitee_email)
    assert user.email_verified_at is not None
    assert EmailAddress.objects.filter(user=user, email=invitee_email, verified=True).exists()

    # A member's portal: no admin entries, and the admin pages refuse even when typed in.
    expect(invitee.get_by_role("link", name="Billing", exact=True)).to_have_count(0)
    expect(invitee.get_by_role("link", name="Invitations", exact=True)).to_have_count(0)
    expect(invitee.get_by_role("link", name="Members", exact=True)).to_have_count(0)
    response = invitee.goto(live.tenant_url(tenant, "/manage/billing/"))
    assert response is not None and response.status == 403
    expect(invitee.get_by_role("heading", name="Access refused")).to_be_visible()
    response = invitee.goto(live.tenant_url(tenant, "/manage/invitations/new/"))
    assert response is not None and response.status == 403

    invitee.goto(live.tenant_url(tenant, "/manage/"))
    artifacts.screenshot(invitee, "last")


def _sign_in_with_form(page, email):
    """Typed as a person does: the sign-in page the accept step redirected to (next=/manage/)."""
    page.get_by_label("Email").fill(email)
    page.get_by_label(re.compile(r"^Password:?$")).fill(INVITEE_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_load_state()
