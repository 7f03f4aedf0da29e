"""Access requests: a member asks for a role at an entity, or for a solution, and an approval
workflow (apps.approvals, kind "access.request") decides. Approval creates the scoped role assignment
(or the solution grant) through the access services; rejection keeps the approver's reason.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.history import history_records

KIND = "access.request"  # the ApprovalKind this app contributes (apps/accessrequests/contributions.py)


class AccessRequestKind(models.TextChoices):
    ROLE = "role", "A role at an entity"
    SOLUTION = "solution", "A solution"


class AccessRequestStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RETURNED = "returned", "Returned for changes"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


OPEN_STATUSES = (AccessRequestStatus.PENDING, AccessRequestStatus.RETURNED)


class AccessRequest(models.Model):
    """One member's request for a role at an entity or for a solution of the plan.

    The primary key is a uuid: it is the approval request's `subject_id` and the portal's URL."""

    Kind = AccessRequestKind
    Status = AccessRequestStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    role = models.ForeignKey("access.Role", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    entity = models.ForeignKey(
        "organisation.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The scope of the requested role.",
    )  # fmt: skip
    solution_code = models.SlugField(max_length=50, blank=True, default="")
    reason = models.TextField(help_text="Why the requester needs this access.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decision_reason = models.TextField(blank=True, default="", help_text="The approver's reason (rejected/returned).")
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the approval created (ids, not foreign keys: the grant may be revoked later, its history stays).
    role_assignment_id = models.BigIntegerField(null=True, blank=True)
    solution_access_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = history_records()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=AccessRequestKind.values), name="accessrequests_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=AccessRequestStatus.values), name="accessrequests_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind="role", role__isnull=False, entity__isnull=False, solution_code="")
                | (Q(kind="solution", role__isnull=True, entity__isnull=True) & ~Q(solution_code="")),
                name="accessrequests_target_per_kind",
                violation_error_message="A role request names a role and an entity; a solution request a solution.",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="accessrequests_reason_required",
                violation_error_message="Say why you need this access.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_STATUSES, decided_at__isnull=True)
                | Q(status__in=["approved", "rejected", "cancelled"], decided_at__isnull=False),
                name="accessrequests_decided_when_closed",
            ),
            models.CheckConstraint(
                condition=Q(status="approved") | Q(role_assignment_id__isnull=True, solution_access_id__isnull=True),
                name="accessrequests_grant_only_when_approved",
            ),
            models.UniqueConstraint(
                fields=["requester", "role", "entity"], condition=Q(kind="role", status__in=OPEN_STATUSES),
                name="accessrequests_one_open_role_request",
                violation_error_message="You already have an open request for this role at this entity.",
            ),
            models.UniqueConstraint(
                fields=["requester", "solution_code"], condition=Q(kind="solution", status__in=OPEN_STATUSES),
                name="accessrequests_one_open_solution_request",
                violation_error_message="You already have an open request for this solution.",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="accessrequests_requester"),
            models.Index(fields=["status", "-created_at"], name="accessrequests_status"),
        ]

    def __str__(self) -> str:
        return self.target_label

    @property
    def uuid(self) -> uuid.UUID:
        return self.pk  # type: ignore[no-any-return]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def target_label(self) -> str:
        """What is asked for, in words: "Manager at Sales" or "the Leave solution"."""
        if self.kind == AccessRequestKind.ROLE:
            return f"{self.role} at {self.entity}"
        return f"the {self.solution_code} solution"
