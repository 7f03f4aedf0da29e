"""The delivery engine: fan-out, idempotency, preferences, quiet hours, digests, retries, usage."""

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from apps.core.events import publish
from apps.emails.models import EmailDelivery
from apps.notifications import delivery, selectors, services, tasks, usage
from apps.notifications.fanout import event_key
from apps.notifications.models import Delivery, Notification, TenantNotificationWork
from tests.factories import MembershipFactory

from .conftest import profile

pytestmark = pytest.mark.django_db

NOON = dt.datetime(2025, 1, 15, 12, 0, tzinfo=dt.UTC)  # 23:00 in Sydney (AEDT), 12:00 in London


def _notify(tenant, event, to, now=None, **payload):
    return services.notify(event=event, tenant=tenant, payload={"to": [str(u) for u in to], **payload}, now=now)


def _deliveries(tenant, **filters):
    with schema_context(tenant.schema_name):
        return list(Delivery.objects.filter(**filters).select_related("notification").order_by("pk"))


def test_one_event_reaches_members_in_app_and_by_email_once(
    acme, acme_admin, acme_member, globex_member, notices, inline_send, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        created = _notify(acme, "test.news", [acme_admin.pk, acme_member.pk, globex_member.pk, "guest@example.com"],
                          headline="Launch", thing=7)  # fmt: skip
    assert created == 5  # 2 members x (in_app + email) + the address by email; the outsider is left out
    rows = _deliveries(acme)
    assert {(d.recipient_key, d.channel, d.status) for d in rows} == {
        (f"u:{acme_admin.pk}", "in_app", "sent"), (f"u:{acme_admin.pk}", "email", "sent"),
        (f"u:{acme_member.pk}", "in_app", "sent"), (f"u:{acme_member.pk}", "email", "sent"),
        ("e:guest@example.com", "email", "sent"),
    }  # fmt: skip
    assert sorted(m.to[0] for m in mail.outbox) == ["admin@acme.test", "guest@example.com", "member@acme.test"]
    assert mail.outbox[0].subject == "News: Launch"
    assert EmailDelivery.objects.filter(template="notification", tenant=acme, status="sent").count() == 3
    with schema_context(acme.schema_name):
        note = selectors.inbox(acme_member).get()
        assert (note.title, note.url) == ("News: Launch", "/manage/things/7/")
        assert note.body == "Hello member@acme.test, Launch happened."
        assert selectors.unread_count(acme_member) == 1 and selectors.unread_count(globex_member) == 0

    # The same publication again (a retried request, a re-run): nothing new, nothing sent again.
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(acme, "test.news", [acme_admin.pk, acme_member.pk, globex_member.pk, "guest@example.com"],
                       headline="Launch", thing=7) == 0  # fmt: skip
    assert len(mail.outbox) == 3 and len(_deliveries(acme)) == 5


def test_event_id_identifies_the_publication():
    assert event_key("a.b", {"event_id": "x", "n": 1}) == event_key("a.b", {"event_id": "x", "n": 2})
    assert event_key("a.b", {"n": 1, "m": 2}) == event_key("a.b", {"m": 2, "n": 1})
    assert event_key("a.b", {"n": 1}) != event_key("a.c", {"n": 1})


def test_published_domain_events_are_told_after_commit(acme, acme_member, notices, inline_send,
                                                       django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        publish("test.news", {"to": [str(acme_member.pk)], "headline": "Hi"}, tenant=acme)
        publish("unrelated.event", {"to": [str(acme_member.pk)]}, tenant=acme)
    assert len(_deliveries(acme)) == 2 and len(mail.outbox) == 1


def test_an_event_without_a_notice_is_refused(acme, notices):
    with pytest.raises(ValidationError, match="No notice"):
        services.notify(event="nobody.declared", tenant=acme, payload={})


# --- Preferences ---------------------------------------------------------------------------------


def test_person_beats_tenant_default_beats_category_default(acme, acme_admin, acme_member, notices, inline_send,
                                                            django_capture_on_commit_callbacks):  # fmt: skip
    with schema_context(acme.schema_name):
        services.tenant_default_set(category="test_news", channel="email", enabled=False, acting_user=acme_admin)
        services.preference_set(user=acme_admin, category="test_news", channel="email", enabled=True,
                                acting_user=acme_admin)  # fmt: skip
        services.preference_set(user=acme_member, category="test_news", channel="in_app", enabled=False,
                                acting_user=acme_member)  # fmt: skip
        matrix = {row["key"]: row for row in selectors.preferences_for(acme_member)}
        channels = {c["channel"]: c for c in matrix["test_news"]["channels"]}
        assert channels["email"] == {"channel": "email", "enabled": False, "locked": False, "source": "tenant"}
        assert channels["in_app"]["source"] == "person" and channels["in_app"]["enabled"] is False
        assert all(c["locked"] for c in matrix["test_alerts"]["channels"] if c["channel"] in ("in_app", "email"))
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.news", [acme_admin.pk, acme_member.pk], headline="x")
    got = {(d.recipient_key, d.channel) for d in _deliveries(acme)}
    assert got == {(f"u:{acme_admin.pk}", "in_app"), (f"u:{acme_admin.pk}", "email")}  # the member: nothing at all
    with schema_context(acme.schema_name):
        assert not Notification.objects.filter(recipient=acme_member).exists()


def test_critical_categories_cannot_be_switched_off(acme, acme_admin, acme_member, notices, inline_send,
                                                    django_capture_on_commit_callbacks):  # fmt: skip
    with schema_context(acme.schema_name):
        with pytest.raises(ValidationError, match="critical"):
            services.preference_set(user=acme_member, category="test_alerts", channel="email", enabled=False,
                                    acting_user=acme_member)  # fmt: skip
        with pytest.raises(ValidationError, match="critical"):
            services.tenant_default_set(category="test_alerts", channel="in_app", enabled=False,
                                        acting_user=acme_admin)  # fmt: skip
        with pytest.raises(ValidationError, match="critical"):
            services.digest_set(user=acme_member, category="test_alerts", frequency="daily", acting_user=acme_member)
        services.preference_set(
            user=acme_member, category="test_alerts", channel="sms", enabled=True, acting_user=acme_member
        )  # fmt: skip  adding a channel is fine
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.alert", [acme_member.pk], headline="x")
    assert {d.channel for d in _deliveries(acme)} >= {"in_app", "email"}


@pytest.mark.parametrize(
    ("call", "kwargs", "message"),
    [
        (services.preference_set, {"category": "nope", "channel": "email", "enabled": True}, "Unknown notification"),
        (services.preference_set, {"category": "test_news", "channel": "pigeon", "enabled": True}, "Unknown channel"),
        (services.preference_set, {"category": "test_news", "channel": "webhook", "enabled": True}, "organisation"),
        (services.digest_set, {"category": "test_news", "frequency": "hourly"}, "Unknown digest frequency"),
        (services.quiet_hours_set, {"start": dt.time(22), "end": dt.time(7), "time_zone": "Mars/Base"}, "time zone"),
        (services.quiet_hours_set, {"start": dt.time(7), "end": dt.time(7), "time_zone": "UTC"}, "different times"),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_the_reason(acme, acme_member, notices, call, kwargs, message):
    with schema_context(acme.schema_name):
        with pytest.raises(ValidationError, match=message):
            call(user=acme_member, acting_user=acme_member, **kwargs)
        with pytest.raises(ValidationError, match="Unknown channel"):
            services.tenant_default_set(category="test_news", channel="fax", enabled=True, acting_user=acme_member)


# --- Quiet hours ---------------------------------------------------------------------------------


def test_quiet_hours_hold_non_critical_in_the_persons_time_zone(acme, acme_admin, acme_member, notices, inline_send,
                                                                django_capture_on_commit_callbacks):  # fmt: skip
    with schema_context(acme.schema_name):
        for user, zone in ((acme_admin, "Australia/Sydney"), (acme_member, "Europe/London")):
            services.quiet_hours_set(user=user, start=dt.time(22), end=dt.time(7), time_zone=zone, acting_user=user)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.news", [acme_admin.pk, acme_member.pk], now=NOON, headline="x")
        _notify(acme, "test.alert", [acme_admin.pk], now=NOON, headline="y")
    email = {(d.notification.event, d.recipient_key): d for d in _deliveries(acme, channel="email")}
    sydney = email[("test.news", f"u:{acme_admin.pk}")]
    assert sydney.status == "held"  # 23:00 in Sydney
    assert sydney.next_attempt_at == dt.datetime(2025, 1, 15, 20, 0, tzinfo=dt.UTC)  # 07:00 AEDT
    assert email[("test.news", f"u:{acme_member.pk}")].status == "sent"  # noon in London
    assert email[("test.alert", f"u:{acme_admin.pk}")].status == "sent"  # critical: not held
    assert TenantNotificationWork.objects.get(tenant=acme).due_at == sydney.next_attempt_at

    # Before 07:00 Sydney the sweep leaves it; after, it goes out once.
    tasks.tenant_sweep(acme, now=NOON + dt.timedelta(hours=7), inline=True)
    assert _deliveries(acme, pk=sydney.pk)[0].status == "held"
    tasks.tenant_sweep(acme, now=NOON + dt.timedelta(hours=8, minutes=1), inline=True)
    assert _deliveries(acme, pk=sydney.pk)[0].status == "sent"
    assert [m.to[0] for m in mail.outbox].count("admin@acme.test") == 2
    assert not TenantNotificationWork.objects.filter(tenant=acme).exists()


# --- Digests -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frequency", "early", "due"),
    [
        ("daily", dt.datetime(2025, 1, 16, 7, 59, tzinfo=dt.UTC), dt.datetime(2025, 1, 16, 8, 0, tzinfo=dt.UTC)),
        # Wednesday 15 Jan: the week's digest goes out on Monday 20 Jan at 08:00 London (UTC in winter).
        ("weekly", dt.datetime(2025, 1, 19, 23, 0, tzinfo=dt.UTC), dt.datetime(2025, 1, 20, 8, 0, tzinfo=dt.UTC)),
    ],
)
def test_digest_is_sent_once_per_period(acme, acme_member, notices, inline_send, django_capture_on_commit_callbacks,
                                        frequency, early, due):  # fmt: skip
    profile(acme, acme_member, time_zone="Europe/London")
    with schema_context(acme.schema_name):
        services.digest_set(user=acme_member, category="test_news", frequency=frequency, acting_user=acme_member)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.news", [acme_member.pk], now=NOON, headline="one")
        _notify(acme, "test.news", [acme_member.pk], now=NOON + dt.timedelta(minutes=5), headline="two")
    assert {d.status for d in _deliveries(acme, channel="email")} == {"digested"}
    assert {d.status for d in _deliveries(acme, channel="in_app")} == {"sent"}  # the inbox is never held
    assert len(mail.outbox) == 0
    tasks.tenant_sweep(acme, now=early, inline=True)
    assert len(mail.outbox) == 0
    for _ in range(2):  # a second run (a retried beat) sends nothing more
        tasks.tenant_sweep(acme, now=due, inline=True)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"News: 2 notifications ({frequency} digest)"
    assert "News: one" in mail.outbox[0].body and "News: two" in mail.outbox[0].body
    with schema_context(acme.schema_name):
        digest = Delivery.objects.get(notification__event=delivery.DIGEST_EVENT)
        assert digest.status == "sent" and digest.digest_items.count() == 2


# --- Killed workers, retries, failures ---------------------------------------------------------


def test_a_worker_killed_mid_fan_out_then_rerun_serves_everyone_once(acme, notices, queued_send, settings,
                                                                     django_capture_on_commit_callbacks):  # fmt: skip
    settings.NOTIFICATIONS_CHUNK_SIZE = 4
    people = [MembershipFactory(tenant=acme).user for _ in range(10)]
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(acme, "test.news", [u.pk for u in people], now=NOON, headline="x") == 20
    assert len(queued_send) == 3  # 10 email deliveries in chunks of 4 (in-app needs no task)
    # The first chunk's worker claims its rows, sends two emails, and is killed before marking them.
    first = queued_send[0]
    with schema_context(acme.schema_name):
        assert sorted(delivery.claim(first, now=NOON)) == sorted(first)
    # The second chunk runs normally; the publisher retries (same event) and the third chunk runs.
    tasks.deliveries_send(acme.schema_name, queued_send[1])
    with django_capture_on_commit_callbacks(execute=True):
        assert _notify(acme, "test.news", [u.pk for u in people], now=NOON, headline="x") == 0
    tasks.deliveries_send(acme.schema_name, queued_send[2])
    tasks.deliveries_send(acme.schema_name, first)  # redelivered at once: the claim is fresh, skipped
    # Later, the sweep reclaims the stale claim and sends the rest.
    tasks.tenant_sweep(acme, now=dt.datetime.now(dt.UTC) + delivery.STALE_CLAIM + dt.timedelta(minutes=1), inline=True)
    rows = _deliveries(acme, channel="email")
    assert len(rows) == 10 and {d.status for d in rows} == {"sent"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in people)  # each once
    with schema_context(acme.schema_name):
        assert Notification.objects.count() == 10


def test_an_email_sent_again_after_a_killed_worker_carries_the_same_message_id(
    acme, acme_member, notices, queued_send, django_capture_on_commit_callbacks
):
    """A chunk's worker died after the provider took the email, before the row was marked: the re-sent
    copy is the same message to a mail system (its Message-ID is the delivery's, not a new random one)."""
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.news", [acme_member.pk], now=NOON, headline="x")
    (chunk,) = queued_send
    tasks.deliveries_send(acme.schema_name, chunk)
    with schema_context(acme.schema_name):
        Delivery.objects.filter(pk__in=chunk).update(status="sending")  # as if the mark never happened
        delivery.claims_release(chunk)  # what the sweeper's requeue hook does once the lease is stale
    tasks.deliveries_send(acme.schema_name, chunk)
    assert [m.to[0] for m in mail.outbox] == [acme_member.email] * 2
    first, second = (m.message()["Message-ID"] for m in mail.outbox)
    assert first == second and first.startswith(f"<notification.{acme.schema_name}.")


def test_failures_back_off_then_give_up_and_admins_can_retry(
    acme, acme_admin, acme_member, notices, inline_send, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(rows, tenant):
        return {row.pk: delivery.Outcome(error="SMTP down") for row in rows}

    working = delivery.SENDERS["email"]
    monkeypatch.setitem(delivery.SENDERS, "email", broken)
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.news", [acme_member.pk], headline="x")
    (row,) = _deliveries(acme, channel="email")
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "SMTP down")
    assert row.next_attempt_at is not None
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        tasks.tenant_sweep(acme, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=1), inline=True)
    (row,) = _deliveries(acme, channel="email")
    assert (row.status, row.attempts, row.next_attempt_at) == ("failed", delivery.MAX_ATTEMPTS, None)  # given up
    with schema_context(acme.schema_name):
        assert list(selectors.failed_deliveries()) == [row]
    monkeypatch.setitem(delivery.SENDERS, "email", working)
    with django_capture_on_commit_callbacks(execute=True), schema_context(acme.schema_name):
        assert services.delivery_retry(delivery_ids=[row.pk], acting_user=acme_admin) == 1
    assert _deliveries(acme, channel="email")[0].status == "sent" and len(mail.outbox) == 1


def test_a_task_sent_for_another_schema_sends_nothing(acme, globex, acme_member, notices, queued_send,
                                                      django_capture_on_commit_callbacks):  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.news", [acme_member.pk], headline="x")
    assert tasks.deliveries_send(globex.schema_name, queued_send[0]) == {"sent": 0, "failed": 0}
    assert len(mail.outbox) == 0 and _deliveries(acme, channel="email")[0].status == "pending"


# --- Scale ---------------------------------------------------------------------------------------


def _queries_for(acme, n, notices_event="test.news"):
    users = [MembershipFactory(tenant=acme).user for _ in range(n)]
    for user in users[: n // 2]:
        profile(acme, user, time_zone="Europe/Paris")
    with CaptureQueriesContext(connection) as captured:
        created = _notify(acme, notices_event, [u.pk for u in users], headline=f"n{n}")
    assert created == 2 * n
    return len(captured)


def test_fan_out_uses_a_constant_number_of_queries(acme, notices, queued_send):
    _queries_for(acme, 1)  # warm the per-process caches (registry, platform templates)
    assert _queries_for(acme, 3) == _queries_for(acme, 40)


def test_sending_a_chunk_uses_a_constant_number_of_queries(acme, notices, queued_send,
                                                           django_capture_on_commit_callbacks):  # fmt: skip
    counts = []
    for n in (3, 30):
        users = [MembershipFactory(tenant=acme).user for _ in range(n)]
        with django_capture_on_commit_callbacks(execute=True):
            _notify(acme, "test.news", [u.pk for u in users], headline=f"n{n}")
        with CaptureQueriesContext(connection) as captured:
            assert tasks.deliveries_send(acme.schema_name, queued_send[-1])["sent"] == n
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- Inbox ----------------------------------------------------------------------------------------


def test_mark_read_touches_only_the_persons_own(acme, acme_admin, acme_member, notices, queued_send):
    _notify(acme, "test.news", [acme_admin.pk, acme_member.pk], headline="a")
    _notify(acme, "test.news", [acme_member.pk], headline="b")
    with schema_context(acme.schema_name):
        admins = list(selectors.inbox(acme_admin).values_list("pk", flat=True))
        mine = list(selectors.inbox(acme_member).values_list("pk", flat=True))
        assert services.notification_mark_read(user=acme_member, ids=admins) == 0
        assert services.notification_mark_read(user=acme_member, ids=mine[:1]) == 1
        assert selectors.unread_count(acme_member) == 1 and selectors.unread_badge(acme_member) == "1"
        assert services.notification_mark_read(user=acme_member, all=True) == 1
        assert selectors.unread_count(acme_member) == 0 and selectors.unread_count(acme_admin) == 1


# --- Usage ---------------------------------------------------------------------------------------


def test_messages_sent_feed_the_daily_usage(acme, acme_member, notices, inline_send,
                                            django_capture_on_commit_callbacks):  # fmt: skip
    from apps.notifications.channels import ConsoleSmsProvider

    profile(acme, acme_member, phone="+61 412 345 678")
    with django_capture_on_commit_callbacks(execute=True):
        _notify(acme, "test.phone", [acme_member.pk], code="1234")
    assert {(d.channel, d.status) for d in _deliveries(acme)} == {("sms", "sent"), ("whatsapp", "sent")}
    assert ("+61412345678", "Code 1234", "whatsapp") in ConsoleSmsProvider.sent
    today = dt.datetime.now(dt.UTC).date()
    assert usage.whatsapp_sent_by_tenant([acme.pk], today) == {acme.pk: 1}

    from apps.tenancy.models import TenantUsageDaily
    from apps.tenancy.usage import usage_aggregate

    usage_aggregate(day=today)
    assert TenantUsageDaily.objects.get(tenant=acme, date=today).whatsapp_messages_sent == 1
