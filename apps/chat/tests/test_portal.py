"""The portal: the chat page and its partials, sending with and without the script, moderation pages, the
admin pages, and query counts that do not grow with the history."""

import pytest
from django.test import Client
from django_tenants.utils import tenant_context

from apps.chat import services
from apps.chat.models import Message
from apps.solutions.services import solution_access_grant
from tests.factories import MembershipFactory

from .conftest import HOST

pytestmark = pytest.mark.django_db


def portal(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def test_chat_page_send_partials_and_query_counts(chat, django_assert_max_num_queries):
    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Floor", members=[chat.bob], acting_user=chat.ann)
        Message.objects.bulk_create([Message(channel=channel, author=chat.ann, body=f"<i>m{n}</i>") for n in range(80)])
    ann, bob = portal(chat.ann), portal(chat.bob)
    with tenant_context(chat.tenant):
        first = Message.objects.filter(channel=channel).order_by("id").values_list("id", flat=True).first()
    assert ann.get("/manage/chat/").status_code == 302
    with django_assert_max_num_queries(45):
        page = bob.get(f"/manage/chat/{channel.pk}/")
    assert page.status_code == 200 and b"&lt;i&gt;m79&lt;/i&gt;" in page.content and b"<i>m79" not in page.content
    sent = bob.post(f"/manage/chat/{channel.pk}/messages/?partial=1", {"body": "from the page"})
    assert sent.status_code == 204
    last = int(sent["X-Message-Id"])
    newer = ann.get(f"/manage/chat/{channel.pk}/messages/", {"after": last - 1, "partial": "1"})
    assert b"from the page" in newer.content and b"<html" not in newer.content
    plain = bob.post(f"/manage/chat/{channel.pk}/messages/", {"body": "x" * 4001})
    assert plain.status_code == 302
    react = ann.post(f"/manage/chat/messages/{last}/react/?partial=1", {"emoji": "👍"})
    assert react.status_code == 200 and "👍 1".encode() in react.content
    assert bob.post(f"/manage/chat/messages/{first}/delete/?partial=1").status_code == 400  # not his
    delete = ann.post(f"/manage/chat/messages/{last}/delete/?partial=1")  # Bob's, but Ann owns the channel
    assert delete.status_code == 200 and b"This message was deleted." in delete.content
    thread = ann.get(f"/manage/chat/messages/{last}/thread/?partial=1")
    assert thread.status_code == 200


def test_pages_and_outsiders(chat):
    with tenant_context(chat.tenant):
        private = services.channel_create(name="Secret plans", kind="private", acting_user=chat.ann)
        services.message_send(channel=private, author=chat.ann, body="launch on Friday")
    ann, cy, ned, admin = portal(chat.ann), portal(chat.cy), portal(chat.ned), portal(chat.admin)
    for url in ("/manage/chat/browse/", "/manage/chat/new/", "/manage/chat/direct/", "/manage/chat/search/?q=launch",
                f"/manage/chat/{private.pk}/settings/"):  # fmt: skip
        assert ann.get(url).status_code == 200, url
    assert b"<mark>launch</mark>" in ann.get("/manage/chat/search/", {"q": "launch"}).content
    assert b"launch on Friday" not in cy.get("/manage/chat/search/", {"q": "launch"}).content
    assert cy.get(f"/manage/chat/{private.pk}/").status_code == 404
    assert ned.get("/manage/chat/").status_code == 403
    assert ann.get("/manage/chat/admin/settings/").status_code == 403
    assert admin.get("/manage/chat/admin/analytics/").status_code == 200
    saved = admin.post("/manage/chat/admin/settings/", {"retention_days": "90"})
    assert saved.status_code == 302
    created = cy.post("/manage/chat/new/", {"name": "Cy's corner", "kind": "public", "topic": ""})
    assert created.status_code == 302


def test_mention_suggestions_are_the_channels_members_only(chat, globex):
    with tenant_context(chat.tenant):
        twin = MembershipFactory(tenant=chat.tenant, user__email="bob2@acme.test", user__full_name="Bob Smith").user
        solution_access_grant(solution_code="chat", user=twin, acting_user=chat.admin)
        channel = services.channel_create(name="Mentions", members=[chat.bob], acting_user=chat.ann)
        services.channel_create(name="Elsewhere", members=[chat.cy], acting_user=chat.ann)
    url = f"/manage/chat/{channel.pk}/mentions/"
    ann = portal(chat.ann)
    found = ann.get(url, {"q": "bo"}).json()["results"]
    assert [(row["name"], row["mention"]) for row in found] == [("Bob Smith", "BobSmith")]
    assert {row["name"] for row in ann.get(url).json()["results"]} == {"Ann Smith", "Bob Smith"}
    assert ann.get(url, {"q": "cy"}).json()["results"] == []  # Cy is not in this channel
    assert ann.get(url, {"q": "smi"}).json()["results"][0]["name"] == "Ann Smith"  # a later word of the name
    with tenant_context(chat.tenant):
        services.members_invite(channel=channel, users=[twin], acting_user=chat.ann)
        sent, _ = services.message_send(channel=channel, author=chat.ann, body=f"Hi @{found[0]['mention']}")
    assert sent.mentions == []  # "BobSmith" names two people now: the suggestion must not offer it
    words = {row["email"]: row["mention"] for row in ann.get(url, {"q": "bob"}).json()["results"]}
    assert words == {"bob@acme.test": "bob@acme.test", "bob2@acme.test": "bob2"}
    with tenant_context(chat.tenant):
        sent, _ = services.message_send(channel=channel, author=chat.ann, body="@bob@acme.test and @bob2, look")
    assert set(sent.mentions) == {chat.bob.pk, twin.pk}  # each suggested word names its person
    assert portal(chat.cy).get(url, {"q": "b"}).status_code == 404  # not a member: like a missing channel
    assert portal(chat.ned).get(url).status_code == 403  # no Chat
    outsider = MembershipFactory(tenant=globex, user__email="spy@globex.test").user
    assert portal(outsider).get(url, {"q": "b"}).status_code in (403, 404)  # another tenant's person
