"""J12: risk-based sign-in, as issue 19's acceptance walks it. A tenant admin who signed in before
signs in from a new browser profile: the "New sign-in" notification arrives (bell, inbox, email) and
the organisation's activity timeline shows the scored event. The admin lowers the policy's step-up
score on the security policy page; the next sign-in from another new profile asks for a second factor:
having none, a code by email to the verified address, and the code signs in."""

import re

from playwright.sync_api import expect

CODE = re.compile(r"\b(\d{6})\b")


def test_a_new_browser_is_news_and_a_lower_step_up_score_asks_for_a_code(
    page, new_page, live, people, sign_in, mailbox, artifacts
):
    tenant = people.tenant(name="Risk Harbour")
    admin = people.tenant_admin(tenant)
    login = live.tenant_url(tenant, "/accounts/login/?next=/manage/")

    # The first sign-in ever (this browser): nothing to compare with, so no news.
    sign_in(page, login, admin)

    # Another browser profile (no device cookie): a new device, told and scored.
    laptop = new_page()
    sign_in(laptop, login, admin)
    assert "New sign-in" in mailbox.last(admin.email, subject="New sign-in").subject
    laptop.goto(live.tenant_url(tenant, "/manage/notifications/"))
    expect(laptop.locator("body")).to_contain_text("New sign-in")
    laptop.goto(live.tenant_url(tenant, "/manage/activity/"))
    expect(laptop.locator("body")).to_contain_text(re.compile(r"risk 40/100 \(new device, "))

    # The admin asks for a second factor above a score of 30 (Inherit unticked, value set).
    laptop.goto(live.tenant_url(tenant, "/manage/security-policy/"))
    laptop.get_by_role("link", name=re.compile(r"^Change the policy of")).click()
    laptop.locator("input[name=risk_step_up_score_inherit]").uncheck()
    laptop.locator("input[name=risk_step_up_score]").fill("30")
    laptop.get_by_role("button", name="Save").click()
    expect(laptop.locator("body")).not_to_contain_text("This field")
    artifacts.screenshot(laptop, "policy-saved")

    # A third profile: the same sign-in now asks for a second factor; the admin has none, so an email code.
    phone = new_page()
    phone.goto(login)
    phone.locator("input[name=login]").fill(admin.email)
    phone.locator("input[name=password]").fill(admin.password)
    phone.locator("input[name=password]").press("Enter")
    expect(phone).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    expect(phone.locator("body")).to_contain_text("This sign-in looks unusual for your account")
    sent_before = len(mailbox.messages(admin.email))
    phone.get_by_role("button", name=re.compile(r"^Email me a code")).click()
    expect(phone.locator("body")).to_contain_text("We sent a code to")
    message = mailbox.last(admin.email, count=sent_before + 1)
    code = CODE.search(message.subject) or CODE.search(message.body)
    assert code is not None, message.subject
    phone.locator("input[name=code]").fill(code.group(1))
    phone.locator("input[name=code]").press("Enter")
    expect(phone).to_have_url(re.compile(r"/manage/$"))
    artifacts.screenshot(phone, "last")
