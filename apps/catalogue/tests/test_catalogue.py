"""The catalogue: the fixture loads (and reloads) cleanly, plans refer to it, and what a plan offers."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command

from apps.catalogue.models import Integration, Solution, config_schema_validate
from apps.catalogue.selectors import integrations_for_plan, plan_integration_codes, solutions_for_plan
from apps.tenancy.models import Plan

from .fixtures import CATALOGUE_FIXTURE

pytestmark = pytest.mark.django_db

SOLUTION_CODES = {"attendance", "tasks", "workplaces", "leave", "approvals", "reports", "chat", "notifications"}


def test_fixture_loads_every_solution_and_valid_integrations(catalogue):
    assert set(Solution.objects.values_list("code", flat=True)) == SOLUTION_CODES
    integrations = list(Integration.objects.select_related("required_solution"))
    assert {i.code for i in integrations} >= {"slack", "microsoft-teams", "google-calendar", "payroll-xero",
                                              "sso-azure-ad", "webhook"}  # fmt: skip
    for integration in integrations:
        integration.full_clean()  # the config schema and scopes are well formed
    assert Integration.objects.get(code="payroll-xero").required_solution.code == "attendance"
    assert "bot_token" in Integration.objects.get(code="slack").secret_keys


def test_reloading_updates_rows_by_code_without_duplicates(catalogue):
    Solution.objects.filter(code="leave").update(name="Renamed")
    call_command("loaddata", str(CATALOGUE_FIXTURE), verbosity=0)
    assert Solution.objects.count() == len(SOLUTION_CODES)
    assert Solution.objects.get(code="leave").name == "Leave"


def test_load_reference_data_loads_the_catalogue(db):
    call_command("load_reference_data", verbosity=0)
    assert Solution.objects.filter(code="attendance").exists()
    assert Integration.objects.filter(code="slack").exists()


def test_every_plan_fixture_refers_to_catalogue_codes(catalogue):
    plans = json.loads(Path(settings.BASE_DIR, "fixtures", "plans.json").read_text())
    integration_codes = set(Integration.objects.values_list("code", flat=True))
    for plan in plans:
        features = plan["fields"]["features"]
        assert set(features["solutions"]) <= SOLUTION_CODES
        assert features["integrations"] and set(features["integrations"]) <= integration_codes


def test_a_plan_offers_integrations_it_lists_whose_required_solution_it_has(catalogue):
    plan = Plan(features={"solutions": ["tasks"], "integrations": ["webhook", "payroll-xero", "nonsense"]})
    assert [i.code for i in integrations_for_plan(plan)] == ["webhook"]  # Xero needs Attendance
    plan.features["solutions"].append("attendance")
    assert {i.code for i in integrations_for_plan(plan)} == {"webhook", "payroll-xero"}
    Integration.objects.filter(code="webhook").update(is_active=False)
    assert [i.code for i in integrations_for_plan(plan)] == ["payroll-xero"]
    assert [s.code for s in solutions_for_plan(plan)] == ["attendance", "tasks"]
    assert plan_integration_codes(None) == [] and plan_integration_codes(Plan(features={})) == []


@pytest.mark.parametrize(
    "schema",
    [
        [],
        {"fields": "x"},
        {"fields": [{"label": "No key"}]},
        {"fields": [{"key": "bad key", "label": "x"}]},
        {"fields": [{"key": "a", "label": "A", "secret": "yes"}]},
        {"fields": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]},
    ],
)
def test_malformed_config_schemas_are_refused(schema):
    with pytest.raises(ValidationError):
        config_schema_validate(schema)


def test_integration_clean_puts_schema_errors_on_the_field(catalogue):
    integration = Integration.objects.get(code="slack")
    integration.config_schema = {"fields": [{"key": "a"}]}
    with pytest.raises(ValidationError) as caught:
        integration.full_clean()
    assert "config_schema" in caught.value.message_dict
