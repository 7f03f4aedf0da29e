"""Portal: the organisation's branding, with a preview before anything is saved.

Tenant admins edit every scope. Entity overrides may also be edited by people the resolver allows
"organisation.manage_branding" on that entity. Everyone else gets a 403.
"""

from email.utils import formataddr, parseaddr
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View

from apps.access.resolver import allowed_entities, may
from apps.accounts.access import tenant_membership_require
from apps.accounts.models import MembershipRole
from apps.branding.images import image_decode
from apps.branding.models import Branding
from apps.branding.selectors import (
    ORGANISATION_DEFAULT,
    branding_get,
    branding_overrides,
    branding_preview,
    contrast_warnings,
    entity_label,
    tenant_branding_data,
    user_type_label,
)
from apps.branding.services import branding_clear, branding_set
from apps.organisation.models import Entity
from apps.surfaces.portal import TenantPortalMixin, TenantPortalView

from .forms import BrandingForm

PERMISSION = "organisation.manage_branding"
REFUSED = "Only tenant admins, or people allowed to manage an entity's branding, may change branding."
ENTITY_REFUSED = "You may not change the branding of this entity."
FIELD_LABELS = {
    "product_name": "Product name", "logo": "Logo", "favicon": "Favicon", "primary_color": "Header colour",
    "accent_color": "Accent colour", "text_color": "Header text colour", "support_email": "Support email",
    "email_sender_name": "Email sender name",
}  # fmt: skip


def _may_manage(user: Any, entity: Entity) -> bool:
    return bool(may(user, PERMISSION, entity))


def _manageable_entities(user: Any) -> Any:
    return allowed_entities(user, PERMISSION)


def _form_errors_from(form: BrandingForm, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


class BrandingAccessMixin(TenantPortalMixin):
    """Signed in, an active member of this tenant, and allowed on the scope the URL names."""

    tenant_access = "member"  # then `access_check`: a tenant admin, or allowed on the entity
    entity: Entity | None = None
    user_type: str = ""

    def tenant_permission_check(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.is_admin = request.membership.role == MembershipRole.TENANT_ADMIN  # type: ignore[attr-defined]
        self.scope_from(**kwargs)
        self.access_check(request)

    def scope_from(self, **kwargs: Any) -> None:
        """Set `entity` / `user_type` from the URL (404 for an unknown one)."""

    def access_check(self, request: HttpRequest) -> None:
        if not self.is_admin:
            raise PermissionDenied(REFUSED)


class BrandingScopeEditView(BrandingAccessMixin, View):
    """Edit one scope: GET shows the form and what its people see now; POST previews or saves."""

    template_name = "branding/edit.html"

    @property
    def scope_label(self) -> str:
        if self.entity is not None:
            return entity_label(self.entity.name)
        return user_type_label(self.user_type) if self.user_type else ORGANISATION_DEFAULT

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        return self.render(self.form())

    def post(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        form = self.form(request.POST, request.FILES)
        if not form.is_valid():
            return self.render(form, status=400)
        if request.POST.get("action") == "preview":
            return self.render(form, changes=form.changes(), pending=form.pending())
        try:
            branding_set(entity=self.entity, user_type=self.user_type, acting_user=request.user, **form.changes())
        except ValidationError as exc:
            _form_errors_from(form, exc)
            return self.render(form, status=400)
        messages.success(request, f"The branding ({self.scope_label}) was saved.")
        return HttpResponseRedirect(request.path)

    def form(self, *args: Any) -> BrandingForm:
        self.branding = branding_get(entity=self.entity, user_type=self.user_type)
        self.private_label = tenant_branding_data(self.request.tenant)["private_label"]  # type: ignore[attr-defined]
        return BrandingForm(*args, branding=self.branding, private_label=self.private_label)

    def render(
        self, form: BrandingForm, *, changes: dict[str, Any] | None = None, pending: Any = None, status: int = 200
    ) -> HttpResponse:
        tenant = self.request.tenant  # type: ignore[attr-defined]
        shown = branding_preview(tenant=tenant, entity=self.entity, user_type=self.user_type, values=changes or {})
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
        context = {
            "form": form, "branding_row": self.branding, "scope_label": self.scope_label, "entity": self.entity,
            "user_type": self.user_type, "private_label": self.private_label, "is_admin": self.is_admin,
            "shown": shown, "is_preview": changes is not None, "pending": pending or {},
            "warnings": contrast_warnings(shown), "sender": formataddr((shown.email_sender_name, address)),
            "sources": [(FIELD_LABELS[name], shown.source_of(name)) for name in shown.sources],
            "overrides": None,
            **self.extra_context(),
        }  # fmt: skip
        return render(self.request, self.template_name, context, status=status)

    def extra_context(self) -> dict[str, Any]:
        return {}


class BrandingEditView(BrandingScopeEditView):
    """The organisation default, and the list of overrides. Entity managers who are not tenant
    admins see the entities whose branding they may change instead."""

    def access_check(self, request: HttpRequest) -> None:
        if self.is_admin:
            return
        self.entities = _manageable_entities(request.user)
        if request.method != "GET" or not self.entities.exists():
            raise PermissionDenied(REFUSED)

    def get(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if not self.is_admin:
            return render(request, "branding/entities.html", {"entities": self.entities.order_by("path")[:500]})
        return super().get(request, **kwargs)

    def extra_context(self) -> dict[str, Any]:
        return {
            "overrides": branding_overrides(),
            "user_types": MembershipRole.choices,
            "all_entities": Entity.objects.order_by("path").only("id", "name", "path")[:1000],
        }


class BrandingUserTypeEditView(BrandingScopeEditView):
    def scope_from(self, **kwargs: Any) -> None:
        if kwargs["user_type"] not in MembershipRole.values:
            raise Http404("No such user type.")
        self.user_type = kwargs["user_type"]


class BrandingEntityEditView(BrandingScopeEditView):
    def scope_from(self, **kwargs: Any) -> None:
        self.entity = Entity.objects.filter(pk=kwargs["pk"]).first()
        if self.entity is None:
            raise Http404("No such entity in this organisation.")

    def access_check(self, request: HttpRequest) -> None:
        if not self.is_admin and not (self.entity is not None and _may_manage(request.user, self.entity)):
            raise PermissionDenied(ENTITY_REFUSED)


class BrandingEntityPickView(BrandingAccessMixin, View):
    """The "add an entity override" form posts here by GET; the entity page checks access."""

    def get(self, request: HttpRequest) -> HttpResponse:
        pk = request.GET.get("entity", "")
        if not pk.isdigit():
            messages.error(request, "Choose an entity.")
            return HttpResponseRedirect(reverse("branding:edit"))
        return HttpResponseRedirect(reverse("branding:entity_edit", kwargs={"pk": int(pk)}))

    def access_check(self, request: HttpRequest) -> None:
        return None  # only redirects


class BrandingClearView(BrandingAccessMixin, View):
    """Remove one scope's branding (POST): its people see the next scope up again."""

    def scope_from(self, **kwargs: Any) -> None:
        branding = Branding.objects.select_related("entity").defer("logo", "favicon").filter(pk=kwargs["pk"]).first()
        if branding is None:
            raise Http404("No such branding.")
        self.branding, self.entity, self.user_type = branding, branding.entity, branding.user_type

    def access_check(self, request: HttpRequest) -> None:
        if self.is_admin or (self.entity is not None and _may_manage(request.user, self.entity)):
            return
        raise PermissionDenied(REFUSED if self.entity is None else ENTITY_REFUSED)

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        label = self.branding.scope_label
        branding_clear(branding=self.branding, acting_user=request.user)
        messages.success(request, f"The branding ({label}) was removed; the next scope up applies again.")
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("branding:edit")
        return HttpResponseRedirect(back)


class BrandingAssetView(TenantPortalView):
    """A stored logo or favicon. The organisation default's are public (sign-in and API docs pages
    show them); an override's need an active membership of this tenant."""

    # The sign-in page shows the default logo to anonymous visitors; `get` asks for a membership
    # for an entity's or user type's override itself.
    tenant_access = "public"

    def get(self, request: HttpRequest, pk: int, kind: str) -> HttpResponse:
        if kind not in ("logo", "favicon"):
            raise Http404
        row = Branding.objects.filter(pk=pk).values("entity_id", "user_type", kind).first()
        if row is None or not row[kind]:
            raise Http404
        if row["entity_id"] is not None or row["user_type"]:
            if not request.user.is_authenticated:
                raise Http404
            tenant_membership_require(request)
        content_type, content = image_decode(row[kind])
        response = HttpResponse(content, content_type=content_type)
        # The URL carries the row's version (?v=), so a changed image has a new URL.
        private = "public" if not (row["entity_id"] or row["user_type"]) else "private"
        response["Cache-Control"] = f"{private}, max-age=31536000, immutable"
        response["X-Content-Type-Options"] = "nosniff"
        # Opened on its own, an SVG must not run anything on the tenant's origin.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        return response
