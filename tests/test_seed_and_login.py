"""Demo data is idempotent, and its people can sign in where they belong."""

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from apps.accounts.models import Membership, User
from apps.accounts.totp import totp_code_now
from apps.tenancy.models import Domain, Tenant

pytestmark = pytest.mark.django_db


def test_seed_demo_is_idempotent(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "platform-demo-pass-1")
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    assert "admin@nidia.localhost / platform-demo-pass-1" in first
    assert Tenant.objects.filter(slug__in=["acme", "globex"]).count() == 2
    assert Domain.objects.filter(domain__in=["acme.localhost", "globex.localhost", "localhost"]).count() == 3
    assert User.objects.filter(email="admin@acme.localhost").count() == 1
    assert Membership.objects.filter(user__email="admin@acme.localhost", tenant__slug="acme").count() == 1
    assert User.objects.get(email="admin@nidia.localhost").is_superuser


def test_seeded_staff_user_signs_in_to_the_admin_with_the_printed_totp(platform_client, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "platform-demo-pass-2")
    call_command("seed_demo")
    output = capsys.readouterr().out
    secret = re.search(r"staff admin TOTP secret: (\S+)", output).group(1)
    recovery_codes = re.search(r"staff admin recovery codes: (.+)", output).group(1).split()
    assert len(recovery_codes) >= 8
    response = platform_client.post(
        "/accounts/login/?next=/admin/", {"login": "admin@nidia.localhost", "password": "platform-demo-pass-2"}
    )
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    response = platform_client.post("/accounts/2fa/authenticate/", {"code": totp_code_now(secret)})
    assert response.status_code == 302
    assert platform_client.get("/admin/").status_code == 200


def test_a_printed_recovery_code_also_signs_the_demo_staff_user_in(platform_client, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_ADMIN_PASSWORD", "platform-demo-pass-5")
    call_command("seed_demo")
    code = re.search(r"staff admin recovery codes: (\S+)", capsys.readouterr().out).group(1)
    platform_client.post("/accounts/login/", {"login": "admin@nidia.localhost", "password": "platform-demo-pass-5"})
    platform_client.post("/accounts/2fa/authenticate/", {"code": code})
    assert platform_client.get("/admin/").status_code == 200


def test_tenant_admin_signs_in_to_the_portal_and_sees_acme(acme_client, monkeypatch):
    monkeypatch.setenv("DEMO_ACME_PASSWORD", "acme-demo-pass-3")
    call_command("seed_demo")
    login_page = acme_client.get("/accounts/login/?next=/manage/")
    assert login_page.status_code == 200
    response = acme_client.post(
        "/accounts/login/?next=/manage/", {"login": "admin@acme.localhost", "password": "acme-demo-pass-3"}
    )
    assert response.status_code == 302
    page = acme_client.get("/manage/")
    assert page.status_code == 200
    assert "Acme" in page.content.decode()


def test_the_acme_admin_cannot_use_globex(globex_client, monkeypatch):
    monkeypatch.setenv("DEMO_ACME_PASSWORD", "acme-demo-pass-4")
    call_command("seed_demo")
    globex_client.post("/accounts/login/", {"login": "admin@acme.localhost", "password": "acme-demo-pass-4"})
    assert globex_client.get("/manage/").status_code == 403


def test_generated_demo_passwords_are_remembered_between_runs(settings, tmp_path, monkeypatch, capsys):
    for name in ("DEMO_ADMIN_PASSWORD", "DEMO_ACME_PASSWORD", "DEMO_GLOBEX_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    settings.DEMO_CREDENTIALS_FILE = str(tmp_path / "demo.json")
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    assert capsys.readouterr().out == first
    import json

    password = json.loads((tmp_path / "demo.json").read_text())["admin@acme.localhost"]
    assert User.objects.get(email="admin@acme.localhost").check_password(password)
    assert f"admin@acme.localhost / {password}" in first


# --- Restarts whatever people did with the demo data (issue 13 point 8) ---------------------------


@pytest.fixture
def plans(db):
    """The plans of fixtures/plans.json, as platform_setup loads them before seeding."""
    call_command("loaddata", "fixtures/plans.json", verbosity=0)


@pytest.fixture
def seeded(plans, monkeypatch, settings, tmp_path, capsys):
    """Seed once (quietly); returns a function that seeds again and answers (stdout, stderr)."""
    settings.DEMO_CREDENTIALS_FILE = str(tmp_path / "demo.json")
    monkeypatch.setenv("DEMO_ACME_PASSWORD", "acme-demo-pass-9")

    def seed() -> tuple[str, str]:
        call_command("seed_demo")
        captured = capsys.readouterr()
        return captured.out, captured.err

    out, err = seed()
    assert err == "" and "Demo data ready." in out, err
    return seed


def _acme_entities(**filters):
    from apps.organisation.models import Entity

    with schema_context("t_acme"):
        return list(Entity.objects.filter(**filters).values_list("name", "external_id"))


def test_demo_entities_carry_their_own_keys(seeded):
    assert sorted(key for _, key in _acme_entities(external_id__startswith="demo:")) == [
        "demo:operations", "demo:sales", "demo:sales-north", "demo:sales-south", "demo:support",
    ]  # fmt: skip
    out, err = seeded()
    assert err == "" and "Demo data ready." in out


def test_an_entity_named_like_a_demo_entity_does_not_break_the_next_seed(seeded, acme, acme_admin):
    """The crash of every later `make run`: Entity.objects.get(name="Sales") found two rows."""
    from apps.organisation.models import Entity, EntityType
    from apps.organisation.services import entity_create

    with tenant_context(acme):
        root = Entity.objects.get(parent__isnull=True)
        entity_create(name="Sales", entity_type=EntityType.objects.get(code="department"), parent=root,
                      acting_user=acme_admin)  # fmt: skip
    out, err = seeded()
    assert err == "" and "Demo data ready." in out
    assert len(_acme_entities(name="Sales")) == 2
    assert len(_acme_entities(external_id="demo:sales")) == 1


def test_the_api_way_of_making_a_twin_is_no_problem_either(seeded, acme, acme_client, acme_admin):
    with tenant_context(acme):
        from apps.organisation.models import Entity

        root = str(Entity.objects.get(parent__isnull=True).uuid)
    acme_client.force_login(acme_admin)
    response = acme_client.post(
        "/api/v1/entities/",
        {"name": "Sales North", "type": "team", "parent": root},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    out, err = seeded()
    assert err == "" and "Demo data ready." in out
    assert len(_acme_entities(name="Sales North")) == 2


def test_renamed_and_deleted_demo_rows_are_no_problem(seeded, acme, acme_admin):
    from apps.organisation.models import Entity
    from apps.organisation.services import entity_delete, entity_update
    from apps.support.demo import DEMO_KEY, DEMO_SUBJECT
    from apps.support.models import Ticket
    from apps.webhooks.models import WebhookEndpoint

    with tenant_context(acme):
        entity_update(entity=Entity.objects.get(external_id="demo:support"), name="Customer care", acting_user=None)
        south = Entity.objects.get(external_id="demo:sales-south")
        south.memberships.all().delete()
        entity_delete(entity=south, acting_user=acme_admin)
    WebhookEndpoint.objects.filter(tenant=acme).delete()
    Ticket.objects.filter(tenant=acme, subject=DEMO_SUBJECT).update(subject="Renamed by staff")
    out, err = seeded()
    assert err == "" and "Demo data ready." in out
    assert _acme_entities(external_id="demo:support") == [("Customer care", "demo:support")]  # found, not re-made
    assert _acme_entities(name="Support") == []
    assert _acme_entities(external_id="demo:sales-south") == [("Sales South", "demo:sales-south")]  # re-made
    assert WebhookEndpoint.objects.filter(tenant=acme).count() == 1
    assert Ticket.objects.filter(tenant=acme, subject=DEMO_SUBJECT).count() == 0  # the renamed one is still it
    assert Ticket.objects.get(tenant=acme, correlation_id=DEMO_KEY).subject == "Renamed by staff"


def test_a_failing_step_is_reported_and_the_others_still_run(plans, monkeypatch, capsys, caplog):
    from apps.core.contributions import DemoStep, contribute, contributions_reset

    def broken(*, stdout=None):
        raise RuntimeError("the demo data was edited into a corner")

    contribute(DemoStep("broken", broken, order=1))
    try:
        call_command("seed_demo")
    finally:
        contributions_reset()
    captured = capsys.readouterr()
    assert "seed_demo: step 'broken (DemoStep)' failed: RuntimeError: the demo data was edited into a corner" in (
        captured.err
    )
    assert "except 1 step(s) that failed: broken (DemoStep)" in captured.out
    assert "seed_demo: step 'broken (DemoStep)' failed" in caplog.text  # and in the log, with the traceback
    from apps.webhooks.models import WebhookEndpoint

    assert WebhookEndpoint.objects.filter(tenant__slug="acme").exists()  # the steps after it ran


# --- Demo billing dated relative to today -------------------------------------------------------


def _live(tenant):
    from apps.billing.models import LIVE_STATUSES, Subscription

    return Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES)


def test_demo_billing_is_relative_to_today(seeded, acme, globex):
    from apps.billing.models import Invoice

    now = timezone.now()
    (acme_sub,) = _live(acme)
    assert acme_sub.status == "active" and acme_sub.plan.name == "enterprise"
    assert acme_sub.current_period_start <= now < acme_sub.current_period_end  # next renewal in the future
    invoices = Invoice.objects.filter(subscription=acme_sub).order_by("issued_at")
    assert [invoice.status for invoice in invoices] == ["paid", "paid"]
    assert invoices[0].issued_at < now - dt.timedelta(days=28)  # last month's, paid
    (globex_sub,) = _live(globex)
    assert globex_sub.status == "trialing" and globex_sub.trial_end > now  # the trial ends in the future
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.plan_status, globex.plan_status) == ("active", "trial")
    seeded()  # again: nothing more, still one current subscription each
    assert _live(acme).count() == 1 and _live(globex).count() == 1
    assert Invoice.objects.filter(subscription=acme_sub).count() == 2


def test_a_subscription_started_by_provisioning_is_dated_for_the_demo(plans, acme, globex, capsys):
    """Provisioning may already have started each tenant's subscription today: the seed re-dates it
    instead of adding a second one."""
    from apps.billing.services import subscription_create
    from apps.tenancy.models import Plan

    free = Plan.objects.get(name="free")
    for tenant in (acme, globex):
        subscription_create(tenant=tenant, plan=free, quantity=max(1, tenant.memberships.count()), acting_user=None)
    call_command("seed_demo")
    assert capsys.readouterr().err == ""
    (acme_sub,) = _live(acme)
    (globex_sub,) = _live(globex)
    assert (acme_sub.plan.name, acme_sub.status) == ("enterprise", "active")
    assert (globex_sub.plan.name, globex_sub.status) == ("starter", "trialing")
    assert globex_sub.trial_end > timezone.now()


def test_a_used_subscription_is_kept_and_the_billing_run_at_start_catches_it_up(plans, acme, capsys):
    """A demo seeded weeks ago and never restarted: the start's billing run bills what fell due."""
    from apps.backoffice.management.commands.platform_setup import Command as PlatformSetup
    from apps.billing.demo import demo_subscription_ensure
    from apps.billing.models import Invoice
    from apps.tenancy.models import Plan

    long_ago = timezone.now() - dt.timedelta(days=90)
    starter = Plan.objects.get(name="starter")
    subscription, done = demo_subscription_ensure(tenant=acme, plan=starter, days_ago=0, now=long_ago)
    assert done == "created" and subscription.trial_end < timezone.now()  # "Trialing until" a past day
    setup = PlatformSetup()
    setup.billing_catch_up()
    assert "billing run: 1 subscription(s) due" in capsys.readouterr().out
    subscription.refresh_from_db()
    assert subscription.current_period_end > timezone.now()
    assert Invoice.objects.filter(subscription=subscription).exists()
    again, done = demo_subscription_ensure(tenant=acme, plan=starter, days_ago=4)
    assert (again.pk, done) == (subscription.pk, "kept")


def test_acceptance_a_new_browser_is_a_scored_new_sign_in_and_a_lower_step_up_asks_for_a_code(
    monkeypatch, django_capture_on_commit_callbacks
):
    """Issue 19's walk on demo data: the demo admin signed in before (seed_demo's earlier device), so a
    new browser profile is a new device: "New sign-in" notice and a scored timeline entry; with the
    step-up score lowered, the same sign-in asks for a second factor (an email code: no factor enrolled)."""
    from django.core import mail
    from django.test import Client

    from apps.notifications.models import Notification
    from apps.organisation.models import Entity
    from apps.policy.services import policy_set
    from apps.security.models import AuthEvent
    from apps.timeline.selectors import timeline_page

    monkeypatch.setenv("DEMO_ACME_PASSWORD", "acme-demo-pass-6")
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent: still one earlier device
    admin = User.objects.get(email="admin@acme.localhost")
    assert admin.known_devices.count() == 1
    acme = Tenant.objects.get(slug="acme")
    login = {"login": "admin@acme.localhost", "password": "acme-demo-pass-6"}
    browser = Client(HTTP_HOST="acme.localhost")
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post("/accounts/login/?next=/manage/", login)["Location"] == "/manage/"
    event = AuthEvent.objects.filter(user_id=admin.pk, kind=AuthEvent.Kind.LOGIN_SUCCEEDED).latest("id")
    assert (event.risk_score, event.risk_flags) == (40, ["new_device", "location_unknown"])
    with tenant_context(acme):
        assert Notification.objects.filter(recipient=admin, event="security.new_sign_in").exists()
        entries = timeline_page(tenant=acme, audience="tenant", limit=5, kinds=["auth"]).entries
        assert entries[0].detail.startswith("risk 40/100 (new device, ")
        root = Entity.objects.get(parent__isnull=True)
        policy_set(entity=root, acting_user=admin, risk_step_up_score=30)
    assert "New sign-in" in browser.get("/manage/notifications/").content.decode()
    mail.outbox.clear()
    other = Client(HTTP_HOST="acme.localhost")  # another new browser profile
    assert other.post("/accounts/login/?next=/manage/", login)["Location"].startswith("/accounts/2fa/authenticate/")
    other.post("/accounts/2fa/authenticate/code/", {"channel": "email"})
    code = re.search(r"\b(\d{6})\b", str(mail.outbox[-1].subject)).group(1)
    other.post("/accounts/2fa/authenticate/", {"code": code})
    assert other.get("/manage/").status_code == 200
