"""The staff admin of incidents: read-only, every changelist in a constant number of queries."""

import pytest
from django_tenants.utils import tenant_context

from apps.assets.tests.admin_checks import assert_read_only_and_constant
from apps.incidents import services
from apps.incidents.models import (
    Incident,
    IncidentAction,
    IncidentAttachment,
    IncidentPerson,
    IncidentSettings,
    RegulatorDeadline,
)
from apps.incidents.services import PersonInput

from .conftest import report

pytestmark = pytest.mark.django_db
MODELS = [Incident, IncidentAction, IncidentSettings, RegulatorDeadline]


def _more(ops, n: int) -> None:
    with tenant_context(ops.tenant):
        services.settings_save(acting_user=ops.admin, warn_hours_before=6)
        for i in range(n):
            incident = report(ops, title=f"Slip {n}-{i}", people=[PersonInput(role="witness", user=ops.ivy)])
            services.incident_action_create(incident=incident, title=f"Fix {n}-{i}", assignee=ops.rae,
                                            acting_user=ops.admin)  # fmt: skip


@pytest.mark.parametrize("model", MODELS)
def test_changelists_do_not_query_per_row(model, ops, platform_superuser, settings):
    settings.ROOT_URLCONF = "config.urls.platform"
    assert_read_only_and_constant(model, tenant=ops.tenant, user=platform_superuser, more=lambda n: _more(ops, n))
    with tenant_context(ops.tenant):
        assert IncidentPerson.objects.count() == 5 and not IncidentAttachment.objects.exists()
