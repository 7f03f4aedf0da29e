"""Portal: the organisation's support tickets (/manage/support/). Tenant admins only.

Only the tenant's own tickets are found (another tenant's number is a 404) and only the public
thread is ever queried: internal notes never reach these templates.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.support import selectors, services
from apps.support.forms import ReplyForm, TicketOpenForm
from apps.support.models import Ticket
from apps.surfaces.portal import TenantPortalView

PAGE_SIZE = 50


def _detail_url(ticket: Ticket) -> str:
    return reverse("support:detail", args=[ticket.number])


def _service_error(form: Any, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class TicketListView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        tickets = selectors.tenant_tickets(request.tenant)  # type: ignore[attr-defined]
        status = request.GET.get("status", "")
        if status in Ticket.Status.values:
            tickets = tickets.filter(status=status)
        page = Paginator(tickets, PAGE_SIZE).get_page(request.GET.get("page"))
        htmx = getattr(request, "htmx", None)  # the filter asks with htmx for the results only
        return render(
            request,
            "support/_ticket_results.html" if htmx and not htmx.boosted else "support/ticket_list.html",
            {"page_obj": page, "tickets": page, "statuses": Ticket.Status.choices, "status": status},
        )


class TicketOpenView(TenantPortalView):
    tenant_access = "admin"
    template_name = "support/ticket_open.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": TicketOpenForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TicketOpenForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                ticket = services.ticket_open(
                    tenant=request.tenant,  # type: ignore[attr-defined]
                    acting_user=request.user,
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, f"Ticket {ticket.number} was opened. We will answer by email.")
                return HttpResponseRedirect(_detail_url(ticket))
        return render(request, self.template_name, {"form": form}, status=400)


class TicketDetailView(TenantPortalView):
    tenant_access = "admin"
    template_name = "support/ticket_detail.html"

    @classmethod
    def render_detail(cls, request: HttpRequest, number: str, form: ReplyForm | None = None, status: int = 200) -> Any:
        ticket = selectors.tenant_ticket_get(tenant=request.tenant, number=number)  # type: ignore[attr-defined]
        context = {
            "ticket": ticket,
            "thread": selectors.public_messages(ticket),
            "form": form or ReplyForm(),
            "can_reply": ticket.status != Ticket.Status.CLOSED,
        }
        return render(request, cls.template_name, context, status=status)

    def get(self, request: HttpRequest, number: str) -> HttpResponse:
        return self.render_detail(request, number)


class TicketReplyView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        ticket = selectors.tenant_ticket_get(tenant=request.tenant, number=number)  # type: ignore[attr-defined]
        form = ReplyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.ticket_reply(
                    ticket=ticket,
                    body=form.cleaned_data["body"],
                    acting_user=request.user,
                    from_staff=False,
                    attachments=form.cleaned_data["attachments"],
                )
            except ValidationError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, "Your reply was sent.")
                return HttpResponseRedirect(_detail_url(ticket))
        return TicketDetailView.render_detail(request, number, form=form, status=400)


class TicketCloseView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, number: str) -> HttpResponse:
        ticket = selectors.tenant_ticket_get(tenant=request.tenant, number=number)  # type: ignore[attr-defined]
        try:
            services.ticket_status_set(
                ticket=ticket, status=Ticket.Status.CLOSED, acting_user=request.user, from_staff=False
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Ticket {ticket.number} is closed.")
        return HttpResponseRedirect(_detail_url(ticket))


class AttachmentView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest, number: str, attachment_id: int) -> FileResponse:
        attachment = selectors.tenant_attachment_get(
            tenant=request.tenant,  # type: ignore[attr-defined]
            number=number,
            attachment_id=attachment_id,
        )
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.filename,
            content_type=attachment.content_type,
        )
