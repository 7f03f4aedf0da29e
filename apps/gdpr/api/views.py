"""Tenant API: the signed-in person's own consents and data exports (/api/v1/privacy/...).

Any active member of the tenant, signed in (session or access token); integrator API keys are
refused (`api_key_not_allowed`): consent and personal data are the person's own business.
"""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView

from ..models import GdprRequest, GdprRequestKind
from ..services import consent_latest, consent_set, gdpr_erasure_self_request, gdpr_request_create
from .serializers import (
    ConsentChangeSerializer,
    ConsentSerializer,
    ErasureAskSerializer,
    ErasureRequestSerializer,
    ExportRequestSerializer,
)

WHO = "The signed-in member, about themselves only; API keys are refused (`api_key_not_allowed`)."


def _django_error(exc: DjangoValidationError) -> ValidationError:
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})


class ConsentView(TenantAPIView):
    tenant_access = "member"

    @extend_schema(
        summary="List my consents",
        description=f"The person's current consent per purpose (their latest record for each). {WHO}",
        responses=ConsentSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        latest = consent_latest(user=request.user)
        rows = sorted(latest.values(), key=lambda record: record.purpose)
        return Response(ConsentSerializer(rows, many=True).data)

    @extend_schema(
        summary="Grant or withdraw a consent",
        description=f"Appends a record (source `api`); the latest record per purpose is the current choice. {WHO}",
        request=ConsentChangeSerializer,
        responses={201: ConsentSerializer},
    )
    def post(self, request: Request) -> Response:
        serializer = ConsentChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            record = consent_set(
                user=request.user, purpose=serializer.validated_data["purpose"],
                granted=serializer.validated_data["granted"], source="api", acting_user=request.user,
                tenant=request.tenant, evidence=serializer.validated_data.get("evidence") or {},  # type: ignore[attr-defined]
            )  # fmt: skip
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc
        return Response(ConsentSerializer(record).data, status=status.HTTP_201_CREATED)


class ExportView(TenantAPIView):
    tenant_access = "member"

    @extend_schema(
        summary="List my data exports",
        description=(
            f"The person's access (export) requests, newest first, with a signed download link when ready. {WHO}"
        ),
        responses=ExportRequestSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = GdprRequest.objects.filter(subject=request.user, kind=GdprRequestKind.ACCESS).order_by("-requested_at")
        return Response(ExportRequestSerializer(rows[:50], many=True).data)

    @extend_schema(
        summary="Request an export of my data",
        description=(
            "Registers an access request (due within one month; usually ready in minutes): a ZIP of JSON files "
            f"covering the platform and every organisation the person belongs to. {WHO}"
        ),
        request=None,
        responses={201: ExportRequestSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        try:
            created = gdpr_request_create(subject=request.user, kind=GdprRequestKind.ACCESS, acting_user=request.user)
        except DjangoValidationError as exc:
            raise _django_error(exc) from exc
        return Response(ExportRequestSerializer(created).data, status=status.HTTP_201_CREATED)


class ErasureRequestView(TenantAPIView):
    tenant_access = "member"

    @extend_schema(
        summary="List my erasure requests",
        description=f"The person's erasure requests, newest first, with their status and due date. {WHO}",
        responses=ErasureRequestSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        rows = GdprRequest.objects.filter(subject=request.user, kind=GdprRequestKind.ERASURE).order_by("-requested_at")
        return Response(ErasureRequestSerializer(rows[:50], many=True).data)

    @extend_schema(
        summary="Ask for the erasure of my data",
        description=(
            "Registers an erasure request for the signed-in person (due one month after receipt; platform staff "
            "complete it, and the person is emailed at receipt and at completion). `confirm` must be true and "
            "`password` the person's current password (when they have one). One open erasure request at a time. "
            "Errors (400, with `code`): `confirmation_required`, `password_incorrect`, `duplicate` (one is already "
            "open), `legal_hold` (the person is the billing contact of an organisation with unpaid invoices). "
            "Naming anyone else (`email` or `subject`) is refused with 403 `not_your_data`. " + WHO
        ),
        request=ErasureAskSerializer,
        responses={201: ErasureRequestSerializer},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ErasureAskSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data, user = serializer.validated_data, request.user
        if (data.get("email") and data["email"].lower() != user.email.lower()) or (
            data.get("subject") and data["subject"] != str(user.pk)
        ):
            raise PermissionDenied("You can ask for the erasure of your own data only.", code="not_your_data")
        created = gdpr_erasure_self_request(
            user=user, tenant=request.tenant, source="api", password=data.get("password") or "",  # type: ignore[attr-defined]
            confirmed=data["confirm"], acting_user=user,
        )  # fmt: skip
        return Response(ErasureRequestSerializer(created).data, status=status.HTTP_201_CREATED)
