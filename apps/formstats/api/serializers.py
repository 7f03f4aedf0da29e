"""What the analytics endpoint answers (documentation and output; the filters are query parameters)."""

from rest_framework import serializers

from apps.forms.models import FieldType


class AnalyticsChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Submissions that chose it.")


class AnalyticsFiguresSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True, help_text="The group's key (a workplace or person id, a day, the "
                                  "Monday of a week, the first of a month); null without grouping.")  # fmt: skip
    label = serializers.CharField()
    answered = serializers.IntegerField(help_text="Submissions that answered the field (shown and filled in).")
    sum = serializers.FloatField(allow_null=True, help_text="Numbers, ratings and computed fields; photos: files.")
    average = serializers.FloatField(allow_null=True, help_text="sum / answered.")
    min = serializers.FloatField(allow_null=True)
    max = serializers.FloatField(allow_null=True)
    choices = AnalyticsChoiceSerializer(many=True, help_text="Single and multiple choice: every option, chosen or not.")


class AnalyticsFieldSerializer(serializers.Serializer):
    key = serializers.CharField()
    type = serializers.ChoiceField(
        choices=FieldType.choices,
        help_text="The field's type; a key whose type changed between versions is listed once per type.",
    )
    label = serializers.CharField(help_text="As in the newest version that has the field.")
    unit = serializers.CharField()
    overall = AnalyticsFiguresSerializer()
    groups = AnalyticsFiguresSerializer(many=True)


class AnalyticsGroupSerializer(serializers.Serializer):
    group = serializers.CharField(allow_null=True)
    label = serializers.CharField()
    submissions = serializers.IntegerField()


class AnalyticsSerializer(serializers.Serializer):
    template = serializers.IntegerField()
    name = serializers.CharField()
    workplaces = serializers.ListField(child=serializers.IntegerField(), allow_null=True,
                                       help_text="The workplaces read (null: every one you may read).")  # fmt: skip
    person = serializers.UUIDField(allow_null=True)
    date_from = serializers.DateField(allow_null=True, source="from")
    date_to = serializers.DateField(allow_null=True, source="to")
    group_by = serializers.CharField()
    submissions = serializers.IntegerField(help_text="Submissions that count (submitted or approved).")
    groups = AnalyticsGroupSerializer(many=True)
    fields = AnalyticsFieldSerializer(many=True)
