"""Access control inside a tenant: hierarchical roles, scoped and temporal assignments, and the
ledger of the django-guardian object permissions each assignment materialised.

How it fits together (docs/access.md):

- A `Role` carries permissions (Django permission codenames of tenant models, including the
  product's own actions declared as model permissions, e.g. `organisation.view_people`), each with
  optional conditions, and inherits its parent role's. Role parents use the same database-kept
  materialised path as entities, so a role cycle is refused by the database too.
- A `RoleAssignment` gives a role to one principal (a user, a team = an entity's members, or a
  service account = an API key), scoped to an entity subtree or to one object, between
  `valid_from` and `valid_until`.
- Starting an assignment writes `AccessGrant` rows (assignment x person/key x permission x object)
  and, for people, the matching guardian `UserObjectPermission` rows; ending it deletes its grants
  and the guardian rows no other grant still needs. The resolver reads the guardian rows.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from apps.audit.history import history_records
from apps.core.paths import MaterialisedPathMixin, path_expression


class PermissionCondition(models.TextChoices):
    """Conditions a role may put on one of its permissions."""

    OWN_RECORDS = "own_records", "Own records only"
    SCOPE_ONLY = "scope_only", "The scope entity only (not its subtree)"


class Role(MaterialisedPathMixin, models.Model):
    """A tenant role. `permissions` is a list of {"permission": "app_label.codename",
    "conditions": ["own_records" | "scope_only", ...]}; the effective set adds every ancestor's."""

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=50, unique=True, help_text="Identifier, e.g. “manager”.")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=255, blank=True, default="")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
        help_text="The role whose permissions this one inherits.",
    )  # fmt: skip
    parent_path = models.TextField(null=True, blank=True, editable=False)
    path = models.GeneratedField(
        expression=path_expression("parent_path"), output_field=models.TextField(), db_persist=True
    )
    permissions = models.JSONField(default=list, blank=True)
    is_system = models.BooleanField(default=False, editable=False, help_text="Default roles cannot be deleted.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records(excluded_fields=["path", "parent_path"])

    class Meta:
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="access_role_name_unique",
                                    violation_error_message="A role with this name already exists."),
            models.UniqueConstraint(fields=["id", "path"], name="access_role_id_path_unique"),
            models.CheckConstraint(
                condition=Q(parent__isnull=True, parent_path__isnull=True)
                | Q(parent__isnull=False, parent_path__isnull=False),
                name="access_role_parent_and_path",
            ),
        ]  # fmt: skip
        # The cycle check and the composite (parent_id, parent_path) foreign key are added by SQL.

    def __str__(self) -> str:
        return self.name


class AssignmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"  # valid_from is in the future: nothing materialised yet
    ACTIVE = "active", "Active"  # grants materialised
    EXPIRED = "expired", "Expired"  # valid_until passed; grants removed by the sweep
    REVOKED = "revoked", "Revoked"  # ended by a person; grants removed


class RoleAssignment(models.Model):
    """A role given to one principal within one scope, optionally for a limited time."""

    Status = AssignmentStatus

    id = models.BigAutoField(primary_key=True)
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="assignments")
    # The principal: exactly one of these.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "organisation.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="team_assignments",
        help_text="Every member of this entity, including people who join later.",
    )  # fmt: skip
    api_key = models.ForeignKey(
        "integrations.ApiKey", null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    # The scope: an entity subtree, or exactly one object.
    scope_entity = models.ForeignKey(
        "organisation.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="scoped_assignments"
    )
    scope_content_type = models.ForeignKey(
        "contenttypes.ContentType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scope_object_id = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True, help_text="Empty: until revoked.")
    reason = models.CharField(max_length=255, blank=True, default="", help_text="Why this access was given.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    materialised_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(max_length=255, blank=True, default="")

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(user__isnull=False, team__isnull=True, api_key__isnull=True)
                    | Q(user__isnull=True, team__isnull=False, api_key__isnull=True)
                    | Q(user__isnull=True, team__isnull=True, api_key__isnull=False)
                ),
                name="access_roleassignment_one_principal",
                violation_error_message="Give the role to exactly one user, team or API key.",
            ),
            models.CheckConstraint(
                condition=(
                    Q(scope_entity__isnull=False, scope_content_type__isnull=True, scope_object_id="")
                    | (Q(scope_entity__isnull=True, scope_content_type__isnull=False) & ~Q(scope_object_id=""))
                ),
                name="access_roleassignment_one_scope",
                violation_error_message="Scope the role to an entity or to exactly one object.",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=F("valid_from")),
                name="access_roleassignment_ends_after_start",
                violation_error_message="An assignment cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=AssignmentStatus.values), name="access_roleassignment_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "active"], ended_at__isnull=True)
                | Q(status__in=["expired", "revoked"], ended_at__isnull=False),
                name="access_roleassignment_ended_when_over",
            ),
        ]  # fmt: skip
        indexes = [
            # The sweeps: what starts and what expires.
            models.Index(fields=["valid_until"], condition=Q(status="active"), name="access_assignment_expiring"),
            models.Index(fields=["valid_from"], condition=Q(status="scheduled"), name="access_assignment_starting"),
            models.Index(fields=["user", "status"], name="access_assignment_user"),
            models.Index(fields=["team", "status"], name="access_assignment_team"),
            models.Index(fields=["api_key", "status"], name="access_assignment_api_key"),
            models.Index(fields=["scope_entity", "status"], name="access_assignment_scope"),
        ]

    def __str__(self) -> str:
        return f"{self.role} → {self.principal_label}"

    @property
    def principal_label(self) -> str:
        if self.user_id:
            return str(self.user)
        if self.team_id:
            return f"team {self.team}"
        return f"API key {self.api_key}"


class AccessGrant(models.Model):
    """One materialised right: this assignment lets this person (or key) do this on this object.

    The ledger behind the guardian rows: a guardian `UserObjectPermission` exists while at least one
    grant needs it, so ending one of two overlapping assignments keeps the other's access. API keys
    are not users, so their grants are read from here directly.
    """

    id = models.BigAutoField(primary_key=True)
    assignment = models.ForeignKey(RoleAssignment, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    api_key = models.ForeignKey(
        "integrations.ApiKey", null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    permission = models.ForeignKey("auth.Permission", on_delete=models.CASCADE, related_name="+")
    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE, related_name="+")
    object_pk = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, api_key__isnull=True) | Q(user__isnull=True, api_key__isnull=False),
                name="access_accessgrant_one_principal",
            ),
            models.UniqueConstraint(
                fields=["assignment", "user", "api_key", "permission", "object_pk"],
                name="access_accessgrant_unique",
                nulls_distinct=False,
            ),
        ]
        indexes = [
            models.Index(fields=["user", "permission", "object_pk"], name="access_grant_user"),
            models.Index(fields=["api_key", "permission", "object_pk"], name="access_grant_api_key"),
        ]

    def __str__(self) -> str:
        return f"{self.permission_id} on {self.content_type_id}:{self.object_pk}"
