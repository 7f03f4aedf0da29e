"""Caches for rows that are read on every request and rarely change.

- `platform_cache()`: the default cache without django-tenants' per-schema key prefix, for platform-wide
  values (settings, webhook endpoints): a change made on the platform domain must be seen, and
  invalidated, on every tenant's domain too.
- `VersionedCache`: values computed from some tables, kept until any row of those tables changes. Each
  entry carries the version it was computed under; a change bumps the version (now, and again once the
  transaction commits, so a reader between the two cannot keep the old value), and the next read
  recomputes. A read is one cache round trip (`get_many` of the version and the entry).

Tenant-scoped caches (the default) keep one version per schema through the cache's key function, so a
change in one tenant recomputes that tenant's entries only. Invalidation listens to `post_save` and
`post_delete` of the models given to `invalidate_on()`: code that changes those tables with
`QuerySet.update()` or raw SQL must call `bump()` itself.
"""

import uuid
from collections.abc import Callable, Hashable
from functools import cache as memoize
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.core.cache import cache as tenant_cache
from django.core.cache.backends.base import BaseCache
from django.db import connection, models, transaction
from django.db.models.signals import post_delete, post_save
from django.utils.module_loading import import_string

T = TypeVar("T")


@memoize
def platform_cache() -> BaseCache:
    """The default cache without the per-schema key prefix (keys are the same on every domain)."""
    config = dict(settings.CACHES["default"])
    for name in ("KEY_FUNCTION", "REVERSE_KEY_FUNCTION"):
        config.pop(name, None)
    backend = import_string(config.pop("BACKEND"))
    return backend(config.pop("LOCATION", ""), config)  # type: ignore[no-any-return]


def database_name() -> str:
    """Keeps test databases (and side-by-side checkouts) that share one Redis apart in platform keys."""
    return str(connection.settings_dict["NAME"])


class VersionedCache(Generic[T]):
    """`get(key, compute)` returns the cached value of `key` unless the tables it was computed from
    changed since (then `compute()` runs and its value is stored). Values must pickle."""

    # Part of every key: the test suite sets a new one per test, since a rolled-back test leaves its
    # entries (and versions) in Redis while a later test may create rows with the same natural keys.
    generation = ""

    def __init__(self, name: str, *, seconds: int = 300, platform: bool = False) -> None:
        self.name, self.seconds, self.platform = name, seconds, platform

    def _cache(self) -> BaseCache:
        return platform_cache() if self.platform else tenant_cache

    def _key(self, suffix: Hashable) -> str:
        prefix = f"{self.name}:{database_name()}" if self.platform else self.name
        return f"{prefix}:{VersionedCache.generation}:{suffix}"

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        store = self._cache()
        version_key, entry_key = self._key("version"), self._key(key)
        found = store.get_many([version_key, entry_key])
        version, entry = found.get(version_key), found.get(entry_key)
        if entry is not None and entry[0] == version:
            return entry[1]  # type: ignore[no-any-return]
        value = compute()
        store.set(entry_key, (version, value), self.seconds)
        return value

    def bump(self) -> None:
        """Every entry (of the current schema, for a tenant-scoped cache) is recomputed on its next read:
        now, and again after the transaction commits."""
        self._version_set()
        schema = getattr(connection, "schema_name", None)
        transaction.on_commit(lambda: self._version_set(schema), robust=True)

    def _version_set(self, schema: str | None = None) -> None:
        if self.platform or schema is None or schema == getattr(connection, "schema_name", None):
            self._cache().set(self._key("version"), uuid.uuid4().hex, None)
            return
        from django_tenants.utils import schema_context

        with schema_context(schema):
            self._cache().set(self._key("version"), uuid.uuid4().hex, None)

    def invalidate_on(self, *senders: type[models.Model]) -> None:
        """Bump whenever a row of these models is saved or deleted (call once, from an AppConfig.ready)."""
        for sender in senders:
            uid = f"{self.name}:{sender._meta.label}"
            post_save.connect(self._changed, sender=sender, dispatch_uid=f"{uid}:save", weak=False)
            post_delete.connect(self._changed, sender=sender, dispatch_uid=f"{uid}:delete", weak=False)

    def _changed(self, sender: Any, **kwargs: Any) -> None:
        self.bump()
