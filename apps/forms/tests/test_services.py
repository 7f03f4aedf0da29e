"""Services: versioning, idempotent submissions, drafts, files, review through approvals, the hook
formstats answers, and the task-completion check."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django_tenants.utils import tenant_context

from apps.approvals.services import workflow_save
from apps.core.contributions import Hook, contribute, contributions_reset
from apps.forms import services
from apps.forms.models import FormField, Submission, SubmissionFile
from apps.tasks.models import Task, TaskTemplate

from .conftest import PNG, answers, new_client_id, photo


def error_codes(exc: ValidationError) -> dict[str, list[str]]:
    return {key: [str(e.code) for e in errors] for key, errors in exc.error_dict.items()}


def submit(team, template, *, by=None, **extra):
    values = {"template": template, "acting_user": by or team.fay, "answers": answers(),
              "files": {"photos": [photo()]}, "workplace": team.site, "client_id": new_client_id()}  # fmt: skip
    values.update(extra)
    return services.submission_create(**values)


def test_publishing_makes_versions_and_old_submissions_keep_theirs(
    team, store_visit, events, django_capture_on_commit_callbacks
):
    with tenant_context(team.tenant), django_capture_on_commit_callbacks(execute=True):
        first, _ = submit(team, store_visit)
        assert (first.version.number, first.status, first.answers["value"]) == (1, "submitted", 30)
        with pytest.raises(ValidationError) as nothing:
            services.template_publish(template=store_visit, acting_user=team.admin)
        assert nothing.value.code == "no_changes"
        services.builder_field_save(
            template=store_visit,
            acting_user=team.admin,
            section=0,
            field={"key": "notes", "label": "Notes", "type": "text", "required": True},
        )
        services.builder_field_move(template=store_visit, key="notes", move=-1, acting_user=team.admin)
        v2 = services.template_publish(template=store_visit, acting_user=team.admin)
        assert v2.number == 2 and FormField.objects.filter(version=v2).count() == 10
        assert FormField.objects.filter(version=first.version).count() == 9
        with pytest.raises(ValidationError) as missing:
            submit(team, store_visit)
        assert error_codes(missing.value) == {"notes": ["required"]}
        # An offline client that filled in version 1 may still send it.
        old, _ = submit(team, store_visit, version=1)
        assert old.version.number == 1
        first.refresh_from_db()
        assert first.version.number == 1 and "notes" not in first.answers
    assert [e for e, _ in events].count("form.published") == 1  # v2 (v1 was the fixture's)


def test_client_id_makes_retries_idempotent(team, store_visit):
    with tenant_context(team.tenant):
        client_id = new_client_id()
        first, created = submit(team, store_visit, client_id=client_id)
        again, created_again = submit(team, store_visit, client_id=client_id)
        assert created and not created_again and again.pk == first.pk
        with pytest.raises(ValidationError) as conflict:
            submit(team, store_visit, client_id=client_id, answers=answers(facings=13))
        assert error_codes(conflict.value) == {"client_id": ["idempotency_conflict"]}
        # The same client id of another person is theirs.
        other, created_other = submit(team, store_visit, client_id=client_id, by=team.sue)
        assert created_other and other.pk != first.pk
        assert Submission.objects.count() == 2 and SubmissionFile.objects.count() == 2


def test_refusals_write_nothing(team, store_visit):
    with tenant_context(team.tenant):
        with pytest.raises(ValidationError) as too_many:
            submit(team, store_visit, files={"photos": [photo(f"{i}.jpg", b"\xff\xd8\xff" + bytes([i]) * 9)
                                                        for i in range(4)]})  # fmt: skip
        assert error_codes(too_many.value) == {"photos": ["too_many_photos"]}
        with pytest.raises(ValidationError) as wrong_type:
            submit(team, store_visit, files={"photos": [photo("x.jpg", b"<html>not a photo</html>")]})
        assert error_codes(wrong_type.value) == {"photos": ["attachment_type"]}
        with pytest.raises(ValidationError) as no_photo:
            submit(team, store_visit, files={})
        assert error_codes(no_photo.value) == {"photos": ["required"]}
        assert Submission.objects.count() == 0 and SubmissionFile.objects.count() == 0


def test_offline_draft_saved_incomplete_then_submitted(team, store_visit, events, django_capture_on_commit_callbacks):
    with tenant_context(team.tenant), django_capture_on_commit_callbacks(execute=True):
        draft, _ = submit(team, store_visit, submit=False, answers={"shelf_share": 20}, files={})
        assert draft.status == "draft" and draft.submitted_at is None
        with pytest.raises(ValidationError) as typed:
            services.submission_draft_update(submission=draft, acting_user=team.fay, answers={"facings": "many"})
        assert error_codes(typed.value) == {"facings": ["invalid_number"]}
        services.submission_draft_update(
            submission=draft,
            acting_user=team.fay,
            answers={"facings": 3, "compliant": "no", "why_not": "Promo missing"},
        )
        file = services.submission_file_add(submission=draft, field_key="photos", upload=photo(), acting_user=team.fay)
        same = services.submission_file_add(submission=draft, field_key="photos", upload=photo(), acting_user=team.fay)
        assert same.pk == file.pk
        services.submission_file_add(submission=draft, field_key="signature", upload=photo("s.png", PNG),
                                     acting_user=team.fay)  # fmt: skip
        with pytest.raises(PermissionDenied):
            services.submission_submit(submission=draft, acting_user=team.sue)
        sent = services.submission_submit(submission=draft, acting_user=team.fay)
        assert sent.status == "submitted" and sent.answers["why_not"] == "Promo missing"
        assert services.submission_submit(submission=draft, acting_user=team.fay).pk == sent.pk  # a retry
        with pytest.raises(ValidationError) as closed:
            services.submission_draft_update(submission=draft, acting_user=team.fay, answers={"facings": 4})
        assert closed.value.code == "not_a_draft"
    assert [e for e, _ in events] == ["submission.submitted"]


def test_status_hook_is_called_inside_the_transaction(team, store_visit):
    seen = []
    contribute(Hook("forms.submission_status_changed", lambda s, previous: seen.append((s.status, previous))))
    try:
        with tenant_context(team.tenant):
            draft, _ = submit(team, store_visit, submit=False)
            services.submission_submit(submission=draft, acting_user=team.fay)
            direct, _ = submit(team, store_visit)
            services.submission_review(submission=direct, outcome="rejected", note="Blurry", acting_user=team.mia)
    finally:
        contributions_reset()
    assert seen == [("submitted", "draft"), ("submitted", None), ("rejected", "submitted")]


def test_review_through_an_approval_workflow(team, store_visit, events, django_capture_on_commit_callbacks):
    with tenant_context(team.tenant), django_capture_on_commit_callbacks(execute=True):
        workflow_save(
            kind=services.APPROVAL_KIND,
            name="Visits",
            acting_user=team.admin,
            steps=[{"name": "Manager", "approver_type": "people", "people": [team.mia.pk], "rule": "any"}],
        )
        submission, _ = submit(team, store_visit)
        assert services.approval_of(submission) is not None
        with pytest.raises(PermissionDenied):
            services.submission_review(submission=submission, outcome="approved", acting_user=team.sue)
        services.submission_review(submission=submission, outcome="approved", acting_user=team.mia, note="Good")
        submission.refresh_from_db()
        assert (submission.status, submission.reviewed_by_id, submission.review_note) == (
            "approved",
            team.mia.pk,
            "Good",
        )
        with pytest.raises(ValidationError) as twice:
            services.submission_decide(submission=submission, outcome="rejected", acting_user=team.admin, note="x")
        assert error_codes(twice.value) == {"outcome": ["already_reviewed"]}
        services.submission_comment(submission=submission, acting_user=team.mia, body="Nice facings.")
    assert [e for e, _ in events][-2:] == ["submission.approved", "submission.commented"]


def test_task_template_requiring_a_form_blocks_completion_until_submitted(team, store_visit):
    with tenant_context(team.tenant):
        template = TaskTemplate.objects.create(code="VISIT", name="Store visit")
        services.task_template_form_set(task_template=template, form_template=store_visit, acting_user=team.admin)
        task = Task.objects.create(title="Visit SYD", template=template, workplace=team.site, status="in_progress")
        refusal = services.task_completion_check(task)
        assert refusal is not None and refusal.code == "form_required"
        submit(team, store_visit, task=task)
        assert services.task_completion_check(task) is None
        plain = Task.objects.create(title="Other", workplace=team.site)
        assert services.task_completion_check(plain) is None


def test_demo_is_idempotent_and_tells_analytics_once(team):
    from apps.forms.demo import DAYS, forms_demo_seed
    from tests.factories import MembershipFactory

    for email in ("sam@acme.localhost", "sue@acme.localhost", "manager@acme.localhost"):
        MembershipFactory(tenant=team.tenant, user__email=email)
    told = []
    contribute(Hook("forms.submissions_bulk_created", lambda ids: told.append(len(ids))))
    try:
        with tenant_context(team.tenant):
            created = forms_demo_seed()
            assert created == DAYS * 2 * 2  # two sites, two visits a day each
            assert forms_demo_seed() == 0
            visit = Submission.objects.filter(template__name="Store visit").first()
            assert visit.version.number == 1 and visit.history.count() == 1
            assert not Submission.objects.filter(status="draft").exists()
            # Every visit shows a shelf photo and a signature: a few stored pictures shared by all the rows.
            files = SubmissionFile.objects.filter(submission__template__name="Store visit")
            assert files.filter(field_key="photos").count() == files.filter(field_key="signature").count() == created
            assert files.values("file").distinct().count() == 4
            photo = files.filter(field_key="photos").first()
            with photo.file.open("rb") as stored:
                assert stored.read(3) == b"\xff\xd8\xff" and photo.content_type == "image/jpeg"  # a real JPEG
            # Visits seeded before the pictures existed get theirs on the next run, once.
            SubmissionFile.objects.filter(submission=visit).delete()
            assert forms_demo_seed() == 0 and visit.files.count() == 2
            assert forms_demo_seed() == 0 and files.count() == 2 * created
    finally:
        contributions_reset()
    assert told == [created]


def test_notices_render_and_reach_the_right_people(team, store_visit):
    from django.template import Context, Template

    from apps.core.contributions import Notice, contributions
    from apps.forms import notices
    from apps.forms.payloads import submission_payload

    with tenant_context(team.tenant):
        submission, _ = submit(team, store_visit)
        payload = submission_payload(submission, note="Blurry", comment="Retake", author=str(team.mia.pk))
        ours = [n for n in contributions(Notice) if n.event.startswith("submission.")]
        assert {n.event for n in ours} == {"submission.submitted", "submission.approved", "submission.rejected",
                                           "submission.commented"}  # fmt: skip
        for notice in ours:
            assert "Store visit" in Template(notice.title).render(Context(payload))
            assert Template(notice.body).render(Context(payload)).strip()
        assert notices.reviewers(team.tenant, payload) == [team.mia.pk]  # Fay's manager
        assert notices.submitter(team.tenant, payload) == [str(team.fay.pk)]
        assert notices.submitter_unless_author(team.tenant, {**payload, "author": str(team.fay.pk)}) == []
        assert notices.url(team.tenant, payload).endswith(f"/manage/reports/forms/submissions/{submission.pk}/")
