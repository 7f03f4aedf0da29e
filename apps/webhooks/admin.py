"""Staff console for outbound webhooks (platform domain): every endpoint (the platform's own have no
tenant), deliveries with their attempts, and events.

Writes go through the services: an endpoint added here gets its secret shown once in a message;
actions send a test event, disable/enable, rotate the secret, and replay deliveries. Deliveries and
events are read-only. Access follows the webhooks model permissions (super admins).
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from apps.core.admin_mixins import ReadOnlyAdminMixin, ReadOnlyInlineMixin

from . import services
from .catalogue import event_choices
from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from .validation import endpoint_url_check


class EndpointAdminForm(forms.ModelForm):
    enabled_events = forms.MultipleChoiceField(choices=event_choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookEndpoint
        fields = ["tenant", "url", "description", "enabled_events"]

    def clean_url(self) -> str:
        try:
            return endpoint_url_check(self.cleaned_data["url"])
        except ValidationError as exc:
            raise ValidationError(exc.error_dict["url"]) from exc

    def _post_clean(self) -> None:
        pass  # the service validates and saves (model validation of the secret fields is not the form's)


def _each(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any], call: Any, done: str) -> None:
    count = 0
    for obj in queryset:
        try:
            call(obj)
            count += 1
        except ValidationError as exc:
            modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
    if count:
        modeladmin.message_user(request, f"{done}: {count}.", messages.SUCCESS)


@admin.action(description="Send a test event", permissions=["change"])
def send_test(modeladmin: Any, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        lambda e: services.webhook_test_send(endpoint=e, acting_user=request.user),
        "Test events queued",
    )


@admin.action(description="Disable", permissions=["change"])
def disable(modeladmin: Any, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        lambda e: services.webhook_endpoint_disable(
            endpoint=e, reason="Disabled by platform staff.", acting_user=request.user
        ),
        "Disabled",
    )


@admin.action(description="Enable (resets the failure count)", permissions=["change"])
def enable(modeladmin: Any, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
    _each(
        modeladmin,
        request,
        queryset,
        lambda e: services.webhook_endpoint_enable(endpoint=e, acting_user=request.user),
        "Enabled",
    )


@admin.action(description="Rotate the signing secret (24 h overlap)", permissions=["change"])
def rotate(modeladmin: Any, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
    for endpoint in queryset:
        _, secret = services.webhook_secret_rotate(endpoint=endpoint, acting_user=request.user)
        modeladmin.message_user(request, f"New secret of {endpoint.url} (shown once): {secret}", messages.WARNING)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    form = EndpointAdminForm
    list_display = ["__str__", "tenant", "url", "enabled", "consecutive_failures", "created_at"]
    list_filter = ["enabled", ("tenant", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["url", "description", "tenant__name", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False
    actions = [send_test, disable, enable, rotate]
    readonly_fields = [
        "uuid",
        "enabled",
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "secret_hint",
        "previous_secret_expires_at",
        "created_by",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.readonly_fields, "tenant"] if obj else list(self.readonly_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # bulk delete would skip the audit; delete through the portal or the API

    def save_model(self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            services.webhook_endpoint_update(
                endpoint=obj,
                url=data["url"],
                description=data["description"],
                enabled_events=data["enabled_events"],
                acting_user=request.user,
            )
            return
        endpoint, secret = services.webhook_endpoint_create(
            tenant=data["tenant"],
            url=data["url"],
            description=data["description"],
            enabled_events=data["enabled_events"],
            acting_user=request.user,
        )
        obj.pk, obj.uuid = endpoint.pk, endpoint.uuid
        messages.warning(request, f"Signing secret of {endpoint.url} (shown once): {secret}")


class WebhookAttemptInline(ReadOnlyInlineMixin, admin.TabularInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "latency_ms", "response_excerpt", "error"]
    readonly_fields = ["attempted_at", "status_code", "latency_ms", "response_excerpt", "error"]
    ordering = ["-attempted_at", "-id"]


@admin.action(description="Replay (a new delivery of the same event)")
def replay(modeladmin: Any, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
    if not request.user.has_perm("webhooks.change_webhookendpoint"):
        modeladmin.message_user(request, "You may not replay deliveries.", messages.ERROR)
        return
    _each(
        modeladmin,
        request,
        queryset.select_related("endpoint", "event"),
        lambda d: services.webhook_delivery_replay(delivery=d, acting_user=request.user),
        "Replays queued",
    )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "uuid",
        "event_type",
        "endpoint",
        "tenant",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "created_at",
    ]
    list_filter = ["status", "event__type", "created_at"]
    search_fields = ["=uuid", "endpoint__url", "tenant__slug"]
    list_select_related = ["endpoint", "event", "tenant"]
    show_full_result_count = False
    date_hierarchy = None
    actions = [replay]
    inlines = [WebhookAttemptInline]

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "type", "tenant", "created_at"]
    list_filter = ["type"]
    search_fields = ["=id", "tenant__slug"]
    list_select_related = ["tenant"]
    show_full_result_count = False
