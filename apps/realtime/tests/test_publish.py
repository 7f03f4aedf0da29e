"""publish/subscribe without a server: the group each call reaches and the frame it carries (the server
side is tests/test_realtime_server.py), and where pages open the socket."""

import datetime
import json
import uuid

import pytest
from django.db import connection
from django.template import Context, Template
from django.test import RequestFactory
from django_tenants.utils import tenant_context

from apps.realtime import publish as publishing
from apps.realtime.groups import person_group, topic_group
from apps.realtime.templatetags.realtime import realtime_url


@pytest.fixture
def sent(monkeypatch):
    calls: list[tuple[str, dict]] = []
    monkeypatch.setattr(publishing, "_send", lambda group, message: calls.append((group, message)))
    return calls


def test_publish_reaches_the_topic_of_the_current_tenant_only(acme, sent):
    when = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)
    with tenant_context(acme):
        publishing.publish("chat.channel.1", {"at": when, "id": uuid.UUID(int=1)})
    publishing.publish("chat.channel.1", {}, schema_name="t_other")
    (group, message), (other, _) = sent
    assert group == topic_group(acme.schema_name, "chat.channel.1") != other
    assert message["type"] == "rt.event"
    data = {"at": "2026-01-02T03:04:00Z", "id": str(uuid.UUID(int=1))}
    assert json.loads(message["text"]) == {"type": "event", "topic": "chat.channel.1", "data": data}


def test_publish_on_commit_waits_for_the_commit_and_keeps_the_schema(acme, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, tenant_context(acme):
        publishing.publish_on_commit("room", {"n": 1})
    assert sent == [] and len(callbacks) == 1
    connection.set_schema_to_public()
    callbacks[0]()
    assert sent[0][0] == topic_group(acme.schema_name, "room")


def test_a_failing_layer_does_not_break_the_committed_write(acme, monkeypatch, django_capture_on_commit_callbacks):
    def broken(group, message):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(publishing, "_send", broken)
    with django_capture_on_commit_callbacks(execute=True), tenant_context(acme):
        publishing.publish_on_commit("room", {"n": 1})  # logged, not raised


def test_subscribe_and_unsubscribe_go_to_the_persons_group(acme, sent):
    with tenant_context(acme):
        publishing.subscribe(42, "chat.channel.9")
        publishing.unsubscribe(42, "chat.channel.9")
    assert [(g, m["type"], m["topic"]) for g, m in sent] == [
        (person_group(acme.schema_name, 42), "rt.subscribe", "chat.channel.9"),
        (person_group(acme.schema_name, 42), "rt.unsubscribe", "chat.channel.9"),
    ]


def test_group_names_are_valid_for_any_topic():
    assert topic_group("t_acme", "x.1") != topic_group("t_globex", "x.1")
    assert topic_group("t_acme", "weird topic/ü").startswith("rtt.h.")
    assert topic_group("t_acme", "weird topic/ü") != topic_group("t_globex", "weird topic/ü")
    assert len(topic_group("t_" + "a" * 60, "b" * 80)) < 100


def test_realtime_url(settings, acme):
    factory = RequestFactory()
    page = factory.get("/manage/", HTTP_HOST="acme.localhost:8000")
    page.tenant = acme
    settings.REALTIME_URL, settings.REALTIME_PORT = "", 0
    assert realtime_url(page) == "ws://acme.localhost:8000/ws/"
    assert realtime_url(factory.get("/", HTTP_HOST="acme.example.com", secure=True)) == "wss://acme.example.com/ws/"
    settings.REALTIME_PORT = 8001
    assert realtime_url(page) == "ws://acme.localhost:8001/ws/"
    settings.REALTIME_URL = "wss://rt.example.com/ws/"
    assert realtime_url(page) == "wss://rt.example.com/ws/"
    html = Template("{% load realtime %}{% realtime_meta %}").render(Context({"request": page}))
    assert '<meta name="nf-realtime-url" content="wss://rt.example.com/ws/">' in html
    assert "realtime/realtime.js" in html
    page.tenant = type(acme)(schema_name="public")
    assert Template("{% load realtime %}{% realtime_meta %}").render(Context({"request": page})) == ""
