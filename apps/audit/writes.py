"""The one way a service writes a row the back office audits.

Lock the row, snapshot the audited fields, change it, `full_clean`, save it with the acting person
for simple-history, and append the before/after to the audit chain, all in the caller's transaction:

    sub = locked(subscription, "plan", "tenant")
    ...checks on the locked row...
    update(sub, changes={"quantity": 5}, fields=SUBSCRIPTION_AUDITED, action="subscription.quantity_changed",
           acting_user=acting_user, tenant=sub.tenant)

A service whose change is more than setting fields uses the `audited` context manager instead (the
snapshot is taken on entry; the save and the audit event happen on exit).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from django.db import models, transaction

from .services import audit_record

M = TypeVar("M", bound=models.Model)


def history_user(acting_user: Any) -> Any:
    """The acting person for history rows (and *_by columns): None for the system and for API keys."""
    if getattr(acting_user, "pk", None) and not getattr(acting_user, "is_service_principal", False):
        return acting_user
    return None


def _follow(instance: Any, path: str) -> Any:
    value = instance
    for name in path.split("."):
        if value is None:
            return None
        value = getattr(value, name)
    return value


class Fields:
    """The fields an audit snapshot holds: names read as they are, plus named values that are a
    dotted path (``plan="plan.name"``, None when a step is None) or a function of the row."""

    def __init__(self, *names: str, **computed: str | Callable[[Any], Any]) -> None:
        self.names = names
        self.computed = computed

    def of(self, instance: models.Model) -> dict[str, Any]:
        values = {name: _copied(getattr(instance, name)) for name in self.names}
        for key, source in self.computed.items():
            values[key] = _copied(_follow(instance, source) if isinstance(source, str) else source(instance))
        return values


def _copied(value: Any) -> Any:
    # A related row is recorded by its key; a list or dict must not follow a later in-place change.
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    return value


def snapshot(instance: models.Model, fields: Fields | Iterable[str]) -> dict[str, Any]:
    """`fields` of `instance` as the audit trail stores them."""
    return (fields if isinstance(fields, Fields) else Fields(*fields)).of(instance)


def locked(instance: M, *related: str) -> M:
    """`instance`'s row again, locked until the transaction ends (only its own row, not the related ones)."""
    model = cast(type[M], instance._meta.model)  # not type(instance): request.user is a lazy object
    rows = model._default_manager.select_for_update(of=("self",))
    if related:
        rows = rows.select_related(*related)
    return rows.get(pk=instance.pk)


def save(
    instance: M,
    *,
    acting_user: Any,
    validate_unique: bool = True,
    validate_constraints: bool = True,
    **save_kwargs: Any,
) -> M:
    """`full_clean` and save `instance`, its history row naming the acting person (a service that
    checked uniqueness itself, with a clearer message, may skip the database's checks)."""
    instance._history_user = history_user(acting_user)  # type: ignore[attr-defined]
    instance.full_clean(validate_unique=validate_unique, validate_constraints=validate_constraints)
    instance.save(**save_kwargs)
    return instance


def save_audited(
    instance: M,
    *,
    action: str,
    acting_user: Any,
    tenant: Any,
    fields: Fields | Iterable[str],
    before: dict[str, Any] | None,
    extra: dict[str, Any] | None = None,
    validate_unique: bool = True,
    validate_constraints: bool = True,
    **save_kwargs: Any,
) -> M:
    """`save` `instance` and audit it: `before` (taken by the caller; None for a new row) and its
    `fields` now, plus `extra` in the after."""
    with transaction.atomic():
        save(instance, acting_user=acting_user, validate_unique=validate_unique,
             validate_constraints=validate_constraints, **save_kwargs)  # fmt: skip
        audit_record(action=action, acting_user=acting_user, tenant=tenant, target=instance,
                     before=before, after={**snapshot(instance, fields), **(extra or {})})  # fmt: skip
    return instance


class Change:
    """What `audited` yields: add to `extra` what the after payload carries beside the snapshot."""

    def __init__(self, before: dict[str, Any] | None) -> None:
        self.before = before
        self.extra: dict[str, Any] = {}


@contextmanager
def audited(
    instance: models.Model,
    *,
    action: str,
    acting_user: Any,
    tenant: Any,
    fields: Fields | Iterable[str],
    created: bool = False,
    validate_unique: bool = True,
    **save_kwargs: Any,
) -> Iterator[Change]:
    """Snapshot `instance` (unless `created`), let the caller change it, then `save_audited` it."""
    change = Change(None if created else snapshot(instance, fields))
    with transaction.atomic():
        yield change
        save_audited(instance, action=action, acting_user=acting_user, tenant=tenant, fields=fields,
                     before=change.before, extra=change.extra, validate_unique=validate_unique,
                     **save_kwargs)  # fmt: skip


def create(model: type[M], *, action: str, acting_user: Any, tenant: Any, **fields: Any) -> M:
    """A new `model` row of `fields`, saved and audited (the after holds those fields)."""
    return save_audited(model(**fields), action=action, acting_user=acting_user, tenant=tenant, fields=list(fields),
                        before=None)  # fmt: skip


def update(
    instance: M,
    *,
    action: str,
    acting_user: Any,
    tenant: Any,
    changes: dict[str, Any] | None = None,
    fields: Fields | Iterable[str] | None = None,
    extra: dict[str, Any] | None = None,
    lock: bool = False,
    related: tuple[str, ...] = (),
    validate_constraints: bool = True,
) -> M:
    """Set `changes` on `instance` (locked and read again first when `lock`; pass the row `locked`
    returned otherwise), save it and audit its `fields` (default: those `changes` really changes)
    before and after, plus `extra` in the after."""
    changes = changes or {}
    with transaction.atomic():
        row = locked(instance, *related) if lock else instance
        if fields is None:  # a form resends every field: audit those whose value really changes
            fields = [name for name, value in changes.items() if getattr(row, name) != value]
        with audited(row, action=action, acting_user=acting_user, tenant=tenant, fields=fields,
                     validate_constraints=validate_constraints) as change:  # fmt: skip
            for name, value in changes.items():
                setattr(row, name, value)
            change.extra.update(extra or {})
    return row
