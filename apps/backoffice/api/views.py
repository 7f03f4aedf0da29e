"""Platform API v1 (/api/platform/v1/ on the platform domain): staff tooling for tenants, their
provisioning jobs and the plan catalogue.

Callers are platform staff, by session (the staff MFA middleware applies) or by a staff bearer
token obtained from an MFA-verified session. Each action needs the matching Django model
permission: support may view, super admins may also create, suspend and reactivate.
"""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django_filters import rest_framework as django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.api.errors import CodedErrorsMixin
from apps.tenancy.lifecycle import tenant_reactivate, tenant_request, tenant_suspend
from apps.tenancy.models import Plan, ProvisioningJob, Tenant
from apps.tokens.authentication import AccessTokenAuthentication
from apps.tokens.services import token_pair_issue

from .serializers import (
    PlanSerializer,
    PlatformTenantSerializer,
    ProvisioningJobSerializer,
    ReasonSerializer,
    StaffTokenSerializer,
    TenantRequestedSerializer,
    TenantRequestSerializer,
)

# API keys belong to tenant schemas and never authenticate on the platform domain.
PLATFORM_AUTHENTICATION = [AccessTokenAuthentication, SessionAuthentication]
ACTION_PERMS = {"list": "view", "retrieve": "view", "create": "add", "suspend": "change", "reactivate": "change"}


class StaffModelPermission(BasePermission):
    """Staff with the Django model permission `<app>.<action>_<model>` for the view's action."""

    message = "Only platform staff with the matching permission may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_staff and user.is_active):
            return False
        model = view.queryset.model if view.queryset is not None else view.get_queryset().model
        perm_action = ACTION_PERMS.get(getattr(view, "action", None) or "", "change")
        return bool(user.has_perm(f"{model._meta.app_label}.{perm_action}_{model._meta.model_name}"))


class IsPlatformStaff(BasePermission):
    message = "Only platform staff may do this."

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_staff and user.is_active)


class PlatformViewSet(CodedErrorsMixin, viewsets.GenericViewSet):
    authentication_classes = PLATFORM_AUTHENTICATION
    permission_classes = [StaffModelPermission]


class TenantFilter(django_filters.FilterSet):
    plan = django_filters.CharFilter(field_name="plan__name", help_text="Plan name, e.g. starter.")

    class Meta:
        model = Tenant
        fields = ["status", "plan", "plan_status", "isolation_level", "country"]


ERRORS = OpenApiResponse(description="Refused: the body has `detail` and `code`.")


@extend_schema_view(
    list=extend_schema(
        summary="List tenants",
        description="Customer tenants, newest first (cursor paginated). Filter by status, plan, plan_status, "
        "isolation_level, country; `search` matches name and slug. Needs `tenancy.view_tenant`.",
    ),
    retrieve=extend_schema(summary="Get a tenant", description="One tenant by id. Needs `tenancy.view_tenant`."),
)
class TenantV1ViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    serializer_class = PlatformTenantSerializer
    queryset = Tenant.objects.filter(is_template=False).exclude(schema_name="public")
    filter_backends = [django_filters.DjangoFilterBackend, filters.SearchFilter]
    filterset_class = TenantFilter
    search_fields = ["name", "slug"]

    def get_queryset(self) -> QuerySet[Tenant]:
        return super().get_queryset().select_related("plan").prefetch_related("domains")

    @extend_schema(
        summary="Request a tenant",
        description="Registers the tenant (status `requested`) and enqueues its provisioning job. Answers 202 "
        "with the job and `job_url` to poll. Dedicated databases are refused (`isolation_not_available`); "
        "a taken or reserved slug is refused with 400. Needs `tenancy.add_tenant`.",
        request=TenantRequestSerializer,
        responses={202: TenantRequestedSerializer, 400: ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = TenantRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        job = tenant_request(**serializer.validated_data, acting_user=request.user)
        tenant = self.get_queryset().get(pk=job.tenant_id)
        job_url = request.build_absolute_uri(reverse("platform-api:v1:provisioning-job-detail", args=[job.pk]))
        body = {"tenant": PlatformTenantSerializer(tenant).data, "job": ProvisioningJobSerializer(job).data,
                "job_url": job_url}  # fmt: skip
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": job_url})

    @extend_schema(
        summary="Suspend a tenant",
        description="Active → suspended: its portal and API are refused (403 `tenant_suspended`) until "
        "reactivated. `reason` is required. Invalid transitions answer 400 `invalid_transition`. "
        "Needs `tenancy.change_tenant`.",
        request=ReasonSerializer,
        responses={200: PlatformTenantSerializer, 400: ERRORS},
    )
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant_suspend(tenant=self.get_object(), acting_user=request.user, reason=serializer.validated_data["reason"])
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Reactivate a tenant",
        description="Suspended (or archived, before deletion) → active. Other states answer 400 "
        "`invalid_transition`. Needs `tenancy.change_tenant`.",
        request=None,
        responses={200: PlatformTenantSerializer, 400: ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        tenant_reactivate(tenant=self.get_object(), acting_user=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)


@extend_schema_view(
    list=extend_schema(
        summary="List provisioning jobs",
        description="Provisioning jobs with their steps, newest first. Filter by `status` or `tenant` (slug). "
        "Needs `tenancy.view_provisioningjob`.",
    ),
    retrieve=extend_schema(
        summary="Get a provisioning job",
        description="One job with each step's status, start and end time, duration and error. Poll it after "
        "requesting a tenant. Needs `tenancy.view_provisioningjob`.",
    ),
)
class ProvisioningJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    serializer_class = ProvisioningJobSerializer
    queryset = ProvisioningJob.objects.select_related("tenant").prefetch_related("steps")
    filter_backends = [django_filters.DjangoFilterBackend]
    filterset_fields = {"status": ["exact"], "tenant__slug": ["exact"]}


@extend_schema_view(
    list=extend_schema(
        summary="List plans", description="The plan catalogue (active and retired). Needs `tenancy.view_plan`."
    ),
    retrieve=extend_schema(summary="Get a plan", description="One plan by id. Needs `tenancy.view_plan`."),
)
class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, PlatformViewSet):
    serializer_class = PlanSerializer
    queryset = Plan.objects.all()
    filter_backends = [django_filters.DjangoFilterBackend]
    filterset_fields = ["is_active"]


class StaffTokenView(CodedErrorsMixin, APIView):
    # Only an MFA-verified staff session may mint a bearer token (never another token).
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsPlatformStaff]

    @extend_schema(
        summary="Get a staff bearer token",
        description="From a signed-in staff session (second factor enrolled), issue a short-lived access "
        "token for scripts: send it as `Authorization: Bearer <access>` to the platform API. It carries "
        "the same permissions as the staff user and stops working when the user is deactivated.",
        request=None,
        responses={200: StaffTokenSerializer},
    )
    def post(self, request: Request) -> Response:
        pair = token_pair_issue(user=request.user, tenant=request.tenant, device_name="platform API")  # type: ignore[attr-defined]
        data = {"token_type": "Bearer", "access": pair.access, "access_expires_at": pair.access_expires_at}
        return Response(StaffTokenSerializer(data).data, headers={"Cache-Control": "no-store"})
