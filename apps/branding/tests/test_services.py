"""branding_set / branding_clear: validation first, database checks behind it, history and audit."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.branding.images import MAX_LOGO_BYTES, image_data_url
from apps.branding.models import Branding
from apps.branding.services import branding_clear, branding_set

from .conftest import PNG, SVG, png_data_url

pytestmark = pytest.mark.django_db


def test_set_creates_the_default_then_changes_it_with_history_and_audit(acme, acme_admin, private_label):
    with tenant_context(acme):
        branding = branding_set(product_name="Acme Work", primary_color="#A1B2C3", logo=png_data_url(),
                                acting_user=acme_admin)  # fmt: skip
        again = branding_set(email_sender_name="Acme HR", acting_user=acme_admin)
        assert again.pk == branding.pk and Branding.objects.count() == 1
        branding.refresh_from_db()
        assert (branding.product_name, branding.primary_color, branding.email_sender_name) == (
            "Acme Work", "#a1b2c3", "Acme HR"
        )  # fmt: skip
        assert branding.updated_by == acme_admin
        assert branding.history.count() == 2 and branding.history.first().history_user == acme_admin
    first, second = AuditEvent.objects.filter(action="branding.branding_set", tenant_id=acme.pk).order_by("sequence")
    assert first.before is None and first.after["product_name"] == "Acme Work"
    assert first.after["logo"] == f"image/png, {len(PNG)} bytes"  # the audit keeps no image bytes
    assert second.before["email_sender_name"] == "" and second.after["email_sender_name"] == "Acme HR"
    assert first.actor_id == acme_admin.pk and first.target_id == str(branding.pk)


@pytest.mark.parametrize("colour", ["red", "#12345", "#1234567", "#12345g", "123456"])
def test_an_invalid_colour_is_refused_on_its_field(acme, private_label, colour):
    with tenant_context(acme), pytest.raises(ValidationError) as error:
        branding_set(accent_color=colour, acting_user=None)
    assert "accent_color" in error.value.message_dict
    with tenant_context(acme):
        assert not Branding.objects.exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("primary_color", "red"), ("primary_color", "#ABCDEF"), ("logo", "data:text/html;base64,PGI+"),
     ("favicon", "https://evil.test/x.png"), ("email_sender_name", "Acme\r\nBcc: x@y.z")],
)  # fmt: skip
def test_the_database_refuses_what_the_service_would(acme, field, value):
    with tenant_context(acme):
        branding = Branding.objects.create()
        with pytest.raises(IntegrityError), transaction.atomic():
            Branding.objects.filter(pk=branding.pk).update(**{field: value})


def test_the_database_refuses_a_second_row_for_one_scope_and_two_scopes_at_once(acme, acme_root):
    with tenant_context(acme):
        Branding.objects.create(user_type="member")
        with pytest.raises(IntegrityError), transaction.atomic():
            Branding.objects.create(user_type="member")
        Branding.objects.create()
        with pytest.raises(IntegrityError), transaction.atomic():
            Branding.objects.create()
        with pytest.raises(IntegrityError), transaction.atomic():
            Branding.objects.create(entity=acme_root, user_type="viewer")
        with pytest.raises(ValidationError) as error:
            branding_set(entity=acme_root, user_type="viewer", acting_user=None)
        assert "user_type" in error.value.message_dict


def test_without_private_label_the_look_is_refused_but_email_settings_are_not(acme, no_private_label):
    with tenant_context(acme):
        with pytest.raises(ValidationError) as error:
            branding_set(product_name="Acme Work", primary_color="#111111", support_email="a@acme.test",
                         acting_user=None)  # fmt: skip
        assert {"product_name", "primary_color"} == set(error.value.message_dict)
        assert error.value.error_dict["product_name"][0].code == "plan_feature"
        assert not Branding.objects.exists()
        branding = branding_set(support_email="help@acme.test", email_sender_name="Acme HR", acting_user=None)
        assert (branding.support_email, branding.email_sender_name) == ("help@acme.test", "Acme HR")


def test_a_tenant_without_a_plan_has_no_private_label(acme):
    with tenant_context(acme), pytest.raises(ValidationError):
        branding_set(product_name="Acme Work", acting_user=None)


def test_clear_removes_the_scope_and_audits(acme, acme_admin, private_label):
    with tenant_context(acme):
        branding = branding_set(user_type="viewer", product_name="Viewers", acting_user=acme_admin)
        branding_clear(branding=branding, acting_user=acme_admin)
        assert not Branding.objects.exists()
    event = AuditEvent.objects.get(action="branding.branding_cleared", tenant_id=acme.pk)
    assert event.before["product_name"] == "Viewers" and event.before["scope"] == "user type “Viewer”"


def test_images_are_sniffed_sized_and_svg_is_checked():
    assert image_data_url(PNG, max_bytes=1000).startswith("data:image/png;base64,")
    assert image_data_url(SVG, max_bytes=1000).startswith("data:image/svg+xml;base64,")
    refusals = {
        b"GIF89a....": "invalid_image",
        b"<html><script>alert(1)</script></html>": "invalid_image",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>': "unsafe_svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>': "unsafe_svg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.test/t.png"/></svg>': "unsafe_svg",
        PNG + b"\0" * MAX_LOGO_BYTES: "image_too_large",
    }
    for content, code in refusals.items():
        with pytest.raises(ValidationError) as error:
            image_data_url(content, max_bytes=MAX_LOGO_BYTES)
        assert error.value.code == code, content[:40]
