from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from .models import Membership, User
from .services import user_deactivate
from .staff_roles import is_super_admin


class MembershipInline(admin.TabularInline):
    model = Membership
    fk_name = "user"
    extra = 0
    fields = ["tenant", "role", "status", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["tenant"]


STAFF_FIELDS = ("is_staff", "is_superuser", "groups", "user_permissions")
SECURITY_FIELDS = (
    "email_verified_at", "last_password_change", "failed_login_attempts", "locked_until", "locked_reason",
    "last_login", "last_login_ip", "access_token_version", "refresh_token_version",
)  # fmt: skip


class LockedFilter(admin.SimpleListFilter):
    """Users whose sign-in is locked right now (too many failed attempts)."""

    title = "sign-in lock"
    parameter_name = "locked"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [("yes", "Locked now"), ("no", "Not locked")]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=timezone.now())
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=timezone.now())
        return queryset


@admin.register(User)
class UserAdmin(SimpleHistoryAdmin, DjangoUserAdmin):
    """Platform users. Only super_admin manages staff: others cannot edit staff users or grant access."""

    ordering = ["email"]
    list_display = ["email", "code", "full_name", "status", "is_staff", "is_active", "created_at"]
    list_filter = ["status", LockedFilter, "is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email", "code", "full_name"]
    readonly_fields = [
        "id", "code", "last_login", "last_login_ip", "email_verified_at", "last_password_change",
        "failed_login_attempts", "locked_until", "locked_reason", "access_token_version",
        "refresh_token_version", "created_at", "updated_at", "deleted_at", "created_by", "updated_by", "deleted_by",
    ]  # fmt: skip
    show_full_result_count = False
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("id", "code", "email", "password", "status")}),
        ("Profile", {"fields": ("full_name", "role_title", "time_zone", "profile_picture_url")}),
        ("Access", {"fields": (*STAFF_FIELDS, "is_active")}),
        ("Security", {"fields": SECURITY_FIELDS}),
        ("Record", {"fields": ("created_at", "created_by", "updated_at", "updated_by", "deleted_at", "deleted_by")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    # apps/security/admin.py puts its "unlock_users" action first: lockouts are security's (a kernel app
    # never imports a platform service).
    actions = ["deactivate_users"]

    @admin.action(description="Deactivate and anonymise the selected users (super admin only)")
    def deactivate_users(self, request, queryset):  # type: ignore[no-untyped-def]
        if not is_super_admin(request.user):
            self.message_user(request, "Only a super admin may deactivate users.", messages.ERROR)
            return
        done = 0
        for user in queryset.exclude(pk=request.user.pk).filter(deleted_at__isnull=True).order_by("pk"):
            user_deactivate(user=user, acting_user=request.user, reason="deactivated from the staff admin")
            done += 1
        self.message_user(request, f"{done} user(s) deactivated and anonymised.", messages.SUCCESS)

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        fields = list(super().get_readonly_fields(request, obj))
        return fields if is_super_admin(request.user) else fields + list(STAFF_FIELDS)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and obj.is_staff and not is_super_admin(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Users are never hard-deleted: deactivation anonymises them (apps.accounts.services.user_deactivate).
        return False


@admin.register(Membership)
class MembershipAdmin(SimpleHistoryAdmin):
    list_display = ["user", "tenant", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "user__code", "tenant__name", "tenant__slug"]
    list_select_related = ["user", "tenant"]
    autocomplete_fields = ["user", "tenant"]
    show_full_result_count = False


admin.site.unregister(Group)


@admin.register(Group)
class StaffRoleAdmin(GroupAdmin):
    """Staff roles are declared in code (apps/accounts/staff_roles.py); only super_admin may see them here."""

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return is_super_admin(request.user)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return is_super_admin(request.user)

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return is_super_admin(request.user)

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return is_super_admin(request.user)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return is_super_admin(request.user)
