"""Portal: members of the tenant (list, filters, change role, suspend, reactivate, remove)."""

from django.urls import path

from . import views

app_name = "members"

urlpatterns = [
    path("", views.MemberListView.as_view(), name="list"),
    path("<int:pk>/", views.MemberDetailView.as_view(), name="detail"),
    path("<int:pk>/role/", views.MemberRoleView.as_view(), name="role"),
    path("<int:pk>/suspend/", views.MemberSuspendView.as_view(), name="suspend"),
    path("<int:pk>/reactivate/", views.MemberReactivateView.as_view(), name="reactivate"),
    path("<int:pk>/remove/", views.MemberRemoveView.as_view(), name="remove"),
]
