"""Branding where it shows outside the portal: the organisation's emails and its API docs."""

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from apps.branding.services import branding_set
from apps.emails.services import email_branding, email_send

from .conftest import png_data_url

pytestmark = pytest.mark.django_db

CONTEXT = {"title": "You are invited", "body": "Ada invited you.", "url": "https://a.test/"}


def test_emails_for_the_tenant_carry_its_sender_name_and_reply_to(acme, globex, private_label):
    with tenant_context(acme):
        branding_set(product_name="Acme Work", email_sender_name="Acme HR", support_email="help@acme.test",
                     acting_user=None)  # fmt: skip
    email_send(template="notification", to="x@example.test", context=CONTEXT, tenant=acme)
    email_send(template="notification", to="y@example.test", context=CONTEXT, tenant=globex)
    email_send(template="notification", to="z@example.test", context=CONTEXT)
    acme_mail, globex_mail, platform_mail = mail.outbox
    assert acme_mail.from_email == "Acme HR <no-reply@localhost>" and acme_mail.reply_to == ["help@acme.test"]
    assert globex_mail.from_email == "NIDIA Flow <no-reply@localhost>" and globex_mail.reply_to == []
    assert platform_mail.from_email == "NIDIA Flow <no-reply@localhost>"


def test_email_templates_get_product_name_and_support_email_unless_given(acme, private_label):
    with tenant_context(acme):
        branding_set(product_name="Acme Work", support_email="help@acme.test", acting_user=None)
    _, _, context = email_branding(tenant=acme, context={"support_email": "override@acme.test"})
    assert context["product_name"] == "Acme Work" and context["support_email"] == "override@acme.test"
    assert context["branding"].product_name == "Acme Work"


def test_the_sender_name_applies_without_private_label(acme, no_private_label):
    with tenant_context(acme):
        branding_set(email_sender_name="Acme HR", acting_user=None)
    email_send(template="notification", to="x@example.test", context=CONTEXT, tenant=acme)
    assert mail.outbox[0].from_email == "Acme HR <no-reply@localhost>"


def test_api_docs_show_the_organisations_product_logo_and_colours(acme_client, acme, private_label):
    with tenant_context(acme):
        branding = branding_set(product_name="Acme Work", primary_color="#0f766e", logo=png_data_url(),
                                favicon=png_data_url(), acting_user=None)  # fmt: skip
    page = acme_client.get("/api/v1/docs/").content.decode()
    assert "<title>Acme Work API · Acme</title>" in page
    assert "--brand-primary: #0f766e;" in page
    assert f'src="/manage/branding/asset/{branding.pk}/logo/?v=' in page
    assert f'<link rel="icon" href="/manage/branding/asset/{branding.pk}/favicon/?v=' in page
    schema = acme_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["info"]["title"] == "Acme Work API"
    assert "/api/v1/docs/" not in schema["paths"] and "/api/v1/schema/" not in schema["paths"]


def test_api_docs_without_branding_keep_the_product_names(globex_client):
    page = globex_client.get("/api/v1/docs/").content.decode()
    assert "<title>NIDIA Flow Back Office API · Globex</title>" in page
    schema = globex_client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    assert schema["info"]["title"] == "NIDIA Flow Tenant API"


def test_one_tenants_docs_never_show_anothers_branding(globex_client, acme, private_label):
    with tenant_context(acme):
        branding_set(product_name="Acme Work", acting_user=None)
    assert "Acme Work" not in globex_client.get("/api/v1/docs/").content.decode()
