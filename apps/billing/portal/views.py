"""Portal: the organisation's billing (/manage/billing/). Tenant admins only.

A plan, cycle or seat change is always previewed first (change_preview: lines, tax, total, when it
takes effect); nothing changes until the admin confirms (change_apply).
"""

import logging
import uuid
from typing import Any

import stripe
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.billing import payments
from apps.billing.models import CheckoutStatus, InvoiceStatus, PaymentMethod, PaymentStatus, Provider, Subscription
from apps.surfaces.portal import TenantPortalView

from . import services as portal_services
from .forms import BillingEmailForm, CardTokenForm, ChangeForm, PaymentMethodForm
from .selectors import live_subscription, renewal_amount, tenant_invoice_get, tenant_invoices

logger = logging.getLogger(__name__)

OVERVIEW = "billing:overview"
RECENT_INVOICES = 12


class OverviewView(TenantPortalView):
    tenant_access = "admin"
    template_name = "billing/overview.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context(request))

    @staticmethod
    def context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
        tenant = request.tenant  # type: ignore[attr-defined]
        subscription = live_subscription(tenant)
        scheduled = (
            list(subscription.changes.filter(status="scheduled").select_related("to_plan")) if subscription else []
        )
        return {
            "subscription": subscription,
            "renewal_amount": renewal_amount(subscription) if subscription else None,
            "scheduled_changes": scheduled,
            "invoices": list(tenant_invoices(tenant)[:RECENT_INVOICES]),
            "unpaid_invoices": list(tenant_invoices(tenant).filter(status=InvoiceStatus.OPEN, payment_attempts__gt=0)),
            "payment_methods": portal_services.payment_methods_list(tenant=tenant),
            "card_provider": portal_services.payment_provider_for(tenant),
            "email_form": extra.pop("email_form", None)
            or BillingEmailForm(initial={"billing_email": tenant.billing_email}),
            **extra,
        }  # fmt: skip


class ChangeView(TenantPortalView):
    """GET: the form. POST without "confirm": the preview. POST with "confirm": apply, then back."""

    tenant_access = "admin"

    template_name = "billing/change.html"

    def _subscription(self, request: HttpRequest) -> Subscription:
        subscription = live_subscription(request.tenant)  # type: ignore[attr-defined]
        if subscription is None:
            raise Http404("This organisation has no subscription to change.")
        return subscription

    def get(self, request: HttpRequest) -> HttpResponse:
        subscription = self._subscription(request)
        return render(request, self.template_name, {"form": ChangeForm(subscription=subscription),
                                                    "subscription": subscription})  # fmt: skip

    def post(self, request: HttpRequest) -> HttpResponse:
        from apps.billing import services

        subscription = self._subscription(request)
        form = ChangeForm(request.POST, subscription=subscription)
        preview = None
        if form.is_valid():
            wanted = {"plan": form.cleaned_data["plan"], "billing_cycle": form.cleaned_data["billing_cycle"],
                      "quantity": form.cleaned_data["quantity"]}  # fmt: skip
            try:
                if request.POST.get("confirm"):
                    change = services.change_apply(subscription=subscription, acting_user=request.user, **wanted)
                    messages.success(request, _applied(change))
                    return HttpResponseRedirect(reverse(OVERVIEW))
                preview = services.change_preview(subscription=subscription, **wanted)
            except ValidationError as exc:
                form.add_service_error(exc)
        status = 200 if form.is_valid() and not form.errors else 400
        return render(request, self.template_name, {"form": form, "subscription": subscription, "preview": preview},
                      status=status)  # fmt: skip


def _applied(change: Any) -> str:
    if change.status == "scheduled":
        return f"Your change is scheduled for the renewal on {change.effective_at:%Y-%m-%d}."
    if change.invoice_id:
        return f"Your change was applied. Invoice {change.invoice} was issued for the difference."
    return "Your change was applied."


class InvoiceListView(TenantPortalView):
    tenant_access = "admin"
    template_name = "billing/invoice_list.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        from django.core.paginator import Paginator

        page = Paginator(tenant_invoices(request.tenant), 50).get_page(request.GET.get("page"))  # type: ignore[attr-defined]
        return render(request, self.template_name, {"invoices": page, "page_obj": page})


class InvoiceView(TenantPortalView):
    """The printable invoice (billing-core's rendering), only of this organisation."""

    tenant_access = "admin"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        from apps.billing import invoices

        invoice = tenant_invoice_get(tenant=request.tenant, uuid=uuid)  # type: ignore[attr-defined]
        return HttpResponse(invoices.invoice_render_html(invoice))


class InvoicePayView(TenantPortalView):
    """POST: pay an open invoice now with the default card (one attempt, counted like any other).
    Paying the overdue invoice of a suspended organisation reactivates it at once."""

    tenant_access = "admin"

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        invoice = tenant_invoice_get(tenant=request.tenant, uuid=uuid)  # type: ignore[attr-defined]
        try:
            payment = payments.invoice_pay_now(invoice, request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except stripe.StripeError as exc:  # nothing was recorded: the attempt rolled back
            logger.warning("Stripe unreachable paying %s: %s", invoice.number, exc)
            messages.error(request, "Stripe could not be reached; nothing was charged. Try again later.")
        else:
            if payment.status == PaymentStatus.SUCCEEDED:
                messages.success(request, f"Invoice {invoice.number} is paid. Thank you.")
            else:
                messages.error(request, f"The payment of invoice {invoice.number} failed: {payment.failure_reason}")
        return HttpResponseRedirect(reverse(OVERVIEW))


class BillingEmailView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        form = BillingEmailForm(request.POST)
        if not form.is_valid():
            return render(
                request, OverviewView.template_name, OverviewView.context(request, email_form=form), status=400
            )
        portal_services.billing_email_update(tenant=request.tenant, billing_email=form.cleaned_data["billing_email"],  # type: ignore[attr-defined]
                                             acting_user=request.user)  # fmt: skip
        messages.success(request, "The billing email was saved.")
        return HttpResponseRedirect(reverse(OVERVIEW))


class PaymentMethodAddView(TenantPortalView):
    """Manual provider: the simulated card form. Stripe: a page that sends the admin to Checkout."""

    tenant_access = "admin"
    template_name = "billing/payment_method_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        if portal_services.payment_provider_for(request.tenant) == Provider.STRIPE:  # type: ignore[attr-defined]
            return render(request, "billing/payment_method_checkout.html", {})
        if portal_services.token_cards_for(request.tenant) is not None:  # type: ignore[attr-defined]
            return render(request, self.template_name, {"form": CardTokenForm(), "tokenized": True})
        return render(request, self.template_name, {"form": PaymentMethodForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        if portal_services.token_cards_for(request.tenant) is not None:  # type: ignore[attr-defined]
            return self.post_token(request)
        form = PaymentMethodForm(request.POST)
        if portal_services.payment_provider_for(request.tenant) == Provider.STRIPE:  # type: ignore[attr-defined]
            form.add_error(None, "Cards of this organisation are entered on Stripe's secure page.")
        elif form.is_valid():
            try:
                method = portal_services.payment_method_add(tenant=request.tenant, acting_user=request.user,  # type: ignore[attr-defined]
                                                            **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{method} was added.")
                return HttpResponseRedirect(reverse(OVERVIEW))
        return render(request, self.template_name, {"form": form}, status=400)

    def post_token(self, request: HttpRequest) -> HttpResponse:
        """A card tokenized by the provider's form (Conekta.js): saved at the provider, then recorded."""
        form = CardTokenForm(request.POST)
        if form.is_valid():
            try:
                tenant = request.tenant  # type: ignore[attr-defined]
                method = portal_services.payment_method_add_from_token(
                    tenant=tenant, acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, f"{method} was added.")
                return HttpResponseRedirect(reverse(OVERVIEW))
        return render(request, self.template_name, {"form": form, "tokenized": True}, status=400)


class CheckoutStartView(TenantPortalView):
    """POST: a Stripe Checkout session in setup mode, then off to Stripe's page to enter the card."""

    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        checkout_id = uuid.uuid4()
        urls = {
            name: request.build_absolute_uri(reverse(f"billing:checkout-{name}", args=[checkout_id]))
            for name in ("return", "cancel")
        }
        try:
            _session, url = portal_services.checkout_start(
                tenant=request.tenant, acting_user=request.user, checkout_id=checkout_id,  # type: ignore[attr-defined]
                success_url=urls["return"], cancel_url=urls["cancel"],
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse(OVERVIEW))
        except stripe.StripeError as exc:
            logger.warning("Stripe Checkout not started for %s: %s", request.tenant, exc)  # type: ignore[attr-defined]
            messages.error(request, "Stripe could not be reached to add a card; nothing was changed. Try again later.")
            return HttpResponseRedirect(reverse(OVERVIEW))
        return HttpResponseRedirect(url)


class CheckoutReturnView(TenantPortalView):
    """success_url: "Card being confirmed…" until the webhook recorded the card (htmx polls this page,
    which answers htmx with the status fragment alone)."""

    tenant_access = "admin"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        session = portal_services.checkout_get(tenant=request.tenant, checkout_id=uuid)  # type: ignore[attr-defined]
        context = {"checkout": session, "pending": session.status == CheckoutStatus.OPEN}
        if getattr(request, "htmx", False):
            return render(request, "billing/_payment_checkout_status.html", context)
        return render(request, "billing/payment_checkout_return.html", context)


class CheckoutCancelView(TenantPortalView):
    """cancel_url: the admin left Stripe's page without saving a card."""

    tenant_access = "admin"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        session = portal_services.checkout_get(tenant=request.tenant, checkout_id=uuid)  # type: ignore[attr-defined]
        session = portal_services.checkout_cancel(session=session, acting_user=request.user)
        if session.status == CheckoutStatus.COMPLETED:
            messages.success(request, f"{session.payment_method} was saved.")
        else:
            messages.warning(request, session.failure_reason or portal_services.CHECKOUT_CANCELLED)
        return HttpResponseRedirect(reverse(OVERVIEW))


class PaymentMethodActionView(TenantPortalView):
    """POST only: make a method the default, or remove it (its history stays)."""

    tenant_access = "admin"

    action = ""

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        try:
            method = portal_services.payment_method_get(tenant=request.tenant, uuid=uuid)  # type: ignore[attr-defined]
        except PaymentMethod.DoesNotExist:
            raise Http404("No such payment method.") from None
        try:
            if self.action == "default":
                portal_services.payment_method_set_default(method=method, acting_user=request.user)
                messages.success(request, f"{method} is now used for payments.")
            else:
                portal_services.payment_method_remove(method=method, acting_user=request.user)
                messages.success(request, f"{method} was removed.")
        except stripe.StripeError as exc:  # the change is rolled back with the transaction
            logger.warning("Stripe refused a payment-method change for %s: %s", method.tenant_id, exc)
            messages.error(request, "Stripe could not be reached; the card was not changed. Try again later.")
        return HttpResponseRedirect(reverse(OVERVIEW))
