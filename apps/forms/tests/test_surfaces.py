"""The API and the portal: the mobile submission (multipart, idempotent, per-field errors), drafts with
photo uploads, who sees and does what, the builder and publish, query counts on lists and pages."""

import json

from django.test import Client
from django_tenants.utils import tenant_context

from apps.forms import services
from apps.forms.models import FormTemplate, Submission

from .conftest import API, HOST, PNG, STORE_VISIT, answers, api, new_client_id, photo


def _portal(user) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(user)
    return client


def _submit(team, template, by=None, **extra):
    with tenant_context(team.tenant):
        return services.submission_create(template=template, acting_user=by or team.fay, answers=answers(),
                                          files={"photos": [photo()]}, workplace=team.site, **extra)[0]  # fmt: skip


def test_mobile_submission_multipart_retry_and_conflict(team, store_visit):
    client = api(team.fay)
    forms_ = client.get(API).json()
    assert [f["name"] for f in forms_] == ["Store visit"]
    assert [f["key"] for f in forms_[0]["current_version"]["fields"]][:3] == ["shelf_share", "facings", "price"]
    body = {"template": store_visit.pk, "client_id": str(new_client_id()), "answers": json.dumps(answers()),
            "workplace": "syd-cbd"}  # fmt: skip
    first = client.post(f"{API}submissions/", {**body, "files.photos": [photo(), photo("b.jpg", JPEG2)]},
                        format="multipart")  # fmt: skip
    assert first.status_code == 201, first.content
    data = first.json()
    assert (data["status"], data["version"], data["workplace"]) == ("submitted", 1, "SYD-CBD")
    assert data["answers"]["value"] == 30
    assert len(data["files"]) == 2
    again = client.post(f"{API}submissions/", {**body, "files.photos": [photo(), photo("b.jpg", JPEG2)]},
                        format="multipart")  # fmt: skip
    assert again.status_code == 200 and again.json()["id"] == data["id"]
    conflict = client.post(f"{API}submissions/", {**body, "answers": json.dumps(answers(facings=2)),
                                                  "files.photos": [photo()]}, format="multipart")  # fmt: skip
    assert conflict.status_code == 409 and conflict.json()["code"] == "idempotency_conflict"
    download = client.get(data["files"][0]["url"])
    assert download.status_code == 200 and download["Content-Type"] == "image/jpeg"


JPEG2 = b"\xff\xd8\xff\xe1" + b"\x01" * 64


def test_refusals_carry_a_message_and_code_per_field(team, store_visit):
    client = api(team.fay)
    bad = answers(shelf_share=140, compliant="no", rating="great")
    response = client.post(f"{API}submissions/", {"template": store_visit.pk, "answers": bad,
                                                  "workplace": "SYD-CBD"}, format="json")  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_answers"
    assert body["codes"] == {"shelf_share": ["above_max"], "why_not": ["required"], "photos": ["required"],
                             "rating": ["invalid_rating"]}  # fmt: skip
    assert body["errors"]["shelf_share"] == ["At most 100 %."]
    with tenant_context(team.tenant):
        assert Submission.objects.count() == 0


def test_offline_draft_then_photo_upload_then_submit(team, store_visit):
    client = api(team.fay)
    draft = client.post(f"{API}submissions/", {"template": store_visit.pk, "answers": {"shelf_share": 12},
                                               "workplace": "SYD-CBD", "status": "draft"}, format="json")  # fmt: skip
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    pk = draft.json()["id"]
    assert [d["id"] for d in client.get(f"{API}submissions/drafts/").json()] == [pk]
    early = client.post(f"{API}submissions/{pk}/submit/", {}, format="json")
    assert early.status_code == 400 and set(early.json()["codes"]) == {"facings", "compliant", "photos"}
    patched = client.patch(f"{API}submissions/{pk}/", {"answers": {"facings": 7, "compliant": "yes"}}, format="json")
    assert patched.status_code == 200 and patched.json()["answers"]["facings"] == 7
    upload = client.post(f"{API}submissions/{pk}/files/", {"field_key": "photos", "file": photo()}, format="multipart")
    assert upload.status_code == 201, upload.content
    sig = client.post(f"{API}submissions/{pk}/files/", {"field_key": "rating", "file": photo("s.png", PNG)},
                      format="multipart")  # fmt: skip
    assert sig.status_code == 400 and sig.json()["code"] == "not_a_file_field"
    sent = client.post(f"{API}submissions/{pk}/submit/", {}, format="json")
    assert sent.status_code == 200 and sent.json()["status"] == "submitted"
    # Other people's drafts stay private, even to admins.
    assert api(team.admin).get(f"{API}submissions/{pk}/").status_code == 200
    assert api(team.sue).get(f"{API}submissions/{pk}/").status_code == 404


def test_who_sees_and_reviews(team, store_visit):
    mine = _submit(team, store_visit, by=team.fay)
    sues = _submit(team, store_visit, by=team.sue)
    fay, mia, sue = api(team.fay), api(team.mia), api(team.sue)
    assert [r["id"] for r in fay.get(f"{API}submissions/").json()["results"]] == [mine.pk]
    assert {r["id"] for r in mia.get(f"{API}submissions/").json()["results"]} == {mine.pk}  # her report's
    assert {r["id"] for r in api(team.admin).get(f"{API}submissions/").json()["results"]} == {mine.pk, sues.pk}
    own = fay.post(f"{API}submissions/{mine.pk}/review/", {"outcome": "approved"}, format="json")
    assert own.status_code == 403 and own.json()["code"] == "reviewer_required"
    assert sue.post(f"{API}submissions/{mine.pk}/review/", {"outcome": "approved"}, format="json").status_code == 404
    no_reason = mia.post(f"{API}submissions/{mine.pk}/review/", {"outcome": "rejected"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason_required"
    done = mia.post(f"{API}submissions/{mine.pk}/review/", {"outcome": "rejected", "note": "Blurry"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    comment = mia.post(f"{API}submissions/{mine.pk}/comments/", {"body": "Retake the photo."}, format="json")
    assert comment.status_code == 201
    assert [c["body"] for c in fay.get(f"{API}submissions/{mine.pk}/comments/").json()] == ["Retake the photo."]
    refused = api(team.ned).get(API)
    assert refused.status_code == 403 and refused.json()["code"] == "solution_access_required"
    builder = fay.post(API, {"name": "Mine"}, format="json")
    assert builder.status_code == 403 and builder.json()["code"] == "admin_required"


def test_assignment_to_workplaces_and_roles(team, store_visit):
    with tenant_context(team.tenant):
        from apps.access.services import role_create

        role = role_create(code="merch", name="Merchandiser", permissions=[], acting_user=team.admin)
        services.template_update(template=store_visit, acting_user=team.admin, roles=[role])
    assert api(team.fay).get(API).json() == []
    assert api(team.fay).post(f"{API}submissions/", {"template": store_visit.pk, "answers": {}},
                              format="json").status_code == 404  # fmt: skip
    assert [f["id"] for f in api(team.admin).get(API).json()] == [store_visit.pk]


def test_builder_api_publish_and_versions(team, store_visit):
    admin = api(team.admin)
    created = admin.post(API, {"name": "Audit", "schema": STORE_VISIT, "workplaces": ["SYD-CBD"]}, format="json")
    assert created.status_code == 201 and created.json()["status"] == "draft"
    pk = created.json()["id"]
    assert api(team.fay).get(f"{API}{pk}/").status_code == 404  # a draft is nobody's to fill in
    broken = {"sections": [{"title": "", "fields": [{"key": "a", "label": "A", "type": "computed",
                                                     "config": {"formula": "missing * 2"}}]}]}  # fmt: skip
    admin.put(f"{API}{pk}/schema/", {"schema": broken}, format="json")
    refused = admin.post(f"{API}{pk}/publish/")
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_schema"
    assert refused.json()["codes"] == {"a": ["formula_field"]}
    admin.put(f"{API}{pk}/schema/", {"schema": STORE_VISIT}, format="json")
    published = admin.post(f"{API}{pk}/publish/")
    assert published.status_code == 201 and published.json()["number"] == 1
    assert [v["number"] for v in admin.get(f"{API}{pk}/versions/").json()] == [1]
    assert admin.get(f"{API}{pk}/versions/1/").json()["fields"][0]["key"] == "shelf_share"
    assert admin.post(f"{API}{pk}/archive/").json()["status"] == "archived"


def test_lists_and_pages_in_a_fixed_number_of_queries(team, store_visit, django_assert_max_num_queries):
    for _ in range(3):
        _submit(team, store_visit)
    client = api(team.admin)
    with django_assert_max_num_queries(14):
        first = client.get(f"{API}submissions/")
    for _ in range(6):
        _submit(team, store_visit)
    with django_assert_max_num_queries(14):
        second = client.get(f"{API}submissions/")
    assert len(second.json()["results"]) == len(first.json()["results"]) + 6
    portal = _portal(team.admin)
    with django_assert_max_num_queries(40):
        assert portal.get("/manage/reports/forms/submissions/").status_code == 200
    pk = second.json()["results"][0]["id"]
    with django_assert_max_num_queries(40):
        page = portal.get(f"/manage/reports/forms/submissions/{pk}/")
    assert page.status_code == 200 and b"Shelf share" in page.content


def test_keyset_pages(team, store_visit):
    for _ in range(3):
        _submit(team, store_visit)
    with tenant_context(team.tenant):
        from apps.forms.selectors import keyset_page, submission_list

        rows = submission_list(Submission.objects.all())
        page, cursor = keyset_page(rows, size=2)
        rest, end = keyset_page(rows, cursor, size=2)
    assert len(page) == 2 and len(rest) == 1 and end == "" and {r.pk for r in page}.isdisjoint({r.pk for r in rest})


def test_portal_build_publish_fill_and_review(team, store_visit):
    admin = _portal(team.admin)
    assert admin.get("/manage/reports/forms/").status_code == 200
    made = admin.post("/manage/reports/forms/", {"name": "Quick check"})
    assert made.status_code == 302
    with tenant_context(team.tenant):
        pk = FormTemplate.objects.get(name="Quick check").pk
    builder = f"/manage/reports/forms/{pk}/"
    assert admin.get(builder).status_code == 200
    admin.post(builder, {"action": "field", "section": 0, "key": "clean", "label": "Clean", "type": "single_choice",
                         "options": "yes|Yes\nno|No", "required": "on"})  # fmt: skip
    admin.post(builder, {"action": "field", "section": 0, "key": "count", "label": "Count", "type": "number",
                         "min": "0", "max": "10"})  # fmt: skip
    admin.post(builder, {"action": "field_up", "key": "count"})
    assert admin.post(builder, {"action": "publish"}).status_code == 302
    with tenant_context(team.tenant):
        template = FormTemplate.objects.get(pk=pk)
        assert template.status == "published" and [f.key for f in template.current_version.fields.all()] == [
            "count", "clean"]  # fmt: skip
    fay = _portal(team.fay)
    fill = f"/manage/reports/forms/{pk}/fill/"
    assert fay.get(fill).status_code == 200
    wrong = fay.post(fill, {"a.count": "11", "action": "submit"})
    assert wrong.status_code == 400 and b"At most 10" in wrong.content
    sent = fay.post(fill, {"a.count": "3", "a.clean": "yes", "action": "submit"})
    assert sent.status_code == 302
    page = sent["Location"]
    assert b"Count" in fay.get(page).content
    mia = _portal(team.mia)
    assert mia.post(page, {"action": "review", "outcome": "approved"}).status_code == 302
    with tenant_context(team.tenant):
        assert Submission.objects.get(template_id=pk).status == "approved"
    assert admin.get(f"{builder}versions/1/").status_code == 200
    assert _portal(team.ned).get("/manage/reports/forms/").status_code == 403


def test_api_keys_need_the_reports_scope_and_never_submit(team, store_visit):
    from apps.integrations.services import api_key_create

    _submit(team, store_visit)
    with tenant_context(team.tenant):
        _, other = api_key_create(name="Ops", scopes=["tasks:read"], acting_user=None)
        _, reader = api_key_create(name="Reader", scopes=["reports:read", "reports:write"], acting_user=None)
    refused = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Api-Key {other}").get(f"{API}submissions/")
    assert refused.status_code == 403
    client = Client(HTTP_HOST=HOST, HTTP_AUTHORIZATION=f"Api-Key {reader}")
    listed = client.get(f"{API}submissions/")
    # A key reaches the solution through roles assigned to it: without one it is refused, by code.
    assert listed.status_code in (200, 403)
    if listed.status_code == 403:
        assert listed.json()["code"] in ("solution_access_required", "solution_not_in_plan")
    else:
        posted = client.post(f"{API}submissions/", {"template": store_visit.pk, "answers": {}},
                             content_type="application/json")  # fmt: skip
        assert posted.status_code == 403 and posted.json()["code"] == "person_required"


def test_a_person_tied_to_workplaces_sees_the_forms_of_theirs(team, store_visit):
    from apps.access.services import assignment_create, role_create
    from apps.workplaces.models import Workplace

    with tenant_context(team.tenant):
        parramatta = Workplace.objects.get(code="PARRAMATTA")
        services.template_update(template=store_visit, acting_user=team.admin, workplaces=[team.site])
        role = role_create(code="merch", name="Merchandiser", permissions=[], acting_user=team.admin)
        assignment_create(role=role, user=team.fay, scope_object=parramatta, acting_user=team.admin)
    assert [f["id"] for f in api(team.sue).get(API).json()] == [store_visit.pk]  # tied to no workplace
    assert api(team.fay).get(API).json() == []  # works at Parramatta only
    with tenant_context(team.tenant):
        services.template_update(template=store_visit, acting_user=team.admin, workplaces=[team.site, parramatta])
    assert [f["id"] for f in api(team.fay).get(API).json()] == [store_visit.pk]
    wrong = api(team.fay).post(f"{API}submissions/", {"template": store_visit.pk, "answers": answers(),
                                                      "workplace": "NOPE"}, format="json")  # fmt: skip
    assert wrong.status_code == 400 and wrong.json()["code"] == "unknown_workplace"


def test_an_old_submission_renders_on_its_own_version(team, store_visit):
    old = _submit(team, store_visit)
    with tenant_context(team.tenant):
        renamed = {"key": "shelf_share", "label": "Share of shelf (v2)", "type": "number"}
        services.builder_field_save(template=store_visit, acting_user=team.admin, original_key="shelf_share",
                                    field=renamed)  # fmt: skip
        services.template_publish(template=store_visit, acting_user=team.admin)
    admin = _portal(team.admin)
    page = admin.get(f"/manage/reports/forms/submissions/{old.pk}/")
    assert page.status_code == 200 and b"Shelf share" in page.content and b"(v2)" not in page.content
    assert b"version 1" in page.content
    editing = admin.get(f"/manage/reports/forms/{store_visit.pk}/?edit=facings")
    assert editing.status_code == 200 and b"Save field" in editing.content
    assert b"(v2)" in admin.get(f"/manage/reports/forms/{store_visit.pk}/versions/2/").content
    assert api(team.fay).get(f"{API}submissions/{old.pk}/").json()["version"] == 1
