from typing import Any

from django.http import HttpRequest


class NoWritesAdminMixin:
    """Staff may look, nobody may add, change or delete through this admin (or inline)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdminMixin(NoWritesAdminMixin):
    """For logs and append-only records: every field is shown read-only."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [field.name for field in self.model._meta.fields]  # type: ignore[attr-defined]


class ReadOnlyInlineMixin(NoWritesAdminMixin):
    """Inlines that only show related rows: no blank extra forms, no delete boxes."""

    extra = 0
    can_delete = False
