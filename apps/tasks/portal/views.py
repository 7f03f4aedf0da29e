"""Task pages (/manage/tasks/): my tasks (and the ones I see), the team board by status with htmx moves,
the task page (checklist ticks, evidence, comments, attachments, history) and templates (admins)."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.accounts.access import is_tenant_admin
from apps.surfaces.portal import TenantPortalView
from apps.tasks import services
from apps.tasks.access import TasksPortalMixin, admin_require, manage_require, sees_everything, task_get_for
from apps.tasks.api.views import task_detail
from apps.tasks.lookups import member_get, template_by_code, workplace_by_code
from apps.tasks.models import OPEN_STATUSES, ChecklistItem, Task, TaskAttachment, TaskStatus, TaskTemplate
from apps.tasks.selectors import my_today, task_list

from .forms import CheckInForm, CommentForm, TaskCreateForm, TaskFilterForm, TemplateForm, UploadForm, checklist_parse

PAGE = 50
TODAY = 20  # "my tasks today" on the tasks page: the first ones, overdue first (the API pages the rest)
BOARD_COLUMN = 30


def refusal_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def page_of(request: HttpRequest, rows: QuerySet[Any]) -> dict[str, Any]:
    """A page without a COUNT: one row more than shown says whether there is a next page."""
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    found = list(rows[(number - 1) * PAGE : number * PAGE + 1])
    return {"rows": found[:PAGE], "page": number, "has_next": len(found) > PAGE, "has_previous": number > 1}


class MyTasksView(TasksPortalMixin, TenantPortalView):
    def get(self, request: HttpRequest, form: TaskCreateForm | None = None) -> HttpResponse:
        filters = TaskFilterForm(request.GET or None)
        data = filters.cleaned_data if filters.is_valid() else {}
        try:
            workplace = workplace_by_code(data["workplace"]) if data.get("workplace") else None
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
            workplace = None
        wanted = data.get("status") or "open"
        rows = task_list(visible_to=None if sees_everything(request) else request.user,
                         status="" if wanted == "all" else wanted, workplace=workplace,
                         search=data.get("q", "")).order_by("due_at", "id")  # fmt: skip
        today = list(my_today(user=request.user).order_by("due_at", "id")[: TODAY + 1])
        context = {"filters": filters, "create_form": form or TaskCreateForm(), **page_of(request, rows),
                   "is_admin": is_tenant_admin(request), "today": today[:TODAY],
                   "today_more": len(today) > TODAY}  # fmt: skip
        return render(request, "tasks/mine.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TaskCreateForm(request.POST)
        if not form.is_valid():
            return self.get(request, form)
        data = form.cleaned_data
        try:
            common: dict[str, Any] = {"acting_user": request.user, "due_at": data.get("due_at"),
                      "workplace": workplace_by_code(data["workplace"]) if data.get("workplace") else None,
                      "assignee": member_get(data["assignee"]) if data.get("assignee") else request.user}  # fmt: skip
            if data.get("template"):
                task = services.task_create_from_template(template=template_by_code(data["template"]),
                                                          title=data.get("title") or None, **common)  # fmt: skip
            else:
                task = services.task_create(title=data.get("title", ""), priority=data["priority"], **common)
        except ValidationError as exc:
            form.add_error(None, refusal_text(exc))
            return self.get(request, form)
        messages.success(request, f"Task “{task.title}” created.")
        return HttpResponseRedirect(reverse("tasks:task", args=[task.pk]))


class BoardView(TasksPortalMixin, TenantPortalView):
    """Columns by status; a card moves with htmx buttons (a refused move shows the reason in place)."""

    def board(self, request: HttpRequest, error: str = "") -> dict[str, Any]:
        code = request.GET.get("workplace") or request.POST.get("workplace") or ""
        try:
            workplace = workplace_by_code(code) if code else None
        except ValidationError as exc:
            workplace, error = None, refusal_text(exc)
        visible = None if sees_everything(request) else request.user
        columns = []
        for status in (*OPEN_STATUSES, TaskStatus.DONE):
            rows = task_list(visible_to=visible, status=status, workplace=workplace)
            rows = rows.order_by("-completed_at", "-id") if status == TaskStatus.DONE else rows.order_by("due_at", "id")
            columns.append({"status": status, "label": TaskStatus(status).label, "tasks": list(rows[:BOARD_COLUMN])})
        return {"columns": columns, "workplace": code, "error": error, "moves": TaskStatus.choices}

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "tasks/board.html", self.board(request))


class BoardMoveView(BoardView):
    def post(self, request: HttpRequest, task: int) -> HttpResponse:
        found = task_get_for(request, task)
        error = ""
        try:
            if request.POST.get("status") == TaskStatus.CANCELLED:
                manage_require(request, found)
            services.task_status_set(task=found, status=request.POST.get("status", ""), acting_user=request.user)
        except ValidationError as exc:
            error = f"“{found.title}”: {refusal_text(exc)}"
        template = "tasks/_board.html" if request.headers.get("HX-Request") else "tasks/board.html"
        if error and not request.headers.get("HX-Request"):
            messages.error(request, error)
        return render(request, template, self.board(request, error))


class TaskPageView(TasksPortalMixin, TenantPortalView):
    ACTIONS = ("status", "tick", "untick", "comment", "upload", "claim", "check_in")

    def get(self, request: HttpRequest, task: int) -> HttpResponse:
        found = task_detail(task_get_for(request, task).pk)
        history = found.history.select_related("history_user").order_by("-history_date")[:30]  # type: ignore[attr-defined]
        context = {"task": found, "history": history, "comment_form": CommentForm(), "upload_form": UploadForm(),
                   "statuses": TaskStatus.choices, "may_manage": sees_everything(request)
                   or found.created_by_id == request.user.pk}  # fmt: skip
        return render(request, "tasks/task.html", context)

    def post(self, request: HttpRequest, task: int) -> HttpResponse:
        found = task_get_for(request, task)
        action = request.POST.get("action", "")
        try:
            self.act(request, found, action)
        except ValidationError as exc:
            messages.error(request, refusal_text(exc))
        return HttpResponseRedirect(reverse("tasks:task", args=[found.pk]))

    def act(self, request: HttpRequest, task: Task, action: str) -> None:
        user = request.user
        if action == "status":
            if request.POST.get("status") == TaskStatus.CANCELLED:
                manage_require(request, task)
            services.task_status_set(task=task, status=request.POST.get("status", ""), acting_user=user,
                                     note=request.POST.get("note", ""))  # fmt: skip
        elif action in ("tick", "untick"):
            item = ChecklistItem.objects.filter(task=task, pk=request.POST.get("item") or 0).first()
            if item is None:
                raise Http404("No such checklist item.")
            services.checklist_item_set(item=item, done=action == "tick", acting_user=user)
        elif action == "comment":
            form = CommentForm(request.POST)
            if form.is_valid():
                services.comment_add(task=task, body=form.cleaned_data["body"], acting_user=user)
        elif action == "upload":
            upload = UploadForm(request.POST, request.FILES)
            if not upload.is_valid():
                raise ValidationError("Choose a file and its kind.", code="file_required")
            services.attachment_add(task=task, upload=upload.cleaned_data["file"], kind=upload.cleaned_data["kind"],
                                    acting_user=user)  # fmt: skip
        elif action == "claim":
            services.task_claim(task=task, acting_user=user)
        elif action == "check_in":
            position = CheckInForm(request.POST)
            if not position.is_valid():
                raise ValidationError("Your browser gave no position: allow location for this page and try again.",
                                      code="invalid_position")  # fmt: skip
            data = position.cleaned_data
            services.task_check_in(task=task, lat=data["lat"], lng=data["lng"], accuracy_m=data["accuracy_m"] or 0.0,
                                   acting_user=user)  # fmt: skip
            messages.success(request, "Checked in at the workplace.")
        else:
            raise ValidationError("Unknown action.", code="invalid_action")


class AttachmentView(TasksPortalMixin, TenantPortalView):
    """Downloads an attachment of a task the caller sees (stored through the storage API)."""

    def get(self, request: HttpRequest, task: int, attachment: int) -> FileResponse:
        found = task_get_for(request, task)
        row = TaskAttachment.objects.filter(task=found, pk=attachment).first()
        if row is None:
            raise Http404("No such attachment.")
        return FileResponse(row.file.open("rb"), content_type=row.content_type, filename=row.name,
                            as_attachment=not row.content_type.startswith("image/"))  # fmt: skip


class TemplateListView(TasksPortalMixin, TenantPortalView):
    def get(self, request: HttpRequest, form: TemplateForm | None = None) -> HttpResponse:
        rows = TaskTemplate.objects.prefetch_related("checklist")
        return render(request, "tasks/templates.html", {"templates": rows[:500], "form": form or TemplateForm(),
                                                        "is_admin": sees_everything(request)})  # fmt: skip

    def post(self, request: HttpRequest) -> HttpResponse:
        admin_require(request)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                template = services.template_create(acting_user=request.user, **form.service_fields())
            except ValidationError as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, f"Template {template.code} created.")
                return HttpResponseRedirect(reverse("tasks:templates"))
        return self.get(request, form)


class TemplateEditView(TasksPortalMixin, TenantPortalView):
    def template(self, pk: int) -> TaskTemplate:
        found = TaskTemplate.objects.filter(pk=pk).prefetch_related("checklist").first()
        if found is None:
            raise Http404("No such template.")
        return found

    def get(self, request: HttpRequest, template: int, form: TemplateForm | None = None) -> HttpResponse:
        found = self.template(template)
        lines = "\n".join(("* " if i.is_required else "") + i.text for i in found.checklist.all())
        initial = {"code": found.code, "name": found.name, "description": found.description,
                   "priority": found.priority, "estimated_minutes": found.estimated_minutes,
                   "required_evidence": found.required_evidence, "checklist": lines,
                   "is_active": found.is_active}  # fmt: skip
        return render(request, "tasks/template_edit.html", {"template": found, "is_admin": sees_everything(request),
                                                            "form": form or TemplateForm(initial=initial)})  # fmt: skip

    def post(self, request: HttpRequest, template: int) -> HttpResponse:
        admin_require(request)
        found = self.template(template)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                changed = services.template_update(template=found, acting_user=request.user, **form.service_fields())
            except ValidationError as exc:
                form.add_error(None, refusal_text(exc))
            else:
                messages.success(request, f"Template {changed.code} saved (version {changed.version}); "
                                          "tasks already made from it are unchanged.")  # fmt: skip
                return HttpResponseRedirect(reverse("tasks:template_edit", args=[found.pk]))
        return self.get(request, template, form)


__all__ = ["checklist_parse"]
