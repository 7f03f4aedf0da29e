"""apps.core.hooks: a lower app asks, a higher app answers with a `Hook` in its contributions.py."""

from dataclasses import FrozenInstanceError

import pytest

from apps.core import hooks
from apps.core.contributions import Hook, contribute, contributions, contributions_reset


def first(x):
    return f"first {x}"


def second(x):
    return f"second {x}"


@pytest.fixture
def registry_restored():
    yield
    contributions_reset()


def test_one_all_and_default(registry_restored):
    with pytest.raises(LookupError):
        hooks.one("test.answer")
    assert hooks.one("test.answer", default=lambda x: "none")(1) == "none"
    assert hooks.all("test.answer") == []
    contribute(
        Hook("test.answer", first),
        Hook("test.answer", "apps.core.tests.test_hooks.second"),  # a dotted path is imported when read
        Hook("test.answer", "apps.core.tests.test_hooks.first"),  # the same implementation counts once
    )
    assert [fn(1) for fn in hooks.all("test.answer")] == ["first 1", "second 1"]
    assert hooks.one("test.answer")(2) == "second 2"  # the last answers
    assert hooks.all("test.other") == []


def test_the_last_by_order_answers_whatever_the_declaration_order(registry_restored):
    contribute(Hook("test.ordered", second, order=20), Hook("test.ordered", first, order=10))
    assert [fn(1) for fn in hooks.all("test.ordered")] == ["first 1", "second 1"]
    assert hooks.one("test.ordered")(1) == "second 1"


def test_hooks_are_frozen():
    with pytest.raises(FrozenInstanceError):
        Hook("a", first).name = "b"  # type: ignore[misc]


def test_the_installed_apps_answer_the_hooks_they_are_asked():
    """Each hook a lower app asks is answered by exactly one declaration, whose path imports."""
    answered = {
        "usage.emails_sent_by_tenant": "apps.emails",
        "usage.whatsapp_sent_by_tenant": "apps.notifications",
        "emails.branding_for_tenant": "apps.branding",
        "security.web_login_refused": "apps.policy",
        "security.mfa_required_anywhere": "apps.policy",
        "security.mfa_required_in_tenant": "apps.policy",
        "security.impersonation_refusal": "apps.policy",
        "security.sign_in_risk_thresholds": "apps.policy",
        "security.otp_channels_allowed": "apps.policy",
        "security.sms_send": "apps.notifications",
        "security.user_credentials_changed": "apps.tokens",
        "tokens.login_refusal": "apps.policy",
        "tokens.bearer_request_check": "apps.policy",
        "gdpr.tenant_erase": "apps.organisation",
        "gdpr.person_profile_ids": "apps.organisation",
        "organisation.permission_resolver": "apps.access",
        "organisation.import_assignments": "apps.access",
        "security.signup_open": "apps.onboarding",
        "tenancy.suspension_exits": "apps.billing",
        "tenancy.plan_change": "apps.billing",
        "tasks.completion_check": "apps.forms",
        "forms.submission_status_changed": "apps.formstats",
        "forms.submissions_bulk_created": "apps.formstats",
        "realtime.topics": "apps.chat",
        "realtime.frame": "apps.chat",
        # apps.core.jobs asks, before re-sending a job whose worker died, its app to release what it had claimed.
        "jobs.requeue:reporting.run_execute": "apps.reporting",
        "jobs.requeue:notifications.deliveries_send": "apps.notifications",
        "jobs.requeue:webhooks.deliver": "apps.webhooks",
        # ... and, when it gives up after the last attempt, the app that owns the job marks it failed.
        "jobs.gave_up:tenancy.provision_tenant": "apps.tenancy",
    }
    for name, app in answered.items():
        implementations = hooks.all(name)
        assert len(implementations) == 1, name
        assert implementations[0].__module__.startswith(f"{app}."), name
    # Hooks that several apps answer (each answer is used): their apps, in INSTALLED_APPS order.
    answered_by_several = {
        "observability.metrics": ["apps.webhooks", "apps.notifications"],
        # apps.gdpr.export: each app's part of a person's export (apps/gdpr/tests/test_person_export.py
        # checks that every app keeping data about people answers).
        "gdpr.person_export": [
            "apps.organisation", "apps.access", "apps.solutions", "apps.approvals", "apps.accessrequests",
            "apps.rosters", "apps.leave", "apps.timeclock", "apps.attendance", "apps.tasks", "apps.routines",
            "apps.timesheets", "apps.assets", "apps.incidents", "apps.inspections", "apps.forms", "apps.formstats",
            "apps.reporting", "apps.chat",
        ],
    }  # fmt: skip
    for name, apps in answered_by_several.items():
        assert [fn.__module__.rsplit(".", 1)[0] for fn in hooks.all(name)] == apps, name
    assert {declared.name for declared in contributions(Hook)} == set(answered) | set(answered_by_several)
