"""Staff admin of one tenant's chat, to look at only: changes go through the tenant's pages and API
(services with their rules, history and live events). Visible only on a tenant's schema. Message bodies are
shown to staff as they are to a moderator: staff support looks into abuse reports here."""

from django.contrib import admin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInlineMixin
from apps.organisation.admin import TenantSchemaAdminMixin

from .models import Channel, ChannelMember, ChatSettings, Message, MessageAttachment, MessageRevision


class MemberInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = ChannelMember
    fields = readonly_fields = ("user", "role", "source", "notify", "muted_until", "last_read_id", "joined_at")


@admin.register(Channel)
class ChannelAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "name", "kind", "team", "workplace", "legal_hold", "last_message_at", "archived_at"]
    list_filter = ["kind", "legal_hold", ("archived_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "topic"]
    list_select_related = ["team", "workplace"]
    inlines = [MemberInline]


class RevisionInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = MessageRevision
    fields = readonly_fields = ("body", "edited_by", "edited_at")


class AttachmentInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = MessageAttachment
    fields = readonly_fields = ("name", "content_type", "size", "uploaded_by", "created_at")


@admin.register(Message)
class MessageAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "channel", "author", "created_at", "edited_at", "deleted_at", "reply_count"]
    list_filter = [("deleted_at", admin.EmptyFieldListFilter), ("edited_at", admin.EmptyFieldListFilter)]
    search_fields = ["body", "author__email"]
    list_select_related = ["channel", "author"]
    raw_id_fields = ["channel", "parent"]
    exclude = ["search"]
    show_full_result_count = False  # no exact count over millions of messages
    inlines = [RevisionInline, AttachmentInline]


@admin.register(ChatSettings)
class ChatSettingsAdmin(TenantSchemaAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "retention_days", "legal_hold", "updated_at"]
