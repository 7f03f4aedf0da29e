"""Assets at workplaces, QR labels, meter readings and maintenance plans that open work orders as tasks
(issue 16). Tenant schema.

What the database keeps:

- an asset's code (``AST-000123``) and its label code (the short random token its QR label encodes) are
  unique in the tenant; a status is one of its choices; the warranty does not end before the purchase;
- a plan is either for one asset, or for a category of assets at one site; a time-based plan has a rule
  and no meter interval, a meter-based one an interval above zero and one asset;
- a work order is made once per plan, asset and due occurrence (``due_key``): the beat task and a
  meter reading can run at the same time, the second finds the first's row.
"""

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from apps.audit.history import history_records

CODE_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9_-]{0,29}$",
    "Codes are 1 to 30 capital letters, digits, hyphens or underscores, e.g. FRIDGE.",
    code="invalid_code",
)
LABEL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud or typed from a worn label
LABEL_LENGTH = 10


class AssetCategory(models.Model):
    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=30, unique=True, validators=[CODE_VALIDATOR])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["name", "code"]
        verbose_name_plural = "asset categories"

    def __str__(self) -> str:
        return self.name


class AssetStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    IN_REPAIR = "in_repair", "In repair"
    RETIRED = "retired", "Retired"
    LOST = "lost", "Lost"


class Asset(models.Model):
    """A thing at a site that needs looking after: a fridge, a forklift (with a meter), a scanner."""

    Status = AssetStatus

    id = models.BigAutoField(primary_key=True)
    code = models.CharField(max_length=30, unique=True, help_text='Given by the system, e.g. "AST-000123".')
    label_code = models.CharField(max_length=16, unique=True, editable=False,
                                  help_text="The random code its QR label encodes; it carries no secret.")  # fmt: skip
    name = models.CharField(max_length=200)
    category = models.ForeignKey(AssetCategory, on_delete=models.PROTECT, related_name="assets")
    serial_number = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=AssetStatus.choices, default=AssetStatus.ACTIVE)
    purchase_date = models.DateField(null=True, blank=True)
    warranty_until = models.DateField(null=True, blank=True)
    custodian = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text="Who looks after it.")  # fmt: skip
    site = models.ForeignKey("workplaces.Workplace", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("workplaces.Department", null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")  # fmt: skip
    meter_unit = models.CharField(max_length=20, blank=True, help_text='What its meter counts, e.g. "hours".')
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=AssetStatus.values), name="assets_asset_status"),
            models.CheckConstraint(
                condition=Q(warranty_until__isnull=True)
                | Q(purchase_date__isnull=True)
                | Q(warranty_until__gte=F("purchase_date")),
                name="assets_asset_warranty_after_purchase",
            ),
            models.CheckConstraint(condition=~Q(label_code=""), name="assets_asset_label_code"),
        ]
        indexes = [
            models.Index(fields=["site", "status"], name="assets_asset_site_status"),
            models.Index(fields=["category", "site"], name="assets_asset_category_site"),
            models.Index(fields=["serial_number"], name="assets_asset_serial", condition=~Q(serial_number="")),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class MeterReading(models.Model):
    """A reading of an asset's meter. Readings only go up unless `is_reset` says the meter was reset or
    replaced; `total` is the running count across resets, which meter-based plans measure."""

    id = models.BigAutoField(primary_key=True)
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    total = models.DecimalField(max_digits=16, decimal_places=2, editable=False)
    unit = models.CharField(max_length=20, blank=True)
    read_at = models.DateTimeField()
    is_reset = models.BooleanField(default=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")  # fmt: skip
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["asset", "-read_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="assets_reading_value_positive"),
            models.CheckConstraint(condition=Q(total__gte=0), name="assets_reading_total_positive"),
        ]
        indexes = [models.Index(fields=["asset", "-read_at", "-id"], name="assets_reading_latest")]

    def __str__(self) -> str:
        return f"{self.value} {self.unit}".strip()


class PlanKind(models.TextChoices):
    TIME = "time", "Time-based (recurrence rule)"
    METER = "meter", "Meter-based (every N units)"


class MaintenancePlan(models.Model):
    """Preventive maintenance: for one asset, or for every asset of a category at a site, a task template
    made into a work order at each occurrence of a rule (in the site's time zone) or every
    `meter_interval` units of the asset's meter."""

    Kind = PlanKind

    id = models.BigAutoField(primary_key=True)
    name = models.CharField(max_length=200)
    asset = models.ForeignKey(Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="plans")
    category = models.ForeignKey(AssetCategory, null=True, blank=True, on_delete=models.PROTECT, related_name="plans")
    site = models.ForeignKey("workplaces.Workplace", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+")  # fmt: skip
    template = models.ForeignKey("tasks.TaskTemplate", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=5, choices=PlanKind.choices)
    rrule = models.CharField(max_length=500, blank=True, help_text="RFC 5545, e.g. FREQ=MONTHLY;COUNT=24.")
    starts_at = models.DateTimeField(null=True, blank=True, help_text="The first occurrence (time-based plans).")
    meter_interval = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    meter_start = models.DecimalField(max_digits=16, decimal_places=2, default=0, editable=False,
                                      help_text="The meter total the plan counts from.")  # fmt: skip
    lead_days = models.PositiveSmallIntegerField(default=14, help_text="How far ahead work orders are made.")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")  # fmt: skip
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=PlanKind.values), name="assets_plan_kind"),
            models.CheckConstraint(
                condition=(
                    Q(asset__isnull=False, category__isnull=True, site__isnull=True)
                    | Q(asset__isnull=True, category__isnull=False, site__isnull=False)
                ),
                name="assets_plan_target",
            ),
            models.CheckConstraint(
                condition=(Q(kind=PlanKind.TIME, meter_interval__isnull=True, starts_at__isnull=False) & ~Q(rrule=""))
                | Q(kind=PlanKind.METER, meter_interval__gt=0, asset__isnull=False, rrule=""),
                name="assets_plan_schedule",
            ),
            models.CheckConstraint(condition=Q(lead_days__lte=366), name="assets_plan_lead_days"),
        ]

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    """A plan's due occurrence for one asset, made into a task exactly once."""

    id = models.BigAutoField(primary_key=True)
    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="work_orders")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="work_orders")
    due_key = models.CharField(max_length=40, help_text='The occurrence ("2026-03-02T09:00" local) or "meter-3".')
    due_at = models.DateTimeField(null=True, blank=True)
    meter_total = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    task = models.ForeignKey("tasks.Task", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "asset", "due_key"], name="assets_work_order_once"),
        ]
        indexes = [
            models.Index(fields=["due_at"], name="assets_work_order_due"),
            models.Index(fields=["asset", "-created_at"], name="assets_work_order_asset"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.due_key}"
