"""SLA policies edited in the staff admin go through sla_policy_create / sla_policy_update: history
names the staff member and the audit event holds the changed targets."""

import pytest

from apps.audit.models import AuditEvent
from apps.support.models import SlaPolicy

pytestmark = pytest.mark.django_db

POLICIES = "/admin/support/slapolicy/"


def test_sla_policy_add_and_change_are_audited(platform_client, platform_superuser):
    platform_client.force_login(platform_superuser)
    SlaPolicy.objects.filter(plan=None, priority="urgent").delete()
    form = {"plan": "", "priority": "urgent", "first_response_minutes": "60", "resolution_minutes": "240"}
    assert platform_client.post(f"{POLICIES}add/", form).status_code == 302
    policy = SlaPolicy.objects.get(plan=None, priority="urgent")
    created = AuditEvent.objects.get(action="support.sla_policy_created", target_id=str(policy.pk))
    assert created.actor_id == platform_superuser.pk and created.after["resolution_minutes"] == 240

    response = platform_client.post(f"{POLICIES}{policy.pk}/change/", {**form, "first_response_minutes": "30"})
    assert response.status_code == 302
    policy.refresh_from_db()
    updated = AuditEvent.objects.get(action="support.sla_policy_updated", target_id=str(policy.pk))
    assert (updated.before, updated.after) == ({"first_response_minutes": 60}, {"first_response_minutes": 30})
    assert policy.first_response_minutes == 30 and policy.history.latest().history_user_id == platform_superuser.pk
