from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from apps.accounts.admin import UserAdmin
from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import AuthEvent, UserSession
from .services import user_session_revoke, user_unlock


@admin.action(description="Unlock the selected users (lift a sign-in lockout)", permissions=["change"])
def unlock_users(modeladmin, request, queryset):  # type: ignore[no-untyped-def]
    unlocked = 0
    for user in queryset.order_by("pk"):
        try:
            user_unlock(user=user, acting_user=request.user)
            unlocked += 1
        except ValidationError:
            continue  # not locked: nothing to do
    modeladmin.message_user(request, f"{unlocked} user(s) unlocked.", messages.SUCCESS)


# The staff user admin lives in accounts (kernel); lockouts are security's, so security adds the action,
# first in the list as before.
UserAdmin.actions = [unlock_users, *UserAdmin.actions]


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: authentication events are an append-only technical log."""

    list_display = ["created_at", "kind", "email", "user", "tenant", "ip_address", "correlation_id"]
    list_filter = ["kind", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "ip_address", "correlation_id"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False
    list_per_page = 100


class SessionOpenFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("open", "Open"), ("ended", "Ended or expired")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "open":
            return queryset.open()
        if self.value() == "ended":
            return queryset.exclude(pk__in=queryset.open().values("pk"))
        return queryset


@admin.register(UserSession)
class UserSessionAdmin(admin.ModelAdmin):
    """Tracked web sessions. Staff end one with the "Revoke" action (the browser is signed out)."""

    list_display = [
        "user", "device_name", "device_type", "ip_address", "created_at", "last_seen_at", "expires_at",
        "revoked_at", "end_reason",
    ]  # fmt: skip
    list_filter = [SessionOpenFilter, "device_type", "end_reason", ("last_seen_at", admin.DateFieldListFilter)]
    search_fields = ["user__email", "user__code", "ip_address", "device_name"]
    list_select_related = ["user", "revoked_by"]
    show_full_result_count = False
    actions = ["revoke_sessions"]
    exclude = ["session_key"]  # a live credential: never shown

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields if f.name != "session_key"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Revoke the selected sessions (sign those browsers out)", permissions=["change"])
    def revoke_sessions(self, request, queryset):  # type: ignore[no-untyped-def]
        ended = 0
        for session in queryset.filter(revoked_at__isnull=True).order_by("pk"):
            user_session_revoke(user_session=session, acting_user=request.user)
            ended += 1
        self.message_user(request, f"{ended} session(s) revoked.", messages.SUCCESS)
