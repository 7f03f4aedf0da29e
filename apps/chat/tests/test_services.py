"""The rules of chat, through the services: membership, idempotent sends, edits keep history, soft delete,
threads, mentions notify (preferences honoured), unread counts, read positions, moderation, retention with
legal hold, search within my channels, and team channels in step with the organisation."""

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from django_tenants.utils import tenant_context

from apps.chat import selectors, services
from apps.chat.models import Channel, ChannelMember, Message, MessageAttachment, MessageRevision
from apps.chat.sync import channels_reconcile
from apps.notifications.models import Notification
from apps.organisation.models import Entity, EntityMembership, EntityType, MemberProfile

pytestmark = pytest.mark.django_db


def code(exc: pytest.ExceptionInfo) -> str:
    error = exc.value
    if hasattr(error, "error_dict"):
        return next(iter(error.error_dict.values()))[0].code
    return error.code


def test_membership_rules(chat):
    with tenant_context(chat.tenant):
        public = services.channel_create(name="Stores", acting_user=chat.ann)
        private = services.channel_create(name="Leads", kind="private", acting_user=chat.ann)
        assert ChannelMember.objects.get(channel=public, user=chat.ann).role == "owner"
        with pytest.raises(ValidationError) as exc:
            services.channel_create(name="stores", acting_user=chat.bob)
        assert code(exc) == "name_taken"
        services.channel_join(channel=public, user=chat.bob)
        with pytest.raises(ValidationError) as exc:
            services.channel_join(channel=private, user=chat.bob)
        assert code(exc) == "private_channel"
        with pytest.raises(ValidationError) as exc:
            services.members_invite(channel=private, users=[chat.cy], acting_user=chat.bob)
        assert code(exc) == "not_a_member" or code(exc) == "moderator_required"
        services.members_invite(channel=private, users=[chat.cy], acting_user=chat.ann)
        with pytest.raises(ValidationError) as exc:
            services.channel_leave(channel=public, user=chat.ann)
        assert code(exc) == "last_owner"
        services.channel_leave(channel=public, user=chat.bob)
        with pytest.raises(ValidationError) as exc:
            services.message_send(channel=public, author=chat.bob, body="hi")
        assert code(exc) == "not_a_member"
        services.channel_archive(channel=public, acting_user=chat.ann)
        public.refresh_from_db()
        with pytest.raises(ValidationError) as exc:
            services.message_send(channel=public, author=chat.ann, body="hi")
        assert code(exc) == "channel_archived"


def test_direct_conversation_is_one_per_pair(chat):
    with tenant_context(chat.tenant):
        first, created = services.direct_open(user=chat.ann, other=chat.bob)
        again, created_again = services.direct_open(user=chat.bob, other=chat.ann)
        assert created and not created_again and first.pk == again.pk
        assert set(first.members.values_list("user_id", flat=True)) == {chat.ann.pk, chat.bob.pk}
        with pytest.raises(ValidationError) as exc:
            services.direct_open(user=chat.ann, other=chat.ann)
        assert code(exc) == "direct_self"


def test_send_is_idempotent_refuses_long_bodies_and_reaches_the_socket(chat, django_capture_on_commit_callbacks):
    with tenant_context(chat.tenant):
        with django_capture_on_commit_callbacks(execute=True):
            channel = services.channel_create(name="Ops", members=[chat.bob], acting_user=chat.ann)
        client_id = uuid.uuid4()
        with django_capture_on_commit_callbacks(execute=True):
            first, created = services.message_send(channel=channel, author=chat.ann, body="Hello", client_id=client_id)
        again, created_again = services.message_send(
            channel=channel, author=chat.ann, body="Hello", client_id=client_id
        )
        assert created and not created_again and first.pk == again.pk
        assert Message.objects.filter(channel=channel).count() == 1
        with pytest.raises(ValidationError) as exc:
            services.message_send(channel=channel, author=chat.ann, body="x" * 4001)
        assert code(exc) == "body_too_long"
        with pytest.raises(ValidationError) as exc:
            services.message_send(channel=channel, author=chat.ann, body="   ")
        assert code(exc) == "body_required"
    created_events = chat.sink.events("message.created")
    assert len(created_events) == 1 and created_events[0]["message"]["body"] == "Hello"
    assert chat.sink.frames[-1][0] == f"chat.channel.{channel.pk}"
    assert chat.sink.frames[-1][2] == chat.tenant.schema_name
    assert (str(chat.bob.pk), f"chat.channel.{channel.pk}", False) in chat.sink.joins


def test_the_database_keeps_bodies_short_and_replies_in_their_channel(chat):
    from django.db import IntegrityError, transaction

    with tenant_context(chat.tenant):
        one = services.channel_create(name="One", acting_user=chat.ann)
        two = services.channel_create(name="Two", acting_user=chat.ann)
        root, _ = services.message_send(channel=one, author=chat.ann, body="root")
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(channel=one, author=chat.ann, body="y" * 4001)
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(channel=two, author=chat.ann, body="stray", parent=root)
            connection.check_constraints()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_edit_keeps_history_and_delete_is_soft(chat):
    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Edits", members=[chat.bob, chat.cy], acting_user=chat.ann)
        services.member_update(channel=channel, user=chat.cy, acting_user=chat.ann, role="moderator")
        message, _ = services.message_send(channel=channel, author=chat.bob, body="Frist")
        with pytest.raises(ValidationError) as exc:
            services.message_edit(message=message, body="First!", acting_user=chat.ann)
        assert code(exc) == "not_author"
        services.message_edit(message=message, body="First", acting_user=chat.bob)
        assert list(MessageRevision.objects.filter(message=message).values_list("body", flat=True)) == ["Frist"]
        other, _ = services.message_send(channel=channel, author=chat.ann, body="mine")
        with pytest.raises(ValidationError) as exc:
            services.message_delete(message=other, acting_user=chat.bob)
        assert code(exc) == "not_author"
        services.message_delete(message=message, acting_user=chat.cy)  # a moderator
        message.refresh_from_db()
        assert message.deleted_at and message.deleted_by == chat.cy and message.body == "First"
        page, _ = selectors.history(channel)
        from apps.chat.serialize import message_data

        shown = [message_data(m) for m in page]
        assert shown[0]["deleted"] and shown[0]["body"] == ""


def test_threads_are_one_level(chat):
    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Threads", acting_user=chat.ann)
        root, _ = services.message_send(channel=channel, author=chat.ann, body="root")
        reply, _ = services.message_send(channel=channel, author=chat.ann, body="reply", parent=root.pk)
        with pytest.raises(ValidationError) as exc:
            services.message_send(channel=channel, author=chat.ann, body="deeper", parent=reply.pk)
        assert code(exc) == "thread_depth"
        root.refresh_from_db()
        assert root.reply_count == 1
        page, _ = selectors.history(channel)
        assert [m.pk for m in page] == [root.pk]
        assert [m.pk for m in selectors.thread(root)] == [reply.pk]


def test_mentions_notify_honouring_preferences(chat, django_capture_on_commit_callbacks, events):
    from apps.notifications.services import preference_set

    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Mentions", members=[chat.bob, chat.cy], acting_user=chat.ann)
        preference_set(user=chat.cy, category="chat", channel="in_app", enabled=False, acting_user=chat.cy)
        with django_capture_on_commit_callbacks(execute=True):
            message, _ = services.message_send(channel=channel, author=chat.ann,
                                               body="@bob@acme.test and @CySmith please check", )  # fmt: skip
        assert set(message.mentions) == {chat.bob.pk, chat.cy.pk}
        told = set(
            Notification.objects.filter(event="chat.mentioned", in_inbox=True).values_list("recipient_id", flat=True)
        )
        assert chat.bob.pk in told and chat.cy.pk not in told and chat.ann.pk not in told
        direct, _ = services.direct_open(user=chat.ann, other=chat.bob)
        with django_capture_on_commit_callbacks(execute=True):
            services.message_send(channel=direct, author=chat.ann, body="psst")
        assert Notification.objects.filter(event="chat.messaged", recipient=chat.bob).exists()
    names = [name for name, _ in events]
    assert "chat.mentioned" in names and "chat.messaged" in names


def test_unread_counts_are_bounded_and_read_moves_forward(chat):
    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Busy", members=[chat.bob], acting_user=chat.ann)
        Message.objects.bulk_create([Message(channel=channel, author=chat.ann, body=f"m{n}") for n in range(120)])
        assert selectors.unread_counts(chat.bob)[channel.pk] == selectors.UNREAD_CAP
        assert selectors.unread_label(selectors.unread_counts(chat.bob)[channel.pk]) == "99+"
        assert selectors.unread_counts(chat.ann)[channel.pk] == 0  # one's own messages are read
        ids = list(Message.objects.filter(channel=channel).order_by("id").values_list("id", flat=True))
        assert services.read_move(channel=channel, user=chat.bob, message_id=ids[109]) == ids[109]
        assert selectors.unread_counts(chat.bob)[channel.pk] == 10
        services.read_move(channel=channel, user=chat.bob, message_id=ids[5])  # never back
        assert selectors.unread_counts(chat.bob)[channel.pk] == 10
        rows = selectors.my_channels(chat.bob)
        assert [(r.channel.pk, r.unread) for r in rows] == [(channel.pk, 10)]


def test_moderators_mute(chat):
    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Rowdy", members=[chat.bob], acting_user=chat.ann)
        with pytest.raises(ValidationError) as exc:
            services.member_mute(channel=channel, user=chat.ann, minutes=60, acting_user=chat.bob)
        assert code(exc) == "moderator_required"
        services.member_mute(channel=channel, user=chat.bob, minutes=60, acting_user=chat.ann)
        with pytest.raises(ValidationError) as exc:
            services.message_send(channel=channel, author=chat.bob, body="let me talk")
        assert code(exc) == "muted"
        services.member_mute(channel=channel, user=chat.bob, minutes=0, acting_user=chat.admin)  # tenant admin
        services.message_send(channel=channel, author=chat.bob, body="thanks")


def test_reactions_once_per_person_and_emoji(chat):
    with tenant_context(chat.tenant):
        channel = services.channel_create(name="Fun", members=[chat.bob], acting_user=chat.ann)
        message, _ = services.message_send(channel=channel, author=chat.ann, body="ship it")
        assert services.reaction_set(message=message, user=chat.bob, emoji="👍")
        assert not services.reaction_set(message=message, user=chat.bob, emoji="👍")
        assert services.reaction_set(message=message, user=chat.bob, emoji="👍", on=False)
        with pytest.raises(ValidationError) as exc:
            services.reaction_set(message=message, user=chat.bob, emoji="a b")
        assert code(exc) == "invalid_emoji"
        with pytest.raises(ValidationError) as exc:
            services.reaction_set(message=message, user=chat.cy, emoji="👍")
        assert code(exc) == "not_a_member"


def test_retention_deletes_old_messages_except_under_legal_hold(chat):
    with tenant_context(chat.tenant):
        kept = services.channel_create(name="Held", acting_user=chat.ann)
        swept = services.channel_create(name="Swept", acting_user=chat.ann)
        old = timezone.now() - datetime.timedelta(days=40)
        for channel in (kept, swept):
            for n in range(3):
                message, _ = services.message_send(channel=channel, author=chat.ann, body=f"old {n}")
                Message.objects.filter(pk=message.pk).update(created_at=old)
            services.message_send(channel=channel, author=chat.ann, body="new")
        services.channel_update(channel=kept, acting_user=chat.admin, legal_hold=True)
        now = timezone.now()
        assert services.retention_sweep(now=now) == 0  # no retention set
        services.settings_save(acting_user=chat.admin, retention_days=30, legal_hold=True)
        assert services.retention_sweep(now=now) == 0  # the whole tenant is on hold
        services.settings_save(acting_user=chat.admin, retention_days=30, legal_hold=False)
        assert services.retention_sweep(now=now, batch=2) == 3
        assert Message.objects.filter(channel=swept).count() == 1
        assert Message.objects.filter(channel=kept).count() == 4
        with pytest.raises(ValidationError) as exc:
            services.settings_save(acting_user=chat.admin, retention_days=0, legal_hold=False)
        assert code(exc) == "invalid_settings"


def test_search_only_within_my_channels_ranked_and_highlighted(chat):
    with tenant_context(chat.tenant):
        mine = services.channel_create(name="Mine", acting_user=chat.ann)
        theirs = services.channel_create(name="Theirs", kind="private", acting_user=chat.bob)
        services.message_send(channel=mine, author=chat.ann, body="The <b>promotion</b> displays are up")
        services.message_send(channel=mine, author=chat.ann, body="promotion promotion promotions everywhere")
        services.message_send(channel=theirs, author=chat.bob, body="secret promotion plans")
        hits = selectors.search(chat.ann, "promotion")
        assert len(hits) == 2 and all(hit.message.channel_id == mine.pk for hit in hits)
        assert hits[0].rank >= hits[1].rank
        assert "<mark>" in hits[0].highlight and "<b>" not in "".join(h.highlight for h in hits)
        assert selectors.search(chat.ann, "") == []


def _team(name: str, parent: Entity) -> Entity:
    kind = EntityType.objects.order_by("-id")[0]
    return Entity.objects.create(name=name, entity_type=kind, parent=parent)


def test_team_channels_follow_the_team(chat, django_capture_on_commit_callbacks):
    with tenant_context(chat.tenant):
        root = Entity.objects.filter(parent__isnull=True).first()
        if root is None:
            root = Entity.objects.create(name="Acme", entity_type=EntityType.objects.order_by("id").first())
        team = _team("Field team", root)
        squad = _team("North squad", team)
        profiles = {u: MemberProfile.objects.get_or_create(user=u)[0] for u in (chat.ann, chat.bob, chat.cy)}
        EntityMembership.objects.create(profile=profiles[chat.ann], entity=team)
        EntityMembership.objects.create(profile=profiles[chat.bob], entity=squad)
        with django_capture_on_commit_callbacks(execute=True):
            channel = services.synced_channel_create(acting_user=chat.admin, team=team)
        members = dict(ChannelMember.objects.filter(channel=channel).values_list("user_id", "source"))
        assert members == {chat.admin.pk: "manual", chat.ann.pk: "sync", chat.bob.pk: "sync"}
        EntityMembership.objects.filter(profile=profiles[chat.bob]).delete()
        EntityMembership.objects.create(profile=profiles[chat.cy], entity=squad)
        assert channels_reconcile() == (1, 1)
        assert channels_reconcile() == (0, 0)
        members = set(ChannelMember.objects.filter(channel=channel).values_list("user_id", flat=True))
        assert members == {chat.admin.pk, chat.ann.pk, chat.cy.pk}
        with pytest.raises(ValidationError) as exc:
            services.channel_leave(channel=channel, user=chat.ann)
        assert code(exc) == "synced_member"
        assert Channel.objects.get(pk=channel.pk).kind == "private"


def test_retention_deletes_the_attachments_files_after_commit(chat, settings, tmp_path,
                                                               django_capture_on_commit_callbacks,
                                                               django_assert_max_num_queries):  # fmt: skip
    """Real files on disk: a swept thread's files (the first message's and its reply's) leave storage once the
    sweep's transaction commits, never before; a held channel's stay; doing it twice is harmless."""
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path)}}}  # fmt: skip
    old = timezone.now() - datetime.timedelta(days=40)

    def note(n: int) -> SimpleUploadedFile:
        return SimpleUploadedFile(f"note-{n}.txt", f"shelf {n} restocked\n".encode(), content_type="text/plain")

    with tenant_context(chat.tenant):
        held = services.channel_create(name="Held files", acting_user=chat.ann)
        swept = services.channel_create(name="Swept files", acting_user=chat.ann)
        for channel in (held, swept):
            first, _ = services.message_send(channel=channel, author=chat.ann, body="photos", files=[note(1), note(2)])
            reply, _ = services.message_send(channel=channel, author=chat.ann, body="more", parent=first.pk,
                                             files=[note(3)])  # fmt: skip
            Message.objects.filter(pk__in=[first.pk, reply.pk]).update(created_at=old, last_reply_at=old)
        paths = {
            channel: [tmp_path / name for name in MessageAttachment.objects.filter(message__channel=channel)
                      .values_list("file", flat=True)]
            for channel in (held, swept)
        }  # fmt: skip
        assert len(paths[swept]) == 3 and all(path.is_file() for path in paths[held] + paths[swept])
        services.channel_update(channel=held, acting_user=chat.admin, legal_hold=True)
        services.settings_save(acting_user=chat.admin, retention_days=30, legal_hold=False)
        with django_capture_on_commit_callbacks() as callbacks, django_assert_max_num_queries(20):
            assert services.retention_sweep(now=timezone.now()) == 2  # the thread: its message and its reply
        assert all(path.is_file() for path in paths[swept])  # nothing leaves storage before the commit
        assert not MessageAttachment.objects.filter(message__channel=swept).exists()
        for callback in callbacks + callbacks:  # twice: a file already gone is not an error
            callback()
        assert not any(path.exists() for path in paths[swept])
        assert all(path.is_file() for path in paths[held])
