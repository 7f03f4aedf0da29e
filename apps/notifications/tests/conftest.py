"""Test categories and notices of the engine (declared with `contribute`, forgotten afterwards), and
sending run inline instead of through a Celery worker."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from apps.core.contributions import Notice, NotificationCategory, contribute, contributions_reset
from apps.notifications import rendering, tasks
from apps.organisation.models import MemberProfile

_STUB = Path(__file__).resolve().parents[3] / "bin" / "sms_stub.py"
if "sms_stub_server" not in sys.modules:
    _spec = importlib.util.spec_from_file_location("sms_stub_server", _STUB)
    assert _spec is not None and _spec.loader is not None
    _module = importlib.util.module_from_spec(_spec)
    sys.modules["sms_stub_server"] = _module
    _spec.loader.exec_module(_module)
SmsStub = sys.modules["sms_stub_server"].SmsStub


def to_people(tenant, payload):
    """The test notices' recipients: the payload's "to" list."""
    return payload.get("to", [])


def item_url(tenant, payload):
    return f"/manage/things/{payload.get('thing', 0)}/"


@pytest.fixture
def notices():
    """Categories "test_news" (in_app + email), "test_alerts" (critical) and "test_phone" (sms, whatsapp),
    with one notice each."""
    contribute(
        NotificationCategory("test_news", "News", default_channels=("in_app", "email")),
        NotificationCategory("test_alerts", "Alerts", critical=True, default_channels=("in_app", "email")),
        NotificationCategory("test_phone", "Phone", default_channels=("sms", "whatsapp")),
        Notice("test.news", "test_news", "apps.notifications.tests.conftest.to_people",
               title="News: {{ headline }}", body="Hello {{ recipient.email }}, {{ headline }} happened.",
               url="apps.notifications.tests.conftest.item_url"),
        Notice("test.alert", "test_alerts", "apps.notifications.tests.conftest.to_people",
               title="Alert: {{ headline }}", body="Act now."),
        Notice("test.phone", "test_phone", "apps.notifications.tests.conftest.to_people",
               title="Code {{ code }}", body=""),
    )  # fmt: skip
    rendering.platform_cache_clear()
    yield
    contributions_reset()
    rendering.platform_cache_clear()


@pytest.fixture
def inline_send(monkeypatch):
    """Sending tasks run at once, in the process (what a worker would do with the message)."""
    sent = []

    def apply_async(args, **kwargs):
        sent.append(list(args[1]))
        return tasks.deliveries_send(*args)

    monkeypatch.setattr(tasks.deliveries_send, "apply_async", apply_async)
    return sent


@pytest.fixture
def queued_send(monkeypatch):
    """Sending tasks are only recorded (a worker that never ran, or died)."""
    queued = []
    monkeypatch.setattr(tasks.deliveries_send, "apply_async", lambda args, **kw: queued.append(list(args[1])))
    return queued


def profile(tenant, user, **preferences):
    with schema_context(tenant.schema_name):
        row, _ = MemberProfile.objects.get_or_create(user=user)
        row.preferences = {**row.preferences, **preferences}
        row.save()
        return row
