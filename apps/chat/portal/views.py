"""Portal pages of chat (/manage/chat/): the chat page (my channels with unread counts, the history loading
upwards, the composer, threads, reactions, edit and delete), live through the realtime socket when the
browser has one and by polling otherwise (static/chat/chat.js); channel settings and members, moderation,
search, and for tenant admins the organisation's chat rules and analytics.

Every page works without JavaScript too: forms post and redirect back. The script asks for the same views'
partials (`?partial=1` or the htmx header) and swaps them in.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from apps.accounts.access import is_tenant_admin
from apps.accounts.models import User
from apps.chat import selectors, services
from apps.chat.access import ChatPortalMixin, admin_require, attachment_for, channel_for, message_for
from apps.chat.models import Channel, ChannelMember, MessageRevision, Reaction
from apps.organisation.models import Entity
from apps.organisation.portal.forms import apply_errors
from apps.surfaces.portal import TenantPortalView
from apps.workplaces.models import Workplace

from .forms import (
    ChannelForm,
    ChannelSettingsForm,
    EditForm,
    InviteForm,
    MemberForm,
    MessageForm,
    NotifyForm,
    PersonForm,
    SettingsForm,
    SyncedChannelForm,
)

EMOJI = ("👍", "✅", "🎉", "❤️", "😂", "👀")


def _partial(request: HttpRequest) -> bool:
    return request.GET.get("partial") == "1" or bool(getattr(request, "htmx", False))


class ChatPage(ChatPortalMixin, TenantPortalView):
    tenant_access = "member"

    def page(self, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
        base = {"is_admin": is_tenant_admin(self.request), "emoji": EMOJI}
        return render(self.request, template, {**base, **context}, status=status)

    def act(self, request: HttpRequest, work: Callable[[], Any], back: str, done: str = "") -> HttpResponse:
        """Run a service; its refusal becomes an error message. Back to `back` either way."""
        try:
            work()
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if done:
                messages.success(request, done)
        return HttpResponseRedirect(back)


def channel_url(channel: Any) -> str:
    return reverse("chat:channel", args=[channel.pk])


class HomeView(ChatPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.my_channels(request.user)
        if rows:
            return HttpResponseRedirect(channel_url(rows[0].channel))
        return self.page("chat/chat.html", {"rows": rows, "channel": None})


class ChannelView(ChatPage):
    """The chat page of one channel. Opening it reads it (the read position moves to the latest message)."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for(request.user, pk, joinable=True)
        member = ChannelMember.objects.filter(channel=channel, user=request.user.pk).first()
        page, more = selectors.history(channel)
        if member is not None and page:
            services.read_move(channel=channel, user=request.user, message_id=page[-1].pk)
        rows = selectors.my_channels(request.user)
        current = next((row for row in rows if row.channel.pk == channel.pk), None)
        context = {
            "rows": rows, "channel": channel, "member": member, "title": current.title if current else channel.name,
            "page": page, "has_more": more, "form": MessageForm(),
            "moderates": member is not None and services.may_moderate(channel, request.user, member),
        }  # fmt: skip
        return self.page("chat/chat.html", context)


class MessagesView(ChatPage):
    """GET: a partial of messages before or after an id (scrolling up, catching up); POST: send."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for(request.user, pk)
        before, after = _id(request.GET.get("before")), _id(request.GET.get("after"))
        page, more = selectors.history(
            channel, before=before, after=after, limit=_id(request.GET.get("limit")) or selectors.PAGE
        )
        member = ChannelMember.objects.filter(channel=channel, user=request.user.pk).first()
        if after is not None and page and member is not None:
            services.read_move(channel=channel, user=request.user, message_id=page[-1].pk)
        context = {"page": page, "has_more": more, "channel": channel, "member": member, "older": before is not None,
                   "moderates": services.may_moderate(channel, request.user, member), "emoji": EMOJI}  # fmt: skip
        return render(request, "chat/_messages.html", context)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for(request.user, pk)
        form = MessageForm(request.POST, request.FILES)
        back = channel_url(channel)
        if form.is_valid():
            data = form.cleaned_data
            files = request.FILES.getlist("files")
            try:
                message, _ = services.message_send(channel=channel, author=request.user, body=data["body"],
                                                   parent=data.get("parent"), client_id=data.get("client_id"),
                                                   files=files)  # fmt: skip
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                if _partial(request):
                    return HttpResponse(status=204, headers={"X-Message-Id": str(message.pk)})
                if data.get("parent"):
                    back = f"{reverse('chat:thread', args=[data['parent']])}"
                return HttpResponseRedirect(back)
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        if _partial(request):
            return HttpResponse(errors, status=400, content_type="text/plain")
        messages.error(request, errors)
        return HttpResponseRedirect(back)


def _id(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


class ThreadView(ChatPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        parent = message_for(request.user, pk)
        if parent.parent_id:
            parent = message_for(request.user, parent.parent_id)
        channel = parent.channel
        member = ChannelMember.objects.filter(channel=channel, user=request.user.pk).first()
        context = {"parent": selectors.history_one(parent), "replies": selectors.thread(parent), "channel": channel,
                   "member": member, "moderates": services.may_moderate(channel, request.user, member),
                   "form": MessageForm(initial={"parent": parent.pk})}  # fmt: skip
        if _partial(request):
            return render(request, "chat/_thread.html", {**context, "emoji": EMOJI})
        return self.page("chat/thread.html", context)


class MessageActionView(ChatPage):
    """Edit, delete, react: answers the message's partial to the script, a redirect otherwise."""

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        message = message_for(request.user, pk)
        back = channel_url(message.channel)
        work: dict[str, Callable[[], Any]] = {
            "edit": lambda: services.message_edit(message=message, body=_edit_body(request), acting_user=request.user),
            "delete": lambda: services.message_delete(message=message, acting_user=request.user),
            "react": lambda: services.reaction_set(
                message=message, user=request.user, emoji=request.POST.get("emoji", ""),
                on=_reaction_on(request, message),
            ),
        }  # fmt: skip
        if action not in work:
            return HttpResponse(status=404)
        if not _partial(request):
            return self.act(request, work[action], back)
        try:
            work[action]()
        except ValidationError as exc:
            return HttpResponse(" ".join(exc.messages), status=400, content_type="text/plain")
        member = ChannelMember.objects.filter(channel=message.channel, user=request.user.pk).first()
        context = {"m": selectors.history_one(message_for(request.user, pk)), "channel": message.channel,
                   "member": member, "moderates": services.may_moderate(message.channel, request.user, member),
                   "emoji": EMOJI}  # fmt: skip
        return render(request, "chat/_message.html", context)


def _reaction_on(request: HttpRequest, message: Any) -> bool:
    """Explicit `on` (1/0), else a toggle: take mine back when I already reacted so."""
    if request.POST.get("on") in ("0", "1"):
        return request.POST["on"] == "1"
    emoji = (request.POST.get("emoji") or "").strip()
    return not Reaction.objects.filter(message=message, user=request.user.pk, emoji=emoji).exists()


def _edit_body(request: HttpRequest) -> str:
    form = EditForm(request.POST)
    if not form.is_valid():
        raise ValidationError(" ".join(str(e) for errs in form.errors.values() for e in errs), code="body_required")
    return str(form.cleaned_data["body"])


class MentionsView(ChatPage):
    """The composer's @ autocomplete: the channel's members matching `q` (members of the channel only; any
    other channel is the same 404 as a missing one)."""

    def get(self, request: HttpRequest, pk: int) -> JsonResponse:
        channel = channel_for(request.user, pk)
        found = selectors.mention_suggestions(channel, request.GET.get("q", ""))
        rows = [{"id": str(s.user.pk), "name": s.name, "email": s.user.email, "mention": s.mention} for s in found]
        return JsonResponse({"results": rows})


class RevisionsView(ChatPage):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        message = message_for(request.user, pk)
        if not services.may_moderate(message.channel, request.user):
            return self.page("chat/revisions.html", {"refused": True, "message": message}, status=403)
        rows = MessageRevision.objects.filter(message=message).select_related("edited_by").order_by("id")
        return self.page("chat/revisions.html", {"message": message, "revisions": rows})


class NewChannelView(ChatPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        return self.page("chat/new.html", {"form": ChannelForm(), "synced": self._synced_form()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = ChannelForm(request.POST)
        if form.is_valid():
            try:
                channel = services.channel_create(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return HttpResponseRedirect(channel_url(channel))
        return self.page("chat/new.html", {"form": form, "synced": self._synced_form()}, status=400)

    def _synced_form(self) -> SyncedChannelForm | None:
        if not is_tenant_admin(self.request):
            return None
        form = SyncedChannelForm()
        with_team = Channel.objects.exclude(team__isnull=True).values("team_id")
        teams = Entity.objects.exclude(pk__in=with_team).filter(status="active").values_list("pk", "name")[:500]
        _choices(form, "team", [("", "—"), *teams])
        with_place = Channel.objects.exclude(workplace__isnull=True).values("workplace_id")
        places = Workplace.objects.active().exclude(pk__in=with_place).values_list("pk", "name")[:500]
        _choices(form, "workplace", [("", "—"), *places])
        return form


def _choices(form: Any, name: str, values: list[Any]) -> None:
    form.fields[name].choices = values


class SyncedChannelView(ChatPage):
    """Tenant admins: a channel kept in step with a team's or a workplace's people."""

    def post(self, request: HttpRequest) -> HttpResponse:
        admin_require(request)
        team_id, workplace_id = _id(request.POST.get("team")), _id(request.POST.get("workplace"))
        team = Entity.objects.filter(pk=team_id).first() if team_id else None
        workplace = Workplace.objects.filter(pk=workplace_id).first() if workplace_id else None
        name = request.POST.get("name", "").strip()[:80]
        try:
            channel = services.synced_channel_create(acting_user=request.user, team=team, workplace=workplace,
                                                     name=name)  # fmt: skip
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("chat:new"))
        return HttpResponseRedirect(channel_url(channel))


class DirectView(ChatPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()
        people = selectors.people_choices(q=q, limit=30)
        return self.page("chat/direct.html", {"people": [p for p in people if p.pk != request.user.pk], "q": q})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = PersonForm(request.POST)
        other = User.objects.filter(pk=form.cleaned_data["user"]).first() if form.is_valid() else None
        try:
            if other is None:
                raise ValidationError("Choose someone.", code="unknown_person")
            channel, _ = services.direct_open(user=request.user, other=other)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("chat:direct"))
        return HttpResponseRedirect(channel_url(channel))


class BrowseView(ChatPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()
        return self.page("chat/browse.html", {"channels": selectors.channels_to_join(request.user, q=q)[:200], "q": q})


class ChannelActionView(ChatPage):
    """Join, leave, archive, notifications: one POST each, back to the channel (or the list)."""

    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        channel = channel_for(request.user, pk, joinable=action == "join")
        user, back = request.user, channel_url(channel)
        work: dict[str, tuple[Callable[[], Any], str]] = {
            "join": (lambda: services.channel_join(channel=channel, user=user), "You joined the channel."),
            "leave": (lambda: services.channel_leave(channel=channel, user=user), "You left the channel."),
            "archive": (lambda: services.channel_archive(channel=channel, acting_user=user,
                                                         archived=request.POST.get("archived", "1") == "1"),
                        "Saved."),
            "hold": (lambda: services.channel_update(channel=channel, acting_user=user,
                                                     legal_hold=request.POST.get("legal_hold") == "1"), "Saved."),
            "notify": (lambda: services.member_update(channel=channel, user=user, acting_user=user,
                                                      notify=_field(NotifyForm, request, "notify")), "Saved."),
        }  # fmt: skip
        if action not in work:
            return HttpResponse(status=404)
        if action == "leave":
            back = reverse("chat:home")
        return self.act(request, work[action][0], back, work[action][1])


def _field(form_class: Any, request: HttpRequest, name: str) -> Any:
    form = form_class(request.POST)
    if not form.is_valid():
        raise ValidationError(" ".join(str(e) for errs in form.errors.values() for e in errs), code="invalid")
    return form.cleaned_data[name]


class ChannelSettingsView(ChatPage):
    """A channel's settings and members: rename and topic (moderators), invite, roles, mutes, removal."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for(request.user, pk)
        return self._page(channel, ChannelSettingsForm(initial={"name": channel.name, "topic": channel.topic}))

    def _page(self, channel: Channel, form: Any, status: int = 200) -> HttpResponse:
        member = ChannelMember.objects.filter(channel=channel, user=self.request.user.pk).first()
        members = ChannelMember.objects.filter(channel=channel).select_related("user").order_by("user__full_name")
        context = {
            "channel": channel,
            "member": member,
            "members": members[:1000],
            "form": form,
            "moderates": services.may_moderate(channel, self.request.user, member),
            "invite": InviteForm(),
            "notify": NotifyForm(initial={"notify": member.notify if member else None}),
        }
        return self.page("chat/settings.html", context, status=status)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        channel = channel_for(request.user, pk)
        form = ChannelSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.channel_update(channel=channel, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return HttpResponseRedirect(reverse("chat:settings", args=[channel.pk]))
        return self._page(channel, form, status=400)


class MembersActionView(ChatPage):
    def post(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        channel = channel_for(request.user, pk)
        back = reverse("chat:settings", args=[channel.pk])
        if action == "invite":
            return self.act(request, lambda: self._invite(channel), back, "Added.")
        form = MemberForm(request.POST)
        person = User.objects.filter(pk=form.cleaned_data["user"]).first() if form.is_valid() else None
        if person is None:
            messages.error(request, "No such member.")
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        work: dict[str, Callable[[], Any]] = {
            "role": lambda: services.member_update(channel=channel, user=person, acting_user=request.user,
                                                   role=data["role"] or None),
            "mute": lambda: services.member_mute(channel=channel, user=person, minutes=data["muted_minutes"] or 0,
                                                 acting_user=request.user),
            "remove": lambda: services.member_remove(channel=channel, user=person, acting_user=request.user),
        }  # fmt: skip
        if action not in work:
            return HttpResponse(status=404)
        return self.act(request, work[action], back, "Saved.")

    def _invite(self, channel: Channel) -> None:
        email = _field(InviteForm, self.request, "email")
        person = User.objects.filter(email__iexact=email).first()
        if person is None:
            raise ValidationError("Nobody with that email is a member of this organisation.", code="unknown_person")
        services.members_invite(channel=channel, users=[person], acting_user=self.request.user)


class SearchView(ChatPage):
    def get(self, request: HttpRequest) -> HttpResponse:
        q = request.GET.get("q", "").strip()
        channel_id = _id(request.GET.get("channel"))
        channel = channel_for(request.user, channel_id) if channel_id else None
        hits = selectors.search(request.user, q, channel=channel) if q else []
        return self.page("chat/search.html", {"q": q, "hits": hits, "in_channel": channel})


class AttachmentView(ChatPage):
    def get(self, request: HttpRequest, pk: int) -> FileResponse:
        found = attachment_for(request.user, pk)
        return FileResponse(found.file.open("rb"), content_type=found.content_type, filename=found.name)


class AdminSettingsView(ChatPage):
    """Tenant admins: retention and the organisation-wide legal hold; channels under their own hold."""

    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().tenant_permission_check(request, *args, **kwargs)
        admin_require(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        rules = services.settings_get()
        return self._page(
            SettingsForm(initial={"retention_days": rules.retention_days, "legal_hold": rules.legal_hold})
        )

    def _page(self, form: Any, status: int = 200) -> HttpResponse:
        held = Channel.objects.filter(legal_hold=True).order_by("name")[:200]
        return self.page("chat/admin_settings.html", {"form": form, "held": held}, status=status)

    def post(self, request: HttpRequest) -> HttpResponse:
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.settings_save(acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Saved.")
                return HttpResponseRedirect(reverse("chat:admin_settings"))
        return self._page(form, status=400)


class AnalyticsView(ChatPage):
    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().tenant_permission_check(request, *args, **kwargs)
        admin_require(request)

    def get(self, request: HttpRequest) -> HttpResponse:
        days = max(1, min(_id(request.GET.get("days")) or 30, 366))
        data = selectors.analytics(days=days)
        peak = max([d["messages"] for d in data["days"]] or [1])
        for day in data["days"]:
            day["width"] = round(100 * day["messages"] / peak) if peak else 0
        return self.page("chat/analytics.html", {"data": data, "days": days})
