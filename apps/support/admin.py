"""Staff console of the support desk (platform domain, public schema).

The queue is the Ticket changelist (filters: status, priority, SLA at risk/breached, assignee,
tenant; search by number, subject, tenant). The ticket page shows the tenant's plan and billing
status next to the thread (internal notes marked), with reply/note, assign, status and priority
forms that call the services. Support staff and super admins write; billing_admin has no support
permissions at all (the admin refuses it).
"""

from decimal import Decimal
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet, Sum
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.billing.models import LIVE_STATUSES, Invoice, InvoiceStatus, Subscription
from apps.billing.money import money_round
from apps.core.admin_mixins import ServiceWritesAdminMixin

from . import services
from .forms import AssignForm, PriorityForm, StaffOpenForm, StaffReplyForm, StatusForm
from .models import CannedResponse, SlaPolicy, Ticket, TicketAttachment
from .selectors import staff_thread
from .sla import sla_policy_create, sla_policy_update

SLA_LABELS = {
    "breached": ("#b42318", "Breached"),
    "at_risk": ("#b54708", "At risk"),
    "ok": ("#027a48", "On track"),
    "paused": ("#475467", "Paused"),
    "stopped": ("#475467", "—"),
}


class SlaFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("at_risk", "At risk"), ("breached", "Breached")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() == "at_risk":
            return queryset.at_risk(timezone.now())  # type: ignore[attr-defined]
        if self.value() == "breached":
            return queryset.breached()  # type: ignore[attr-defined]
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = "assignee"
    parameter_name = "assigned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("me", "Assigned to me"), ("none", "Unassigned")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
        if self.value() == "me":
            return queryset.filter(assignee=request.user)  # type: ignore[misc]
        if self.value() == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset


def billing_summary(tenant: Any) -> dict[str, Any]:
    """The tenant's plan, subscription status and past-due amount, shown next to a ticket."""
    subscription = Subscription.objects.filter(tenant=tenant, status__in=LIVE_STATUSES).select_related("plan").first()
    overdue = Invoice.objects.filter(tenant=tenant, status=InvoiceStatus.OPEN, due_at__lt=timezone.now()).aggregate(
        total=Sum("total"), paid=Sum("amount_paid")
    )
    past_due = (overdue["total"] or Decimal("0")) - (overdue["paid"] or Decimal("0"))
    currency = subscription.currency if subscription else ""
    return {
        "plan": subscription.plan if subscription else tenant.plan,
        "plan_status": tenant.get_plan_status_display(),
        "subscription": subscription,
        "past_due": money_round(past_due, currency) if currency else past_due,  # a sum of 3-decimal columns
        "currency": currency,
    }


@admin.register(Ticket)
class TicketAdmin(SimpleHistoryAdmin):
    list_display = ["number", "subject", "tenant", "priority", "status", "sla", "assignee", "created_at", "updated_at"]
    list_filter = [
        "status",
        "priority",
        SlaFilter,
        AssigneeFilter,
        ("assignee", admin.RelatedOnlyFieldListFilter),
        ("tenant", admin.RelatedOnlyFieldListFilter),
        "category",
    ]
    search_fields = ["=number", "subject", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant", "assignee"]
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-created_at", "-id"]
    change_form_template = "admin/support/ticket/change_form.html"
    change_list_template = "admin/support/ticket/change_list.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number",
                    "tenant",
                    "requester",
                    "subject",
                    "description",
                    "category",
                    "priority",
                    "status",
                    "assignee",
                ]
            },
        ),
        (
            "SLA",
            {
                "fields": [
                    "first_response_due_at",
                    "first_responded_at",
                    "first_response_breached",
                    "resolution_due_at",
                    "resolved_at",
                    "resolution_breached",
                    "paused_at",
                    "paused_seconds",
                    "closed_at",
                ]
            },
        ),
        (None, {"fields": ["created_at", "updated_at", "correlation_id"]}),
    ]

    @admin.display(description="SLA")
    def sla(self, ticket: Ticket) -> str:
        colour, label = SLA_LABELS[ticket.sla_state()]
        return format_html('<span style="color:{}">{}</span>', colour, label)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Every change goes through the services (reply, note, assign, status, priority).
        return [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("open/", wrap(self.open_view), name="support_ticket_open"),
            path("<int:pk>/reply/", wrap(self.reply_view), name="support_ticket_reply"),
            path("<int:pk>/assign/", wrap(self.action_view), {"action": "assign"}, name="support_ticket_assign"),
            path("<int:pk>/status/", wrap(self.action_view), {"action": "status"}, name="support_ticket_status"),
            path("<int:pk>/priority/", wrap(self.action_view), {"action": "priority"}, name="support_ticket_priority"),
            path("attachments/<int:pk>/", wrap(self.attachment_view), name="support_ticket_attachment"),
            *super().get_urls(),
        ]

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None) -> Any:
        ticket = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if ticket is not None:
            extra.update(
                {
                    "ticket": ticket,
                    "thread": staff_thread(ticket),
                    "billing": billing_summary(ticket.tenant),
                    "events": ticket.events.select_related("actor"),
                    "sla_state": SLA_LABELS[ticket.sla_state()][1],
                    "reply_form": StaffReplyForm(),
                    "assign_form": AssignForm(initial={"assignee": ticket.assignee_id}),
                    "status_form": StatusForm(initial={"status": ticket.status}),
                    "priority_form": PriorityForm(initial={"priority": ticket.priority}),
                    "can_work": self.has_change_permission(request, ticket) and services.is_support_agent(request.user),
                }
            )
        return super().change_view(request, object_id, form_url, extra)

    def open_view(self, request: HttpRequest) -> HttpResponse:
        """Open a ticket on a tenant's behalf (through ticket_open: number, SLA clocks, audit)."""
        if not (self.has_change_permission(request) and services.is_support_agent(request.user)):
            raise PermissionDenied
        form = StaffOpenForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                ticket = services.ticket_open(
                    tenant=data["tenant"],
                    requester=data["requester"],
                    subject=data["subject"],
                    description=data["description"],
                    priority=data["priority"],
                    category=data["category"],
                    attachments=data["attachments"],
                    acting_user=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(request, f"Ticket {ticket.number} was opened.", messages.SUCCESS)
                return self._back(ticket)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Open a ticket for a tenant",
        }
        return TemplateResponse(request, "admin/support/ticket/open.html", context)

    def _ticket_for_work(self, request: HttpRequest, pk: int) -> Ticket:
        ticket = get_object_or_404(Ticket.objects.select_related("tenant", "requester"), pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, ticket):
            raise PermissionDenied
        return ticket

    def _back(self, ticket: Ticket) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:support_ticket_change", args=[ticket.pk]))

    def reply_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        ticket = self._ticket_for_work(request, pk)
        form = StaffReplyForm(request.POST, request.FILES)
        if not form.is_valid():
            self.message_user(request, "; ".join(str(m) for errs in form.errors.values() for m in errs), messages.ERROR)
            return self._back(ticket)
        data = form.cleaned_data
        body = data["body"]
        if data["canned"]:
            body = "\n\n".join(
                p for p in (services.canned_response_render(canned=data["canned"], ticket=ticket), body) if p
            )
        try:
            if data["internal"]:
                services.ticket_note_add(
                    ticket=ticket, body=body, acting_user=request.user, attachments=data["attachments"]
                )
            else:
                services.ticket_reply(
                    ticket=ticket, body=body, acting_user=request.user, from_staff=True, attachments=data["attachments"]
                )
            if data["status"]:
                services.ticket_status_set(ticket=ticket, status=data["status"], acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, "Internal note added." if data["internal"] else "Reply sent.", messages.SUCCESS)
        return self._back(ticket)

    def action_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        ticket = self._ticket_for_work(request, pk)
        form_class = {"assign": AssignForm, "status": StatusForm, "priority": PriorityForm}[action]
        form = form_class(request.POST)
        try:
            if not form.is_valid():
                raise ValidationError(next(iter(form.errors.values()))[0])
            value = form.cleaned_data
            if action == "assign":
                services.ticket_assign(ticket=ticket, assignee=value["assignee"], acting_user=request.user)
            elif action == "status":
                services.ticket_status_set(ticket=ticket, status=value["status"], acting_user=request.user)
            else:
                services.ticket_priority_set(ticket=ticket, priority=value["priority"], acting_user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, "Saved.", messages.SUCCESS)
        return self._back(ticket)

    def attachment_view(self, request: HttpRequest, pk: int) -> FileResponse:
        attachment = get_object_or_404(TicketAttachment.objects.select_related("message__ticket"), pk=pk)
        if not self.has_view_permission(request, attachment.message.ticket):
            raise PermissionDenied
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )


@admin.register(CannedResponse)
class CannedResponseAdmin(SimpleHistoryAdmin):
    list_display = ["title", "category", "active", "updated_at"]
    list_filter = ["active", "category"]
    search_fields = ["title", "body"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "plan", "priority", "first_response_minutes", "resolution_minutes"]
    list_filter = ["plan", "priority"]
    list_select_related = ["plan"]

    def record_create(self, request: HttpRequest, fields: dict[str, Any]) -> SlaPolicy:
        return sla_policy_create(acting_user=request.user, **fields)

    def record_update(self, request: HttpRequest, obj: SlaPolicy, changes: dict[str, Any]) -> SlaPolicy:
        return sla_policy_update(policy=obj, acting_user=request.user, **changes)
