"""/manage/branding/: tenant admins edit, preview writes nothing, save audits; outsiders refused."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.audit.models import AuditEvent
from apps.branding.models import Branding
from apps.branding.services import branding_set
from apps.organisation.services import entity_create

from .conftest import PNG, SVG, png_data_url

pytestmark = pytest.mark.django_db

EDIT = "/manage/branding/"
LOOK = {"product_name": "Acme Work", "primary_color": "#0F766E", "accent_color": "#b45309", "text_color": "#ffffff",
        "support_email": "help@acme.test", "email_sender_name": "Acme HR"}  # fmt: skip


def _rows(acme):
    with tenant_context(acme):
        return list(Branding.objects.all())


def test_admin_sees_the_form_and_what_people_see_now(acme_client, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    response = acme_client.get(EDIT)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="product_name"' in page and "What organisation default people see now" in page
    assert "product default" in page and "Your plan does not include private label" not in page


def test_preview_shows_the_unsaved_look_and_writes_nothing(acme_client, acme, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    logo = SimpleUploadedFile("logo.png", PNG, content_type="image/png")
    response = acme_client.post(EDIT, {**LOOK, "logo_upload": logo, "action": "preview"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Preview — not saved yet" in page
    assert "--s-primary: #0f766e; --s-accent: #b45309;" in page
    assert "Acme HR &lt;no-reply@localhost&gt;" in page and "Reply to:</strong> help@acme.test" in page
    assert 'src="data:image/png;base64,' in page  # the uploaded logo, shown before it is saved
    assert f'name="logo_pending" value="{png_data_url()}"' in page  # carried to Save
    assert _rows(acme) == []
    assert not AuditEvent.objects.filter(action__startswith="branding.").exists()
    # The page's own header still shows the saved (product) branding.
    assert "<title>Branding · Acme · NIDIA Flow Back Office</title>" in page


def test_save_after_preview_keeps_the_previewed_logo_and_audits(acme_client, acme, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    response = acme_client.post(EDIT, {**LOOK, "logo_pending": png_data_url(), "action": "save"}, follow=True)
    assert "was saved" in response.content.decode()
    (branding,) = _rows(acme)
    assert (branding.product_name, branding.primary_color, branding.logo) == ("Acme Work", "#0f766e", png_data_url())
    event = AuditEvent.objects.get(action="branding.branding_set")
    assert event.actor_id == acme_admin.pk and event.tenant_id == acme.pk


def test_a_forged_pending_image_is_checked_again(acme_client, acme, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    forged = "data:image/png;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+"  # an SVG with onload, labelled PNG
    response = acme_client.post(EDIT, {**LOOK, "logo_pending": forged, "action": "save"})
    assert response.status_code == 400 and response.context["form"].errors["logo_upload"]
    assert _rows(acme) == []


def test_an_invalid_colour_is_a_form_error_and_nothing_is_written(acme_client, acme, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    for action in ("preview", "save"):
        response = acme_client.post(EDIT, {**LOOK, "accent_color": "red;}body{", "action": action})
        assert response.status_code == 400
        assert "#1a2b3c" in response.context["form"].errors["accent_color"][0]
        assert "red;}body{" not in response.content.decode().split("<form", 1)[0]  # never in the <style>
    assert _rows(acme) == []


def test_an_unsafe_svg_upload_is_a_form_error(acme_client, acme, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    svg = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    response = acme_client.post(EDIT, {**LOOK, "logo_upload": svg, "action": "save"})
    assert response.status_code == 400 and "scripts" in response.context["form"].errors["logo_upload"][0]
    text = SimpleUploadedFile("logo.png", b"not an image at all")
    response = acme_client.post(EDIT, {**LOOK, "logo_upload": text, "action": "save"})
    assert response.status_code == 400 and "PNG, JPEG, WebP or SVG" in response.context["form"].errors["logo_upload"][0]


def test_the_portal_shows_the_saved_branding(acme_client, acme, acme_admin, private_label):
    with tenant_context(acme):
        branding_set(logo=png_data_url(), favicon=png_data_url(), acting_user=None,
                     **{k: v for k, v in LOOK.items()})  # fmt: skip
    acme_client.force_login(acme_admin)
    page = acme_client.get("/manage/").content.decode()
    assert "· Acme Work</title>" in page and '<span class="product">Acme Work</span>' in page
    assert "--brand-primary: #0f766e; --brand-on-primary: #ffffff; --accent: #b45309;" in page
    (branding,) = _rows(acme)
    assert f'src="/manage/branding/asset/{branding.pk}/logo/?v=' in page
    assert f'<link rel="icon" href="/manage/branding/asset/{branding.pk}/favicon/?v=' in page


def test_without_private_label_the_look_is_locked_but_email_settings_save(
    acme_client, acme, acme_admin, no_private_label
):
    acme_client.force_login(acme_admin)
    page = acme_client.get(EDIT).content.decode()
    assert "Your plan does not include private label" in page and "<fieldset disabled>" in page
    acme_client.post(EDIT, {**LOOK, "action": "save"})
    (branding,) = _rows(acme)
    assert (branding.product_name, branding.primary_color) == ("", "")  # posted, but not for this plan
    assert (branding.support_email, branding.email_sender_name) == ("help@acme.test", "Acme HR")


def test_user_type_and_entity_overrides_are_edited_on_their_own_pages(
    acme_client, acme, acme_admin, acme_root, entity_type, private_label
):
    with tenant_context(acme):
        sales = entity_create(name="Sales", entity_type=entity_type("department"), parent=acme_root, acting_user=None)
    acme_client.force_login(acme_admin)
    acme_client.post(f"{EDIT}user-type/viewer/", {"product_name": "Acme View", "action": "save"})
    assert acme_client.get(f"{EDIT}entity/?entity={sales.pk}")["Location"] == f"{EDIT}entity/{sales.pk}/"
    acme_client.post(f"{EDIT}entity/{sales.pk}/", {"accent_color": "#123456", "action": "save"})
    with tenant_context(acme):
        assert Branding.objects.get(user_type="viewer").product_name == "Acme View"
        assert Branding.objects.get(entity=sales).accent_color == "#123456"
    page = acme_client.get(EDIT).content.decode()
    assert "user type “Viewer”" in page and "entity “Sales”" in page
    scope_page = acme_client.get(f"{EDIT}user-type/viewer/").content.decode()
    assert 'value="Acme View"' in scope_page and "Remove this branding" in scope_page
    assert acme_client.get(f"{EDIT}user-type/owner/").status_code == 404
    assert acme_client.get(f"{EDIT}entity/999999/").status_code == 404


def test_remove_an_override(acme_client, acme, acme_admin, private_label):
    with tenant_context(acme):
        branding = branding_set(user_type="member", product_name="M", acting_user=None)
    acme_client.force_login(acme_admin)
    assert acme_client.get(f"{EDIT}{branding.pk}/remove/").status_code == 405
    response = acme_client.post(f"{EDIT}{branding.pk}/remove/", {"next": "https://evil.test/"})
    assert response["Location"] == EDIT
    assert _rows(acme) == []
    assert AuditEvent.objects.filter(action="branding.branding_cleared").count() == 1


# --- Assets -------------------------------------------------------------------------------------


def test_the_default_logo_is_public_and_served_safely(acme_client, acme, private_label):
    with tenant_context(acme):
        branding = branding_set(logo="data:image/svg+xml;base64," + __import__("base64").b64encode(SVG).decode(),
                                acting_user=None)  # fmt: skip
    response = acme_client.get(f"{EDIT}asset/{branding.pk}/logo/")
    assert response.status_code == 200 and response.content == SVG
    assert response["Content-Type"] == "image/svg+xml" and "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert acme_client.get(f"{EDIT}asset/{branding.pk}/favicon/").status_code == 404
    assert acme_client.get(f"{EDIT}asset/{branding.pk}/secret/").status_code == 404


def test_an_overrides_logo_needs_a_membership(acme_client, acme, acme_member, globex_member, private_label):
    with tenant_context(acme):
        branding = branding_set(user_type="member", logo=png_data_url(), acting_user=None)
    url = f"{EDIT}asset/{branding.pk}/logo/"
    assert acme_client.get(url).status_code == 404
    acme_client.force_login(globex_member)
    assert acme_client.get(url).status_code == 403
    acme_client.force_login(acme_member)
    assert acme_client.get(url).content == PNG


# --- Who may ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [EDIT, f"{EDIT}user-type/member/"])
def test_members_outsiders_and_anonymous_are_refused(acme_client, acme, acme_member, globex_member, url):
    assert acme_client.get(url).status_code == 302  # to sign in
    for user in (acme_member, globex_member):
        acme_client.force_login(user)
        assert acme_client.get(url).status_code == 403
        assert acme_client.post(url, {**LOOK, "action": "save"}).status_code == 403
    assert _rows(acme) == []


def test_a_member_cannot_edit_an_entity_without_the_permission_nor_remove(
    acme_client, acme, acme_root, acme_member, globex_member, private_label
):
    with tenant_context(acme):
        branding = branding_set(entity=acme_root, product_name="Root", acting_user=None)
    for user in (acme_member, globex_member):
        acme_client.force_login(user)
        assert acme_client.get(f"{EDIT}entity/{acme_root.pk}/").status_code == 403
        assert acme_client.post(f"{EDIT}{branding.pk}/remove/").status_code == 403
    assert len(_rows(acme)) == 1


def test_an_entity_branding_manager_edits_that_entity_only(
    acme_client, acme, acme_root, acme_member, entity_type, private_label
):
    from apps.access.services import assignment_create, role_create

    with tenant_context(acme):
        sales = entity_create(name="Sales", entity_type=entity_type("department"), parent=acme_root, acting_user=None)
        role = role_create(
            code="brand-manager", name="Brand manager", acting_user=None,
            permissions=[{"permission": "organisation.manage_branding", "conditions": []},
                         {"permission": "organisation.view_entity", "conditions": []}],
        )  # fmt: skip
        assignment_create(role=role, user=acme_member, scope_entity=sales, acting_user=None)
    acme_client.force_login(acme_member)
    listing = acme_client.get(EDIT)
    assert listing.status_code == 200 and f"{EDIT}entity/{sales.pk}/" in listing.content.decode()
    assert acme_client.post(EDIT, {**LOOK, "action": "save"}).status_code == 403  # not the default
    assert acme_client.get(f"{EDIT}entity/{acme_root.pk}/").status_code == 403  # not above its scope
    page = acme_client.get(f"{EDIT}entity/{sales.pk}/")
    assert page.status_code == 200 and "Overrides" not in page.content.decode()
    response = acme_client.post(f"{EDIT}entity/{sales.pk}/", {"product_name": "Sales Hub", "action": "save"})
    assert response.status_code == 302
    with tenant_context(acme):
        assert Branding.objects.get(entity=sales).updated_by == acme_member


def test_preview_warns_about_unreadable_colours(acme_client, acme_admin, private_label):
    acme_client.force_login(acme_admin)
    response = acme_client.post(EDIT, {"primary_color": "#ffffff", "text_color": "#eeeeee", "action": "preview"})
    assert "The header text has a contrast of 1.2:1" in response.content.decode()
