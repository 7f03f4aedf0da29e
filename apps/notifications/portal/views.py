"""Portal: notifications (/manage/notifications/).

Every member: the inbox (unread first, filters, mark read) and their own preferences (categories x
channels, quiet hours, digests). Tenant admins: the organisation's defaults, the message templates
(override with a live preview, revert) and the failed deliveries (retry). Every read is the caller's
own (`recipient=request.user`) in the tenant's own schema; writes go through apps.notifications.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from apps.core.contributions import NOTIFICATION_CHANNELS
from apps.notifications import registry, selectors, services
from apps.notifications.models import Channel, DigestFrequency, Notification
from apps.notifications.rendering import Renderer
from apps.surfaces.portal import TenantPortalView
from apps.tenancy.context import connection_tenant

from .forms import QuietHoursForm, TemplateForm, channel_label

PAGE_SIZE = 25
FAILED_PAGE_SIZE = 50


def _htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx and not htmx.boosted)


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


# --- Inbox -----------------------------------------------------------------------------------------


def inbox_rows(user: Any, *, unread: bool, category: str) -> QuerySet[Notification]:
    """The person's inbox, unread first then newest (the (recipient, read_at, created_at) index)."""
    rows = selectors.inbox(user, unread_only=unread)
    if category:
        rows = rows.filter(category=category)
    is_unread = ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField())
    return rows.annotate(is_unread=is_unread).order_by("-is_unread", "-created_at", "-id")


class InboxView(TenantPortalView):
    tenant_access = "member"

    def get(self, request: HttpRequest) -> HttpResponse:
        unread = request.GET.get("unread") == "1"
        category = request.GET.get("category", "")
        if category not in registry.categories():
            category = ""
        page = Paginator(inbox_rows(request.user, unread=unread, category=category), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        categories = {c.key: c.label for c in registry.categories().values()}
        for item in page:  # each row shows its category's label ("Approvals"), not the key
            item.category_label = categories.get(item.category, item.category)  # type: ignore[attr-defined]
        context = {
            "page_obj": page, "notifications": page, "unread": unread, "category": category,
            "categories": list(categories.items()),
            "unread_badge": selectors.unread_badge(request.user),
        }  # fmt: skip
        template = "notifications/_inbox_results.html" if _htmx(request) else "notifications/inbox.html"
        return render(request, template, context)


class MarkReadView(TenantPortalView):
    """POST `ids` (one or several) or `all=1`: the caller's own notifications only (others' ids are
    ignored, as missing). htmx gets the refreshed list and the top bar's badge (out of band)."""

    tenant_access = "member"

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.POST.get("all") == "1":
            changed = services.notification_mark_read(user=request.user, all=True)
        else:
            ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
            changed = services.notification_mark_read(user=request.user, ids=ids) if ids else 0
        back = request.POST.get("next_query", "")
        if _htmx(request):
            request.GET = QueryDict(back)  # the list as the person filtered it
            return InboxView().get(request)
        messages.success(request, f"{changed} notification{'s' if changed != 1 else ''} marked read.")
        return HttpResponseRedirect(reverse("notifications:inbox") + (f"?{back}" if back else ""))


class OpenView(TenantPortalView):
    """Open one notification: marked read, then its link (a link to another site is not followed)."""

    tenant_access = "member"

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = selectors.inbox(request.user).filter(pk=pk).only("pk", "url").first()
        if notification is None:
            raise Http404("No such notification.")
        services.notification_mark_read(user=request.user, ids=[notification.pk])
        url = notification.url
        allowed = url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
        return HttpResponseRedirect(url if allowed else reverse("notifications:inbox"))


# --- Preferences -----------------------------------------------------------------------------------


class PreferencesView(TenantPortalView):
    """The person's own matrix: a checkbox per (category, channel) named "pref:<category>:<channel>",
    critical ones shown on and locked; a digest per category; quiet hours."""

    tenant_access = "member"
    template_name = "notifications/preferences.html"

    def context(self, request: HttpRequest, quiet_form: QuietHoursForm | None = None) -> dict[str, Any]:
        quiet = selectors.quiet_hours_for(request.user)
        initial = {"start": quiet.start, "end": quiet.end, "time_zone": quiet.time_zone} if quiet else {
            "time_zone": getattr(request.user, "time_zone", "") or "UTC"}  # fmt: skip
        return {
            "matrix": selectors.preferences_for(request.user),
            "channels": [(c, channel_label(c)) for c in selectors.PERSON_CHANNELS],
            "digest_choices": DigestFrequency.choices,
            "quiet_form": quiet_form or QuietHoursForm(initial=initial),
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        quiet_form = QuietHoursForm(request.POST)
        if not quiet_form.is_valid():
            return render(request, self.template_name, self.context(request, quiet_form), status=400)
        try:
            self.save(request, quiet_form.cleaned_data)
        except ValidationError as exc:
            _error(request, exc)
            return render(request, self.template_name, self.context(request, quiet_form), status=400)
        messages.success(request, "Your notification preferences are saved.")
        return HttpResponseRedirect(reverse("notifications:preferences"))

    @staticmethod
    def save(request: HttpRequest, quiet: dict[str, Any]) -> None:
        """Only what changed is written (each write keeps history)."""
        user, posted = request.user, request.POST
        for row in selectors.preferences_for(user):
            for cell in row["channels"]:
                wanted = f"pref:{row['key']}:{cell['channel']}" in posted
                if not cell["locked"] and wanted != cell["enabled"]:
                    services.preference_set(user=user, category=row["key"], channel=cell["channel"],
                                            enabled=wanted, acting_user=user)  # fmt: skip
            digest = posted.get(f"digest:{row['key']}", row["digest"])
            if not row["critical"] and digest != row["digest"]:
                services.digest_set(user=user, category=row["key"], frequency=digest, acting_user=user)
        current = selectors.quiet_hours_for(user)
        now = (current.start, current.end, current.time_zone) if current else (None, None, None)
        if (quiet["start"], quiet["end"], quiet["time_zone"] if quiet["start"] else None) != now:
            services.quiet_hours_set(user=user, start=quiet["start"], end=quiet["end"],
                                     time_zone=quiet["time_zone"] or "UTC", acting_user=user)  # fmt: skip


# --- Tenant admins: defaults, templates, failed deliveries -----------------------------------------


class TenantDefaultsView(TenantPortalView):
    """The organisation's default per (category, channel) for people who chose nothing themselves."""

    tenant_access = "admin"
    template_name = "notifications/settings.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        channels = [(c, channel_label(c)) for c in NOTIFICATION_CHANNELS]
        return render(request, self.template_name, {"rows": selectors.tenant_defaults(), "channels": channels})

    def post(self, request: HttpRequest) -> HttpResponse:
        try:
            for row in selectors.tenant_defaults():
                for cell in row["channels"]:
                    wanted = f"default:{row['key']}:{cell['channel']}" in request.POST
                    if not cell["locked"] and wanted != cell["enabled"]:
                        services.tenant_default_set(category=row["key"], channel=cell["channel"], enabled=wanted,
                                                    acting_user=request.user)  # fmt: skip
        except ValidationError as exc:
            _error(request, exc)
        else:
            messages.success(request, "The organisation's notification defaults are saved.")
        return HttpResponseRedirect(reverse("notifications:settings"))


def _template_key(request: HttpRequest, data: Any) -> tuple[str, str, str]:
    """(event, channel, language) of a template page; 404 for an event or channel nobody declares."""
    event, channel, language = data.get("event", ""), data.get("channel", ""), data.get("language", "") or "en"
    if not registry.notices_for(event):
        raise Http404("No such message.")
    if channel not in registry.notice_channels(registry.notice(event)):
        raise Http404("This message is not sent on that channel.")
    return event, channel, language


class TemplateListView(TenantPortalView):
    """Every declared message (event) with its channels and which text is in force here."""

    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = []
        for notice in selectors.notices_catalogue():
            in_force = selectors.templates_in_force(notice["event"])
            rows.append(
                {**notice, "templates": [{**t, "channel_label": channel_label(t["channel"])} for t in in_force]}
            )
        return render(request, "notifications/templates.html", {"rows": rows})


class TemplateEditView(TenantPortalView):
    tenant_access = "admin"
    template_name = "notifications/template_edit.html"

    def context(self, request: HttpRequest, key: tuple[str, str, str], form: TemplateForm) -> dict[str, Any]:
        event, channel, language = key
        in_force = next(t for t in selectors.templates_in_force(event, language) if t["channel"] == channel)
        try:
            preview: dict[str, str] | None = services.template_preview(event=event, channel=channel, language=language)
        except ValidationError:
            preview = None
        return {"event": event, "channel": channel, "channel_label": channel_label(channel), "language": language,
                "form": form, "in_force": in_force, "preview": preview,
                "query": urlencode({"event": event, "channel": channel, "language": language})}  # fmt: skip

    def get(self, request: HttpRequest) -> HttpResponse:
        key = _template_key(request, request.GET)
        title, body = registry_sources(key)[0]
        initial = {"title": title, "body": body}
        return render(request, self.template_name, self.context(request, key, TemplateForm(initial=initial)))

    def post(self, request: HttpRequest) -> HttpResponse:
        key = _template_key(request, request.POST)
        form = TemplateForm(request.POST)
        if form.is_valid():
            try:
                services.template_override_set(event=key[0], channel=key[1], language=key[2],
                                               acting_user=request.user, **form.cleaned_data)  # fmt: skip
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, "The message now uses your organisation's text.")
                return HttpResponseRedirect(reverse("notifications:templates"))
        return render(request, self.template_name, self.context(request, key, form), status=400)


def registry_sources(key: tuple[str, str, str]) -> list[tuple[str, str]]:
    """The (title, body) in force for the editor's starting text: the tenant's, the platform's, the notice's."""
    event, channel, language = key
    sources = Renderer(registry.notice(event), tenant=connection_tenant()).sources(channel, language)
    return [(s.title, s.body) for s in sources]


class TemplatePreviewView(TenantPortalView):
    """htmx: the draft rendered with sample data (and, for email, in the organisation's branding)."""

    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        key = _template_key(request, request.POST)
        try:
            draft = {"title": request.POST.get("title", ""), "body": request.POST.get("body", "")}
            preview = services.template_preview(event=key[0], channel=key[1], language=key[2], **draft)
            error = ""
        except ValidationError as exc:
            preview, error = None, " ".join(exc.messages)
        context = {"preview": preview, "error": error, "channel": key[1]}
        return render(request, "notifications/_template_preview.html", context)


class TemplateRevertView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        event, channel, language = _template_key(request, request.POST)
        if services.template_override_reset(event=event, channel=channel, language=language, acting_user=request.user):
            messages.success(request, "The message is back to the platform's text.")
        else:
            messages.info(request, "This message already used the platform's text.")
        return HttpResponseRedirect(reverse("notifications:templates"))


class FailedDeliveriesView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        channel = request.GET.get("channel", "")
        channel = channel if channel in Channel.values else ""
        rows = selectors.failed_deliveries(channel=channel or None)
        page = Paginator(rows, FAILED_PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"page_obj": page, "deliveries": page, "channel": channel,
                   "channels": [(c, channel_label(c)) for c in NOTIFICATION_CHANNELS]}  # fmt: skip
        template = "notifications/_failed_results.html" if _htmx(request) else "notifications/failed.html"
        return render(request, template, context)


class RetryView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest) -> HttpResponse:
        ids = [int(pk) for pk in request.POST.getlist("ids") if pk.isdigit()]
        if not ids:
            messages.error(request, "Select the deliveries to retry.")
        else:
            retried = services.delivery_retry(delivery_ids=ids, acting_user=request.user)
            messages.success(request, f"{retried} deliver{'ies' if retried != 1 else 'y'} will be sent again.")
        return HttpResponseRedirect(reverse("notifications:failed"))
