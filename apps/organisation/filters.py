"""Filters of the entity and people lists, shared by the tenant API and the portal pages."""

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from .models import Entity, EntityStatus, EntityType, MemberProfile, MemberStatus
from .selectors import profiles_in_subtree


def _entity_by_uuid(value: Any) -> Entity | None:
    try:
        return Entity.objects.filter(uuid=value).only("pk", "path").first()
    except (ValueError, TypeError):
        return None


class EntityFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(method="filter_search", label="Search", help_text="Part of the name or code.")
    type = django_filters.ModelChoiceFilter(
        field_name="entity_type", to_field_name="code", queryset=EntityType.objects.all(), label="Type",
        help_text="Entity type code, e.g. “department”.",
    )  # fmt: skip
    status = django_filters.ChoiceFilter(choices=EntityStatus.choices, help_text="Entity status.")
    parent = django_filters.UUIDFilter(field_name="parent__uuid", label="Parent", help_text="Direct children of.")
    subtree_of = django_filters.UUIDFilter(
        method="filter_subtree", label="Within", help_text="The entity with this id and everything below it."
    )

    class Meta:
        model = Entity
        fields = ["search", "type", "status", "parent", "subtree_of"]

    def filter_search(self, queryset: QuerySet[Entity], name: str, value: Any) -> QuerySet[Entity]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(Q(name__icontains=value) | Q(code__iexact=value) | Q(external_id__iexact=value))

    def filter_subtree(self, queryset: QuerySet[Entity], name: str, value: Any) -> QuerySet[Entity]:
        entity = _entity_by_uuid(value)
        return queryset.subtree_of(entity) if entity else queryset.none()  # type: ignore[attr-defined]


class PersonFilter(django_filters.FilterSet):
    search = django_filters.CharFilter(
        method="filter_search", label="Search", help_text="Part of the name or email, or the employee or person code."
    )
    entity = django_filters.UUIDFilter(
        method="filter_entity", label="Entity", help_text="Members of this entity or of any entity below it."
    )
    status = django_filters.ChoiceFilter(choices=MemberStatus.choices, help_text="Person status.")
    manager = django_filters.UUIDFilter(field_name="manager__uuid", label="Manager", help_text="Direct reports of.")

    class Meta:
        model = MemberProfile
        fields = ["search", "entity", "status", "manager"]

    def filter_search(self, queryset: QuerySet[MemberProfile], name: str, value: Any) -> QuerySet[MemberProfile]:
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(user__full_name__icontains=value) | Q(user__email__icontains=value)
            | Q(employee_code__iexact=value) | Q(code__iexact=value)
        )  # fmt: skip

    def filter_entity(self, queryset: QuerySet[MemberProfile], name: str, value: Any) -> QuerySet[MemberProfile]:
        entity = _entity_by_uuid(value)
        return queryset.filter(profiles_in_subtree(entity)) if entity else queryset.none()
