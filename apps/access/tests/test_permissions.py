"""HasResolverPermission (API) and ResolverPermissionRequiredMixin (portal) on minimal views."""

import re
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.views import View
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from apps.access.permissions import HasResolverPermission, ResolverPermissionRequiredMixin
from apps.access.services import assignment_create
from apps.accounts.access import MembershipRefused
from apps.integrations.authentication import ApiKeyPrincipal
from apps.integrations.services import api_key_create
from apps.organisation.models import Entity

pytestmark = pytest.mark.django_db


class EntityPeopleApi(APIView):
    permission_classes = [HasResolverPermission]
    required_permission = "organisation.view_people"

    def get_permission_object(self) -> Entity:
        return Entity.objects.get(pk=self.kwargs["pk"])

    def get(self, request, pk):
        return Response({"ok": True})


class EntityPeoplePage(ResolverPermissionRequiredMixin, View):
    required_permission = "organisation.view_people"

    def get_permission_object(self) -> Entity:
        return Entity.objects.get(pk=self.kwargs["pk"])

    def get(self, request, pk):
        return HttpResponse("ok")


def _api(user, entity: Entity, tenant):
    request = APIRequestFactory().get("/")
    request.tenant = tenant
    if user is not None:
        force_authenticate(request, user=user)
    return EntityPeopleApi.as_view()(request, pk=entity.pk)


def _page(user, entity: Entity, tenant):
    request: Any = RequestFactory().get("/people/")
    request.tenant, request.user = tenant, user
    return EntityPeoplePage.as_view()(request, pk=entity.pk)


def test_api_allows_the_holder_and_refuses_everyone_else(roles, tree, person, in_acme, acme_admin, globex_member):
    ann = person("ann")
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    assert _api(ann, tree.east, in_acme).status_code == 200
    assert _api(acme_admin, tree.support, in_acme).status_code == 200
    refused = _api(ann, tree.support, in_acme)
    assert refused.status_code == 403
    assert refused.data["detail"] == "You need the “View people” permission on Support for this."
    assert refused.data["detail"].code == "permission_required"
    for outsider in (globex_member, person("bob")):
        assert _api(outsider, tree.east, in_acme).status_code == 403
    assert _api(None, tree.east, in_acme).status_code in (401, 403)


def test_api_key_sees_only_what_it_was_assigned(roles, tree, in_acme, acme_admin):
    key, _ = api_key_create(name="Sync", scopes=["organisation:read"], acting_user=acme_admin)
    assert _api(ApiKeyPrincipal(key), tree.east, in_acme).status_code == 403
    assignment_create(role=roles["viewer"], api_key=key, scope_entity=tree.east, acting_user=acme_admin)
    assert _api(ApiKeyPrincipal(key), tree.east, in_acme).status_code == 200
    assert _api(ApiKeyPrincipal(key), tree.sales, in_acme).status_code == 403


def test_portal_mixin(roles, tree, person, in_acme, globex_member):
    ann = person("ann")
    assignment_create(role=roles["viewer"], user=ann, scope_entity=tree.sales, acting_user=None)
    assert _page(ann, tree.east, in_acme).status_code == 200
    with pytest.raises(PermissionDenied, match=re.escape("You need the “View people” permission on Support for this.")):
        _page(ann, tree.support, in_acme)
    with pytest.raises(MembershipRefused, match=re.escape("You are not a member of this organisation.")):
        _page(globex_member, tree.east, in_acme)
    response = _page(AnonymousUser(), tree.east, in_acme)
    assert response.status_code == 302 and "login" in response["Location"]
