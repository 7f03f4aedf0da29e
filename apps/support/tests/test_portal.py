"""Portal support pages (/manage/support/): tenant admins only, own tickets only, never internal notes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.support import services
from apps.support.models import Ticket, TicketMessage
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

LIST = "/manage/support/"
NEW = "/manage/support/new/"


def detail(ticket: Ticket) -> str:
    return f"/manage/support/{ticket.number}/"


@pytest.fixture
def admin_client(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    return acme_client


@pytest.fixture
def worked_ticket(acme_ticket, support_staff):
    services.ticket_reply(ticket=acme_ticket, body="We are on it.", acting_user=support_staff, from_staff=True)
    services.ticket_note_add(ticket=acme_ticket, body="SECRET-NOTE customer is on legacy", acting_user=support_staff)
    return acme_ticket


def test_admin_opens_a_ticket_with_an_attachment(admin_client, acme):
    upload = SimpleUploadedFile("trace.txt", b"boom", content_type="text/plain")
    response = admin_client.post(
        NEW,
        {
            "subject": "Export fails",
            "description": "Every time.",
            "priority": "high",
            "category": "technical",
            "attachments": [upload],
        },
    )
    ticket = Ticket.objects.get(tenant=acme)
    assert response.status_code == 302 and response["Location"] == detail(ticket)
    assert ticket.priority == "high" and ticket.requester.email == "admin@acme.test"
    page = admin_client.get(detail(ticket)).content.decode()
    assert "Export fails" in page and "trace.txt" in page
    attachment = ticket.messages.get().attachments.get()
    download = admin_client.get(f"{detail(ticket)}attachments/{attachment.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"boom"
    assert ticket.number in admin_client.get(LIST).content.decode()


def test_open_form_errors_are_shown(admin_client):
    bad = SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")
    response = admin_client.post(
        NEW, {"subject": "S", "description": "D", "priority": "low", "category": "general", "attachments": [bad]}
    )
    assert response.status_code == 400 and "x.exe: attach" in response.content.decode()
    assert not Ticket.objects.exists()


def test_internal_notes_are_never_rendered(admin_client, worked_ticket):
    page = admin_client.get(detail(worked_ticket)).content.decode()
    assert "We are on it." in page
    assert "SECRET-NOTE" not in page


def test_reply_reopens_a_waiting_ticket_and_close(admin_client, acme_ticket, support_staff):
    services.ticket_status_set(ticket=acme_ticket, status="waiting_on_customer", acting_user=support_staff)
    response = admin_client.post(f"{detail(acme_ticket)}reply/", {"body": "Here you go."})
    assert response.status_code == 302
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == "open"
    message = TicketMessage.objects.get(ticket=acme_ticket)
    assert not message.is_internal and not message.from_staff
    assert admin_client.post(f"{detail(acme_ticket)}close/").status_code == 302
    acme_ticket.refresh_from_db()
    assert acme_ticket.status == "closed"
    response = admin_client.post(f"{detail(acme_ticket)}reply/", {"body": "One more thing"})
    assert response.status_code == 400 and "is closed" in response.content.decode()


def test_tenant_cannot_post_an_internal_note(admin_client, acme_ticket):
    admin_client.post(f"{detail(acme_ticket)}reply/", {"body": "note?", "internal": "on", "is_internal": "1"})
    assert not TicketMessage.objects.filter(is_internal=True).exists()


def test_other_tenants_ticket_is_404(globex_client, globex, acme_ticket):
    globex_admin = MembershipFactory(tenant=globex, role="tenant_admin", user__email="admin@globex.test").user
    globex_client.force_login(globex_admin)
    assert globex_client.get(detail(acme_ticket)).status_code == 404
    assert globex_client.post(f"{detail(acme_ticket)}reply/", {"body": "hi"}).status_code == 404
    assert globex_client.post(f"{detail(acme_ticket)}close/").status_code == 404
    assert acme_ticket.number not in globex_client.get(LIST).content.decode()


def test_attachment_of_an_internal_note_is_404(admin_client, acme_ticket, support_staff):
    upload = SimpleUploadedFile("secret.txt", b"s", content_type="text/plain")
    note = services.ticket_note_add(ticket=acme_ticket, body="n", acting_user=support_staff, attachments=[upload])
    attachment = note.attachments.get()
    assert admin_client.get(f"{detail(acme_ticket)}attachments/{attachment.pk}/").status_code == 404


@pytest.mark.parametrize("suffix", ["", "new/", "{n}/"])
def test_members_outsiders_and_anonymous_are_refused(acme_client, acme_member, globex_member, acme_ticket, suffix):
    path = LIST + suffix.format(n=acme_ticket.number)
    assert acme_client.get(path).status_code == 302  # to sign in
    acme_client.force_login(acme_member)
    assert acme_client.get(path).status_code == 403
    acme_client.force_login(globex_member)
    assert acme_client.get(path).status_code == 403


def test_member_cannot_reply_or_close(acme_client, acme_member, acme_ticket):
    acme_client.force_login(acme_member)
    assert acme_client.post(f"{detail(acme_ticket)}reply/", {"body": "x"}).status_code == 403
    assert acme_client.post(f"{detail(acme_ticket)}close/").status_code == 403
    assert not TicketMessage.objects.exists()


def test_list_queries_do_not_grow(admin_client, open_ticket, acme, acme_admin, django_assert_max_num_queries):
    for _ in range(3):
        open_ticket(acme, acme_admin)
    with django_assert_max_num_queries(25) as captured:
        admin_client.get(LIST)
    few = len(captured)
    for _ in range(5):
        open_ticket(acme, acme_admin)
    with django_assert_max_num_queries(few):
        admin_client.get(LIST)
