"""The access request: everything about a person, from the public schema and from every tenant schema
they belong to, as a ZIP of JSON files (one per source) with a manifest of SHA-256 checksums.

Sources are found from the model registry, so a new app's rows are exported without a change here:
every model with a foreign key to the user (including simple-history rows, audit events where they
are the actor, tickets they requested, messages they wrote), every row with an email/recipient
column equal to their address (invitations, email deliveries, auth events), and in tenant schemas
every row pointing at their person profile (entity memberships, skills, certifications).

On top of those raw per-model files, each domain app gives its own account of the person
(`tenants/<slug>/parts/<app>.json`, hook "gdpr.person_export"): tasks assigned to them, punches,
leave, form submissions, chat messages, shifts, inspections, incidents, assets in their custody … —
including rows the generic rule leaves out on purpose (an `assignee` or `*_by` column). Secrets
are never exported: password hashes, token digests, MFA secrets and encrypted values are dropped.
Audit pseudonyms are resolved through the vault so the person sees their own data.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.accounts.models import Membership
from apps.audit.pseudonyms import pii_reveal_many
from apps.core import hooks

from .models import GdprRequest

EXPORT_DAYS = 7  # how long the archive can be downloaded
SECRET_MARKERS = (
    "password", "secret", "token_hash", "key_hash", "session_key", "digest", "encrypted", "otp", "recovery",
)  # fmt: skip
EXCLUDED_MODELS = {"audit.piivault", "sessions.session", "gdpr.historicalgdprrequest"}
EXCLUDED_FIELDS = {"mfa.authenticator": {"data"}, "audit.auditevent": {"prev_hash", "hash"}}
EMAIL_FIELDS = ("email", "recipient", "billing_email")
ACTION_FIELDS = {"history_user", "assignee"}

Progress = Callable[[int, str], None]


def export_root() -> Path:
    return Path(getattr(settings, "GDPR_EXPORT_ROOT", "") or Path(settings.BASE_DIR) / ".data" / "gdpr")


def _apps_for(schema: str) -> set[str]:
    configs = django_apps.get_app_configs()
    shared = {c.label for c in configs if c.name in settings.SHARED_APPS}
    tenant = {c.label for c in configs if c.name in settings.TENANT_APPS}
    return shared if schema == get_public_schema_name() else tenant - shared


def _is_secret(model_label: str, field: models.Field) -> bool:
    name = field.name.lower()
    if name in EXCLUDED_FIELDS.get(model_label, set()):
        return True
    return any(marker in name for marker in SECRET_MARKERS)


def _models_in(schema: str) -> list[type[models.Model]]:
    labels = _apps_for(schema)
    return [
        model
        for model in django_apps.get_models()
        if model._meta.app_label in labels
        and model._meta.label_lower not in EXCLUDED_MODELS
        and not model._meta.proxy
        and model._meta.managed
    ]


def _user_condition(model: type[models.Model], user: Any, profile_ids: list[Any]) -> Q | None:
    user_model = django_apps.get_model(settings.AUTH_USER_MODEL)
    condition = Q()
    found = False
    for field in model._meta.concrete_fields:
        related = getattr(field, "related_model", None)
        if field.name in ACTION_FIELDS or field.name.endswith("_by"):
            continue  # rows the person acted on (about someone else), not rows about them
        if related is user_model and model is not user_model:
            condition |= Q(**{field.attname: user.pk})
            found = True
        elif profile_ids and field.name == "profile" and related is not None:
            condition |= Q(**{f"{field.attname}__in": profile_ids})
            found = True
        elif field.name in EMAIL_FIELDS and isinstance(field, models.CharField) and user.email:
            condition |= Q(**{f"{field.name}__iexact": user.email})
            found = True
    if model is user_model or (model._meta.label_lower == "accounts.historicaluser"):
        condition |= Q(id=user.pk)
        found = True
    return condition if found else None


def _rows(model: type[models.Model], condition: Q) -> Iterator[dict[str, Any]]:
    label = model._meta.label_lower
    fields = [f for f in model._meta.concrete_fields]
    secret = {f.attname for f in fields if _is_secret(label, f)}
    names = [f.attname for f in fields if f.attname not in secret]
    qs = model._default_manager.filter(condition).order_by("pk").values(*names)
    yield from qs.iterator(chunk_size=500)


def _collect(user: Any, schema: str) -> dict[str, list[dict[str, Any]]]:
    """source label -> rows, for one schema (the connection must be on that schema)."""
    profile_ids: list[Any] = []
    if schema != get_public_schema_name():
        # Hook "gdpr.person_profile_ids": `fn(user) -> ids` of the person's profiles in this schema, so
        # rows pointing at them (a `profile` foreign key) are exported too (apps.organisation declares it).
        for ids in hooks.all("gdpr.person_profile_ids"):
            profile_ids.extend(ids(user))
    out: dict[str, list[dict[str, Any]]] = {}
    for model in _models_in(schema):
        condition = _user_condition(model, user, profile_ids)
        if condition is None:
            continue
        rows = list(_rows(model, condition))
        if not rows:
            continue
        if model._meta.label_lower == "audit.auditevent":
            for row in rows:
                row["before"], row["after"], row["ip_pseudonym"], row["user_agent"] = pii_reveal_many(
                    row["before"], row["after"], row.get("ip_pseudonym"), row["user_agent"]
                )
        out[model._meta.label_lower] = rows
    return out


def _section_rows(queryset: Any) -> list[dict[str, Any]]:
    """One section of an app's part: a queryset of the app's models (secret and search columns dropped
    here, as for the per-model files) or a `.values(...)` queryset the app chose the columns of."""
    if getattr(queryset, "_fields", None):  # .values(...): the app chose the columns
        return list(queryset)
    model = queryset.model
    label = model._meta.label_lower
    names = [
        f.attname
        for f in model._meta.concrete_fields
        if not _is_secret(label, f) and f.get_internal_type() != "SearchVectorField"
    ]
    if not queryset.ordered:
        queryset = queryset.order_by("pk")
    return list(queryset.values(*names))


def person_parts(user: Any, schema: str) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """app label -> {section: rows}: each app's own account of the person's data in this schema.

    Hook "gdpr.person_export": `fn(user) -> {section: queryset}`, declared by each app that keeps data
    about people (`apps/<app>/personal_data.py`, e.g. tasks assigned, punches, leave, submissions, chat
    messages); asked only in the schemas the app's tables live in; one query per section."""
    labels = _apps_for(schema)
    parts: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for answer in hooks.all("gdpr.person_export"):
        config = django_apps.get_containing_app_config(answer.__module__)
        if config is None or config.label not in labels:
            continue
        parts[config.label] = {name: _section_rows(qs) for name, qs in answer(user).items()}
    return parts


def _tenant_schemas(user: Any) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for schema, slug in (
        Membership.objects.filter(user=user).select_related("tenant").values_list("tenant__schema_name", "tenant__slug")
    ):
        seen.setdefault(schema, slug)
    return sorted(seen.items())


def gdpr_export_build(*, request: GdprRequest, progress: Progress | None = None) -> tuple[Path, str, int]:
    """Write the archive; returns (path, sha256 of the archive, size in bytes)."""
    user = request.subject
    step = progress or (lambda percent, message: None)
    tenants = _tenant_schemas(user)
    total = 1 + len(tenants)
    files: dict[str, bytes] = {}

    def add(name: str, data: Any) -> None:
        files[name] = json.dumps(data, cls=DjangoJSONEncoder, indent=2, sort_keys=True, default=str).encode()

    step(5, "Collecting platform data")
    with schema_context(get_public_schema_name()):
        for label, rows in _collect(user, get_public_schema_name()).items():
            add(f"public/{label}.json", rows)
    for index, (schema, slug) in enumerate(tenants, start=1):
        step(5 + int(85 * index / total), f"Collecting data of organisation {slug}")
        with schema_context(schema):
            for label, rows in _collect(user, schema).items():
                add(f"tenants/{slug}/{label}.json", rows)
            for app_label, sections in person_parts(user, schema).items():
                add(f"tenants/{slug}/parts/{app_label}.json", sections)
    step(92, "Writing the archive")
    manifest = {
        "request": request.number,
        "subject": str(user.pk),
        "generated_at": timezone.now(),
        "schemas": ["public"] + [slug for _, slug in tenants],
        "files": {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "bytes": len(body)}
            for name, body in sorted(files.items())
        },
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in sorted(files.items()):
            archive.writestr(name, body)
        archive.writestr("manifest.json", json.dumps(manifest, cls=DjangoJSONEncoder, indent=2, sort_keys=True))
    data = buffer.getvalue()
    root = export_root()
    root.mkdir(parents=True, exist_ok=True)
    path = root / f"{request.number}-{request.uuid.hex}.zip"
    tmp = path.with_suffix(".zip.part")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path, hashlib.sha256(data).hexdigest(), len(data)


def gdpr_export_expiry() -> Any:
    return timezone.now() + timedelta(days=EXPORT_DAYS)
