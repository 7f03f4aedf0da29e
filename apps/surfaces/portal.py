"""Bases of the tenant portal (/manage/ on a tenant's domain): deny by default.

Class-based pages put `TenantPortalMixin` first (or stand on `TenantPortalView`) and declare
`tenant_access` ("member", "admin", "member_read_admin_write": GET/HEAD/OPTIONS for members, the
rest for tenant admins, or "public": the page decides on its own, e.g. accepting an invitation).
Anonymous callers are sent to sign in; a signed-in person who is not an active member (or not an
admin where one is needed) gets the 403 page; a page without a declaration is refused for everyone.
A function view is wrapped with `tenant_portal_view(access)`, which applies the same checks and
exposes `tenant_access` on the callback. `tenant_permission_check` is the hook for a page's own
further refusals (it runs after the declaration admitted the caller).

`PortalActionView` is the portal's one shape of a POST action on one object.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views import View

from apps.accounts.access import TENANT_ACCESS_LEVELS, tenant_access_require

from .errors import ACCESS_NOT_DECLARED, AccessRefused


def portal_access_require(request: HttpRequest, access: Any) -> bool:
    """Apply a declaration to a portal request: False when the caller must sign in first, True when
    admitted; raises AccessRefused (403) otherwise."""
    if access not in TENANT_ACCESS_LEVELS:
        raise AccessRefused(ACCESS_NOT_DECLARED, code="access_not_declared")
    if access == "public":
        return True
    if not request.user.is_authenticated:
        return False
    tenant_access_require(request, access)
    return True


class TenantPortalMixin(AccessMixin):
    """First base of every class-based portal page; see the module docstring."""

    tenant_access: str  # declared by each page; absent → refused

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not portal_access_require(request, getattr(self, "tenant_access", None)):
            return self.handle_no_permission()
        if getattr(self, "tenant_access", None) != "public":
            self.tenant_permission_check(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        """A page's own further refusal (raise PermissionDenied / Http404); nothing by default."""


class TenantPortalView(TenantPortalMixin, View):
    pass


def tenant_portal_view(access: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A function portal view with the same checks as `TenantPortalMixin`; the callback carries
    `tenant_access` so the system check and the isolation matrix can read it."""
    if access not in TENANT_ACCESS_LEVELS:
        raise ValueError(f"Unknown tenant_access {access!r}; use one of {', '.join(TENANT_ACCESS_LEVELS)}.")

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not portal_access_require(request, access):
                return redirect_to_login(request.get_full_path())
            return view(request, *args, **kwargs)

        checked.tenant_access = access  # type: ignore[attr-defined]
        checked.tenant_surface = True  # type: ignore[attr-defined]
        return checked

    return decorate


class PortalActionView(TenantPortalView):
    """The portal's one shape of a POST action on one object (suspend a member, resend an
    invitation, verify a domain, add a skill to a person, …).

    `post` finds the object (404 when it is not this tenant's), validates the optional form, calls
    the service through `perform`, and redirects; a refusal (the form's errors or the service's
    ValidationError) comes back as an error message and changes nothing, success as `done`.
    Subclasses declare `tenant_access` like every portal page.
    """

    form_class: type[forms.Form] | None = None
    done = ""  # the success message; `done_message` formats it

    def get_object(self, request: HttpRequest, **kwargs: Any) -> Any:
        raise NotImplementedError

    def get_form(self, request: HttpRequest) -> forms.Form | None:
        return self.form_class(request.POST) if self.form_class else None

    def perform(self, obj: Any, data: dict[str, Any]) -> None:
        """Call the service; raise ValidationError to refuse."""
        raise NotImplementedError

    def success_url(self, obj: Any) -> str:
        raise NotImplementedError

    def form_errors(self, form: forms.Form) -> list[Any]:
        return [error for errors in form.errors.values() for error in errors]

    def error_message(self, obj: Any, exc: ValidationError) -> str:
        return " ".join(exc.messages)

    def done_message(self, obj: Any) -> str:
        return self.done

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        obj = self.get_object(request, **kwargs)
        form = self.get_form(request)
        try:
            if form is not None and not form.is_valid():
                raise ValidationError(self.form_errors(form))
            self.perform(obj, form.cleaned_data if form is not None else {})
        except ValidationError as exc:
            messages.error(request, self.error_message(obj, exc))
        else:
            if message := self.done_message(obj):
                messages.success(request, message)
        return HttpResponseRedirect(self.success_url(obj))
