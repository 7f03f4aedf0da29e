"""Tenant portal billing pages (/manage/billing/). Tenant admins only."""

from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("change/", views.ChangeView.as_view(), name="change"),
    path("invoices/", views.InvoiceListView.as_view(), name="invoices"),
    path("invoices/<uuid:uuid>/", views.InvoiceView.as_view(), name="invoice"),
    path("invoices/<uuid:uuid>/pay/", views.InvoicePayView.as_view(), name="invoice-pay"),
    path("billing-email/", views.BillingEmailView.as_view(), name="billing-email"),
    path("payment-methods/new/", views.PaymentMethodAddView.as_view(), name="payment-method-add"),
    path("payment-methods/checkout/", views.CheckoutStartView.as_view(), name="checkout-start"),
    path("payment-methods/checkout/<uuid:uuid>/", views.CheckoutReturnView.as_view(), name="checkout-return"),
    path("payment-methods/checkout/<uuid:uuid>/cancelled/", views.CheckoutCancelView.as_view(), name="checkout-cancel"),
    path(
        "payment-methods/<uuid:uuid>/default/",
        views.PaymentMethodActionView.as_view(action="default"),
        name="payment-method-default",
    ),
    path(
        "payment-methods/<uuid:uuid>/remove/",
        views.PaymentMethodActionView.as_view(action="remove"),
        name="payment-method-remove",
    ),
]
