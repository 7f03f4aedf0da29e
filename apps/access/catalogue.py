"""The permission catalogue: which permissions a role may carry, and what their conditions mean.

A role carries Django permissions ("app_label.codename") of the models of tenant apps (the product's
actions are declared as model permissions, e.g. `organisation.view_people` on Entity). Permissions
and content types live in the public schema and are the same for every tenant, so the catalogue is
read once per process (one query) and kept; a key it does not know makes it read again once.
"""

import threading
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission

from .models import PermissionCondition

# Tenant apps whose permissions are infrastructure, not product rights.
EXCLUDED_APP_LABELS = frozenset({"admin", "guardian"})
DEFAULT_ACTIONS = ("add", "change", "delete", "view")

ENTITY_MODEL = "organisation.entity"
PROFILE_MODEL = "organisation.memberprofile"
# The models each condition makes sense for (what "own record" and "the scope entity only" mean).
CONDITION_MODELS: dict[str, frozenset[str]] = {
    PermissionCondition.OWN_RECORDS: frozenset({PROFILE_MODEL}),
    PermissionCondition.SCOPE_ONLY: frozenset({ENTITY_MODEL, PROFILE_MODEL}),
}


@dataclass(frozen=True)
class CataloguePermission:
    key: str  # "app_label.codename"
    permission_id: int
    content_type_id: int
    model: str  # "app_label.model"
    codename: str
    name: str
    label: str  # "View people", "Change member profile"


_lock = threading.Lock()
_catalogue: dict[str, CataloguePermission] | None = None


def tenant_app_labels() -> frozenset[str]:
    labels = set()
    for name in settings.TENANT_APPS:
        config = next((c for c in apps.get_app_configs() if c.name == name), None)
        if config is not None and config.label not in EXCLUDED_APP_LABELS:
            labels.add(config.label)
    return frozenset(labels)


def _label(codename: str, model_name: str, verbose_name: str) -> str:
    for action in DEFAULT_ACTIONS:
        if codename == f"{action}_{model_name}":
            return f"{action.capitalize()} {verbose_name}"
    return codename.replace("_", " ").capitalize()


def _load() -> dict[str, CataloguePermission]:
    rows = Permission.objects.select_related("content_type").filter(content_type__app_label__in=tenant_app_labels())
    catalogue = {}
    for permission in rows:
        content_type = permission.content_type
        if content_type.model.startswith("historical"):
            continue
        model_class = content_type.model_class()
        verbose_name = str(model_class._meta.verbose_name) if model_class else content_type.model
        key = f"{content_type.app_label}.{permission.codename}"
        catalogue[key] = CataloguePermission(
            key=key, permission_id=permission.pk, content_type_id=content_type.pk,
            model=f"{content_type.app_label}.{content_type.model}", codename=permission.codename,
            name=permission.name, label=_label(permission.codename, content_type.model, verbose_name),
        )  # fmt: skip
    return catalogue


def permission_catalogue() -> dict[str, CataloguePermission]:
    """Every permission a role may carry, by "app_label.codename"."""
    global _catalogue
    if _catalogue is None:
        with _lock:
            _catalogue = _load()
    return _catalogue


def permission_get(key: str) -> CataloguePermission | None:
    found = permission_catalogue().get(key)
    if found is None and "." in key:
        catalogue_clear()  # permissions added by a migration since the catalogue was read
        found = permission_catalogue().get(key)
    return found


def permission_by_id(permission_id: int) -> CataloguePermission | None:
    return next((p for p in permission_catalogue().values() if p.permission_id == permission_id), None)


def catalogue_clear() -> None:
    global _catalogue
    with _lock:
        _catalogue = None


def condition_error(key: str, condition: str) -> str | None:
    """Why `condition` cannot apply to permission `key`, or None when it can."""
    if condition not in PermissionCondition.values:
        return f"Unknown condition “{condition}” on {key}. Valid conditions: {', '.join(PermissionCondition.values)}."
    permission = permission_catalogue()[key]
    if permission.model not in CONDITION_MODELS[condition]:
        models = ", ".join(sorted(CONDITION_MODELS[condition]))
        return f"The condition “{condition}” on {key} only applies to permissions on {models}."
    return None
