from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q, QuerySet

from .staff_roles import STAFF_ROLES, Rule


def _permissions_for(rules: tuple[Rule, ...]) -> QuerySet[Permission]:
    condition = Q(pk__in=[])
    for rule in rules:
        match = Q()
        if rule.app_label != "*":
            match &= Q(content_type__app_label=rule.app_label)
        if rule.model != "*":
            match &= Q(content_type__model=rule.model)
        actions = Q(pk__in=[])
        for action in rule.actions:
            actions |= Q(codename__startswith=f"{action}_")
        condition |= match & actions
    return Permission.objects.filter(condition)


@transaction.atomic
def staff_roles_sync() -> dict[str, int]:
    """Make each staff group hold exactly its declared permissions (extra grants are removed)."""
    counts = {}
    for name, rules in STAFF_ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = list(_permissions_for(rules))
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts
