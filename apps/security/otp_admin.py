"""Staff admin for sign-in code factors: who has codes by email or SMS, and turning one off (a person
who lost their phone asks support) through the service, with its auth and audit events."""

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .otp import OtpError, otp_factor_disable
from .otp_models import OtpFactor


@admin.action(description="Turn off the selected sign-in code factors", permissions=["turn_off"])
def turn_off_factors(modeladmin: Any, request: HttpRequest, queryset: Any) -> None:
    done, refused = 0, []
    for factor in queryset.select_related("user").order_by("pk"):
        try:
            done += otp_factor_disable(user=factor.user, channel=factor.channel, acting_user=request.user, tenant=None)
        except OtpError as exc:
            refused.append(f"{factor.user.email}: {exc.message}")
    modeladmin.message_user(request, f"{done} factor(s) turned off.", messages.SUCCESS)
    for refusal in refused:
        modeladmin.message_user(request, refusal, messages.WARNING)


@admin.register(OtpFactor)
class OtpFactorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "channel", "phone", "confirmed_at", "last_used_at", "created_at")
    list_filter = ("channel",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    actions = [turn_off_factors]

    def has_turn_off_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("security.delete_otpfactor"))
