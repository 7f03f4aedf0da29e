"""J7: the admin defines a two-step approval workflow for access requests; a member asks for a role;
the admin is told (the bell's unread count, the notification inbox, an email), follows the notification
to the request and approves step 1, the second approver step 2; the member is told the outcome, holds
the role and sees the whole trail. Then the member switches the "Approvals" category off (in-app and
email): the next approvals message (a comment on their request) reaches them on neither, while a
critical one (the security alert of their own password change) still does, in the inbox and by email.
"""

import re

from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.access.models import RoleAssignment
from apps.notifications.models import Notification

NEW_PASSWORD = "another-correct-horse-2027"


def _told(tenant, person, event):
    """The notifications `event` gave `person` in `tenant` (the inbox rows), with their deliveries."""
    with tenant_context(tenant):
        return list(Notification.objects.filter(recipient=person.user, event=event).prefetch_related("deliveries"))


def test_an_access_request_goes_through_a_two_step_workflow(page, new_page, live, people, sign_in, mailbox, artifacts):
    tenant = people.tenant(name="Lighthouse Bakery")
    admin = people.tenant_admin(tenant)
    oliver = people.member(tenant, full_name="Oliver Ops")
    mia = people.member(tenant, full_name="Mia Manager")
    main = page.get_by_role("navigation", name="Main")

    # The admin defines the workflow: step 1 the admin, step 2 Oliver; the preview says who and why.
    sign_in(page, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), admin)
    main.get_by_role("link", name="Approval workflows", exact=True).click()
    page.get_by_role("link", name="New workflow").first.click()
    page.locator('input[name="steps-0-name"]').fill("Administrator")
    page.locator('select[name="steps-0-approver_type"]').select_option("people")
    page.locator('select[name="steps-0-people"]').select_option(str(admin.user.pk))
    page.get_by_role("button", name="Add a step").click()
    expect(page.locator('input[name="steps-1-name"]')).to_be_visible()
    page.locator('input[name="steps-1-name"]').fill("Operations")
    page.locator('select[name="steps-1-approver_type"]').select_option("people")
    page.locator('select[name="steps-1-people"]').select_option(str(oliver.user.pk))
    page.get_by_label("Sample requester").select_option(str(mia.user.pk))
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#workflow-preview")
    expect(preview).to_contain_text("Oliver Ops")
    expect(preview).to_contain_text("is named in the workflow")
    page.get_by_role("button", name="Save workflow").click()
    expect(page.get_by_text("was saved")).to_be_visible()
    expect(page.locator("body")).to_contain_text("1. Administrator → 2. Operations")

    # Mia asks for the Viewer role at the organisation.
    requester = new_page()
    sign_in(requester, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), mia)
    requester.get_by_role("navigation", name="Main").get_by_role("link", name="Access requests").click()
    requester.get_by_role("link", name="Request access").first.click()
    requester.get_by_label("A role at an entity").check()
    requester.locator("#id_role").select_option(label="Viewer")
    requester.locator("#id_entity").select_option(index=1)
    requester.get_by_label("Why do you need it?").fill("I prepare the monthly figures for the bakeries.")
    requester.get_by_role("button", name="Send for approval").click()
    expect(requester.get_by_text("Your request was sent for approval.")).to_be_visible()
    expect(requester.locator("#access-request-status")).to_have_text("Pending")

    # The admin is told: the bell in the top bar counts it, the approvals inbox lists it, the
    # notification inbox says so and leads to the request; the email arrived too (sent by the worker).
    page.goto(live.tenant_url(tenant, "/manage/"))
    expect(page.locator("body")).to_contain_text("Waiting for your approval")
    bell = page.locator("#notifications-bell")
    expect(bell).to_have_attribute("aria-label", "Notifications: 1 unread")
    main.get_by_role("link", name="Approvals", exact=True).click()
    expect(page.get_by_role("link", name="Viewer at").first).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    asked = page.get_by_role("link", name=re.compile(r"^Approval needed: Mia Manager asks for Viewer at "))
    expect(asked).to_have_count(1)
    expect(page.locator("#notification-results")).to_contain_text("is waiting for your decision (Administrator)")
    expect(page.locator("#notification-results")).to_contain_text("· Approvals")
    email = mailbox.last(admin.email, subject="Approval needed")
    assert "Mia Manager asks for Viewer at" in email.subject and "is waiting for your decision" in email.body
    emailed_link = mailbox.link(admin.email, contains="/manage/approvals/", subject="Approval needed")
    asked.click()
    expect(page.get_by_role("heading", name="Your decision")).to_be_visible()
    assert page.url.split("?")[0] == emailed_link.split("?")[0]  # the email and the inbox open the same page
    expect(bell).to_have_attribute("aria-label", "Notifications")  # opening it marked it read
    page.get_by_label("Comment (optional)").fill("Fine by me.")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("You approved this request.")).to_be_visible()
    expect(page.locator("#approval-status")).to_contain_text("step 2")

    # Oliver approves step 2.
    second = new_page()
    sign_in(second, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), oliver)
    expect(second.locator("#notifications-bell")).to_have_attribute("aria-label", "Notifications: 1 unread")
    second.get_by_role("navigation", name="Main").get_by_role("link", name="Approvals", exact=True).click()
    second.get_by_role("link", name="Viewer at").first.click()
    second.get_by_role("button", name="Approve", exact=True).click()
    expect(second.get_by_text("You approved this request.")).to_be_visible()
    expect(second.locator("#approval-status")).to_contain_text("Approved")

    # Mia holds the role and sees the whole trail.
    requester.reload()
    expect(requester.locator("#access-request-status")).to_have_text("Approved")
    trail = requester.locator("#approval-trail")
    expect(trail).to_contain_text("Submitted")
    expect(trail).to_contain_text("Fine by me.")
    expect(trail.get_by_text("Approved", exact=True)).to_have_count(2)
    with tenant_context(tenant):
        assignment = RoleAssignment.objects.get(user=mia.user, status="active")
        assert assignment.role.code == "viewer" and assignment.created_by_id == oliver.user.pk
    requester.get_by_role("link", name="My access").first.click()
    expect(requester.locator("body")).to_contain_text("Viewer")

    # Mia is told the outcome in the app: the approval and the access it gave her.
    requester_bell = requester.locator("#notifications-bell")
    expect(requester_bell).to_have_attribute("aria-label", re.compile(r"^Notifications: [1-9]\d* unread$"))
    requester_bell.click()
    inbox = requester.locator("#notification-results")
    expect(inbox.get_by_role("link", name=re.compile(r"^Approved: Mia Manager asks for Viewer at "))).to_be_visible()
    expect(inbox.get_by_role("link", name=re.compile(r"^Access granted: Viewer"))).to_be_visible()
    mailbox.last(mia.email, subject="Approved: ")

    # She switches approvals off in the app and by email; security alerts cannot be switched off.
    requester.get_by_role("link", name="Preferences", exact=True).click()
    expect(requester.get_by_role("heading", name="Notification preferences")).to_be_visible()
    for channel in ("in_app", "email"):
        box = requester.get_by_label(f"Approvals: {channel}", exact=True)
        expect(box).to_be_checked()
        box.uncheck()
        security = requester.get_by_label(f"Security alerts: {channel}", exact=True)
        expect(security).to_be_checked()
        expect(security).to_be_disabled()
    requester.get_by_role("button", name="Save preferences").click()
    expect(requester.get_by_text("Your notification preferences are saved.")).to_be_visible()
    expect(requester.get_by_label("Approvals: in_app", exact=True)).not_to_be_checked()
    expect(requester.get_by_label("Approvals: email", exact=True)).not_to_be_checked()

    # The admin comments on her request: an approvals message, so it reaches her on neither channel
    # (the fan-out runs when the comment commits, before the page answers: nothing was written for her).
    page.get_by_label("Add a comment").fill("Remember to sign out of the shared till.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("#approval-trail")).to_contain_text("Remember to sign out of the shared till.")
    assert _told(tenant, mia, "approval.commented") == []

    # She changes her password: a security alert is critical, so it still reaches her, in-app and by email.
    requester.goto(live.tenant_url(tenant, "/manage/account/"))
    requester.get_by_role("link", name="Change password").click()
    requester.locator("input[name=oldpassword]").fill(mia.password)
    requester.locator("input[name=password1]").fill(NEW_PASSWORD)
    requester.locator("input[name=password2]").fill(NEW_PASSWORD)
    requester.locator("input[name=password2]").press("Enter")
    requester.wait_for_load_state()
    alert = mailbox.last(mia.email, subject="Your password was changed")
    assert "changed" in alert.body
    requester.goto(live.tenant_url(tenant, "/manage/notifications/"))
    inbox = requester.locator("#notification-results")
    expect(inbox.get_by_text("Your password was changed")).to_be_visible()
    expect(inbox.locator("li", has_text="Your password was changed").get_by_text("Important")).to_be_visible()
    expect(inbox).not_to_contain_text("New comment on")
    assert not [m for m in mailbox.messages(mia.email) if "New comment on" in m.subject]
    (changed,) = _told(tenant, mia, "security.password_changed")
    assert changed.critical and {d.channel for d in changed.deliveries.all()} == {"in_app", "email"}
    artifacts.screenshot(requester, "last")
