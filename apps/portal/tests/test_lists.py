"""The shared list pieces: one pagination partial, empty states, form errors, htmx filters."""

from apps.support.services import ticket_open
from tests.factories import MembershipFactory

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://acme.localhost/manage/members/"}


def test_the_members_filter_answers_htmx_with_the_results_only(acme_client, acme_admin, acme):
    MembershipFactory(tenant=acme, role="member", user__email="zoe@acme.test")
    acme_client.force_login(acme_admin)
    page = acme_client.get("/manage/members/").content.decode()
    assert 'hx-get="/manage/members/"' in page and 'hx-target="#members-results"' in page and "hx-push-url" in page
    assert "<html" in page and 'id="members-results"' in page

    partial = acme_client.get("/manage/members/?q=zoe", **HTMX)
    html = partial.content.decode()
    assert partial.status_code == 200
    assert "<html" not in html and "<nav" not in html.split("<table")[0]  # no layout, no menu
    assert "zoe@acme.test" in html and "admin@acme.test" not in html

    empty = acme_client.get("/manage/members/?q=nobody-here", **HTMX).content.decode()
    assert 'class="empty-state' in empty and "No members match." in empty


def test_members_pages_keep_the_filter_in_the_pagination_links(acme_client, acme_admin, acme):
    for i in range(26):
        MembershipFactory(tenant=acme, role="member", user__email=f"page{i:02d}@acme.test")
    acme_client.force_login(acme_admin)
    html = acme_client.get("/manage/members/?role=member", **HTMX).content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?role=member&amp;page=2"' in html and 'hx-get="?role=member&amp;page=2"' in html


def test_the_tickets_filter_answers_htmx_with_the_results_only(acme_client, acme_admin, acme):
    ticket_open(tenant=acme, subject="Printer on fire", description="…", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    page = acme_client.get("/manage/support/").content.decode()
    assert 'hx-target="#ticket-results"' in page and "<html" in page
    html = acme_client.get("/manage/support/?status=open", **HTMX).content.decode()
    assert "<html" not in html and "Printer on fire" in html
    closed = acme_client.get("/manage/support/?status=closed", **HTMX).content.decode()
    assert "Printer on fire" not in closed and "No tickets yet." in closed


def test_htmx_partials_are_refused_to_outsiders(acme_client, acme_member, globex_member):
    acme_client.force_login(globex_member)
    assert acme_client.get("/manage/members/?q=a", **HTMX).status_code == 403
    acme_client.force_login(acme_member)
    assert acme_client.get("/manage/support/?status=open", **HTMX).status_code == 403  # tickets: admins only


def test_form_errors_show_a_summary_and_mark_the_field_invalid(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    response = acme_client.post("/manage/support/new/", {"subject": "", "description": ""})
    html = response.content.decode()
    assert response.status_code == 400  # the support form answers a refused form with 400
    assert 'class="alert alert-danger form-errors"' in html and "Please correct the fields marked below." in html
    assert 'aria-invalid="true"' in html


def test_invitation_actions_work_inline_with_htmx(acme_client, acme_admin, acme):
    from apps.invitations.services import invitation_create

    invitation = invitation_create(tenant=acme, email="inline@acme.test", role="member", acting_user=acme_admin)
    acme_client.force_login(acme_admin)
    html = acme_client.get("/manage/invitations/").content.decode()
    resend = f'action="/manage/invitations/{invitation.pk}/resend/" hx-boost="true" hx-target="#content"'
    assert resend in html and 'hx-select="#content"' in html
    # A boosted POST is answered like a plain one: the redirect back to the list, whose #content swaps in.
    response = acme_client.post(f"/manage/invitations/{invitation.pk}/resend/", HTTP_HX_REQUEST="true",
                                HTTP_HX_BOOSTED="true")  # fmt: skip
    assert response.status_code == 302
