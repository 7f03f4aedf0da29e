"""The workflow editor: tenant admins only, steps added / moved / removed on the server, validation
messages from the engine, and the preview of who would approve."""

import pytest
from django_tenants.utils import tenant_context

from apps.accessrequests.models import KIND
from apps.approvals.models import ApprovalWorkflow

pytestmark = pytest.mark.django_db

WORKFLOWS = "/manage/approvals/workflows/"
NEW = f"{WORKFLOWS}new/?kind={KIND}"
PREVIEW = f"{WORKFLOWS}preview/"


def step(i, **values):
    base = {"name": f"Step {i + 1}", "approver_type": "manager", "manager_levels": "1", "rule": "any",
            "on_timeout": "escalate"}  # fmt: skip
    return {f"steps-{i}-{key}": value for key, value in {**base, **values}.items()}


def posted(*steps, **extra):
    data = {"kind": KIND, "name": "Two steps", "is_active": "on", "steps-TOTAL_FORMS": str(len(steps)),
            "steps-INITIAL_FORMS": "0", "steps-MIN_NUM_FORMS": "0", "steps-MAX_NUM_FORMS": "50"}  # fmt: skip
    for s in steps:
        data.update(s)
    return {**data, **extra}


def test_only_tenant_admins_edit_workflows(acme_client, acme_member, globex_member, acme_admin):
    acme_client.force_login(acme_member)
    assert acme_client.get(WORKFLOWS).status_code == 403
    assert acme_client.get(NEW).status_code == 403
    assert acme_client.post(PREVIEW, posted()).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(WORKFLOWS).status_code == 403
    acme_client.force_login(acme_admin)
    html = acme_client.get(WORKFLOWS).content.decode()
    assert "Access request" in html and "New workflow" in html
    assert acme_client.get(f"{WORKFLOWS}new/?kind=nope").status_code == 404


def test_an_admin_defines_a_two_step_workflow(acme_client, acme_admin, acme_member, acme, in_acme):
    acme_client.force_login(acme_admin)
    assert "Step 1" in acme_client.get(NEW).content.decode()
    data = posted(step(0, approver_type="people", people=str(acme_admin.pk), name="Admin"),
                  step(1, approver_type="people", people=str(acme_member.pk), name="Member"), save="1")  # fmt: skip
    response = acme_client.post(NEW, data)
    assert response.status_code == 302, response.content.decode()
    with tenant_context(acme):
        workflow = ApprovalWorkflow.objects.get(kind=KIND)
        assert [(s.position, s.name, s.people) for s in workflow.steps.order_by("position")] == [
            (1, "Admin", [acme_admin.pk]), (2, "Member", [acme_member.pk])]  # fmt: skip
    edit = acme_client.get(f"{WORKFLOWS}{workflow.uuid}/").content.decode()
    assert 'value="Admin"' in edit and 'value="Member"' in edit


def test_add_move_and_remove_answer_with_the_steps_only_under_htmx(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    added = acme_client.post(NEW, posted(step(0, name="First"), add_step="1"), HTTP_HX_REQUEST="true")
    html = added.content.decode()
    assert added.status_code == 200 and "<html" not in html and 'value="Step 2"' in html
    moved = acme_client.post(NEW, posted(step(0, name="First"), step(1, name="Second"), move_step="1:up"),
                             HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert moved.index('value="Second"') < moved.index('value="First"')
    removed = acme_client.post(NEW, posted(step(0, name="First"), step(1, name="Second"), remove_step="0"),
                               HTTP_HX_REQUEST="true").content.decode()  # fmt: skip
    assert 'value="First"' not in removed and 'value="Second"' in removed


def test_the_engine_refuses_a_bad_definition_with_its_reason(acme_client, acme_admin, acme):
    acme_client.force_login(acme_admin)
    response = acme_client.post(NEW, posted(save="1"))  # no steps
    assert response.status_code == 400
    assert "cannot be saved" in response.content.decode()
    nobody = acme_client.post(NEW, posted(step(0, approver_type="people", name="Nobody"), save="1"))
    assert nobody.status_code == 400 and "cannot be saved" in nobody.content.decode()
    with tenant_context(acme):
        assert not ApprovalWorkflow.objects.exists()


def test_the_preview_says_who_would_approve_and_why(acme_client, acme_admin, acme_member):
    acme_client.force_login(acme_admin)
    data = posted(step(0, approver_type="people", people=str(acme_admin.pk), name="Admin"),
                  step(1, approver_type="people", people=str(acme_member.pk), name="Only solutions",
                       condition_field="kind", condition_op="eq", condition_value="solution"),
                  requester=str(acme_member.pk), field_kind="role", field_role="manager")  # fmt: skip
    html = acme_client.post(PREVIEW, data, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in html and acme_admin.full_name in html and "is named in the workflow" in html
    assert "skipped" in html
