from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from apps.accounts.admin import MembershipAdmin, UserAdmin
from apps.accounts.models import Membership
from apps.core.admin_mixins import ReadOnlyAdminMixin
from apps.core.pagination import CappedCountPaginator

from .impersonation import REASON_MAX_LENGTH, impersonation_end, impersonation_start, may_impersonate
from .models import (
    IMPERSONATION_DEFAULT_MINUTES,
    IMPERSONATION_MAX_MINUTES,
    AuthEvent,
    ImpersonationSession,
    UserSession,
)
from .risk_selectors import BANDS
from .services import PasswordChange, user_session_revoke, user_unlock
from .signals import password_changed_in_request


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

_user_change_password = UserAdmin.user_change_password


def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
    """Django's "change password" form of the user admin, then what every password change does here:
    every session, access token and refresh family of the person ends (a staff member setting their
    own password keeps this browser signed in, as on allauth's page)."""
    response = _user_change_password(self, request, id, form_url)
    if request.method == "POST" and response.status_code == 302:
        user = self.get_object(request, unquote(id))
        if user is not None:
            password_changed_in_request(request, user, PasswordChange.SET_BY_STAFF)
    return response


# Sessions and tokens are security's: the kernel's user admin gets the rule from here, like the action.
UserAdmin.user_change_password = user_change_password  # type: ignore[method-assign]


class SignInRiskFilter(admin.SimpleListFilter):
    """Scored sign-ins by risk band (apps/security/risk_selectors.py BANDS); the staff dashboard links here."""

    title = "sign-in risk"
    parameter_name = "risk"

    def lookups(self, request, model_admin):  # type: ignore[no-untyped-def]
        return [(band, label) for band, label, _ in BANDS]

    def queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        lowest = [band[2] for band in BANDS]
        index = next((i for i, band in enumerate(BANDS) if band[0] == self.value()), None)
        if index is None:
            return queryset
        queryset = queryset.filter(risk_score__gte=lowest[index])
        return queryset.filter(risk_score__lt=lowest[index + 1]) if index + 1 < len(BANDS) else queryset


@admin.register(AuthEvent)
class AuthEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: authentication events are an append-only technical log."""

    list_display = [
        "created_at", "kind", "email", "user", "tenant", "ip_address", "risk_score", "risk_flags", "country", "city",
        "correlation_id",
    ]  # fmt: skip
    list_filter = ["kind", SignInRiskFilter, ("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "ip_address", "correlation_id"]
    list_select_related = ["user", "tenant"]
    show_full_result_count = False
    paginator = CappedCountPaginator  # a big append-only table: no unbounded COUNT(*) per page
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


# --- Staff impersonation -------------------------------------------------------------------------


class ImpersonationStartForm(forms.Form):
    reason = forms.CharField(
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Why you need to see the portal as this member (e.g. the support ticket). The organisation "
        "sees it in its activity log.",
    )
    minutes = forms.IntegerField(
        min_value=1,
        max_value=IMPERSONATION_MAX_MINUTES,
        initial=IMPERSONATION_DEFAULT_MINUTES,
        label="Time limit (minutes)",
        help_text=f"At most {IMPERSONATION_MAX_MINUTES} minutes; you are signed out when it ends.",
    )


@admin.register(ImpersonationSession)
class ImpersonationSessionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Who signed in as whom, why and for how long. Started from a membership ("Sign in as"), never
    added here; staff may end running ones with the action."""

    list_display = ["started_at", "staff_user", "impersonated_user", "tenant", "reason", "expires_at", "ended_at",
                    "end_reason"]  # fmt: skip
    list_filter = ["end_reason", ("started_at", admin.DateFieldListFilter)]
    search_fields = ["staff_user__email", "impersonated_user__email", "tenant__name", "tenant__slug"]
    list_select_related = ["staff_user", "impersonated_user", "tenant"]
    show_full_result_count = False
    actions = ["end_sessions"]

    def get_urls(self):  # type: ignore[no-untyped-def]
        start = path(
            "start/<path:membership_id>/",
            self.admin_site.admin_view(self.start_view),
            name="security_impersonationsession_start",
        )
        return [start, *super().get_urls()]

    @admin.action(description="End the selected impersonations now (those browsers are signed out)")
    def end_sessions(self, request, queryset):  # type: ignore[no-untyped-def]
        if not may_impersonate(request.user):
            self.message_user(request, "Only support and super admin staff may end impersonations.", messages.ERROR)
            return
        ended = 0
        for session in queryset.filter(ended_at__isnull=True).order_by("pk"):
            impersonation_end(session=session, end_reason=ImpersonationSession.EndReason.REVOKED,
                              acting_user=request.user)  # fmt: skip
            ended += 1
        self.message_user(request, f"{ended} impersonation(s) ended.", messages.SUCCESS)

    def start_view(self, request: HttpRequest, membership_id: str) -> HttpResponse:
        """Sign in as a tenant's member: reason and time limit, then the hand-off to the tenant's portal."""
        if not may_impersonate(request.user):
            raise PermissionDenied("Only support and super admin staff may sign in as a member.")
        membership = Membership.objects.select_related("user", "tenant").filter(pk=unquote(membership_id)).first()
        if membership is None:
            raise Http404("No such membership.")
        form = ImpersonationStartForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                _, url = impersonation_start(
                    staff_user=request.user, membership=membership, reason=data["reason"], minutes=data["minutes"]
                )
            except ValidationError as exc:
                _refusal_on_form(form, exc)
            else:
                return HttpResponseRedirect(url)
        context = {
            **self.admin_site.each_context(request), "opts": self.model._meta, "form": form,
            "membership": membership, "title": f"Sign in as {membership.user.email}",
        }  # fmt: skip
        return TemplateResponse(request, "security/impersonation_start.html", context,
                                status=400 if form.errors else 200)  # fmt: skip


def _refusal_on_form(form: forms.Form, refusal: ValidationError) -> None:
    if not hasattr(refusal, "error_dict"):
        form.add_error(None, refusal)
        return
    for field, errors in refusal.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def impersonation_start_url(membership: Membership) -> str:
    return reverse("admin:security_impersonationsession_start", args=[membership.pk])


@admin.display(description="Impersonate")
def sign_in_as(membership: Membership) -> str:
    if membership.status != Membership.Status.ACTIVE:
        return "—"
    return format_html('<a href="{}">Sign in as…</a>', impersonation_start_url(membership))


@admin.action(description="Sign in as the selected member (staff impersonation)", permissions=["view"])
def impersonate_member(modeladmin, request, queryset):  # type: ignore[no-untyped-def]
    if queryset.count() != 1:
        modeladmin.message_user(request, "Select exactly one member to sign in as.", messages.ERROR)
        return None
    return HttpResponseRedirect(impersonation_start_url(queryset.get()))


# Memberships are the kernel's; signing in as a member is security's, so security adds the column and action
# to the membership list (search it by the tenant's name or slug to see one organisation's members).
MembershipAdmin.list_display = [*MembershipAdmin.list_display, sign_in_as]  # type: ignore[list-item]
MembershipAdmin.actions = [*(MembershipAdmin.actions or []), impersonate_member]


from . import otp_admin  # noqa: E402, F401  (sign-in code factors: apps/security/otp_admin.py)
