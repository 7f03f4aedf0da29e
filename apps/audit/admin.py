import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.core.admin_mixins import ReadOnlyAdminMixin

from .models import AuditEvent
from .pseudonyms import pii_reveal_many


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit log is append-only and the database refuses changes anyway.

    Personal values are stored as pseudonyms (``pii:…``); the detail page resolves them through the
    PII vault ("[erased]" once the person was erased under GDPR).
    """

    list_display = ["created_at", "action", "tenant", "actor_label", "target_type", "target_id", "correlation_id"]
    list_filter = ["action"]
    search_fields = ["action", "target_id", "correlation_id", "actor_label"]
    list_select_related = ["tenant"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["revealed", *super().get_readonly_fields(request, obj)]

    @admin.display(description="Personal values (resolved through the PII vault)")
    def revealed(self, event: AuditEvent) -> SafeString:
        before, after, ip, agent = pii_reveal_many(event.before, event.after, event.ip_pseudonym, event.user_agent)
        text = json.dumps({"before": before, "after": after, "ip_address": ip or event.ip_address,
                           "user_agent": agent}, indent=2, ensure_ascii=False, default=str)  # fmt: skip
        return format_html("<pre>{}</pre>", text)
