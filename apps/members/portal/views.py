"""Portal: the tenant's members. Every active member may look; only a tenant_admin may change anything."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.views.generic import DetailView, ListView

from apps.accounts.access import (
    is_tenant_admin,
    tenant_membership_get,
)
from apps.accounts.models import Membership
from apps.accounts.services import (
    membership_change_role,
    membership_reactivate,
    membership_remove,
    membership_suspend,
)
from apps.members.api.filters import MembershipFilter, tenant_members
from apps.surfaces.portal import PortalActionView, TenantPortalMixin

from .forms import MemberFilterForm, ReasonForm, RoleForm


class MemberListView(TenantPortalMixin, ListView):
    tenant_access = "member"
    template_name = "members/list.html"
    context_object_name = "members"
    paginate_by = 25

    def get_queryset(self) -> QuerySet[Membership]:
        members = MembershipFilter(self.request.GET, queryset=tenant_members(tenant=self.request.tenant)).qs  # type: ignore[attr-defined]
        if not self.request.GET.get("status"):
            members = members.exclude(status=Membership.Status.REMOVED)
        return members.order_by("user__email")

    def get_template_names(self) -> list[str]:
        # The filter form asks with htmx for the results only (the whole page on a plain request).
        htmx = getattr(self.request, "htmx", None)
        return ["members/_results.html"] if htmx and not htmx.boosted else [self.template_name]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["filter_form"] = MemberFilterForm(self.request.GET or None)
        context["is_admin"] = is_tenant_admin(self.request)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query"] = query.urlencode()
        return context


class MemberDetailView(TenantPortalMixin, DetailView):
    tenant_access = "member"
    template_name = "members/detail.html"
    context_object_name = "member"

    def get_object(self, queryset: Any = None) -> Membership:
        return tenant_membership_get(tenant=self.request.tenant, pk=self.kwargs["pk"])  # type: ignore[attr-defined]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["is_admin"] = is_tenant_admin(self.request)
        context["role_form"] = RoleForm(initial={"role": self.object.role})
        context["is_self"] = self.object.user_id == self.request.user.pk
        return context


class MemberActionView(PortalActionView):
    """POST one change through its service; a refusal comes back as a message and changes nothing."""

    tenant_access = "admin"

    form_class: type[forms.Form] | None = ReasonForm

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Membership:
        return tenant_membership_get(tenant=request.tenant, pk=kwargs["pk"])  # type: ignore[attr-defined]

    def done_message(self, obj: Membership) -> str:
        return self.done.format(email=obj.user.email)

    def success_url(self, obj: Membership) -> str:
        return reverse("members:detail", args=[obj.pk])


class MemberRoleView(MemberActionView):
    form_class = RoleForm
    done = "{email}'s role was changed."

    def perform(self, membership: Membership, data: dict[str, Any]) -> None:
        membership_change_role(membership=membership, role=data["role"], acting_user=self.request.user)


class MemberSuspendView(MemberActionView):
    done = "{email} was suspended."

    def perform(self, membership: Membership, data: dict[str, Any]) -> None:
        membership_suspend(membership=membership, acting_user=self.request.user, reason=data["reason"])


class MemberReactivateView(MemberActionView):
    form_class = forms.Form
    done = "{email} was reactivated."

    def perform(self, membership: Membership, data: dict[str, Any]) -> None:
        membership_reactivate(membership=membership, acting_user=self.request.user)


class MemberRemoveView(MemberActionView):
    done = "{email} was removed from the organisation."

    def perform(self, membership: Membership, data: dict[str, Any]) -> None:
        membership_remove(membership=membership, acting_user=self.request.user, reason=data["reason"])
