"""The customer's organisation (tenant schema): typed entities in one hierarchy, and the people in it.

The hierarchy is a materialised path that the database itself keeps true (docs/organisation.md):

- `path` is a generated column, `parent_path || id || '/'` (the root: `'/' || id || '/'`).
- `(parent_id, parent_path)` is a composite foreign key to `(id, path)` with ON UPDATE CASCADE, so a
  row's `parent_path` is always its parent's current path, and moving an entity rewrites the paths
  of its whole subtree in the same statement.
- A check refuses a `parent_path` that already contains the row's own id: no cycles.
- `parent` and `parent_path` are both set or both empty, and only one row may have no parent:
  every other entity hangs from the one root, so there are no orphans.

Subtrees are one indexed `path LIKE '<path>%'` query and ancestors are the ids in `path`, at any
depth. Reporting lines between people use the same construction (`manager_path`/`reporting_path`).
"""

import re
import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Lower

from apps.audit.history import history_records
from apps.core.paths import MaterialisedPathMixin, path_expression, path_ids

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ENTITY_CODE_PATTERN = re.compile(rf"^ENT-[{CODE_ALPHABET}]{{8}}$")
PERSON_CODE_PATTERN = re.compile(rf"^PRS-[{CODE_ALPHABET}]{{8}}$")


def _code(prefix: str) -> str:
    return f"{prefix}-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))


def generate_entity_code() -> str:
    return _code("ENT")


def generate_person_code() -> str:
    return _code("PRS")


def validate_entity_code(value: str) -> None:
    if not ENTITY_CODE_PATTERN.match(value):
        raise ValidationError("Entity codes look like ENT- followed by 8 letters or digits.", code="invalid_code")


def validate_person_code(value: str) -> None:
    if not PERSON_CODE_PATTERN.match(value):
        raise ValidationError("Person codes look like PRS- followed by 8 letters or digits.", code="invalid_code")


class EntityType(models.Model):
    """A kind of entity. Types are data: the four system types are seeded, a tenant may add its own."""

    id = models.BigAutoField(primary_key=True)
    code = models.SlugField(max_length=40, unique=True, help_text="Identifier, e.g. “department”.")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True, default="")
    is_system = models.BooleanField(default=False, editable=False, help_text="Seeded types cannot be removed.")
    position = models.PositiveSmallIntegerField(default=100, help_text="Display order (smaller first).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_entitytype_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class EntityStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    ARCHIVED = "archived", "Archived"


class EntityQuerySet(models.QuerySet["Entity"]):
    def subtree_of(self, entity: "Entity", *, include_self: bool = True) -> "EntityQuerySet":
        """The entity and everything below it: one indexed prefix query, at any depth."""
        queryset = self.filter(path__startswith=entity.path)
        return queryset if include_self else queryset.exclude(pk=entity.pk)

    def ancestors_of(self, entity: "Entity", *, include_self: bool = False) -> "EntityQuerySet":
        ids = path_ids(entity.path)
        if not include_self:
            ids = ids[:-1]
        return self.filter(pk__in=ids)


class Entity(MaterialisedPathMixin, models.Model):
    """A unit of the customer's organisation: the enterprise at the root, groups, departments, teams."""

    Status = EntityStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        max_length=12, unique=True, default=generate_entity_code, editable=False, validators=[validate_entity_code]
    )
    entity_type = models.ForeignKey(EntityType, on_delete=models.PROTECT, related_name="entities")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    # Maintained by save() from the parent; the composite foreign key keeps it equal to parent.path.
    parent_path = models.TextField(null=True, blank=True, editable=False)
    path = models.GeneratedField(
        expression=path_expression("parent_path"), output_field=models.TextField(), db_persist=True
    )
    manager = models.ForeignKey(
        "organisation.MemberProfile", null=True, blank=True, on_delete=models.SET_NULL, related_name="managed_entities"
    )
    external_id = models.CharField(
        max_length=100, blank=True, default="", help_text="Identifier in the system this entity was imported from."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["path", "parent_path"])

    objects = EntityQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name_plural = "entities"
        permissions = [
            ("view_people", "View the people of the entity"),
            ("manage_people", "Add, change and move the people of the entity"),
            ("assign_roles", "Assign roles within the entity"),
            ("view_security_policy", "View the entity's security policy"),
            ("manage_security_policy", "Change the entity's security policy"),
            ("manage_branding", "Change the entity's branding"),
        ]
        constraints = [
            models.UniqueConstraint(
                F("parent"), Lower("name"), name="organisation_entity_sibling_name_unique",
                violation_error_message="Another entity under the same parent already has this name.",
                violation_error_code="duplicate_sibling",
            ),
            models.UniqueConstraint(
                Coalesce("parent", Value(0)), condition=Q(parent__isnull=True), name="organisation_entity_single_root",
                violation_error_message="The organisation already has its root entity; choose a parent.",
                violation_error_code="orphan",
            ),
            models.UniqueConstraint(fields=["id", "path"], name="organisation_entity_id_path_unique"),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""), name="organisation_entity_external_id_unique"
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, parent_path__isnull=True)
                | Q(parent__isnull=False, parent_path__isnull=False),
                name="organisation_entity_parent_and_path",
            ),
            models.CheckConstraint(
                condition=Q(status__in=EntityStatus.values), name="organisation_entity_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=ENTITY_CODE_PATTERN.pattern), name="organisation_entity_code_format"
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["path"], name="organisation_entity_path", opclasses=["text_pattern_ops"]),
            models.Index(fields=["parent", "name"], name="organisation_entity_parent"),
        ]
        # The cycle check and the composite (parent_id, parent_path) foreign key are added by SQL in
        # migration 0002 (Django has no composite foreign keys).

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return len(path_ids(self.path)) - 1

    @property
    def ancestor_ids(self) -> list[int]:
        return path_ids(self.path)[:-1]


class MemberStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    ON_LEAVE = "on_leave", "On leave"
    INACTIVE = "inactive", "Inactive"
    LEFT = "left", "Left the organisation"


class MemberProfile(MaterialisedPathMixin, models.Model):
    """A person of the organisation: the tenant's view of a global user (one profile per user).

    The reporting line (`manager`) is a materialised path like the entity tree, so the database
    refuses a manager cycle and "everyone reporting to X, at any depth" is one query.
    """

    Status = MemberStatus
    path_parent_field = "manager"
    path_field = "reporting_path"

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        max_length=12, unique=True, default=generate_person_code, editable=False, validators=[validate_person_code]
    )
    # Users live in public; a tenant row may point at them (never the other way).
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    employee_code = models.CharField(max_length=50, blank=True, default="", help_text="The organisation's own code.")
    external_id = models.CharField(
        max_length=100, blank=True, default="", help_text="Identifier in the system this person was imported from."
    )
    job_title = models.CharField(max_length=150, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reports")
    manager_path = models.TextField(null=True, blank=True, editable=False)
    reporting_path = models.GeneratedField(
        expression=path_expression("manager_path"), output_field=models.TextField(), db_persist=True
    )
    preferences = models.JSONField(default=dict, blank=True, help_text="Language, time zone, notification choices…")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["manager_path", "reporting_path"])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["employee_code"], condition=~Q(employee_code=""),
                name="organisation_memberprofile_employee_code_unique",
                violation_error_message="Another person already has this employee code.",
            ),
            models.UniqueConstraint(
                fields=["external_id"], condition=~Q(external_id=""),
                name="organisation_memberprofile_external_id_unique",
            ),
            models.UniqueConstraint(fields=["id", "reporting_path"], name="organisation_memberprofile_id_path_unique"),
            models.CheckConstraint(
                condition=Q(manager__isnull=True, manager_path__isnull=True)
                | Q(manager__isnull=False, manager_path__isnull=False),
                name="organisation_memberprofile_manager_and_path",
            ),
            models.CheckConstraint(
                condition=Q(status__in=MemberStatus.values), name="organisation_memberprofile_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(code__regex=PERSON_CODE_PATTERN.pattern), name="organisation_memberprofile_code_format"
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["reporting_path"], name="organisation_profile_rpath", opclasses=["text_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return str(self.user) if self.user_id else self.code


class EntityMembership(models.Model):
    """A person's place in an entity (a person can be in several); the primary one is their home."""

    id = models.BigAutoField(primary_key=True)
    profile = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="entity_memberships")
    entity = models.ForeignKey(Entity, on_delete=models.PROTECT, related_name="memberships")
    is_primary = models.BooleanField(default=False)
    title = models.CharField(max_length=150, blank=True, default="", help_text="Role in this entity, e.g. “Lead”.")
    joined_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["entity__path", "profile_id"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "entity"], name="organisation_entitymembership_unique"),
            models.UniqueConstraint(
                fields=["profile"], condition=Q(is_primary=True), name="organisation_entitymembership_one_primary"
            ),
        ]
        indexes = [models.Index(fields=["entity", "profile"], name="organisation_membership_entity")]

    def __str__(self) -> str:
        return f"{self.profile} in {self.entity}"


class Skill(models.Model):
    id = models.BigAutoField(primary_key=True)
    profile = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=100)
    level = models.PositiveSmallIntegerField(default=1, help_text="1 (basic) to 5 (expert).")
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(F("profile"), Lower("name"), name="organisation_skill_unique"),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="organisation_skill_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.level}/5)"


class Certification(models.Model):
    id = models.BigAutoField(primary_key=True)
    profile = models.ForeignKey(MemberProfile, on_delete=models.CASCADE, related_name="certifications")
    name = models.CharField(max_length=150)
    issuer = models.CharField(max_length=150, blank=True, default="")
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True, help_text="Empty: does not expire.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = history_records()

    class Meta:
        ordering = ["expires_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_on__isnull=True) | Q(expires_on__isnull=True) | Q(expires_on__gte=F("issued_on")),
                name="organisation_certification_expires_after_issue",
                violation_error_message="A certification cannot expire before it was issued.",
            ),
        ]
        indexes = [models.Index(fields=["expires_on"], name="organisation_cert_expires")]

    def __str__(self) -> str:
        return self.name
