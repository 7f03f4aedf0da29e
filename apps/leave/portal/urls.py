from django.urls import path

from . import views

app_name = "leave"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("requests/", views.HomeView.as_view(), name="my_requests"),
    path("request/", views.RequestView.as_view(), name="request"),
    path("requests/<int:pk>/cancel/", views.CancelView.as_view(), name="cancel"),
    path("calendar/", views.CalendarView.as_view(), name="calendar"),
    path("types/", views.TypesView.as_view(), name="types"),
    path("policies/", views.PoliciesView.as_view(), name="policies"),
    path("balances/", views.BalancesView.as_view(), name="balances"),
    path("balances/<str:user>/", views.LedgerView.as_view(), name="ledger"),
]
