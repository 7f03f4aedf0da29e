"""J7: the admin defines a two-step approval workflow for access requests; a member asks for a role;
the admin approves step 1 from the inbox, the second approver step 2; the member then holds the role
and sees the whole trail. (In-app notifications are not part of this branch: the notifications engine
is merged separately.)"""

from django_tenants.utils import tenant_context
from playwright.sync_api import expect

from apps.access.models import RoleAssignment


def test_an_access_request_goes_through_a_two_step_workflow(page, new_page, live, people, sign_in, artifacts):
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

    # The admin finds it in the inbox and approves step 1.
    page.goto(live.tenant_url(tenant, "/manage/"))
    expect(page.locator("body")).to_contain_text("Waiting for your approval")
    main.get_by_role("link", name="Approvals", exact=True).click()
    page.get_by_role("link", name="Viewer at").first.click()
    expect(page.get_by_role("heading", name="Your decision")).to_be_visible()
    page.get_by_label("Comment (optional)").fill("Fine by me.")
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_text("You approved this request.")).to_be_visible()
    expect(page.locator("#approval-status")).to_contain_text("step 2")

    # Oliver approves step 2.
    second = new_page()
    sign_in(second, live.tenant_url(tenant, "/accounts/login/?next=/manage/"), oliver)
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
    artifacts.screenshot(requester, "last")
