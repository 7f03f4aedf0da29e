"""Staff console for billing (platform domain, public schema).

Money moves only through the services (apps/billing/services.py, invoices.py, payments.py): the admin
shows subscriptions, invoices and payments read-only and offers actions that call those services —
a plan change is previewed (lines, tax, total) before it is applied; an invoice is voided (credit
note), marked uncollectible or retried. Coupons are edited here. Writes need the billing model
permissions (staff role billing_admin, or a super admin); support staff have none on billing.
"""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInlineMixin, ServiceWritesAdminMixin

from .coupons import coupon_create, coupon_update
from .dashboard import dashboard_context
from .models import (
    BillingAlert,
    Coupon,
    CreditNote,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentMethod,
    ProcessedWebhookEvent,
    Provider,
    ProviderCustomer,
    Subscription,
    SubscriptionChange,
    WebhookRefusal,
)
from .money import money_round
from .portal.forms import ChangeForm


def money_column(field: str, description: str) -> Any:
    """A list column showing `field` at the row currency's precision ("53.90" AUD, "4900" JPY, "1.235" KWD)
    instead of the column's 3 decimals."""

    @admin.display(description=description, ordering=field)
    def show(self: Any, obj: Any) -> Decimal:
        return money_round(getattr(obj, field), obj.currency)

    return show


def _all_fields(model: Any) -> list[str]:
    return [f.name for f in model._meta.fields]


# --- Subscriptions ---------------------------------------------------------------------------------


class SubscriptionChangeInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = SubscriptionChange
    fields = readonly_fields = ("created_at", "kind", "status", "from_plan", "to_plan", "from_cycle", "to_cycle",
                                "from_quantity", "to_quantity", "effective_at", "applied_at", "proration_amount",
                                "currency", "invoice", "acting_user")  # fmt: skip
    ordering = ["-created_at", "-id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SubscriptionChange]:
        return super().get_queryset(request).select_related("from_plan", "to_plan", "invoice", "acting_user")


@admin.action(description="Preview and apply a plan change", permissions=["change"])
def preview_plan_change(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Subscription]) -> Any:
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one subscription to change.", messages.WARNING)
        return None
    return HttpResponseRedirect(reverse("admin:billing_subscription_change_plan", args=[queryset.get().pk]))


@admin.register(Subscription)
class SubscriptionAdmin(SimpleHistoryAdmin):
    list_display = ["tenant", "plan", "billing_cycle", "quantity", "status", "trial_end", "current_period_end",
                    "cancel_at_period_end", "provider"]  # fmt: skip
    list_filter = ["status", "plan", "billing_cycle", "provider"]
    search_fields = ["tenant__name", "tenant__slug"]
    list_select_related = ["tenant", "plan"]
    show_full_result_count = False
    list_per_page = 50
    actions = [preview_plan_change]
    inlines = [SubscriptionChangeInline]
    change_list_template = "admin/billing/subscription/change_list.html"
    change_form_template = "admin/billing/subscription/change_form.html"

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # Every change goes through the services (preview → apply), never a bare field edit.
        return _all_fields(Subscription)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("dashboard/", wrap(self.dashboard_view), name="billing_dashboard"),
            path("<int:pk>/change-plan/", wrap(self.change_plan_view), name="billing_subscription_change_plan"),
            path("<int:pk>/provider/", wrap(self.provider_view), name="billing_subscription_provider"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "Revenue dashboard",
                   **dashboard_context()}  # fmt: skip
        return TemplateResponse(request, "admin/billing/dashboard.html", context)

    def change_plan_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """GET: the form. POST "preview": the lines, tax and total. POST "confirm": apply it."""
        from . import services

        subscription = get_object_or_404(Subscription.objects.select_related("tenant", "plan"), pk=pk)
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        form = ChangeForm(request.POST or None, subscription=subscription)
        preview = None
        if request.method == "POST" and form.is_valid():
            wanted = {"plan": form.cleaned_data["plan"], "billing_cycle": form.cleaned_data["billing_cycle"],
                      "quantity": form.cleaned_data["quantity"]}  # fmt: skip
            try:
                if "confirm" in request.POST:
                    change = services.change_apply(subscription=subscription, acting_user=request.user, **wanted)
                    self.message_user(request, _applied_message(change), messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:billing_subscription_change", args=[pk]))
                preview = services.change_preview(subscription=subscription, **wanted)
            except ValidationError as exc:
                form.add_service_error(exc)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": subscription,
                   "title": f"Change the plan of {subscription.tenant}", "form": form, "preview": preview,
                   "subscription": subscription}  # fmt: skip
        return TemplateResponse(request, "admin/billing/subscription/change_plan.html", context)

    def provider_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """GET: the form. POST: the tenant's invoices are charged through the chosen provider from now on."""
        from . import services

        subscription = get_object_or_404(Subscription.objects.select_related("tenant", "plan"), pk=pk)
        if not self.has_change_permission(request, subscription):
            raise PermissionDenied
        form = ProviderForm(request.POST or None, initial={"provider": subscription.provider})
        if request.method == "POST" and form.is_valid():
            try:
                services.subscription_provider_set(subscription=subscription, provider=form.cleaned_data["provider"],
                                                   acting_user=request.user)  # fmt: skip
            except ValidationError as exc:
                form.add_error("provider", exc.message_dict.get("provider") or exc.messages)
            else:
                self.message_user(request, f"{subscription.tenant} now pays through "
                                           f"{subscription.get_provider_display()}.", messages.SUCCESS)  # fmt: skip
                return HttpResponseRedirect(reverse("admin:billing_subscription_change", args=[pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": subscription,
                   "title": f"Payment provider of {subscription.tenant}", "form": form,
                   "subscription": subscription}  # fmt: skip
        return TemplateResponse(request, "admin/billing/subscription/provider.html", context)


class ProviderForm(forms.Form):
    provider = forms.ChoiceField(choices=Provider.choices, help_text="Who charges this tenant's invoices.")


def _applied_message(change: SubscriptionChange) -> str:
    if change.status == "scheduled":
        return f"The change is scheduled for the renewal on {change.effective_at:%Y-%m-%d}."
    if change.invoice_id:
        return f"The change was applied; proration invoice {change.invoice} was issued."
    return "The change was applied."


# --- Invoices --------------------------------------------------------------------------------------


class InvoiceLineInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = InvoiceLine
    fields = readonly_fields = ("position", "kind", "description", "quantity", "unit_amount", "amount",
                                "tax_amount", "total", "period_start", "period_end")  # fmt: skip


class CreditNoteInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = CreditNote
    fields = readonly_fields = ("number", "created_at", "reason", "amount", "tax_amount", "currency",
                                "acting_user")  # fmt: skip
    show_change_link = True


class PaymentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = Payment
    fields = readonly_fields = ("created_at", "attempt", "status", "amount", "currency", "provider",
                                "failure_code", "failure_reason")  # fmt: skip
    show_change_link = True


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=255, help_text="Kept on the credit note and in the audit log.")


class BankReferenceForm(forms.Form):
    reason = forms.CharField(max_length=255, label="Bank reference",
                             help_text="The reference of the transfer received; kept in the audit log.")  # fmt: skip


def _invoice_action(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Invoice], *, action: str, verb: str,
                    apply: Any, warning: str = "", form_class: Any = ReasonForm) -> HttpResponse | None:  # fmt: skip
    """Confirm (with a reason) then call the service once per invoice; errors are reported per invoice."""
    form = form_class(request.POST if request.POST.get("confirm") else None)
    if request.POST.get("confirm") and form.is_valid():
        done = 0
        for invoice in queryset.select_related("tenant"):
            try:
                apply(invoice, form.cleaned_data["reason"], request.user)
            except ValidationError as exc:
                modeladmin.message_user(request, f"{invoice}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                done += 1
        if done:
            modeladmin.message_user(request, f"{verb} {done} invoice(s).", messages.SUCCESS)
        return None
    context = {**modeladmin.admin_site.each_context(request), "opts": modeladmin.model._meta, "title": verb,
               "queryset": queryset, "action": action, "verb": verb, "form": form, "warning": warning,
               "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}  # fmt: skip
    return TemplateResponse(request, "admin/billing/invoice/confirm_action.html", context)


@admin.action(description="Void (issues a credit note)", permissions=["change"])
def void_invoices(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse | None:
    from . import invoices

    def apply(invoice: Invoice, reason: str, user: Any) -> Any:
        return invoices.invoice_void(invoice=invoice, acting_user=user, reason=reason)

    return _invoice_action(modeladmin, request, queryset, action="void_invoices", verb="Voided", apply=apply,
                           warning="A credit note is issued for each invoice; this cannot be undone.")  # fmt: skip


@admin.action(description="Mark uncollectible", permissions=["change"])
def mark_uncollectible(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse | None:
    from . import invoices

    def apply(invoice: Invoice, reason: str, user: Any) -> Any:
        return invoices.invoice_mark_uncollectible(invoice=invoice, acting_user=user, reason=reason)

    return _invoice_action(modeladmin, request, queryset, action="mark_uncollectible",
                           verb="Marked uncollectible", apply=apply)  # fmt: skip


@admin.action(description="Mark paid (bank transfer received)", permissions=["change"])
def mark_paid_offline(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Invoice]) -> HttpResponse | None:
    from . import payments

    def apply(invoice: Invoice, reference: str, user: Any) -> Any:
        return payments.invoice_pay_offline(invoice=invoice, reference=reference, acting_user=user)

    return _invoice_action(modeladmin, request, queryset, action="mark_paid_offline", verb="Marked paid",
                           apply=apply, form_class=BankReferenceForm,
                           warning="Only for money already received: the amount due of each invoice is recorded as "
                                   "paid by bank transfer.")  # fmt: skip


@admin.action(description="Retry payment now", permissions=["change"])
def retry_payment(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
    from . import payments

    pay = getattr(payments, "invoice_pay_now", None)
    for invoice in queryset.filter(status=InvoiceStatus.OPEN).select_related("tenant"):
        try:
            payment = (
                pay(invoice=invoice, acting_user=request.user) if pay else payments.payment_attempt(invoice=invoice)
            )
        except ValidationError as exc:
            modeladmin.message_user(request, f"{invoice}: {' '.join(exc.messages)}", messages.ERROR)
            continue
        level = messages.SUCCESS if payment.status == "succeeded" else messages.WARNING
        detail = payment.failure_reason or payment.get_status_display()
        modeladmin.message_user(request, f"{invoice}: payment {detail.lower()}.", level)


@admin.register(Invoice)
class InvoiceAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "tenant", "status", "total_shown", "paid_shown", "currency", "issued_at", "due_at",
                    "billing_reason"]  # fmt: skip
    total_shown = money_column("total", "Total")
    paid_shown = money_column("amount_paid", "Amount paid")
    list_filter = ["status", "currency", "billing_reason"]
    search_fields = ["=number", "tenant__name", "tenant__slug"]
    search_help_text = "Exact invoice number, or a tenant's name or slug."
    list_select_related = ["tenant"]
    show_full_result_count = False
    list_per_page = 50
    actions = [void_invoices, mark_uncollectible, retry_payment, mark_paid_offline]
    inlines = [InvoiceLineInline, PaymentInline, CreditNoteInline]
    readonly_fields = ["printable", *_all_fields(Invoice)]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invoices are issued by the services (numbered under a lock), never typed in

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # void it instead (a credit note keeps the books straight)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.printable_view)
        return [path("<int:pk>/printable/", view, name="billing_invoice_printable"), *super().get_urls()]

    def printable_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        from . import invoices

        invoice = get_object_or_404(Invoice, pk=pk)
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return HttpResponse(invoices.invoice_render_html(invoice))

    @admin.display(description="Printable invoice")
    def printable(self, invoice: Invoice) -> SafeString:
        if not invoice.pk:
            return format_html("—")
        url = reverse("admin:billing_invoice_printable", args=[invoice.pk])
        return format_html('<a href="{}" target="_blank" rel="noopener">Printable invoice</a>', url)


# --- Payments, methods, credit notes, alerts, webhooks --------------------------------------------


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["created_at", "tenant", "invoice", "amount_shown", "currency", "status", "attempt", "provider",
                    "failure_code"]  # fmt: skip
    amount_shown = money_column("amount", "Amount")
    list_filter = ["status", "provider", "currency"]
    search_fields = ["tenant__name", "tenant__slug", "=provider_payment_id"]
    list_select_related = ["tenant", "invoice"]
    show_full_result_count = False


@admin.register(PaymentMethod)
class PaymentMethodAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["__str__", "tenant", "kind", "provider", "exp_month", "exp_year", "is_default", "removed_at"]
    list_filter = ["kind", "provider", "is_default"]
    search_fields = ["tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False


class CouponAdminForm(forms.ModelForm):
    class Meta:
        model = Coupon
        fields = ["code", "name", "discount_type", "percent_off", "amount_off", "currency", "duration",
                  "duration_periods", "max_redemptions", "expires_at", "plans", "is_active",
                  "stripe_coupon_id"]  # fmt: skip


@admin.register(Coupon)
class CouponAdmin(ServiceWritesAdminMixin, SimpleHistoryAdmin):
    form = CouponAdminForm
    list_display = ["code", "name", "discount_type", "percent_off", "amount_off", "currency", "duration",
                    "times_redeemed", "max_redemptions", "expires_at", "is_active"]  # fmt: skip
    list_filter = ["is_active", "discount_type", "duration"]
    search_fields = ["code", "name"]
    filter_horizontal = ["plans"]
    readonly_fields = ["times_redeemed", "created_at"]
    show_full_result_count = False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # redemptions reference coupons; retire one by clearing "active"

    def record_create(self, request: HttpRequest, fields: dict[str, Any]) -> Coupon:
        return coupon_create(acting_user=request.user, **fields)  # the plans are saved after, by the form

    def record_update(self, request: HttpRequest, obj: Coupon, changes: dict[str, Any]) -> Coupon:
        return coupon_update(coupon=obj, acting_user=request.user, **changes)


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    list_display = ["number", "invoice", "amount_shown", "tax_shown", "currency", "reason", "created_at",
                    "acting_user"]  # fmt: skip
    amount_shown = money_column("amount", "Amount")
    tax_shown = money_column("tax_amount", "Tax")
    search_fields = ["=number", "=invoice__number"]
    list_select_related = ["invoice", "acting_user"]
    show_full_result_count = False


@admin.register(BillingAlert)
class BillingAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "tenant", "kind", "message", "resolved_at"]
    list_filter = ["kind"]
    search_fields = ["tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False


@admin.register(WebhookRefusal)
class WebhookRefusalAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["received_at", "provider", "reason", "remote_addr", "body_size"]
    list_filter = ["provider"]
    search_fields = ["=remote_addr", "=body_sha256"]
    show_full_result_count = False


@admin.register(ProviderCustomer)
class ProviderCustomerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The tenant's customer id at each provider (stripe_customer_id, conekta_customer_id of the seeds)."""

    list_display = ["tenant", "provider", "provider_customer_id", "created_at"]
    list_filter = ["provider"]
    search_fields = ["tenant__name", "tenant__slug", "=provider_customer_id"]
    list_select_related = ["tenant"]
    show_full_result_count = False


@admin.register(ProcessedWebhookEvent)
class ProcessedWebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["processed_at", "provider", "event_type", "event_id", "object_id", "outcome"]
    list_filter = ["provider", "outcome"]
    search_fields = ["=event_id", "=object_id"]
    show_full_result_count = False
