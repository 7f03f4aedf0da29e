"""Filters of the assignment list, shared by the tenant API and the portal page."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone

from apps.access.models import AssignmentStatus, RoleAssignment

from .access import EXPIRING_SOON, PRINCIPAL_KINDS


class AssignmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices, help_text="Assignment status.")
    role = django_filters.UUIDFilter(field_name="role__uuid", help_text="Role uuid.")
    principal_kind = django_filters.ChoiceFilter(
        choices=PRINCIPAL_KINDS, method="filter_principal_kind", label="Given to",
        help_text="Whom the role is given to: user, team or api_key.",
    )  # fmt: skip
    user = django_filters.UUIDFilter(field_name="user_id", help_text="User id (the role given to this person).")
    team = django_filters.UUIDFilter(field_name="team__uuid", help_text="Team (entity) uuid.")
    api_key = django_filters.NumberFilter(field_name="api_key_id", help_text="API key id.")
    scope_entity = django_filters.UUIDFilter(field_name="scope_entity__uuid", help_text="Scope entity uuid.")
    expiring_before = django_filters.IsoDateTimeFilter(
        method="filter_expiring_before", help_text="Active or scheduled assignments that end before this time."
    )
    expiring_soon = django_filters.BooleanFilter(
        method="filter_expiring_soon", label="Expiring within 7 days",
        help_text="true: active or scheduled assignments that end within the next 7 days.",
    )  # fmt: skip

    class Meta:
        model = RoleAssignment
        fields = [
            "status", "role", "principal_kind", "user", "team", "api_key", "scope_entity", "expiring_before",
            "expiring_soon",
        ]  # fmt: skip

    def filter_principal_kind(self, queryset: QuerySet[RoleAssignment], name: str, value: Any) -> Any:
        return queryset.filter(**{f"{value}__isnull": False}) if value else queryset

    def filter_expiring_before(self, queryset: QuerySet[RoleAssignment], name: str, value: Any) -> Any:
        if not value:
            return queryset
        return queryset.filter(valid_until__lt=value, status__in=[AssignmentStatus.ACTIVE, AssignmentStatus.SCHEDULED])

    def filter_expiring_soon(self, queryset: QuerySet[RoleAssignment], name: str, value: Any) -> Any:
        return self.filter_expiring_before(queryset, name, timezone.now() + EXPIRING_SOON) if value else queryset
