"""Portal: the approval workflows per kind (/manage/approvals/workflows/), tenant admins only.

The editor is a workflow form and a formset of ordered steps. Adding, removing and moving a step are
submit buttons answered on the server (the form comes back with the rows changed, nothing saved), so
the editor works with htmx (only the steps are swapped) and without it. "Preview" shows who would
approve each step for a sample requester and sample field values (the kind's `sample()`), through
`workflow_preview`; "Save" goes through `workflow_save`, whose validation messages come back on the form.
"""

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse

from apps.approvals.kinds import kind_find
from apps.approvals.selectors import kinds
from apps.approvals.services import workflow_preview, workflow_save, workflow_validate
from apps.core.contributions import resolve
from apps.surfaces.portal import TenantPortalView

from .forms import PreviewForm, StepForm, StepFormSet, WorkflowForm, step_initial
from .queries import workflow_get, workflows_by_kind

PREFIX = "steps"
FIRST_STEP = {
    "name": "Manager",
    "approver_type": "manager",
    "manager_levels": 1,
    "rule": "any",
    "on_timeout": "escalate",
}
STEP_FIELDS = [*StepForm.base_fields, "DELETE"]


class WorkflowListView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        by_kind = workflows_by_kind()
        rows = [{"kind": kind, "workflows": by_kind.get(kind.name, [])} for kind in kinds()]
        return render(request, "approvals/workflows.html", {"rows": rows})


def _kind_or_404(name: str) -> Any:
    kind = kind_find(name)
    if kind is None:
        raise Http404("Unknown kind of request.")
    return kind


def _sample(kind: Any) -> dict[str, Any]:
    return dict(resolve(kind.sample)() or {}) if kind.sample else {}


def _rows(data: QueryDict) -> list[dict[str, list[str]]]:
    """The posted step rows, as raw values per field."""
    try:
        total = int(data.get(f"{PREFIX}-TOTAL_FORMS", "0"))
    except ValueError:
        total = 0
    return [{name: data.getlist(f"{PREFIX}-{i}-{name}") for name in STEP_FIELDS} for i in range(min(total, 50))]


def _with_rows(data: QueryDict, rows: list[dict[str, list[str]]]) -> QueryDict:
    """The posted data with its step rows replaced (renumbered, management form updated)."""
    rebuilt = QueryDict(mutable=True)
    for key in data:
        if not key.startswith(f"{PREFIX}-"):
            rebuilt.setlist(key, data.getlist(key))
    for i, row in enumerate(rows):
        for name, values in row.items():
            if values:
                rebuilt.setlist(f"{PREFIX}-{i}-{name}", values)
    for key, value in (("TOTAL_FORMS", len(rows)), ("INITIAL_FORMS", 0), ("MIN_NUM_FORMS", 0), ("MAX_NUM_FORMS", 50)):
        rebuilt[f"{PREFIX}-{key}"] = str(value)
    return rebuilt


def _edited(data: QueryDict) -> QueryDict | None:
    """The data after an add / remove / move button, or None when the button was Save or Preview."""
    rows = _rows(data)
    if "add_step" in data:
        rows.append({"name": [f"Step {len(rows) + 1}"], "approver_type": ["manager"], "manager_levels": ["1"],
                     "rule": ["any"], "on_timeout": ["escalate"]})  # fmt: skip
    elif "remove_step" in data:
        index = _index(str(data.get("remove_step", "")), len(rows))
        if index is not None:
            rows.pop(index)
    elif "move_step" in data:
        raw_index, _, direction = str(data.get("move_step", "")).partition(":")
        index = _index(raw_index, len(rows))
        other = None if index is None else index + (-1 if direction == "up" else 1)
        if index is not None and other is not None and 0 <= other < len(rows):
            rows[index], rows[other] = rows[other], rows[index]
    else:
        return None
    return _with_rows(data, rows)


def _index(raw: str, size: int) -> int | None:
    try:
        index = int(raw)
    except ValueError:
        return None
    return index if 0 <= index < size else None


def _steps(formset: Any) -> list[dict[str, Any]]:
    kept = [form for form in formset.forms if not form.cleaned_data.get("DELETE")]
    return [form.step(position) for position, form in enumerate(kept, start=1)]


class WorkflowEditView(TenantPortalView):
    tenant_access = "admin"
    template_name = "approvals/workflow_form.html"

    def setup_kind(self, uuid: Any = None) -> None:
        self.workflow = workflow_get(uuid=uuid) if uuid else None
        self.kind = _kind_or_404(self.workflow.kind if self.workflow else self.request.GET.get("kind", ""))

    def forms(self, data: QueryDict | None = None) -> tuple[WorkflowForm, Any]:
        form_kwargs = {"tenant": self.request.tenant, "fields": list(self.kind.fields)}  # type: ignore[attr-defined]
        if data is not None:
            return WorkflowForm(data), StepFormSet(data, prefix=PREFIX, form_kwargs=form_kwargs)
        workflow = self.workflow
        initial = ({"name": workflow.name, "description": workflow.description, "is_active": workflow.is_active}
                   if workflow else {"name": f"{self.kind.label} approval", "is_active": True})  # fmt: skip
        steps = [step_initial(step) for step in workflow.steps.order_by("position")] if workflow else [FIRST_STEP]
        return WorkflowForm(initial=initial), StepFormSet(initial=steps, prefix=PREFIX, form_kwargs=form_kwargs)

    def render_page(
        self, form: WorkflowForm, formset: Any, *, errors: Sequence[str] = (), status: int = 200
    ) -> HttpResponse:  # type: ignore[assignment]
        preview = PreviewForm(tenant=self.request.tenant, fields=list(self.kind.fields), sample=_sample(self.kind))  # type: ignore[attr-defined]
        context = {"form": form, "formset": formset, "kind": self.kind, "workflow": self.workflow,
                   "service_errors": list(errors), "preview_form": preview,
                   "form_action": self.request.get_full_path()}  # fmt: skip
        htmx = getattr(self.request, "htmx", None)
        template = "approvals/_workflow_steps.html" if htmx and not htmx.boosted else self.template_name
        return render(self.request, template, context, status=status)

    def get(self, request: HttpRequest, uuid: Any = None) -> HttpResponse:
        self.setup_kind(uuid)
        return self.render_page(*self.forms())

    def post(self, request: HttpRequest, uuid: Any = None) -> HttpResponse:
        self.setup_kind(uuid)
        edited = _edited(request.POST)
        if edited is not None:
            form, formset = self.forms(edited)
            form.is_valid()
            return self.render_page(form, formset)
        form, formset = self.forms(request.POST)
        if not (form.is_valid() and formset.is_valid()):
            return self.render_page(form, formset, status=400)
        try:
            workflow = workflow_save(
                kind=self.kind.name, name=form.cleaned_data["name"], description=form.cleaned_data["description"],
                is_active=form.cleaned_data["is_active"], steps=_steps(formset), workflow=self.workflow,
                acting_user=request.user,
            )  # fmt: skip
        except ValidationError as exc:
            return self.render_page(form, formset, errors=exc.messages, status=400)
        messages.success(request, f"The workflow “{workflow.name}” was saved.")
        return HttpResponseRedirect(reverse("approvals:workflows"))


class WorkflowPreviewView(TenantPortalView):
    """POST (htmx): the editor's current steps → who would approve each step of a sample request, and why."""

    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        kind = _kind_or_404(request.POST.get("kind", ""))
        form_kwargs = {"tenant": request.tenant, "fields": list(kind.fields)}  # type: ignore[attr-defined]
        formset = StepFormSet(request.POST, prefix=PREFIX, form_kwargs=form_kwargs)
        preview = PreviewForm(request.POST, tenant=request.tenant, fields=list(kind.fields), sample=_sample(kind))  # type: ignore[attr-defined]
        context: dict[str, Any] = {"kind": kind}
        if not formset.is_valid() or not preview.is_valid():
            context["errors"] = ["Correct the steps (and choose a sample requester) to preview them."]
        else:
            steps = _steps(formset)
            errors = workflow_validate(kind=kind.name, steps=steps)
            context["errors"] = errors
            if not errors:
                context["preview"] = workflow_preview(
                    kind=kind.name, requester=preview.cleaned_data["requester"], fields=preview.field_values(),
                    steps=steps,
                )  # fmt: skip
        return render(request, "approvals/_preview.html", context)
