import uuid

from django.db import models
from django.db.models import Q

from apps.audit.history import history_records


class EntityKind(models.TextChoices):
    ENTERPRISE = "enterprise", "Enterprise"
    GROUP = "group", "Group"
    DEPARTMENT = "department", "Department"
    TEAM = "team", "Team"


class Entity(models.Model):
    """A unit of the customer's organisation (enterprise, group, department, team).

    Lives in the tenant schema. The full hierarchy rules (types as data, cycle and orphan checks,
    subtree queries) arrive with the organisation issue; this is the table they extend.
    """

    Kind = EntityKind

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TEAM)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "entities"
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="organisation_entity_sibling_name_unique"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="organisation_entity_root_name_unique"
            ),
            models.CheckConstraint(condition=Q(kind__in=EntityKind.values), name="organisation_entity_kind_valid"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="organisation_entity_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name
