"""Serializers of the reports API (definitions, schedules, runs, generated files). Names start with
`Report` (unique across the project); choice fields are inline enums, so they never collide with another
app's `status` or `format` component."""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.reporting.filters import OPERATOR_CHOICES
from apps.reporting.models import (
    Delivery,
    GeneratedReport,
    Period,
    ReportDefinition,
    ReportFormat,
    ReportRun,
    ReportSchedule,
    RunStatus,
    ScheduleStatus,
)


class ReportLocalDateTimeField(serializers.DateTimeField):
    """A time with an offset as given; one without stays naive: wall-clock time in the schedule's zone."""

    def enforce_timezone(self, value: Any) -> Any:
        return value if timezone.is_naive(value) else super().enforce_timezone(value)


class ReportDatasetGroupingSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ReportDatasetColumnSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    kind = serializers.CharField(help_text="count, hours, number or percent.")


class ReportDatasetChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class ReportDatasetDimensionSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="A filter's `field`.")
    label = serializers.CharField()
    kind = serializers.ChoiceField(
        choices=["choice", "yes_no", "person", "record", "number", "text"],
        help_text="choice: one of `choices`; yes_no: yes or no; person: a member's id (or email); record: one of "
        "this organisation's records by id (or name), e.g. a leave type; number; text.",
    )
    operators = serializers.ListField(child=serializers.CharField(), help_text="The `op`s it takes.")
    choices = ReportDatasetChoiceSerializer(many=True, help_text="A choice's values (empty for other kinds).")


class ReportDatasetSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    groupings = ReportDatasetGroupingSerializer(many=True)
    columns = ReportDatasetColumnSerializer(many=True)
    default_columns = serializers.ListField(child=serializers.CharField())
    dimensions = ReportDatasetDimensionSerializer(many=True, help_text="What a definition's filters can name.")
    forms = serializers.BooleanField(help_text="A definition may name a form and filter on its answers too.")


class ReportFilterSerializer(serializers.Serializer):
    """One filter on a dataset's dimension or a form's answers; the value is checked against it (services)."""

    field = serializers.CharField(
        max_length=60, help_text="A dimension's key (`GET datasets/`) or, with a form, one of its fields' keys."
    )
    op = serializers.ChoiceField(
        choices=OPERATOR_CHOICES,
        help_text="Choices, people and records: eq, in; yes/no: eq; numbers: eq, lt, lte, gt, gte; text: contains.",
    )
    value = serializers.JSONField(
        help_text="A choice's value (a list for `in`), yes or no, a person's id or email, a record's id or name, a "
        "number, or some text. People and records are stored (and read back) by id."
    )
    type = serializers.CharField(read_only=True, help_text="The field's type or the dimension's kind (when checked).")
    on = serializers.ChoiceField(choices=["answer", "dimension"], read_only=True,
                                 help_text="What it filters on (when checked).")  # fmt: skip


class ReportDefinitionSerializer(serializers.ModelSerializer):
    period = serializers.ChoiceField(choices=Period.choices, read_only=True)
    workplaces = serializers.SerializerMethodField()
    form = serializers.IntegerField(source="form_id", allow_null=True, read_only=True)
    filters = ReportFilterSerializer(many=True, read_only=True)
    owner = serializers.UUIDField(source="owner_id", allow_null=True, read_only=True)

    class Meta:
        model = ReportDefinition
        fields = ["id", "name", "description", "dataset", "grouping", "columns", "period", "period_start",
                  "period_end", "workplaces", "form", "filters", "owner", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = fields

    def get_workplaces(self, obj: ReportDefinition) -> list[int]:
        return [workplace.pk for workplace in obj.workplaces.all()]  # prefetched by the views


class ReportDefinitionInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    dataset = serializers.CharField(max_length=40)
    grouping = serializers.CharField(max_length=40)
    columns = serializers.ListField(child=serializers.CharField(max_length=40), required=False, default=list,
                                    help_text="Empty: the dataset's default columns.")  # fmt: skip
    period = serializers.ChoiceField(choices=Period.choices, required=False, default=Period.LAST_WEEK)
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    workplaces = serializers.ListField(child=serializers.IntegerField(), required=False, default=list,
                                       help_text="Workplace ids; empty: every workplace.")  # fmt: skip
    form = serializers.IntegerField(required=False, allow_null=True, default=None,
                                    help_text="Form submissions only: the form's id (empty: every form).")  # fmt: skip
    filters = ReportFilterSerializer(many=True, required=False, default=list,
                                     help_text="All hold: on dimensions, or answers (needs `form`).")  # fmt: skip


class ReportDefinitionPatchSerializer(ReportDefinitionInputSerializer):
    """The same fields, each optional."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, partial=True, **kwargs)


class ReportTableRowSerializer(serializers.Serializer):
    group = serializers.CharField()
    values = serializers.ListField(child=serializers.FloatField(allow_null=True))


class ReportTableSerializer(serializers.Serializer):
    title = serializers.CharField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    time_zone = serializers.CharField()
    header = serializers.ListField(child=serializers.CharField())
    columns = serializers.ListField(child=serializers.CharField(), help_text="The column keys, in order.")
    rows = ReportTableRowSerializer(many=True)
    totals = serializers.ListField(child=serializers.FloatField(allow_null=True))
    truncated = serializers.BooleanField()


def table_data(table: Any) -> dict[str, Any]:
    return {
        "title": table.title, "period_start": table.period_start, "period_end": table.period_end,
        "time_zone": table.time_zone, "header": table.header, "columns": [c.key for c in table.columns],
        "rows": [{"group": label, "values": values} for label, values in table.rows], "totals": table.totals,
        "truncated": table.truncated,
    }  # fmt: skip


class GeneratedReportSerializer(serializers.ModelSerializer):
    format = serializers.ChoiceField(choices=ReportFormat.choices, read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = GeneratedReport
        fields = ["id", "title", "format", "size", "rows", "truncated", "period_start", "period_end",
                  "generated_at", "download_url"]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, obj: GeneratedReport) -> str:
        return reverse("tenant-api:report-file", args=[obj.pk])


class ReportRunSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RunStatus.choices, read_only=True)
    format = serializers.ChoiceField(choices=ReportFormat.choices, read_only=True)
    report = GeneratedReportSerializer(read_only=True, allow_null=True)
    requested_by = serializers.UUIDField(source="requested_by_id", allow_null=True, read_only=True)

    class Meta:
        model = ReportRun
        fields = ["id", "definition", "schedule", "occurrence_key", "scheduled_for", "format", "status", "attempts",
                  "next_attempt_at", "error", "recipients", "report", "requested_by", "client_id", "created_at",
                  "started_at", "finished_at"]  # fmt: skip
        read_only_fields = fields


class ReportGenerateSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=ReportFormat.choices, default=ReportFormat.PDF)
    client_id = serializers.UUIDField(required=False, allow_null=True, default=None,
                                      help_text="Your id for this request: a retry returns the same run.")  # fmt: skip


class ReportExternalRecipientSerializer(serializers.Serializer):
    email = serializers.EmailField()
    confirmed = serializers.BooleanField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ReportScheduleSerializer(serializers.ModelSerializer):
    format = serializers.ChoiceField(choices=ReportFormat.choices, read_only=True)
    delivery = serializers.ChoiceField(choices=Delivery.choices, read_only=True)
    status = serializers.ChoiceField(choices=ScheduleStatus.choices, read_only=True)
    people = serializers.SerializerMethodField()
    roles = serializers.SerializerMethodField()
    external_recipients = serializers.SerializerMethodField()
    owner = serializers.UUIDField(source="owner_id", allow_null=True, read_only=True)

    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "definition",
            "rrule",
            "starts_at",
            "time_zone",
            "format",
            "delivery",
            "status",
            "next_run_at",
            "people",
            "roles",
            "external_recipients",
            "owner",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_people(self, obj: ReportSchedule) -> list[str]:
        return [str(user.pk) for user in obj.people.all()]

    def get_roles(self, obj: ReportSchedule) -> list[int]:
        return [role.pk for role in obj.roles.all()]

    @extend_schema_field(ReportExternalRecipientSerializer(many=True))
    def get_external_recipients(self, obj: ReportSchedule) -> list[dict[str, Any]]:
        return [{"email": r.email, "confirmed": r.confirmed_at is not None, "confirmed_at": r.confirmed_at}
                for r in obj.external_recipients.all()]  # fmt: skip


class ReportScheduleInputSerializer(serializers.Serializer):
    definition = serializers.IntegerField()
    rrule = serializers.CharField(max_length=500, help_text="RFC 5545, e.g. FREQ=WEEKLY;BYDAY=MO.")
    starts_at = ReportLocalDateTimeField(help_text="The first possible occurrence; a time without offset is "
                                                    "wall-clock time in `time_zone`.")  # fmt: skip
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    format = serializers.ChoiceField(choices=ReportFormat.choices, required=False, default=ReportFormat.PDF)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False, default=Delivery.LINK)
    people = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    roles = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    external_emails = serializers.ListField(child=serializers.EmailField(), required=False, default=list,
                                            help_text="Each receives a confirmation email first.")  # fmt: skip


class ReportSchedulePatchSerializer(serializers.Serializer):
    rrule = serializers.CharField(max_length=500, required=False)
    starts_at = ReportLocalDateTimeField(required=False)
    time_zone = serializers.CharField(max_length=64, required=False, allow_blank=True)
    format = serializers.ChoiceField(choices=ReportFormat.choices, required=False)
    delivery = serializers.ChoiceField(choices=Delivery.choices, required=False)
    people = serializers.ListField(child=serializers.UUIDField(), required=False)
    roles = serializers.ListField(child=serializers.IntegerField(), required=False)
    external_emails = serializers.ListField(child=serializers.EmailField(), required=False)
