"""Portal: the organisation's webhook endpoints and deliveries (/manage/webhooks/). Tenant admins only.

A new or rotated signing secret is shown once, in the response to the POST that made it.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from apps.surfaces.portal import PortalActionView, TenantPortalView
from apps.webhooks import services
from apps.webhooks.selectors import tenant_deliveries, tenant_delivery_get, tenant_endpoint_get, tenant_endpoints

from .forms import EndpointForm, RotateForm

PAGE = 50


def _tenant(request: HttpRequest) -> Any:
    return request.tenant  # type: ignore[attr-defined]


def _detail(endpoint: Any) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("webhooks:detail", args=[endpoint.uuid]))


class EndpointListView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "webhooks/endpoint_list.html", {"endpoints": list(tenant_endpoints(_tenant(request)))})


class EndpointCreateView(TenantPortalView):
    tenant_access = "admin"
    template_name = "webhooks/endpoint_form.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": EndpointForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = services.webhook_endpoint_create(
                    tenant=_tenant(request), acting_user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                return render(
                    request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "created": True}
                )
        return render(request, self.template_name, {"form": form}, status=400)


class EndpointDetailView(TenantPortalView):
    """The endpoint, its actions and its deliveries (newest first; `?before=<id>` pages back by keyset)."""

    tenant_access = "admin"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        endpoint = tenant_endpoint_get(tenant=_tenant(request), uuid=uuid)
        deliveries = tenant_deliveries(_tenant(request), endpoint=endpoint)
        before = request.GET.get("before", "")
        if before.isdigit():
            deliveries = deliveries.filter(id__lt=int(before))
        page = list(deliveries.order_by("-id")[: PAGE + 1])
        return render(
            request,
            "webhooks/endpoint_detail.html",
            {
                "endpoint": endpoint,
                "deliveries": page[:PAGE],
                "older": page[PAGE - 1].pk if len(page) > PAGE else None,
                "rotate_form": RotateForm(),
            },
        )


class EndpointEditView(TenantPortalView):
    tenant_access = "admin"
    template_name = "webhooks/endpoint_form.html"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        endpoint = tenant_endpoint_get(tenant=_tenant(request), uuid=uuid)
        form = EndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "enabled_events": endpoint.enabled_events,
            }
        )
        return render(request, self.template_name, {"form": form, "endpoint": endpoint})

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        endpoint = tenant_endpoint_get(tenant=_tenant(request), uuid=uuid)
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                services.webhook_endpoint_update(endpoint=endpoint, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_service_error(exc)
            else:
                messages.success(request, "The endpoint was saved.")
                return _detail(endpoint)
        return render(request, self.template_name, {"form": form, "endpoint": endpoint}, status=400)


class EndpointActionView(PortalActionView):
    """POST only: one change to an endpoint (test, disable, enable, delete), back to its page."""

    tenant_access = "admin"

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        return tenant_endpoint_get(tenant=_tenant(request), uuid=kwargs["uuid"])

    def success_url(self, obj: Any) -> str:
        return reverse("webhooks:detail", args=[obj.uuid])


class EndpointTestView(EndpointActionView):
    done = "A test event was queued; it appears below in a moment."

    def perform(self, endpoint: Any, data: dict[str, Any]) -> None:
        services.webhook_test_send(endpoint=endpoint, acting_user=self.request.user)


class EndpointDisableView(EndpointActionView):
    done = "The endpoint was disabled."

    def perform(self, endpoint: Any, data: dict[str, Any]) -> None:
        services.webhook_endpoint_disable(endpoint=endpoint, reason="Disabled by a tenant admin.",
                                          acting_user=self.request.user)  # fmt: skip


class EndpointEnableView(EndpointActionView):
    done = "The endpoint was enabled."

    def perform(self, endpoint: Any, data: dict[str, Any]) -> None:
        services.webhook_endpoint_enable(endpoint=endpoint, acting_user=self.request.user)


class EndpointDeleteView(EndpointActionView):
    done = "The endpoint was deleted."

    def perform(self, endpoint: Any, data: dict[str, Any]) -> None:
        services.webhook_endpoint_delete(endpoint=endpoint, acting_user=self.request.user)

    def success_url(self, obj: Any) -> str:
        return reverse("webhooks:list")


class SecretRotateView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        endpoint = tenant_endpoint_get(tenant=_tenant(request), uuid=uuid)
        form = RotateForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
            return _detail(endpoint)
        endpoint, secret = services.webhook_secret_rotate(
            endpoint=endpoint, acting_user=request.user, overlap_hours=form.cleaned_data["overlap_hours"]
        )
        return render(request, "webhooks/secret.html", {"endpoint": endpoint, "secret": secret, "created": False})


class DeliveryDetailView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        delivery = tenant_delivery_get(tenant=_tenant(request), uuid=uuid)
        return render(
            request, "webhooks/delivery_detail.html", {"delivery": delivery, "attempts": list(delivery.attempts.all())}
        )


class DeliveryReplayView(TenantPortalView):
    tenant_access = "admin"

    def post(self, request: HttpRequest, uuid: Any) -> HttpResponse:
        delivery = tenant_delivery_get(tenant=_tenant(request), uuid=uuid)
        try:
            replay = services.webhook_delivery_replay(delivery=delivery, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return HttpResponseRedirect(reverse("webhooks:delivery", args=[delivery.uuid]))
        messages.success(request, "The event was queued again as a new delivery.")
        return HttpResponseRedirect(reverse("webhooks:delivery", args=[replay.uuid]))
