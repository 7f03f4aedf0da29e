"""Form analytics (tenant schema): per-field rollups of the submissions that count, kept exact as
submissions arrive, so reading a month of a workplace never scans the submissions.

What counts: a submission whose status is `submitted` or `approved`. A draft and a rejected submission do
not. The rollup follows the status (apps/formstats/rollup.py): it adds a submission's answers when the
submission starts counting and takes them away when it stops (a rejection).

- `RolledSubmission` is the ledger: one row per submission currently in the rollups, with the bucket it
  was added to (workplace, person, day). Adding is "insert into the ledger, then add what was inserted";
  removing is "delete from the ledger, then subtract what was deleted". A retried or concurrent call therefore
  adds or removes a submission at most once.
- `FieldDayRollup` (template, field key, field type, workplace, day) answers the workplace and period reads;
  `FieldPersonDayRollup` adds the person, for "by person" and "my own" reads. A field whose type changed
  between versions has one row per type.
- `SubmissionDayRollup` counts the submissions per (template, workplace, person, day).

A day is the submission's `submitted_at` in the tenant's time zone. The rollup rows carry no history:
they are derived data, rebuilt from the submissions by `formstats_rebuild`.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

SUM_DIGITS, SUM_PLACES = 30, 6


class Bucket(models.Model):
    id = models.BigAutoField(primary_key=True)
    template = models.ForeignKey("forms.FormTemplate", on_delete=models.CASCADE, related_name="+")
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")  # fmt: skip
    day = models.DateField(help_text="The submission's day in the tenant's time zone.")

    class Meta:
        abstract = True


class FieldValues(Bucket):
    """What one field's answers add up to in a bucket. `answered`: submissions that answered it (shown and
    filled in); numbers, ratings and computed fields add `total`/`low`/`high` (photos: `total` = photos);
    choices keep {value: submissions} in `choices`."""

    field_key = models.SlugField(max_length=60)
    field_type = models.CharField(max_length=20)
    answered = models.BigIntegerField(default=0)
    total = models.DecimalField(max_digits=SUM_DIGITS, decimal_places=SUM_PLACES, null=True, blank=True)
    low = models.DecimalField(max_digits=SUM_DIGITS, decimal_places=SUM_PLACES, null=True, blank=True)
    high = models.DecimalField(max_digits=SUM_DIGITS, decimal_places=SUM_PLACES, null=True, blank=True)
    choices = models.JSONField(default=dict, blank=True)

    class Meta:
        abstract = True


class FieldDayRollup(FieldValues):
    class Meta:
        verbose_name = "field rollup (workplace, day)"
        ordering = ["template", "day", "field_key"]
        # The right a role carries to read the analytics of the workplaces in its assignment's scope (an entity
        # subtree, or one workplace): what makes a person a manager here (apps/formstats/access.py).
        permissions = [("view_analytics", "View the form analytics of workplaces")]
        constraints = [
            models.UniqueConstraint(fields=["template", "workplace", "day", "field_key", "field_type"],
                                    name="formstats_field_day_once", nulls_distinct=False),
            models.CheckConstraint(condition=Q(answered__gte=0), name="formstats_field_day_answered"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.field_key} on {self.day} at {self.workplace_id}"


class FieldPersonDayRollup(FieldValues):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "field rollup (person, day)"
        ordering = ["template", "day", "field_key"]
        constraints = [
            models.UniqueConstraint(fields=["template", "workplace", "person", "day", "field_key", "field_type"],
                                    name="formstats_field_person_day_once", nulls_distinct=False),
            models.CheckConstraint(condition=Q(answered__gte=0), name="formstats_field_person_day_answered"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["template", "person", "day"], name="formstats_field_person_day")]

    def __str__(self) -> str:
        return f"{self.field_key} on {self.day} by {self.person_id}"


class SubmissionDayRollup(Bucket):
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    submissions = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "submissions per day"
        verbose_name_plural = "submissions per day"
        ordering = ["template", "day"]
        constraints = [
            models.UniqueConstraint(fields=["template", "workplace", "person", "day"],
                                    name="formstats_submission_day_once", nulls_distinct=False),
            models.CheckConstraint(condition=Q(submissions__gte=0), name="formstats_submission_day_count"),
        ]  # fmt: skip
        indexes = [models.Index(fields=["template", "person", "day"], name="formstats_sub_person_day")]

    def __str__(self) -> str:
        return f"{self.submissions} on {self.day} by {self.person_id}"


class RolledSubmission(models.Model):
    """The ledger: a submission that is in the rollups now, and the bucket it was added to."""

    submission = models.OneToOneField("forms.Submission", primary_key=True, on_delete=models.CASCADE,
                                      related_name="+")  # fmt: skip
    template = models.ForeignKey("forms.FormTemplate", on_delete=models.CASCADE, related_name="+")
    workplace = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.CASCADE,
                                  related_name="+")  # fmt: skip
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        ordering = ["submission"]
        indexes = [models.Index(fields=["template", "workplace", "person", "day"], name="formstats_rolled_bucket")]

    def __str__(self) -> str:
        return f"Submission {self.submission_id} on {self.day}"
