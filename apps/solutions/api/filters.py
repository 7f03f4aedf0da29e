from typing import Any

import django_filters
from django.db.models import QuerySet

from apps.solutions.models import SolutionAccess


class SolutionAccessFilter(django_filters.FilterSet):
    solution = django_filters.CharFilter(field_name="solution_code", help_text="Solution code.")
    user = django_filters.CharFilter(field_name="user__code", help_text="User code: that person's direct grants.")
    role = django_filters.CharFilter(field_name="role__code", help_text="Role code: grants to that role.")
    include_revoked = django_filters.BooleanFilter(
        method="keep", help_text="Also list revoked grants (default: active ones only)."
    )

    class Meta:
        model = SolutionAccess
        fields = ["solution", "user", "role", "include_revoked"]

    def keep(self, queryset: QuerySet[SolutionAccess], name: str, value: Any) -> QuerySet[SolutionAccess]:
        return queryset  # applied in `qs`, which also covers the parameter being absent

    @property
    def qs(self) -> QuerySet[SolutionAccess]:
        queryset = super().qs
        if not self.form.cleaned_data.get("include_revoked"):
            queryset = queryset.filter(revoked_at__isnull=True)
        return queryset
