"""apps.core.hooks: a lower app asks, a higher app answers (registered from its AppConfig.ready())."""

import pytest

from apps.core import hooks


def test_one_all_default_and_unregister():
    def first(x):
        return f"first {x}"

    def second(x):
        return f"second {x}"

    with pytest.raises(LookupError):
        hooks.one("test.answer")
    assert hooks.one("test.answer", default=lambda x: "none")(1) == "none"
    hooks.register("test.answer", first)
    hooks.register("test.answer", second)
    hooks.register("test.answer", first)  # registered once
    try:
        assert [fn(1) for fn in hooks.all("test.answer")] == ["first 1", "second 1"]
        assert hooks.one("test.answer")(2) == "second 2"  # the last registered answers
    finally:
        hooks.unregister("test.answer", first)
        hooks.unregister("test.answer", second)
    assert hooks.all("test.answer") == []


def test_the_installed_apps_answer_the_hooks_they_are_asked():
    """Each hook a lower app asks has its implementation registered at startup."""
    for name in [
        "usage.emails_sent_by_tenant",
        "emails.branding_for_tenant",
        "security.web_login_refused",
        "security.mfa_required_anywhere",
        "security.mfa_required_in_tenant",
        "tokens.login_refusal",
        "tokens.bearer_request_check",
        "gdpr.tenant_erase",
        "gdpr.person_profile_ids",
        "organisation.permission_resolver",
        "organisation.import_assignments",
    ]:
        assert len(hooks.all(name)) == 1, name
