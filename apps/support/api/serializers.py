"""Tenant API serializers of the support desk. A message never carries `is_internal`: the API only
ever reads public messages, and tenants can only write public replies."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.support.models import Ticket, TicketAttachment, TicketMessage


class TicketSerializer(serializers.ModelSerializer):
    requester = serializers.EmailField(source="requester.email", read_only=True, allow_null=True, default=None)
    sla_state = serializers.SerializerMethodField(help_text="ok, at_risk, breached, paused or stopped.")

    class Meta:
        model = Ticket
        fields = [
            "number",
            "subject",
            "description",
            "priority",
            "status",
            "category",
            "requester",
            "created_at",
            "updated_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "resolved_at",
            "sla_state",
        ]
        read_only_fields = [
            "number",
            "status",
            "requester",
            "created_at",
            "updated_at",
            "first_response_due_at",
            "resolution_due_at",
            "first_responded_at",
            "resolved_at",
        ]

    @extend_schema_field(serializers.CharField())
    def get_sla_state(self, ticket: Ticket) -> str:
        return ticket.sla_state()


class TicketAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TicketAttachment
        fields = ["id", "filename", "content_type", "size", "created_at"]


class TicketMessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()
    attachments = TicketAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketMessage
        fields = ["id", "body", "from_staff", "author", "created_at", "attachments"]
        read_only_fields = ["id", "from_staff", "author", "created_at", "attachments"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_author(self, message: TicketMessage) -> Any:
        if message.from_staff:
            return "Support"  # staff names stay private
        return message.author.email if message.author else None
