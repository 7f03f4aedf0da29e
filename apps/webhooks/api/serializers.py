"""Tenant API serializers of webhook endpoints and deliveries. `id` is always the public uuid."""

from typing import Any

from rest_framework import serializers

from apps.webhooks.catalogue import event_choices
from apps.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from apps.webhooks.services import DEFAULT_OVERLAP_HOURS, MAX_OVERLAP_HOURS


class EndpointSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    enabled_events = serializers.ListField(child=serializers.ChoiceField(choices=event_choices()), allow_empty=False)
    secret_hint = serializers.CharField(read_only=True, help_text="The first characters of the signing secret.")

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "enabled_events",
            "enabled",
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "secret_hint",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "disabled_reason",
            "disabled_at",
            "consecutive_failures",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        extra_kwargs = {"url": {"validators": []}, "enabled": {"required": False}}


class EndpointWithSecretSerializer(EndpointSerializer):
    secret = serializers.SerializerMethodField(help_text="The signing secret. Shown only in this response.")

    class Meta(EndpointSerializer.Meta):
        fields = [*EndpointSerializer.Meta.fields, "secret"]

    def get_secret(self, endpoint: Any) -> str:
        return str(self.context["secret"])


class RotateSerializer(serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        min_value=0,
        max_value=MAX_OVERLAP_HOURS,
        default=DEFAULT_OVERLAP_HOURS,
        help_text="How long the previous secret keeps signing deliveries (a second v1 in the header).",
    )


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["attempted_at", "status_code", "latency_ms", "response_excerpt", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    endpoint = serializers.UUIDField(source="endpoint.uuid", read_only=True)
    event_id = serializers.UUIDField(read_only=True)
    event_type = serializers.ChoiceField(source="event.type", choices=event_choices(), read_only=True)
    replay_of = serializers.SerializerMethodField()

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_status_code",
            "delivered_at",
            "created_at",
            "replay_of",
        ]

    def get_replay_of(self, delivery: WebhookDelivery) -> str | None:
        return str(delivery.replay_of.uuid) if delivery.replay_of_id and delivery.replay_of else None


class DeliveryDetailSerializer(DeliverySerializer):
    payload = serializers.JSONField(source="event.payload", read_only=True)
    attempts = AttemptSerializer(many=True, read_only=True)

    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "payload", "attempts"]
