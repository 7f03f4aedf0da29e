from rest_framework import serializers

from apps.timeline.sources import Kind


class TimelineQuerySerializer(serializers.Serializer):
    kind = serializers.ListField(child=serializers.ChoiceField(choices=Kind.choices), required=False)
    actor = serializers.CharField(required=False, max_length=254, help_text="Email or user code of who acted.")
    since = serializers.DateField(required=False, help_text="From this day (UTC), inclusive.")
    until = serializers.DateField(required=False, help_text="Up to this day (UTC), inclusive.")
    correlation_id = serializers.CharField(required=False, max_length=128)
    cursor = serializers.CharField(required=False, max_length=200, help_text="The `next` link's cursor.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200, default=50)


class TimelineEntrySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    source = serializers.CharField(help_text="The table the entry comes from (audit, auth, invoice_paid, ...).")
    id = serializers.IntegerField()
    timestamp = serializers.DateTimeField()
    actor_label = serializers.CharField()
    summary = serializers.CharField()
    detail = serializers.CharField()
    correlation_id = serializers.CharField(help_text="Entries sharing it came from one request or task.")


class TimelinePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True, help_text="The next (older) page, or null at the end.")
    results = TimelineEntrySerializer(many=True)
