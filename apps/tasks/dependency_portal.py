"""Portal pieces of task dependencies: the panel a task page shows (predecessors, successors, add and
remove forms), served on its own so the task page can load it with htmx, and its two POST actions.

The task page includes it with one line (htmx, loaded with the page):
    <div hx-get="{% url 'task-dependencies:panel' task.pk %}" hx-trigger="load" hx-swap="outerHTML"></div>
or server-side: `{% include "tasks/_dependencies.html" %}` with `dependency_panel_context(request, task)`.
An htmx POST answers with the panel again (the refusal's reason shown in it); a plain POST redirects to
`next` (a path on this site) or the panel's page, with a message.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from apps.surfaces.portal import TenantPortalView

from . import dependencies
from .dependency_access import DependencyPortalMixin, link_get_for, task_get_for, tasks_for
from .models import Task

PANEL = "tasks/_dependencies.html"
PAGE = "tasks/dependencies.html"


class DependencyForm(forms.Form):
    side = forms.ChoiceField(
        choices=[("predecessor", "This task waits for"), ("successor", "This task must be done before")],
        initial="predecessor",
    )
    other = forms.IntegerField(min_value=1, label="Task number", error_messages={"required": "Give a task number."})


def dependency_panel_context(request: HttpRequest, task: Task, *, error: str = "") -> dict[str, Any]:
    predecessors = dependencies.predecessor_links(task)
    return {
        "task": task,
        "predecessors": predecessors,
        "successors": dependencies.successor_links(task),
        "waiting": [link for link in predecessors if link.predecessor.status != "done"],
        "dependency_form": DependencyForm(),
        "dependency_error": error,
        "next_url": request.GET.get("next") or request.POST.get("next") or "",
    }


def _next(request: HttpRequest, task: Task) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("task-dependencies:panel", args=[task.pk])


def _answer(request: HttpRequest, task: Task, *, error: str, done: str) -> HttpResponse:
    if getattr(request, "htmx", False):
        task.refresh_from_db()
        return render(request, PANEL, dependency_panel_context(request, task, error=error))
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(_next(request, task))


class DependencyPanelView(DependencyPortalMixin, TenantPortalView):
    def get(self, request: HttpRequest, task: int) -> HttpResponse:
        found = task_get_for(request, task)
        template = PANEL if getattr(request, "htmx", False) else PAGE
        return render(request, template, dependency_panel_context(request, found))


class DependencyAddView(DependencyPortalMixin, TenantPortalView):
    def post(self, request: HttpRequest, task: int) -> HttpResponse:
        this = task_get_for(request, task)
        form = DependencyForm(request.POST)
        error = ""
        try:
            if not form.is_valid():
                raise ValidationError([e for errors in form.errors.values() for e in errors])
            other = tasks_for(request).filter(pk=form.cleaned_data["other"]).first()
            if other is None:
                raise ValidationError(f"No task #{form.cleaned_data['other']} you may reach.", code="unknown_task")
            waits = form.cleaned_data["side"] == "predecessor"
            dependencies.dependency_add(predecessor=other if waits else this, successor=this if waits else other,
                                        acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            error = " ".join(exc.messages)
        return _answer(request, this, error=error, done="The dependency was added.")


class DependencyRemoveView(DependencyPortalMixin, TenantPortalView):
    def post(self, request: HttpRequest, task: int, link: int) -> HttpResponse:
        this = task_get_for(request, task)
        error = ""
        try:
            dependencies.dependency_remove(link=link_get_for(request, this, link), acting_user=request.user)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        return _answer(request, this, error=error, done="The dependency was removed.")
