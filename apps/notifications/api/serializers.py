"""Tenant API serializers of notifications: the caller's own inbox and preferences."""

from rest_framework import serializers

from apps.core.contributions import NOTIFICATION_CHANNELS
from apps.notifications.models import DigestFrequency, Notification


class NotificationSerializer(serializers.ModelSerializer):
    unread = serializers.SerializerMethodField(help_text="True until the person marks it read.")

    class Meta:
        model = Notification
        fields = ["id", "event", "category", "critical", "title", "body", "url", "created_at", "read_at", "unread"]
        read_only_fields = fields

    def get_unread(self, obj: Notification) -> bool:
        return obj.read_at is None


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField(help_text="Unread notifications, counted up to a cap (see `capped`).")
    capped = serializers.BooleanField(help_text="True when there are at least this many (the badge shows “99+”).")


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=500,
        help_text="The notifications to mark read (your own; others' ids are ignored).",
    )  # fmt: skip
    all = serializers.BooleanField(required=False, default=False, help_text="Mark every unread notification read.")

    def validate(self, data: dict) -> dict:
        if not data.get("all") and not data.get("ids"):
            raise serializers.ValidationError("Give `ids` or `all: true`.", code="nothing_to_mark")
        return data


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many notifications changed from unread to read.")


class ChannelStateSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=NOTIFICATION_CHANNELS)
    enabled = serializers.BooleanField(help_text="In effect for you now.")
    locked = serializers.BooleanField(help_text="Critical: always on, cannot be switched off.")
    source = serializers.CharField(help_text="Where the value comes from: person, tenant, default or critical.")


class CategoryPreferenceSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    critical = serializers.BooleanField()
    description = serializers.CharField()
    digest = serializers.ChoiceField(choices=DigestFrequency.choices)
    channels = ChannelStateSerializer(many=True)


class QuietHoursSerializer(serializers.Serializer):
    start = serializers.TimeField(allow_null=True, help_text="Local time (HH:MM); null with `end`: off.")
    end = serializers.TimeField(allow_null=True)
    time_zone = serializers.CharField(max_length=64, allow_blank=True, default="UTC",
                                      help_text="An IANA zone such as Australia/Sydney.")  # fmt: skip


class PreferencesSerializer(serializers.Serializer):
    categories = CategoryPreferenceSerializer(many=True)
    quiet_hours = QuietHoursSerializer(allow_null=True)


class PreferenceChangeSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=50)
    channel = serializers.CharField(max_length=20)
    enabled = serializers.BooleanField()


class DigestChangeSerializer(serializers.Serializer):
    category = serializers.CharField(max_length=50)
    frequency = serializers.CharField(max_length=10, help_text="none, daily or weekly.")


class PreferencesUpdateSerializer(serializers.Serializer):
    """Only what is given changes; everything is applied or nothing (one transaction)."""

    preferences = PreferenceChangeSerializer(many=True, required=False, max_length=200)
    digests = DigestChangeSerializer(many=True, required=False, max_length=100)
    quiet_hours = QuietHoursSerializer(
        required=False, allow_null=True, help_text="Your quiet hours; null (or null times) switches them off."
    )
