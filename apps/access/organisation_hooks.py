"""What access answers for the organisation app through apps.core.hooks.

access is built on the organisation's entity tree (it imports organisation), so organisation never
imports access: its permission checks and the role-assignment rows of the directory import reach the
access app through these hooks, declared as `Hook` contributions in apps/access/contributions.py.
"""

from typing import Any

from . import resolver
from .models import Role, RoleAssignment
from .services import assignment_create


def permission_resolver() -> Any:
    """Hook "organisation.permission_resolver": the object with `may`, `allowed_entities` and
    `refusal_message` (the access resolver)."""
    return resolver


class DirectoryImportAssignments:
    """Hook "organisation.import_assignments": the role assignments of a directory import."""

    @staticmethod
    def roles() -> list[tuple[int, str]]:
        return list(Role.objects.values_list("pk", "code"))

    @staticmethod
    def active_scoped() -> list[Any]:
        """Scheduled and active assignments with a scope entity, as the import compares them."""
        active = RoleAssignment.objects.filter(
            status__in=[RoleAssignment.Status.SCHEDULED, RoleAssignment.Status.ACTIVE], scope_entity__isnull=False
        )
        return list(active.values("role_id", "user_id", "team_id", "scope_entity_id", "valid_from", "valid_until"))

    @staticmethod
    def create(*, role_pk: int, **fields: Any) -> Any:
        return assignment_create(role=Role.objects.get(pk=role_pk), **fields)


def import_assignments() -> type[DirectoryImportAssignments]:
    return DirectoryImportAssignments
