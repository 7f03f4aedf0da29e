"""Portal import: upload -> dry-run report -> Import. Tenant admins of the tenant only."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from apps.organisation.importing.views import SESSION_KEY
from apps.organisation.models import Entity, MemberProfile

pytestmark = pytest.mark.django_db

UPLOAD = "/manage/organisation/import/"
COMMIT = "/manage/organisation/import/commit/"
REPORT = "/manage/organisation/import/report.csv"
SAMPLE = "/manage/organisation/import/sample.csv"
DEMO = Path(settings.BASE_DIR, "fixtures", "demo_directory.csv")


def _file(content: bytes | str = b"", name: str = "directory.csv") -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data or DEMO.read_bytes(), content_type="text/csv")


def _people(tenant) -> int:
    with tenant_context(tenant):
        return MemberProfile.objects.count()


def test_admin_uploads_sees_the_report_and_imports(acme_client, acme, acme_admin):
    acme_client.force_login(acme_admin)
    page = acme_client.get(UPLOAD)
    assert page.status_code == 200 and "Import the directory" in page.content.decode()
    preview = acme_client.post(UPLOAD, {"file": _file()})
    content = preview.content.decode()
    assert preview.status_code == 200
    assert "Check the import of directory.csv" in content and "31 to create, 0 to update, 0 unchanged" in content
    assert "New team “Night shift” under “Warehouse”." in content and 'name="token"' in content
    assert _people(acme) == 0  # looking is not importing
    token = preview.context["token"]
    done = acme_client.post(COMMIT, {"token": token}, follow=True)
    assert done.redirect_chain[-1][0] == UPLOAD
    assert "Imported directory.csv: entity: 5 create; person: 12 create" in done.content.decode()
    assert _people(acme) == 12
    assert SESSION_KEY not in acme_client.session
    again = acme_client.post(COMMIT, {"token": token}, follow=True)  # the token was used up
    assert "no longer waiting to be imported" in again.content.decode() and _people(acme) == 12


def test_a_file_with_errors_shows_them_and_cannot_be_imported(acme_client, acme, acme_admin):
    acme_client.force_login(acme_admin)
    text = "record,external_id,name,type,parent_external_id\nentity,A,Alpha,group,\nentity,B,Beta,team,NOPE\n"
    preview = acme_client.post(UPLOAD, {"file": _file(text)})
    content = preview.content.decode()
    assert preview.status_code == 200 and "Nothing can be imported yet" in content
    assert "1 row has errors" in content and "Parent “NOPE” is neither an entity of this file" in content
    assert 'action="/manage/organisation/import/commit/"' not in content
    refused = acme_client.post(COMMIT, {"token": preview.context["token"]})
    assert refused.status_code == 400
    with tenant_context(acme):
        assert not Entity.objects.filter(external_id="A").exists()


def test_the_commit_validates_again(acme_client, acme, acme_admin):
    """Between the report and the button, someone took the external id: nothing is written."""
    acme_client.force_login(acme_admin)
    preview = acme_client.post(UPLOAD, {"file": _file()})
    session = acme_client.session
    session[SESSION_KEY]["text"] += "entity,OPS,Duplicate,group,,,,,,,,,,,,,,\n"
    session.save()
    response = acme_client.post(COMMIT, {"token": preview.context["token"]})
    assert response.status_code == 400 and "External id “OPS” is already used" in response.content.decode()
    assert _people(acme) == 0


@pytest.mark.parametrize(
    ("upload", "field", "message"),
    [
        (_file("kind,id\n"), "file", "Bad header: unknown column(s) 'kind', 'id'. Expected columns: record,"),
        (_file("record,external_id\n"), "file", "The file has a header but no rows."),
        (_file(b"\xff\xfe\x00bad"), "file", "The file is not UTF-8 text."),
        (_file("a", name="people.xlsx"), "file_format", "Choose the format"),
        (_file("{", name="people.json"), "file", "The file is not valid JSON"),
    ],
)
def test_unreadable_files_are_form_errors(acme_client, acme_admin, upload, field, message):
    acme_client.force_login(acme_admin)
    response = acme_client.post(UPLOAD, {"file": upload})
    assert response.status_code == 400
    assert response.context["form"].errors[field][0].startswith(message)


def test_too_many_rows_for_the_portal(acme_client, acme_admin, monkeypatch):
    from apps.organisation.importing import forms

    monkeypatch.setattr(forms, "MAX_PORTAL_ROWS", 10)
    acme_client.force_login(acme_admin)
    response = acme_client.post(UPLOAD, {"file": _file()})
    assert response.status_code == 400
    assert "the portal imports up to 10" in response.context["form"].errors["file"][0]


def test_the_portal_writes_a_limited_number_of_changes(acme_client, acme, acme_admin, monkeypatch):
    from apps.organisation.importing import forms

    monkeypatch.setattr(forms, "MAX_PORTAL_CHANGES", 30)
    acme_client.force_login(acme_admin)
    preview = acme_client.post(UPLOAD, {"file": _file()})
    assert "This import would create or update 31 rows; here at most 30 are written at once." in (
        preview.content.decode()
    )
    assert acme_client.post(COMMIT, {"token": preview.context["token"]}).status_code == 400
    assert _people(acme) == 0


def test_report_and_sample_downloads(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    sample = acme_client.get(SAMPLE)
    assert sample["Content-Type"] == "text/csv" and sample.content.decode().startswith("record,external_id,name,type,")
    token = acme_client.post(UPLOAD, {"file": _file(sample.content, name="sample.csv")}).context["token"]
    report = acme_client.get(REPORT, {"token": token}).content.decode().splitlines()
    assert report[0] == "row,record,external_id,status,messages"
    assert report[1].startswith("2,entity,OPS,create,New group “Operations” under “Acme”.")
    assert acme_client.get(REPORT, {"token": "forged"}).status_code == 302


def test_preview_queries_do_not_grow_with_the_file(acme_client, acme_admin, django_assert_max_num_queries):
    acme_client.force_login(acme_admin)
    with django_assert_max_num_queries(30):
        assert acme_client.post(UPLOAD, {"file": _file()}).status_code == 200


@pytest.mark.parametrize("path", [UPLOAD, SAMPLE, REPORT])
@pytest.mark.parametrize("actor", ["acme_member", "globex_member"])
def test_members_and_outsiders_are_refused(acme_client, acme, request, actor, path):
    acme_client.force_login(request.getfixturevalue(actor))
    assert acme_client.get(path).status_code == 403
    assert acme_client.post(UPLOAD, {"file": _file()}).status_code == 403
    assert acme_client.post(COMMIT, {"token": "x"}).status_code == 403
    assert _people(acme) == 0


def test_a_globex_admin_cannot_commit_an_acme_upload(acme_client, globex_client, acme_admin, globex, acme):
    """The waiting upload belongs to the tenant it was made in."""
    from apps.accounts.models import Membership
    from tests.factories import MembershipFactory

    admin_of_both = acme_admin
    MembershipFactory(tenant=globex, user=admin_of_both, role=Membership.Role.TENANT_ADMIN)
    acme_client.force_login(admin_of_both)
    token = acme_client.post(UPLOAD, {"file": _file()}).context["token"]
    globex_client.cookies = acme_client.cookies  # same browser, other tenant's domain
    globex_client.post(COMMIT, {"token": token})
    with tenant_context(globex):
        assert not MemberProfile.objects.exists()
    assert _people(acme) == 0


@pytest.mark.parametrize("path", [UPLOAD, COMMIT, SAMPLE])
def test_anonymous_is_sent_to_sign_in(acme_client, path):
    response = acme_client.get(path) if path != COMMIT else acme_client.post(path, {"token": "x"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
