"""Staff admin for GDPR requests and consent records.

Who may do what: super admins everything; support staff see requests and consents and may register
access and rectification requests (never erasure); billing admins and other staff see nothing here.
"""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.models import User
from apps.accounts.staff_roles import SUPPORT, is_super_admin
from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import ConsentRecord, GdprRequest, GdprRequestKind
from .services import gdpr_request_complete, gdpr_request_create, gdpr_request_reject


def _is_support(request: HttpRequest) -> bool:
    user: Any = request.user
    return bool(user.is_active and user.is_staff and user.groups.filter(name=SUPPORT).exists())


def _may_view(request: HttpRequest) -> bool:
    return is_super_admin(request.user) or _is_support(request)


class DueFilter(admin.SimpleListFilter):
    title = "due date"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("overdue", "Overdue"), ("week", "Due within 7 days"), ("open", "Open")]

    def queryset(self, request: HttpRequest, queryset: Any) -> Any:
        now = timezone.now()
        open_qs = queryset.filter(status__in=["received", "in_progress"])
        if self.value() == "overdue":
            return open_qs.filter(due_at__lt=now)
        if self.value() == "week":
            return open_qs.filter(due_at__gte=now, due_at__lt=now + timedelta(days=7))
        if self.value() == "open":
            return open_qs
        return queryset


class GdprRequestAddForm(forms.Form):
    subject = forms.ModelChoiceField(
        queryset=User.objects.all(), widget=forms.TextInput, to_field_name="email", label="Person (email)"
    )
    kind = forms.ChoiceField(choices=GdprRequestKind.choices)
    notes = forms.CharField(widget=forms.Textarea, required=False, help_text="For rectification: what to correct.")


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea, label="Reason")


@admin.action(description="Run the selected requests now (access and erasure)")
def run_now(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    from .tasks import run_request

    for gdpr_request in queryset.filter(status="received").exclude(kind="rectification"):
        if gdpr_request.kind == "erasure" and not is_super_admin(request.user):
            modeladmin.message_user(request, f"{gdpr_request.number}: only super admins run erasures.", messages.ERROR)
            continue
        run_request.delay(gdpr_request.pk)
        modeladmin.message_user(request, f"{gdpr_request.number} queued.")


@admin.action(description="Complete the selected erasure requests now (runs the erasure; super admins)")
def erase_now(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    """Run the existing erasure (apps.gdpr.erasure through the runner) for each selected erasure request
    that is still received, here and now: the person is anonymised, the request completed (or rejected on
    a legal hold) and the person told; the audit chain keeps verifying (pseudonyms only)."""
    from .runner import gdpr_request_run

    if not is_super_admin(request.user):
        modeladmin.message_user(request, "Only super admins complete erasure requests.", messages.ERROR)
        return
    chosen = list(queryset.filter(kind=GdprRequestKind.ERASURE).values_list("pk", "number", "status"))
    for pk, number, status in chosen:
        if status != "received":
            modeladmin.message_user(request, f"{number} is not waiting (status {status}).", messages.WARNING)
            continue
        outcome = gdpr_request_run(request_id=pk, acting_user=request.user)
        if outcome.get("completed"):
            modeladmin.message_user(request, f"{number}: erased and completed.")
        elif outcome.get("rejected"):
            modeladmin.message_user(request, f"{number}: rejected (a legal hold applies).", messages.WARNING)
        else:
            modeladmin.message_user(request, f"{number}: failed; see its error.", messages.ERROR)
    if not chosen:
        modeladmin.message_user(request, "No erasure request among the selected ones.", messages.WARNING)


@admin.register(GdprRequest)
class GdprRequestAdmin(SimpleHistoryAdmin):
    list_display = [
        "number", "kind", "status_badge", "subject_code", "tenant", "source", "requested_at", "due", "progress_bar",
    ]  # fmt: skip
    list_filter = [DueFilter, "kind", "status", "source", "overdue"]
    search_fields = ["=number", "=subject__code", "subject__email"]
    search_help_text = "Exact request number or user code, or the person's email."
    list_select_related = ["subject", "tenant"]
    show_full_result_count = False
    ordering = ["-requested_at"]
    actions = [run_now, erase_now]
    readonly_fields = [
        "number", "subject", "kind", "status", "tenant", "source", "requested_at", "due_at", "overdue",
        "completed_at", "requested_by", "progress", "progress_message", "notes", "download", "result_checksum",
        "result_size", "result_expires_at", "rejection_reason", "error", "operations",
    ]  # fmt: skip
    exclude = ["subject_email_hash", "result_path"]

    # --- permissions ---------------------------------------------------------------------------
    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_view(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return _may_view(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # state changes go through the buttons below (services, audited)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    # --- list columns --------------------------------------------------------------------------
    @admin.display(description="Person", ordering="subject__code")
    def subject_code(self, obj: GdprRequest) -> str:
        return obj.subject.code

    @admin.display(description="Status", ordering="status")
    def status_badge(self, obj: GdprRequest) -> str:
        return obj.get_status_display()

    @admin.display(description="Due", ordering="due_at")
    def due(self, obj: GdprRequest) -> SafeString:
        text = f"{obj.due_at:%Y-%m-%d}"
        if obj.is_overdue:
            return format_html('<strong style="color:#ba2121">{} (overdue)</strong>', text)
        return format_html("{}", text)

    @admin.display(description="Progress")
    def progress_bar(self, obj: GdprRequest) -> SafeString:
        return format_html('<progress max="100" value="{}"></progress> {}%', obj.progress, obj.progress)

    @admin.display(description="Archive")
    def download(self, obj: GdprRequest) -> SafeString:
        if not obj.pk or not obj.download_ready:
            return format_html("{}", "—")
        url = reverse("admin:gdpr_gdprrequest_download", args=[obj.pk])
        return format_html('<a href="{}">Download the export (ZIP)</a>', url)

    @admin.display(description="Operations")
    def operations(self, obj: GdprRequest) -> SafeString:
        if not obj.pk or not obj.is_open:
            return format_html("{}", "—")
        links = [format_html('<a href="{}">Reject…</a>', reverse("admin:gdpr_gdprrequest_reject", args=[obj.pk]))]
        if obj.kind == GdprRequestKind.RECTIFICATION:
            url = reverse("admin:gdpr_gdprrequest_complete", args=[obj.pk])
            links.append(format_html('<a href="{}">Mark as corrected…</a>', url))
        return format_html(" · ".join(["{}"] * len(links)), *links)

    # --- add: through the service --------------------------------------------------------------
    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = GdprRequestAddForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            kind = form.cleaned_data["kind"]
            if kind == GdprRequestKind.ERASURE and not is_super_admin(request.user):
                form.add_error("kind", "Only super admins may register an erasure request.")
            else:
                try:
                    created = gdpr_request_create(
                        subject=form.cleaned_data["subject"], kind=kind, acting_user=request.user,
                        notes=form.cleaned_data["notes"],
                    )  # fmt: skip
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    self.message_user(request, f"{created.number} registered; due {created.due_at:%Y-%m-%d}.")
                    return HttpResponseRedirect(reverse("admin:gdpr_gdprrequest_change", args=[created.pk]))
        return self._form_page(request, form, "Register a GDPR request", None)

    def _form_page(self, request: HttpRequest, form: forms.Form, title: str, obj: Any) -> HttpResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": title,
            "original": obj,
        }
        return TemplateResponse(request, "admin/gdpr/form.html", context)

    # --- extra views ---------------------------------------------------------------------------
    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("<int:pk>/download/", wrap(self.download_view), name="gdpr_gdprrequest_download"),
            path("<int:pk>/reject/", wrap(self.reject_view), name="gdpr_gdprrequest_reject"),
            path("<int:pk>/complete/", wrap(self.complete_view), name="gdpr_gdprrequest_complete"),
            *super().get_urls(),
        ]

    def download_view(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(GdprRequest, pk=pk)
        from .views import export_file_response

        return export_file_response(obj)

    def _decide(self, request: HttpRequest, pk: int, *, reject: bool) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(GdprRequest, pk=pk)
        if obj.kind == GdprRequestKind.ERASURE and not is_super_admin(request.user):
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                if reject:
                    gdpr_request_reject(request=obj, reason=form.cleaned_data["reason"], acting_user=request.user)
                else:
                    gdpr_request_complete(
                        request=obj, acting_user=request.user, progress_message=form.cleaned_data["reason"][:255]
                    )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"{obj.number} {'rejected' if reject else 'completed'}.")
                return HttpResponseRedirect(reverse("admin:gdpr_gdprrequest_change", args=[obj.pk]))
        title = f"Reject {obj.number}" if reject else f"Complete {obj.number} (what was corrected)"
        return self._form_page(request, form, title, obj)

    def reject_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._decide(request, pk, reject=True)

    def complete_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        obj = get_object_or_404(GdprRequest, pk=pk)
        if obj.kind != GdprRequestKind.RECTIFICATION:
            raise PermissionDenied
        return self._decide(request, pk, reject=False)


@admin.register(ConsentRecord)
class ConsentRecordAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["created_at", "user_code", "tenant", "purpose", "granted", "source"]
    list_filter = ["purpose", "granted", "source"]
    search_fields = ["=user__code", "user__email"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return _may_view(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return _may_view(request)

    @admin.display(description="Person", ordering="user__code")
    def user_code(self, obj: ConsentRecord) -> str:
        return obj.user.code
