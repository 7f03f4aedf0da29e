"""Rendering a notice's title and body: tenant override > platform default > the `Notice`'s own.

Templates use the Django template language on a sandboxed engine of their own (no loaders, no
project tags, no autoescape: the text goes into plain-text channels; the HTML email escapes it
again). The context is the event's payload plus `tenant` and `recipient`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.template import Context, Engine, Template, TemplateSyntaxError
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from apps.core.contributions import Notice

from .models import NotificationTemplate

logger = logging.getLogger(__name__)

ENGINE = Engine(autoescape=False, libraries={}, builtins=["django.template.defaultfilters",
                                                          "django.template.defaulttags"])  # fmt: skip
PREVIEW_ENGINE = Engine(autoescape=False, string_if_invalid="[%s]")
PLATFORM_CACHE_SECONDS = 60
TITLE_MAX = 255

_platform_cache: dict[str, tuple[float, dict[tuple[str, str], NotificationTemplate]]] = {}


@dataclass
class Source:
    """A title and body to render, and where they come from ("tenant", "platform", "notice")."""

    level: str
    title: str
    body: str
    row: NotificationTemplate | None = None


def compile_pair(title: str, body: str, *, engine: Engine = ENGINE) -> tuple[Template, Template]:
    """Both templates compiled; ValidationError with the reason when one does not compile."""
    compiled = []
    for name, source in (("title", title), ("body", body)):
        try:
            compiled.append(engine.from_string(source))
        except TemplateSyntaxError as exc:
            raise ValidationError({name: f"The {name} does not compile: {exc}"}, code="template_syntax") from exc
    return compiled[0], compiled[1]


def platform_templates(event: str) -> dict[tuple[str, str], NotificationTemplate]:
    """The platform's active defaults of `event` by (channel, language), cached per process for a minute."""
    cached = _platform_cache.get(event)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    with schema_context(get_public_schema_name()):
        rows = {(t.channel, t.language): t for t in NotificationTemplate.objects.filter(event=event, is_active=True)}
    _platform_cache[event] = (time.monotonic() + PLATFORM_CACHE_SECONDS, rows)
    return rows


def platform_cache_clear() -> None:
    _platform_cache.clear()


def current_schema() -> str:
    return _schema()


def tenant_templates(event: str) -> dict[tuple[str, str], NotificationTemplate]:
    """The current tenant schema's active overrides of `event` (none in the public schema)."""
    if _schema() == get_public_schema_name():
        return {}
    return {(t.channel, t.language): t for t in NotificationTemplate.objects.filter(event=event, is_active=True)}


def _schema() -> str:
    return str(getattr(connection, "schema_name", get_public_schema_name()))


class Renderer:
    """Renders one notice for many recipients: templates are read once, compiled once per source."""

    def __init__(self, notice: Notice, *, tenant: Any) -> None:
        self.notice = notice
        self.tenant = tenant
        self.tenant_rows = tenant_templates(notice.event)
        self.platform_rows = platform_templates(notice.event)
        self._compiled: dict[int, tuple[Template, Template] | None] = {}
        self._static: dict[tuple[str, str, int], tuple[str, str]] = {}
        self._broken: set[tuple[str, int]] = set()  # sources that failed once: not retried per recipient

    def has_override(self, channel: str) -> bool:
        """Whether any level but the notice's own has a template for `channel`."""
        return any(key[0] == channel for key in (*self.tenant_rows, *self.platform_rows))

    def sources(self, channel: str, language: str) -> list[Source]:
        found = []
        for level, rows in (("tenant", self.tenant_rows), ("platform", self.platform_rows)):
            for lang in dict.fromkeys((language, "en")):
                row = rows.get((channel, lang))
                if row is not None:
                    found.append(Source(level, row.title, row.body, row))
                    break
        found.append(Source("notice", self.notice.title, self.notice.body))
        return found

    def render(self, channel: str, language: str, payload: dict[str, Any], recipient: Any = None) -> tuple[str, str]:
        """(title, body) from the first source that renders; a failing source records its error."""
        for source in self.sources(channel, language):
            mark = (source.level, id(source.row))
            if mark in self._broken:
                continue
            try:
                return self._render(source, payload, recipient)
            except Exception as exc:  # noqa: BLE001 - any failure falls back to the next level
                self._broken.add(mark)
                self._failed(source, exc)
        return self.notice.event, ""  # even the notice's own text failed: never lose the message

    def _render(self, source: Source, payload: dict[str, Any], recipient: Any) -> tuple[str, str]:
        key = id(source.row) if source.row is not None else 0
        uses_recipient = "recipient" in source.title or "recipient" in source.body
        static_key = (source.level, f"{key}", id(payload))
        if not uses_recipient and static_key in self._static:
            return self._static[static_key]
        if key not in self._compiled:
            self._compiled[key] = compile_pair(source.title, source.body)
        title_t, body_t = self._compiled[key]  # type: ignore[misc]
        context = Context({**payload, "tenant": self.tenant, "recipient": recipient}, autoescape=False)
        result = (" ".join(title_t.render(context).split())[:TITLE_MAX], body_t.render(context).strip())
        if not uses_recipient:
            self._static[static_key] = result
        return result

    def _failed(self, source: Source, exc: Exception) -> None:
        logger.warning(
            "Notification template %s (%s) of %s failed: %s", source.row, source.level, self.notice.event, exc
        )
        if source.row is None:
            return
        message = f"{type(exc).__name__}: {exc}"[:2000]
        schema = get_public_schema_name() if source.level == "platform" else _schema()
        with schema_context(schema):
            NotificationTemplate.objects.filter(pk=source.row.pk).update(
                last_error=message, last_error_at=timezone.now()
            )
        source.row.last_error = message


def render_preview(title: str, body: str, payload: dict[str, Any], *, tenant: Any, recipient: Any) -> dict[str, str]:
    title_t, body_t = compile_pair(title, body, engine=PREVIEW_ENGINE)
    context = Context({**payload, "tenant": tenant, "recipient": recipient}, autoescape=False)
    return {"title": " ".join(title_t.render(context).split())[:TITLE_MAX], "body": body_t.render(context).strip()}
