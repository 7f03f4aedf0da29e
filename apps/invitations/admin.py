from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from simple_history.admin import SimpleHistoryAdmin

from .models import Invitation
from .services import invitation_cancel


@admin.register(Invitation)
class InvitationAdmin(SimpleHistoryAdmin):
    """Staff see every tenant's invitations; the only change offered is cancelling (through the service)."""

    list_display = ["email", "tenant", "role", "status", "expires_at", "invited_by", "resend_count", "created_at"]
    list_filter = ["status", "role", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["email", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant", "invited_by"]
    show_full_result_count = False
    exclude = ["token_hash"]  # only a hash is stored; still no reason to show it
    actions = ["cancel_selected"]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [f.name for f in self.model._meta.fields if f.name != "token_hash"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    @admin.action(description="Cancel selected pending invitations", permissions=["change"])
    def cancel_selected(self, request, queryset):  # type: ignore[no-untyped-def]
        cancelled = 0
        for invitation in queryset.select_related("tenant"):
            try:
                invitation_cancel(invitation=invitation, acting_user=request.user, reason="Cancelled by platform staff")
            except ValidationError as exc:
                self.message_user(request, f"{invitation.email}: {exc.messages[0]}", messages.WARNING)
            else:
                cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} invitation(s).", messages.SUCCESS)
