"""Portal pages of forms (/manage/reports/forms/): the forms list, the builder (sections and fields,
conditions, preview, publish, assignment), version history, filling a form in, the submissions list
(filters, keyset pages) and a submission's page (answers as on its version, photos, signature, comments,
review), and which task templates require a form."""

import uuid
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from apps.accounts.access import is_tenant_admin
from apps.forms import schema as schema_rules
from apps.forms import services
from apps.forms.access import (
    FormsPortalMixin,
    builder_require,
    may_review,
    person_require,
    reviewer_require,
    sees_everything,
    submission_get_for,
    template_get_for,
    visible,
)
from apps.forms.models import FILE_TYPES, FormTemplate, FormVersion, Submission, SubmissionFile, TaskTemplateForm
from apps.forms.selectors import keyset_page, submission_list, templates_available, workplaces_for
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView
from apps.tasks.models import TaskTemplate

from .forms import (
    CommentForm,
    FieldForm,
    ReviewForm,
    SubmissionFilterForm,
    TemplateCreateForm,
    TemplateSettingsForm,
    answers_from_post,
)


def _messages(exc: ValidationError) -> list[str]:
    if hasattr(exc, "error_dict"):
        return [f"{'' if key == '__all__' else key + ': '}{m}" for key, errs in exc.error_dict.items()
                for e in errs for m in e.messages]  # fmt: skip
    return list(exc.messages)


def _uuid(value: Any) -> uuid.UUID | None:
    """The portal form's client id (a retried post is the same submission), when it is one."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


class FormsPage(FormsPortalMixin, TenantPortalView):
    tenant_access = "member"

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"is_admin": is_tenant_admin(self.request), "builds": sees_everything(self.request)}
        return render(self.request, template, {**base, **context}, status=status)


class TemplateListView(FormsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        builds = sees_everything(request)
        rows = FormTemplate.objects.select_related("current_version") if builds else templates_available(request.user)
        return self.page("forms/templates.html", {"templates": rows.order_by("status", "name", "pk")[:500],
                                                  "form": TemplateCreateForm()})  # fmt: skip

    def post(self, request: HttpRequest) -> HttpResponse:
        builder_require(request)
        form = TemplateCreateForm(request.POST)
        if form.is_valid():
            try:
                template = services.template_create(name=form.cleaned_data["name"], acting_user=request.user,
                                                    description=form.cleaned_data["description"])  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return HttpResponseRedirect(reverse("forms:builder", args=[template.pk]))
        rows = FormTemplate.objects.select_related("current_version").order_by("status", "name", "pk")[:500]
        return self.page("forms/templates.html", {"templates": rows, "form": form}, status=400)


class BuilderView(FormsPage):
    """The working copy: sections, fields (edit, move, remove), a preview, the settings, publish."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        builder_require(request)
        return self.render_page(template_get_for(request, pk))

    def render_page(self, template: FormTemplate, status: int = 200, **extra: Any) -> HttpResponse:
        sections = schema_rules.schema_normalise(template.draft_schema)["sections"]
        editing = self.request.GET.get("edit", "")
        field_forms = {}
        for index, section in enumerate(sections):
            for field in section["fields"]:
                if field["key"] == editing:
                    field_forms[field["key"]] = FieldForm(initial=FieldForm.initial_from(field, index))
        settings_form = TemplateSettingsForm(initial={
            "name": template.name, "description": template.description, "review_required": template.review_required,
            "workplaces": list(template.workplaces.all()), "roles": list(template.roles.all()),
        })  # fmt: skip
        problems = schema_rules.schema_check(template.draft_schema)
        context = {
            "template": template, "sections": sections, "field_forms": field_forms, "editing": editing,
            "new_field": FieldForm(initial={"section": max(len(sections) - 1, 0)}), "settings_form": settings_form,
            "problems": problems, "changed": services.has_unpublished_changes(template),
            "preview": schema_rules.fields_of(template.draft_schema), **extra,
        }  # fmt: skip
        return self.page("forms/builder.html", context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        builder_require(request)
        template = template_get_for(request, pk)
        action = request.POST.get("action", "")
        try:
            self.apply(template, action)
        except ValidationError as exc:
            for message in _messages(exc):
                messages.error(request, message)
            return self.render_page(FormTemplate.objects.get(pk=template.pk), status=400)
        return HttpResponseRedirect(reverse("forms:builder", args=[template.pk]))

    def apply(self, template: FormTemplate, action: str) -> None:
        post, user = self.request.POST, self.request.user
        index = int(post.get("index") or 0) if (post.get("index") or "0").isdigit() else 0
        if action == "field":
            form = FieldForm(post)
            if not form.is_valid():
                raise ValidationError({k: v for k, v in form.errors.items()})
            services.builder_field_save(template=template, field=form.field(), acting_user=user,
                                        section=form.cleaned_data["section"],
                                        original_key=form.cleaned_data.get("original_key") or "")  # fmt: skip
        elif action in ("field_up", "field_down"):
            services.builder_field_move(template=template, key=post.get("key", ""), acting_user=user,
                                        move=-1 if action == "field_up" else 1)  # fmt: skip
        elif action == "field_remove":
            services.builder_field_remove(template=template, key=post.get("key", ""), acting_user=user)
        elif action == "section_add":
            services.builder_section_add(template=template, title=post.get("title", ""), acting_user=user)
        elif action in ("section_up", "section_down", "section_rename", "section_remove"):
            services.builder_section_edit(
                template=template, index=index, acting_user=user, title=post.get("title"),
                move={"section_up": -1, "section_down": 1}.get(action, 0), remove=action == "section_remove",
            )  # fmt: skip
        elif action == "settings":
            settings_form = TemplateSettingsForm(post)
            if not settings_form.is_valid():
                raise ValidationError({k: v for k, v in settings_form.errors.items()})
            data = settings_form.cleaned_data
            services.template_update(template=template, acting_user=user, name=data["name"],
                                     description=data["description"], review_required=data["review_required"],
                                     workplaces=data["workplaces"], roles=data["roles"])  # fmt: skip
        elif action == "publish":
            version = services.template_publish(template=template, acting_user=user)
            messages.success(self.request, f"Published version {version.number}.")
        elif action == "archive":
            services.template_archive(template=template, acting_user=user)
        elif action == "restore":
            services.template_restore(template=template, acting_user=user)
        else:
            raise ValidationError("Unknown action.", code="unknown_action")


class VersionListView(FormsPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        template = template_get_for(request, pk)
        versions = template.versions.select_related("published_by").order_by("-number")
        return self.page("forms/versions.html", {"template": template, "versions": versions})


class VersionView(FormsPage):
    def get(self, request: HttpRequest, pk: int, number: int) -> HttpResponse:
        template = template_get_for(request, pk)
        version = FormVersion.objects.filter(template=template, number=number).first()
        if version is None:
            raise Http404("No such version.")
        return self.page("forms/version.html", {"template": template, "version": version,
                                                "fields": schema_rules.fields_of(version.schema)})  # fmt: skip


class FillView(FormsPage):
    """A manager (or anyone with access) fills the current version in from the portal."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        person_require(request)
        return self.render_page(template_get_for(request, pk, to_fill=True))

    def render_page(self, template: FormTemplate, status: int = 200, errors: Any = None, values: Any = None,
                    workplace: Any = None) -> HttpResponse:  # fmt: skip
        version = template.current_version
        assert version is not None  # a fillable template is published
        return self.page("forms/fill.html", {
            "template": template, "version": version, "fields": schema_rules.fields_of(version.schema),
            "workplaces": workplaces_for(template, self.request.user, everyone=sees_everything(self.request)),
            "errors": errors or {}, "form_errors": (errors or {}).get("__all__", []), "values": values or {},
            "chosen_workplace": workplace,
            "client_id": _uuid(self.request.POST.get("client_id")) or uuid.uuid4(),
        }, status=status)  # fmt: skip

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        person_require(request)
        template = template_get_for(request, pk, to_fill=True)
        version = template.current_version
        assert version is not None
        fields = schema_rules.fields_of(version.schema)
        workplace = (
            workplaces_for(template, request.user, everyone=sees_everything(request))
            .filter(pk=request.POST.get("workplace") or 0)
            .first()
            if request.POST.get("workplace")
            else None
        )
        answers = answers_from_post(fields, request.POST, getattr(workplace, "time_zone", "UTC"))
        files = {f["key"]: request.FILES.getlist(f"files.{f['key']}") for f in fields if f["type"] in FILE_TYPES}
        try:
            submission, _ = services.submission_create(
                template=template, acting_user=request.user, answers=answers, workplace=workplace,
                client_id=_uuid(request.POST.get("client_id")), files=files,
                submit=request.POST.get("action") != "draft",
            )  # fmt: skip
        except ValidationError as exc:
            errors = {k: [m for e in errs for m in e.messages] for k, errs in exc.error_dict.items()} \
                if hasattr(exc, "error_dict") else {"__all__": exc.messages}  # fmt: skip
            return self.render_page(template, 400, errors=errors, values=answers, workplace=workplace)
        messages.success(request, "Saved as a draft." if submission.is_draft else "Thank you: the form was sent.")
        return HttpResponseRedirect(reverse("forms:submission", args=[submission.pk]))


class SubmissionListView(FormsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        form = SubmissionFilterForm(request.GET or None)
        if not sees_everything(request):  # the forms a member may fill in, not every draft's name
            form.fields["template"].queryset = templates_available(request.user)  # type: ignore[attr-defined]
        rows = submission_list(visible(request), **form.filters())
        page, cursor = keyset_page(rows, request.GET.get("after", ""))
        query: dict[str, str] = {k: str(v) for k, v in request.GET.items() if k != "after" and v}
        context = {"form": form, "submissions": page, "older_query": urlencode({**query, "after": cursor}) if cursor
                   else "", "newest_query": urlencode(query), "paged": bool(request.GET.get("after"))}  # fmt: skip
        if getattr(request, "htmx", False) and not request.htmx.boosted:  # type: ignore[attr-defined]
            return render(request, "forms/_submissions.html", context)
        return self.page("forms/submissions.html", context)


class DraftListView(FormsPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        rows = submission_list(visible(request), person=request.user, drafts=True)[:100]
        return self.page("forms/drafts.html", {"drafts": rows})


def _answer_rows(submission: Submission) -> list[dict[str, Any]]:
    """The version's fields in order with the answer (or the files) of each."""
    files: dict[str, list[SubmissionFile]] = {}
    for row in submission.files.all():
        files.setdefault(row.field_key, []).append(row)
    rows = []
    for field in schema_rules.fields_of(submission.version.schema):
        value = submission.answers.get(field["key"])
        options = {o["value"]: o["label"] for o in (field.get("config") or {}).get("options") or []}
        if isinstance(value, list):
            shown: Any = ", ".join(str(options.get(v, v)) for v in value)
        elif isinstance(value, dict):
            shown = f"{value.get('lat')}, {value.get('lng')}"
        else:
            shown = options.get(value, value) if value is not None else None
        rows.append({"field": field, "value": shown, "files": files.get(field["key"], [])})
    return rows


class SubmissionView(FormsPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render_page(pk)

    def render_page(self, pk: int, status: int = 200, **forms_: Any) -> HttpResponse:
        submission = submission_get_for(self.request, pk, detail=True)
        history = Submission.history.filter(id=submission.pk).select_related("history_user") \
            .order_by("-history_date")[:30]  # fmt: skip
        return self.page("forms/submission.html", {
            "submission": submission, "rows": _answer_rows(submission), "history": history,
            "may_review": may_review(self.request, submission), "approval": services.approval_of(submission),
            "review_form": forms_.get("review_form") or ReviewForm(),
            "comment_form": forms_.get("comment_form") or CommentForm(),
        }, status=status)  # fmt: skip

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        submission = submission_get_for(request, pk)
        action = request.POST.get("action", "")
        if action == "review":
            reviewer_require(request, submission)
            form = ReviewForm(request.POST)
            if form.is_valid():
                try:
                    services.submission_review(submission=submission, outcome=form.cleaned_data["outcome"],
                                               note=form.cleaned_data["note"], acting_user=request.user)  # fmt: skip
                except (ValidationError, PermissionDenied) as exc:
                    form.add_error(None, exc.messages if isinstance(exc, ValidationError) else str(exc))
                else:
                    return HttpResponseRedirect(reverse("forms:submission", args=[pk]))
            return self.render_page(pk, 400, review_form=form)
        if action == "submit":
            try:
                services.submission_submit(submission=submission, acting_user=request.user)
            except ValidationError as exc:
                for message in _messages(exc):
                    messages.error(request, message)
                return self.render_page(pk, 400)
            return HttpResponseRedirect(reverse("forms:submission", args=[pk]))
        comment = CommentForm(request.POST)
        if comment.is_valid():
            person_require(request)
            services.submission_comment(submission=submission, acting_user=request.user,
                                        body=comment.cleaned_data["body"])  # fmt: skip
            return HttpResponseRedirect(reverse("forms:submission", args=[pk]))
        return self.render_page(pk, 400, comment_form=comment)


class SubmissionFileView(FormsPage):
    def get(self, request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
        submission = submission_get_for(request, pk)
        row = SubmissionFile.objects.filter(submission=submission, pk=file_pk).first()
        if row is None:
            raise Http404("No such file.")
        return FileResponse(row.file.open("rb"), content_type=row.content_type)


class TaskTemplatesView(FormsPage):
    """Which task templates require a form (a task made from one completes only once the form is sent)."""

    def get(self, request: HttpRequest) -> HttpResponse:
        builder_require(request)
        return self.render_page()

    def render_page(self, status: int = 200) -> HttpResponse:
        links = dict(TaskTemplateForm.objects.values_list("task_template_id", "form_template_id"))
        templates = list(TaskTemplate.objects.filter(is_active=True).order_by("name")[:500])
        for row in templates:
            row.required_form_id = links.get(row.pk)  # type: ignore[attr-defined]
        forms_ = FormTemplate.objects.exclude(status="archived").order_by("name")
        return self.page("forms/task_templates.html", {"task_templates": templates, "forms": forms_}, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        builder_require(request)
        task_template = TaskTemplate.objects.filter(pk=request.POST.get("task_template") or 0).first()
        if task_template is None:
            raise Http404("No such task template.")
        chosen = request.POST.get("form_template") or ""
        form_template = FormTemplate.objects.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        try:
            services.task_template_form_set(task_template=task_template, form_template=form_template,
                                            acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            for message in _messages(exc):
                messages.error(request, message)
            return self.render_page(400)
        return HttpResponseRedirect(reverse("forms:task_templates"))
