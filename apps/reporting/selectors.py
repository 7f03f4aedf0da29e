"""Reads of reporting: who a schedule reaches, what a signed link names, what a caller may see."""

from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from apps.access.models import RoleAssignment
from apps.accounts.models import Membership, User
from apps.organisation.models import EntityMembership

from . import links
from .models import GeneratedReport, ReportDefinition, ReportRun, ReportSchedule


def recipients_of(schedule: ReportSchedule) -> tuple[list[User], list[str]]:
    """The members a schedule reaches (chosen, or holding one of its roles directly or through a team) who
    are active members now, and its confirmed external addresses. Four queries whatever the numbers."""
    schema = str(getattr(connection, "schema_name", ""))
    role_ids = list(schedule.roles.values_list("pk", flat=True))
    chosen = Q(pk__in=schedule.people.values("pk"))
    if role_ids:
        assignments = RoleAssignment.objects.filter(role_id__in=role_ids, status=RoleAssignment.Status.ACTIVE)
        teams = EntityMembership.objects.filter(entity_id__in=assignments.filter(team__isnull=False).values("team_id"))
        chosen |= Q(pk__in=assignments.filter(user__isnull=False).values("user_id"))
        chosen |= Q(pk__in=teams.values("profile__user_id"))
    members = list(
        User.objects.filter(
            chosen, memberships__tenant__schema_name=schema, memberships__status=Membership.Status.ACTIVE
        )
        .distinct()
        .order_by("email")
    )
    external = list(schedule.external_recipients.filter(confirmed_at__isnull=False).values_list("email", flat=True))
    member_emails = {user.email.lower() for user in members}
    return members, [email for email in external if email not in member_emails]


def signed_download(token: str) -> GeneratedReport | None:
    """The file a valid, unexpired download link of this organisation names; None otherwise."""
    checked = links.download_check(token)
    if checked is None:
        return None
    return GeneratedReport.objects.filter(pk=checked[0]).first()


def definitions_visible(user_id: Any) -> QuerySet[ReportDefinition]:
    """All definitions (user_id None: an administrator or an API key), else the person's own."""
    rows = ReportDefinition.objects.select_related("owner")
    return rows if user_id is None else rows.filter(owner_id=user_id)


def schedules_visible(user_id: Any) -> QuerySet[ReportSchedule]:
    rows = ReportSchedule.objects.select_related("definition", "owner")
    return rows if user_id is None else rows.filter(Q(owner_id=user_id) | Q(definition__owner_id=user_id))


def runs_visible(user_id: Any) -> QuerySet[ReportRun]:
    rows = ReportRun.objects.select_related("definition", "schedule", "report", "requested_by")
    if user_id is None:
        return rows
    return rows.filter(Q(definition__owner_id=user_id) | Q(requested_by_id=user_id) | Q(schedule__owner_id=user_id))
