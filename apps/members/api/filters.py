"""Filters of the member list, shared by the tenant API and the portal page."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from apps.accounts.models import Membership


class MembershipFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", help_text="Part of the member's name or email.")
    role = django_filters.ChoiceFilter(choices=Membership.Role.choices, help_text="Tenant role.")
    status = django_filters.ChoiceFilter(choices=Membership.Status.choices, help_text="Membership status.")

    class Meta:
        model = Membership
        fields = ["q", "role", "status"]

    def search(self, queryset: QuerySet[Membership], name: str, value: Any) -> QuerySet[Membership]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(user__email__icontains=value) | Q(user__full_name__icontains=value))


def tenant_members(*, tenant: Any) -> QuerySet[Membership]:
    """Every membership of the tenant with its user (one query for a page, whatever its size)."""
    return Membership.objects.filter(tenant=tenant).select_related("user")
