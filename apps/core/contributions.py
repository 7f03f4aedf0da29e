"""What each app adds to the platform, declared in the app's own `contributions.py`.

An app lists its contributions in `apps/<app>/contributions.py`:

    from apps.core.contributions import MenuEntry, PortalUrls, contribute

    contribute(
        PortalUrls("manage/webhooks/", "apps.webhooks.portal.urls", order=150),
        MenuEntry("Webhooks", "webhooks:list", admin_only=True, order=160, group="Developers"),
    )

Those modules are imported once, on the first read (`contributions(Kind)`), with Django's
`autodiscover_modules`, like `admin.py`. The URL configs, the portal menu, the API-key scopes, the
webhook catalogue, the timeline, the staff dashboard, `seed_demo` and the beat schedule read them, so
adding an app touches no other app. A contributions module holds declarations only: views, classes
and callables are named by dotted path (`resolve()` imports them when they are used), so discovery
imports no view and no model.

Hooks are contributions too: a lower app asks a question by name (`apps.core.hooks.one(name)` or
`all(name)`) and the higher app that answers declares `Hook(name, "apps.x.y.fn")` in its
contributions.py, so a lower layer reaches a higher one without importing it (see `Hook`).

`Registry` is the generic part (lazy, thread-safe autodiscovery, reset for tests); tenancy's
provisioning steps are another registry of the same kind (module name "provisioning").
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.module_loading import autodiscover_modules, import_string

T = TypeVar("T")


class Registry:
    """Items registered by the `<module_name>.py` module of every installed app, discovered on the first read.

    Discovery runs once per process, under a lock (the first request of several threads), and is
    re-entrant: a module being discovered may register or read without deadlocking.
    """

    def __init__(self, module_name: str) -> None:
        self.module_name = module_name
        self._items: list[Any] = []
        self._memo: dict[Any, Any] = {}  # what readers derived from the items (see `memo`)
        self._discovered = False
        self._was_reset = False
        self._lock = threading.RLock()

    def add(self, *items: Any) -> None:
        with self._lock:
            self._items.extend(items)
            self._memo.clear()

    def discover(self) -> None:
        if self._discovered:
            return
        with self._lock:
            if self._discovered:
                return
            self._discovered = True  # before importing: a module that reads does not discover again
            try:
                if self._was_reset:
                    self._reload_imported()
                autodiscover_modules(self.module_name)
            except BaseException:
                self._discovered = False
                raise

    def _reload_imported(self) -> None:
        """After a reset, modules imported before register again (autodiscover skips imported modules)."""
        from django.apps import apps

        for config in apps.get_app_configs():
            module = sys.modules.get(f"{config.name}.{self.module_name}")
            if module is not None and module.__name__ != __name__:  # never this module (its registries)
                importlib.reload(module)

    def items(self) -> list[Any]:
        self.discover()
        with self._lock:
            return list(self._items)

    def memo(self, key: Any, compute: Callable[[], T]) -> T:
        """`compute()` once per `key` until the items change: readers on hot paths (the menu on every
        portal page, hooks on every bearer request) do not filter and sort the items each time."""
        self.discover()
        with self._lock:
            if key not in self._memo:
                self._memo[key] = compute()
            return self._memo[key]  # type: ignore[no-any-return]

    def reset(self) -> None:
        """Forget everything (tests): the next read discovers every module again."""
        with self._lock:
            self._items.clear()
            self._memo.clear()
            self._discovered = False
            self._was_reset = True


def resolve(target: Any) -> Any:
    """A dotted path ("apps.x.y.name") imported, anything else returned as it is."""
    return import_string(target) if isinstance(target, str) else target


# --- The kinds of contribution ---------------------------------------------------------------------
# `order` sorts within a kind (ties keep discovery order, i.e. INSTALLED_APPS order). URL includes
# are tried in that order, so a longer prefix that must win over a shorter one comes first.


@dataclass(frozen=True)
class PortalUrls:
    """A URLconf included on tenant domains under `prefix` (e.g. "manage/webhooks/")."""

    prefix: str
    urlconf: str
    order: int = 1000


# The portal menu's groups, in the order they are shown ("" is the top, ungrouped: Overview).
MENU_GROUPS = ("", "Organisation", "Access", "Workforce", "Billing and account", "Developers")


@dataclass(frozen=True)
class MenuEntry:
    """An entry of the portal menu; `admin_only` entries are offered to tenant admins only. `group` is
    one of `MENU_GROUPS` (what the entry is for); `order` sorts within the group. `solution` (a
    catalogue code such as "attendance") offers the entry only to people who may use that solution
    (the plan includes it and they are a tenant admin or hold access); the solution's landing page
    lists its entries too."""

    label: str
    url_name: str
    admin_only: bool = False
    order: int = 1000
    group: str = "Organisation"
    solution: str = ""

    def __post_init__(self) -> None:
        if self.group not in MENU_GROUPS:
            raise ValueError(f"Menu entry {self.label}: group {self.group!r} is not one of {MENU_GROUPS}.")


@dataclass(frozen=True)
class PortalHomeBlock:
    """A block of the portal home page (/manage/): what needs the person's attention in one app.

    `context` (callable or dotted path, `(request) -> dict | None`) runs a few cheap queries for the
    current tenant (no query per row, no exact count over a big table); None hides the block. The
    dict may say `attention` (a short count or phrase: the block is highlighted) and `empty` (True:
    nothing to do, the block shows its calm state). `template` is rendered with `block_context`.
    `admin_only` blocks are computed and shown for tenant admins only."""

    name: str
    template: str
    context: Callable[..., dict[str, Any] | None] | str
    order: int = 1000
    admin_only: bool = True


@dataclass(frozen=True)
class TenantApiUrls:
    """A URLconf included in the tenant API (/api/v1/ + prefix)."""

    urlconf: str
    prefix: str = ""
    order: int = 1000


@dataclass(frozen=True)
class PlatformApiUrls:
    """A URLconf included in the platform API (/api/platform/ + prefix)."""

    urlconf: str
    prefix: str = ""
    order: int = 1000


@dataclass(frozen=True)
class PlatformUrls:
    """A URLconf included on the platform domain under `prefix` (staff pages, provider callbacks)."""

    prefix: str
    urlconf: str
    order: int = 1000


@dataclass(frozen=True)
class ScopeFamily:
    """API-key scopes "<family>:<action>" for each action (views declare `resource_family`)."""

    family: str
    label: str
    actions: tuple[str, ...] = ("read", "write")
    order: int = 1000


@dataclass(frozen=True)
class WebhookEventType:
    """An event type endpoints may subscribe to; `sample_payload` (a callable or dotted path, no
    arguments) builds the payload of a test delivery when the event has one."""

    name: str
    description: str
    sample_payload: Callable[[], dict[str, Any]] | str | None = None
    order: int = 1000


@dataclass(frozen=True)
class TimelineSource:
    """A source of the tenant timeline: an `apps.timeline.sources.Source` subclass (or its dotted path)."""

    source: Any
    order: int = 1000


@dataclass(frozen=True)
class DashboardBlock:
    """A block of the staff dashboard on the admin index: `template` is rendered with `dashboard` (the
    built-in figures) and `block`; `context` (callable or dotted path, `(user, now) -> dict | None`)
    adds `block_context`, and a block whose context is None is not shown to that user."""

    name: str
    template: str
    context: Callable[..., dict[str, Any] | None] | str | None = None
    order: int = 1000


@dataclass(frozen=True)
class DemoStep:
    """A step of `seed_demo`, idempotent, called as `run(stdout=None)` after the demo tenants exist."""

    name: str
    run: Callable[..., Any] | str
    order: int = 1000


@dataclass(frozen=True)
class PeriodicTask:
    """A beat schedule: every `interval` = (every, period) with period one of django-celery-beat's
    ("days", "hours", "minutes", "seconds", "microseconds"), or at `crontab` (fields of
    CrontabSchedule: minute, hour, day_of_week, day_of_month, month_of_year; UTC)."""

    name: str
    task: str
    interval: tuple[int, str] | None = None
    crontab: dict[str, str] | None = None
    description: str = ""
    options: dict[str, Any] = field(default_factory=dict)  # queue, priority, expire_seconds …

    def __post_init__(self) -> None:
        if (self.interval is None) == (self.crontab is None):
            raise ValueError(f"Periodic task {self.name}: give exactly one of interval or crontab.")


@dataclass(frozen=True)
class Hook:
    """An answer to the hook `name` that a lower app asks (`apps.core.hooks.one(name)` or `all(name)`); the asking
    app documents the signature where it asks. `implementation` is a callable or its dotted path.
    Where one answer is taken (`one`), the last by `order` wins (ties: the app listed last in
    INSTALLED_APPS)."""

    name: str
    implementation: Callable[..., Any] | str
    order: int = 1000


NOTIFICATION_CHANNELS = ("in_app", "email", "sms", "whatsapp", "webhook")


@dataclass(frozen=True)
class NotificationCategory:
    """A kind of message people set preferences for, per channel ("approvals", "billing", "security").

    `critical` categories cannot be switched off and ignore quiet hours and digests (security alerts,
    payment failure, approval escalations). `default_channels` are on for a person who chose nothing
    and whose tenant set no default; each is one of NOTIFICATION_CHANNELS."""

    key: str
    label: str
    critical: bool = False
    default_channels: tuple[str, ...] = ("in_app", "email")
    description: str = ""
    order: int = 1000

    def __post_init__(self) -> None:
        unknown = set(self.default_channels) - set(NOTIFICATION_CHANNELS)
        if unknown:
            raise ValueError(f"Notification category {self.key}: unknown channels {sorted(unknown)}.")


@dataclass(frozen=True)
class Notice:
    """What a domain event tells whom: the notifications app subscribes to `event` (apps/core/events.py)
    and, for each published (tenant, payload), asks `recipients(tenant, payload)` for the people to tell:
    an iterable of user ids (accounts.User pks: UUIDs, or their text) and/or email addresses (str, for
    someone without an account, e.g. an invitee or a billing address; email only, no preferences).
    `title` and `body` are the platform's default templates (Django template language, rendered with
    the payload as context, plus `tenant` and `recipient`); staff may override them per channel and
    language, a tenant per its own schema.
    `url(tenant, payload)` (optional) is the link the message opens. `channels` narrows the category's
    channels (None: all the category allows); `critical` (None: the category's) forces delivery."""

    event: str
    category: str
    recipients: Callable[..., Any] | str
    title: str
    body: str
    url: Callable[..., Any] | str | None = None
    channels: tuple[str, ...] | None = None
    critical: bool | None = None
    description: str = ""
    order: int = 1000


@dataclass(frozen=True)
class ApprovalKind:
    """A kind of request that goes through an approval workflow (apps/approvals), contributed by the
    app that owns the subject (access requests, leave, overtime, timesheet corrections …).

    `subject_model` is "app_label.ModelName" (a tenant-schema model). `fields` are the request fields
    a workflow condition may test: {name: type} with type one of "int", "decimal", "str", "date",
    "bool"; `subject_fields(subject)` returns their values for a request. `on_decision(request,
    outcome)` is the callback told the final outcome ("approved", "rejected", "cancelled"), called
    inside the deciding transaction. `describe(subject)` gives a one-line summary for inboxes;
    `sample()` returns a dict of field values for the workflow editor's preview."""

    name: str
    label: str
    subject_model: str
    on_decision: Callable[..., Any] | str
    subject_fields: Callable[..., Any] | str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    describe: Callable[..., Any] | str | None = None
    sample: Callable[..., Any] | str | None = None
    url_name: str = ""  # portal URL name of the subject's page (reversed with the subject's pk), optional
    order: int = 1000


@dataclass(frozen=True)
class AvailabilityProvider:
    """Tells approvals who is away: `away(user_ids, day)` returns the set of those user ids that are
    unavailable on `day` (a date), in the current tenant schema; one call per routing decision, never
    one per person. The leave app will contribute one."""

    name: str
    away: Callable[..., Any] | str
    order: int = 1000


REGISTRY = Registry("contributions")


def contribute(*items: Any) -> None:
    """Declare contributions (called from an app's `contributions.py`)."""
    REGISTRY.add(*items)


def contributions(kind: type[T]) -> list[T]:
    """Every contribution of this kind, sorted by `order` (then discovery order)."""

    def of_kind() -> list[T]:
        found = [item for item in REGISTRY.items() if isinstance(item, kind)]
        return sorted(found, key=lambda item: getattr(item, "order", 0))

    return list(REGISTRY.memo(kind, of_kind))


def contributions_reset() -> None:
    """Tests: forget the registry (and whatever a test added); the next read discovers it again."""
    REGISTRY.reset()
