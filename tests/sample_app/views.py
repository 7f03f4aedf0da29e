from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView
from apps.surfaces.portal import TenantPortalView


class SamplePageView(TenantPortalView):
    tenant_access = "admin"

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, "sample_app/index.html")


class SampleApiView(TenantAPIView):
    tenant_access = "member"
    resource_family = "sample"  # GET needs "sample:read"

    @extend_schema(
        summary="Sample",
        description="The sample app's endpoint (tests only).",
        responses=inline_serializer(name="Sample", fields={"sample": serializers.BooleanField()}),
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response({"sample": True})
