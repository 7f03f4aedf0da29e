"""Tenant API endpoints of leave (included by config/urls/api_tenant.py, inside "tenant-api")."""

from django.urls import path

from . import views

urlpatterns = [
    path("leave/types/", views.TypeListView.as_view(), name="leave-type-list"),
    path("leave/me/balances/", views.MyBalancesView.as_view(), name="leave-my-balances"),
    path("leave/me/requests/", views.MyRequestListView.as_view(), name="leave-my-request-list"),
    path("leave/me/requests/<int:pk>/cancel/", views.MyRequestCancelView.as_view(), name="leave-my-request-cancel"),
    path("leave/requests/", views.RequestListView.as_view(), name="leave-request-list"),
    path("leave/calendar/", views.CalendarView.as_view(), name="leave-calendar"),
    path("leave/policies/", views.PolicyListView.as_view(), name="leave-policy-list"),
    path("leave/balances/<str:user>/adjust/", views.BalanceAdjustView.as_view(), name="leave-balance-adjust"),
]
