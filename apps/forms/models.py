"""Forms (tenant schema): templates built in the portal, published as immutable versions, and the
submissions people make on a version, with their photos, signature, comments and review.

A template keeps a *working copy* of its sections and fields (`draft_schema`) that the builder edits;
publishing validates it and writes a new `FormVersion` (a frozen copy of the schema) with one `FormField`
row per field (what analytics join on). A version is never edited after publishing, so a submission
is always read, validated and rendered against the version it was made on.

The rules that must never break are kept by the database:

- statuses, field types and file kinds are one of their choices (checks);
- a published template has a current version; version numbers are positive and unique per template;
- a field key is unique per version;
- a mobile client's id makes one submission per person however often the app retries;
- a draft has no submitted time and every other status has one; a reviewed submission says when;
- a file is never empty, and the same bytes uploaded twice to one field of a submission are one file;
- a task template requires at most one form.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records
from apps.core.storage import tenant_file_path


class TemplateStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ARCHIVED = "archived", "Archived"


class FieldType(models.TextChoices):
    TEXT = "text", "Text"
    NUMBER = "number", "Number"
    SINGLE_CHOICE = "single_choice", "Single choice"
    MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
    DATE = "date", "Date"
    TIME = "time", "Time"
    DATETIME = "datetime", "Date and time"
    PHOTO = "photo", "Photo"
    SIGNATURE = "signature", "Signature"
    RATING = "rating", "Rating"
    LOCATION = "location", "Location"
    COMPUTED = "computed", "Computed"


# Field types whose answer is one or more files (SubmissionFile rows), not a value in `answers`.
FILE_TYPES = (FieldType.PHOTO, FieldType.SIGNATURE)


class SubmissionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


REVIEWED_STATUSES = (SubmissionStatus.APPROVED, SubmissionStatus.REJECTED)


class FileKind(models.TextChoices):
    PHOTO = "photo", "Photo"
    SIGNATURE = "signature", "Signature"


class FormTemplate(models.Model):
    """A form as the builder sees it. `workplaces` and `roles` say who fills it in: empty means every
    workplace / everyone with the reports solution."""

    Status = TemplateStatus

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=TemplateStatus.choices, default=TemplateStatus.DRAFT)
    current_version = models.ForeignKey("FormVersion", null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+", help_text="The version people fill in now.")  # fmt: skip
    draft_schema = models.JSONField(default=dict, blank=True,
                                    help_text="The working copy the builder edits: {\"sections\": [...]}.")  # fmt: skip
    review_required = models.BooleanField(default=True, help_text="Submissions are reviewed (approved or rejected).")
    workplaces = models.ManyToManyField("workplaces.Workplace", blank=True, related_name="+",
                                        help_text="Where it is filled in; none = every workplace.")  # fmt: skip
    roles = models.ManyToManyField("access.Role", blank=True, related_name="+",
                                   help_text="Who fills it in; none = everyone with the reports solution.")  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=TemplateStatus.values), name="forms_template_status"),
            models.CheckConstraint(
                condition=~Q(status=TemplateStatus.PUBLISHED) | Q(current_version__isnull=False),
                name="forms_template_published_version",
            ),
        ]
        indexes = [models.Index(fields=["status", "name"], name="forms_template_status_name")]

    def __str__(self) -> str:
        return self.name


class FormVersion(models.Model):
    """A published version: the schema exactly as published. Never edited afterwards."""

    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(FormTemplate, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    schema = models.JSONField(help_text="The sections and fields as published.")
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")  # fmt: skip

    class Meta:
        ordering = ["template", "-number"]
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="forms_version_number_positive"),
            models.UniqueConstraint(fields=["template", "number"], name="forms_version_number_once"),
        ]

    def __str__(self) -> str:
        return f"{self.template_id} v{self.number}"


class FormField(models.Model):
    """One field of one version (a copy of what the schema says, as rows analytics can join on)."""

    Type = FieldType

    id = models.BigAutoField(primary_key=True)
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(max_length=60)
    label = models.CharField(max_length=200)
    type = models.CharField(max_length=20, choices=FieldType.choices)
    section = models.CharField(max_length=200, blank=True, help_text="The section's title.")
    position = models.PositiveIntegerField(help_text="Order in the whole form (0 first).")
    required = models.BooleanField(default=False)
    help_text = models.CharField(max_length=300, blank=True)
    config = models.JSONField(
        default=dict,
        blank=True,
        help_text="unit, min, max, options, min_photos, max_photos, scale, formula, condition…",
    )

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=FieldType.values), name="forms_field_type"),
            models.UniqueConstraint(fields=["version", "key"], name="forms_field_key_once"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.type})"


class Submission(models.Model):
    """A person's answers to one version of a form. `answers` is {field key: value}; photos and the
    signature are `files`. A draft may be incomplete; every other status was validated in full."""

    Status = SubmissionStatus

    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, related_name="submissions")
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="submissions")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                               help_text="Who filled it in.")  # fmt: skip
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+")  # fmt: skip
    task = models.ForeignKey("tasks.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    client_id = models.UUIDField(default=uuid.uuid4, help_text="The client's id: a retry is the same submission.")
    body_sha256 = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="The creating request's digest: a retry with another body conflicts.",
    )
    status = models.CharField(max_length=10, choices=SubmissionStatus.choices, default=SubmissionStatus.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True, help_text="Empty while it is a draft.")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    history = history_records()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=SubmissionStatus.values), name="forms_submission_status"),
            models.CheckConstraint(
                condition=Q(status=SubmissionStatus.DRAFT, submitted_at__isnull=True)
                | (~Q(status=SubmissionStatus.DRAFT) & Q(submitted_at__isnull=False)),
                name="forms_submission_submitted_when",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=REVIEWED_STATUSES) | Q(reviewed_at__isnull=False),
                name="forms_submission_reviewed_when",
            ),
            models.UniqueConstraint(fields=["person", "client_id"], name="forms_submission_client_id_once"),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["template", "workplace", "submitted_at"], name="forms_sub_tpl_wp_submitted"),
            models.Index(fields=["person", "-submitted_at"], name="forms_sub_person_submitted"),
            # The portal's list (newest first, keyset on (submitted_at, id)); drafts are not listed there.
            models.Index(fields=["-submitted_at", "-id"], name="forms_sub_submitted_keyset",
                         condition=Q(submitted_at__isnull=False)),
            models.Index(fields=["status", "-submitted_at"], name="forms_sub_status_submitted"),
            models.Index(fields=["task"], name="forms_sub_task", condition=Q(task__isnull=False)),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"Submission {self.pk} ({self.status})"

    @property
    def is_draft(self) -> bool:
        return self.status == SubmissionStatus.DRAFT


def submission_file_path(instance: "SubmissionFile", filename: str) -> str:
    """Stored through Django's storage API (object storage in production), per schema and submission."""
    return tenant_file_path("forms", instance.submission_id, filename=filename)


class SubmissionFile(models.Model):
    """A photo or the signature of one field of a submission."""

    Kind = FileKind

    id = models.BigAutoField(primary_key=True)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    field_key = models.SlugField(max_length=60)
    kind = models.CharField(max_length=10, choices=FileKind.choices)
    file = models.FileField(upload_to=submission_file_path, max_length=300)
    name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="The bytes' digest: a retried upload is the same file.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["submission", "field_key", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=FileKind.values), name="forms_file_kind"),
            models.CheckConstraint(condition=Q(size__gt=0), name="forms_file_not_empty"),
            models.UniqueConstraint(fields=["submission", "field_key", "sha256"], name="forms_file_once"),
        ]

    def __str__(self) -> str:
        return f"{self.field_key}: {self.name or self.file.name}"


class SubmissionComment(models.Model):
    id = models.BigAutoField(primary_key=True)
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["submission", "created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(body=""), name="forms_comment_not_empty")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.submission_id}"


class TaskTemplateForm(models.Model):
    """A task template that requires a form: a task made from it cannot be completed until a submitted
    (or approved) submission of this form names the task (the `tasks.completion_check` hook)."""

    id = models.BigAutoField(primary_key=True)
    task_template = models.OneToOneField("tasks.TaskTemplate", on_delete=models.CASCADE, related_name="+")
    form_template = models.ForeignKey(FormTemplate, on_delete=models.PROTECT, related_name="task_templates")
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["task_template", "id"]

    def __str__(self) -> str:
        return f"Task template {self.task_template_id} requires form {self.form_template_id}"
