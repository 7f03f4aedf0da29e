from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ServiceRefusalsAdminMixin

from .models import Membership, User
from .services import membership_create, membership_remove, membership_set, user_deactivate
from .staff_roles import is_super_admin


class MembershipInline(admin.TabularInline):
    """Saved by UserAdmin.save_formset through the membership services (seats, last admin, audit)."""

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
class UserAdmin(ServiceRefusalsAdminMixin, SimpleHistoryAdmin, DjangoUserAdmin):
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

    def save_formset(self, request, form, formset, change):  # type: ignore[no-untyped-def]
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []  # the change message
        for row in formset.forms:
            delete = formset.can_delete and formset._should_delete_form(row)
            was_new, changed = row.instance.pk is None, row.changed_data
            saved = membership_form_save(row, user=form.instance, acting_user=request.user, delete=delete)
            if saved is None or not (delete or row.has_changed()):
                continue
            if delete:
                formset.deleted_objects.append(saved)
            elif was_new:
                formset.new_objects.append(saved)
            else:
                formset.changed_objects.append((saved, changed))
        return None

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        if obj is not None and obj.is_staff and not is_super_admin(request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        # Users are never hard-deleted: deactivation anonymises them (apps.accounts.services.user_deactivate).
        return False


def membership_form_save(form: Any, *, user: Any, acting_user: Any, delete: bool = False) -> Membership | None:
    """One membership form (the admin's page or a row of the user's inline), through the services."""
    data, membership = form.cleaned_data, form.instance
    if membership.pk is None:
        if delete or not form.has_changed():
            return None
        membership = membership_create(
            user=user or data["user"], tenant=data["tenant"], role=data["role"], acting_user=acting_user,
            joined_via=data.get("joined_via") or Membership.JoinedVia.SIGNUP,
        )  # fmt: skip
    elif delete:
        return membership_remove(membership=membership, acting_user=acting_user, reason="removed in the staff admin")
    elif not form.has_changed():
        return membership
    elif "tenant" in form.changed_data:
        raise ValidationError("A membership cannot move to another organisation: remove it and add a new one.")
    return membership_set(membership=membership, role=data.get("role"), status=data.get("status"),
                          acting_user=acting_user, reason="changed in the staff admin")  # fmt: skip


@admin.register(Membership)
class MembershipAdmin(ServiceRefusalsAdminMixin, SimpleHistoryAdmin):
    """Adding and editing go through the membership services (seats, the last admin, audit)."""

    list_display = ["user", "tenant", "role", "status", "created_at"]
    list_filter = ["role", "status"]
    search_fields = ["user__email", "user__code", "tenant__name", "tenant__slug"]
    list_select_related = ["user", "tenant"]
    autocomplete_fields = ["user", "tenant"]
    show_full_result_count = False
    SET_BY_SERVICES = ["suspended_at", "suspension_reason", "removed_at", "removed_by", "removal_reason"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # A membership's person and organisation are fixed once it exists; the rest is set by the services.
        return self.SET_BY_SERVICES + (["user", "tenant", "joined_via", "created_at"] if obj is not None else [])

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        saved = membership_form_save(form, user=None, acting_user=request.user)
        obj.pk, obj._state.adding = saved.pk, False

    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        membership_remove(membership=obj, acting_user=request.user, reason="removed in the staff admin")

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for membership in queryset.exclude(status=Membership.Status.REMOVED).order_by("pk"):
            self.delete_model(request, membership)


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
