"""The tenant-surface bases: deny by default, API-key scopes, one 404, one pagination, the system check."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path
from rest_framework import mixins, serializers
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.accounts.models import Membership
from apps.surfaces.api import TenantAPIView, TenantGenericViewSet
from apps.surfaces.checks import surface_errors, tenant_surfaces_check, tenant_view_entries, view_target
from apps.surfaces.pagination import TenantCursorPagination
from apps.surfaces.portal import TenantPortalView, tenant_portal_view

pytestmark = pytest.mark.django_db


class Undeclared(TenantAPIView):
    def get(self, request):
        return Response({"secret": "x"})


class MembersOnly(TenantAPIView):
    tenant_access = "member"

    def get(self, request):
        return Response({"ok": True})


class MemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "role"]


class MembershipViewSet(mixins.RetrieveModelMixin, TenantGenericViewSet):
    """A public-schema model scoped by `tenant_field`."""

    tenant_access = "member"
    queryset = Membership.objects.all()
    serializer_class = MemberSerializer
    tenant_field = "tenant"


class UndeclaredPage(TenantPortalView):
    def get(self, request):
        return HttpResponse("secret")


class MemberPage(TenantPortalView):
    tenant_access = "member"

    def get(self, request):
        return HttpResponse("ok")


def _api(view, user, tenant, method="get", **kwargs):
    request = getattr(APIRequestFactory(), method)("/api/v1/x/")
    request.tenant = tenant
    force_authenticate(request, user=user)
    return view(request, **kwargs)


# --- Deny by default -----------------------------------------------------------------------------


def test_an_api_view_without_declaration_is_refused_even_for_an_admin(acme, acme_admin):
    response = _api(Undeclared.as_view(), acme_admin, acme)
    assert response.status_code == 403 and response.data["code"] == "access_not_declared"
    assert _api(MembersOnly.as_view(), acme_admin, acme).status_code == 200


def test_a_portal_page_without_declaration_is_refused_even_for_an_admin(acme, acme_admin):
    request = RequestFactory().get("/manage/x/")
    request.tenant, request.user = acme, acme_admin
    with pytest.raises(PermissionDenied) as refused:
        UndeclaredPage.as_view()(request)
    assert refused.value.code == "access_not_declared"
    assert MemberPage.as_view()(request).status_code == 200


def test_the_drf_default_permission_refuses_a_view_that_names_none(acme, acme_admin):
    from rest_framework.views import APIView

    class Plain(APIView):
        def get(self, request):
            return Response({"secret": "x"})

    response = _api(Plain.as_view(), acme_admin, acme)
    assert response.status_code == 403


def test_a_decorated_function_view_applies_the_declaration_and_exposes_it(acme, acme_member, globex_member):
    @tenant_portal_view("admin")
    def page(request):
        return HttpResponse("ok")

    assert page.tenant_access == "admin"
    request = RequestFactory().get("/manage/x/")
    request.tenant, request.user = acme, acme_member
    with pytest.raises(PermissionDenied) as refused:
        page(request)
    assert refused.value.code == "tenant_admin_required"
    request.user = globex_member
    with pytest.raises(PermissionDenied) as refused:
        page(request)
    assert refused.value.code == "not_member"


def test_an_anonymous_visitor_is_sent_to_sign_in(acme_client):
    response = acme_client.get("/manage/members/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- API keys ------------------------------------------------------------------------------------


class KeyPrincipal:
    """Stands in for an integrator API key (apps.integrations authenticates the real ones)."""

    is_service_principal = True
    is_authenticated = True

    def __init__(self, *scopes):
        self.api_key = SimpleNamespace(scopes=list(scopes))


class Tenant(MembersOnly):
    resource_family = "tenant"


class TenantReadOnly(MembersOnly):
    required_scopes = {"GET": ["tenant:read"]}


def test_a_key_on_a_view_that_declares_no_scope_is_refused(acme):
    response = _api(MembersOnly.as_view(), KeyPrincipal("tenant:read", "members:read"), acme)
    assert response.status_code == 403
    assert response.data == {
        "detail": "API keys cannot use this endpoint; it is for signed-in members.",
        "code": "api_key_not_allowed",
    }


def test_a_key_without_the_declared_scope_is_refused(acme):
    response = _api(Tenant.as_view(), KeyPrincipal("members:read"), acme)
    assert response.status_code == 403 and response.data["code"] == "insufficient_scope"
    assert "tenant:read" in response.data["detail"]
    assert _api(Tenant.as_view(), KeyPrincipal("tenant:read"), acme).status_code == 200
    # Writing needs tenant:write, which this key lacks.
    response = _api(Tenant.as_view(), KeyPrincipal("tenant:read"), acme, method="post")
    assert response.status_code == 403 and response.data["code"] == "insufficient_scope"


def test_a_method_the_view_declares_no_scope_for_refuses_keys(acme):
    assert _api(TenantReadOnly.as_view(), KeyPrincipal("tenant:read"), acme).status_code == 200
    response = _api(TenantReadOnly.as_view(), KeyPrincipal("tenant:read", "tenant:write"), acme, method="post")
    assert response.status_code == 403
    assert response.data == {"detail": "API keys cannot use this endpoint.", "code": "api_key_not_allowed"}


def test_real_key_refusals_keep_their_codes(acme_client):
    """Another tenant's or an unknown key is never found here (keys live in their tenant's schema)."""
    response = acme_client.get("/api/v1/tenant/", HTTP_AUTHORIZATION="Api-Key nf_nope_nope")
    assert response.status_code == 401 and response.json()["code"] == "api_key_invalid"


# --- "Not yours" is "missing" --------------------------------------------------------------------


def test_another_tenants_object_is_the_same_404_as_a_missing_one(acme_admin, acme, globex, globex_member):
    theirs = Membership.objects.get(user=acme_admin, tenant=acme).pk
    view = MembershipViewSet.as_view({"get": "retrieve"})
    not_yours = _api(view, globex_member, globex, pk=theirs)
    missing = _api(view, globex_member, globex, pk=999_999_999)
    assert not_yours.status_code == missing.status_code == 404
    assert not_yours.data == missing.data
    mine = Membership.objects.get(user=globex_member, tenant=globex).pk
    assert _api(view, globex_member, globex, pk=mine).status_code == 200


def test_the_same_404_through_the_real_api_and_portal(globex_client, globex_member, acme_admin, acme):
    theirs = Membership.objects.get(user=acme_admin, tenant=acme).pk
    globex_client.force_login(globex_member)
    not_yours = globex_client.get(f"/api/v1/members/{theirs}/")
    missing = globex_client.get("/api/v1/members/999999999/")
    assert not_yours.status_code == missing.status_code == 404
    assert not_yours.json() == missing.json()
    assert globex_client.get(f"/manage/members/{theirs}/").status_code == 404


def test_a_member_of_another_tenant_is_refused_here(acme_client, globex_member):
    acme_client.force_login(globex_member)
    response = acme_client.get("/api/v1/members/")
    assert response.status_code == 403 and response.json()["code"] == "not_member"
    assert acme_client.get("/manage/members/").status_code == 403


# --- One pagination ------------------------------------------------------------------------------


def test_every_paginated_tenant_api_view_uses_the_shared_pagination():
    from django.urls import get_resolver

    seen = 0
    for _, callback in tenant_view_entries(get_resolver("config.urls.tenant").url_patterns):
        target = view_target(callback)
        pagination = getattr(target, "pagination_class", "n/a")
        if pagination == "n/a" or pagination is None:
            continue
        seen += 1
        assert pagination is TenantCursorPagination, target
    assert seen >= 10


def test_the_shared_pagination_reads_the_views_ordering():
    paginator = TenantCursorPagination()
    request = APIRequestFactory().get("/")
    assert paginator.get_ordering(request, None, MembersOnly()) == ("-created_at", "-pk")
    ordered = type("Ordered", (MembersOnly,), {"cursor_ordering": ("path", "pk")})()
    assert paginator.get_ordering(request, None, ordered) == ("path", "pk")


def test_a_tenant_list_pages_as_before(acme_client, acme_admin):
    acme_client.force_login(acme_admin)
    body = acme_client.get("/api/v1/members/?page_size=1").json()
    assert set(body) == {"next", "previous", "results"} and len(body["results"]) == 1


# --- The system check ----------------------------------------------------------------------------


def _plain(request):
    return HttpResponse("x")


def test_the_system_check_flags_undeclared_and_unbased_views():
    patterns = [
        path("a/", Undeclared.as_view()),
        path("b/", UndeclaredPage.as_view()),
        path("c/", _plain),
        path("d/", MembersOnly.as_view()),
        path("e/", MemberPage.as_view()),
        path("f/", tenant_portal_view("member")(_plain)),
    ]
    errors = {(error.id, error.obj) for error in surface_errors(patterns)}
    assert errors == {("surfaces.E002", Undeclared), ("surfaces.E002", UndeclaredPage), ("surfaces.E001", _plain)}


def test_the_system_check_flags_a_view_that_replaced_the_permission():
    from rest_framework.permissions import AllowAny

    class Opened(MembersOnly):
        permission_classes = [AllowAny]

    assert [error.id for error in surface_errors([path("x/", Opened.as_view())])] == ["surfaces.E003"]


def test_every_view_of_the_tenant_urlconf_is_on_a_base_and_declared():
    assert tenant_surfaces_check() == []
