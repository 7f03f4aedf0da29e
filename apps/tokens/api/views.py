"""Tenant API: members obtain, refresh and revoke their API tokens on this tenant's domain."""

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from apps.surfaces.api import TenantAPIView
from apps.tokens.errors import TokenError
from apps.tokens.services import (
    TokenPair,
    token_family_revoke_by_refresh,
    token_obtain,
    token_refresh,
    user_tokens_revoke_all,
)

from .serializers import (
    RefreshTokenSerializer,
    RevokedAllSerializer,
    TokenErrorSerializer,
    TokenObtainSerializer,
    TokenPairSerializer,
)

ERRORS = OpenApiResponse(TokenErrorSerializer, description="Refused: `code` says why.")


def _pair_response(pair: TokenPair) -> Response:
    data = {
        "token_type": "Bearer",
        "access": pair.access,
        "access_expires_at": pair.access_expires_at,
        "refresh": pair.refresh,
        "refresh_expires_at": pair.refresh_expires_at,
    }
    response = Response(TokenPairSerializer(data).data)
    response["Cache-Control"] = "no-store"
    return response


def _refused(exc: TokenError) -> Response:
    response = Response({"detail": exc.message, "code": exc.code}, status=exc.status)
    if exc.status == status.HTTP_401_UNAUTHORIZED:
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


class TokenEndpoint(TenantAPIView):
    """Token endpoints prove who is calling with the body itself, so no other credentials are read."""

    authentication_classes: list[Any] = []
    tenant_access = "public"


class TokenObtainView(TokenEndpoint):
    @extend_schema(
        summary="Sign in for API tokens",
        description=(
            "Exchange email and password (and, for users with two-factor authentication, `otp`: a TOTP code, "
            "an unused recovery code, or a code sent by email or SMS) for an access token (15 minutes) and a "
            "refresh token (7 days). To get a code by email or SMS (where the organisation's security policy "
            "allows it and the person turned it on), send `otp_channel` without `otp`: 401 `mfa_code_sent`, "
            "then repeat the request with the code in `otp` (10 minutes, once). "
            "Only active members of this organisation may sign in here. Each sign-in is scored for risk (new "
            "device from the User-Agent, Sec-CH-UA* and Accept-Language headers, new country, impossible travel, "
            "recent failures, unusual hour); above the organisation's thresholds it is refused. Errors: 401 "
            "`invalid_credentials`, `mfa_required`, `mfa_invalid`, `otp_invalid`, `otp_expired`, `otp_used`, "
            "`otp_attempts_exceeded`; 400 `otp_not_allowed`, `otp_not_enrolled`; 429 `otp_rate_limited` (with "
            "Retry-After); 503 `otp_send_failed`; 403 `account_locked`, `not_member`, `membership_suspended`, "
            "`membership_removed`, `sign_in_refused_risk` (too risky: sign in from a known device and network, "
            "or ask an administrator), `mfa_step_up_unavailable` (risky enough to need a second factor and the "
            "account has none)."
        ),
        request=TokenObtainSerializer,
        responses={
            200: TokenPairSerializer,
            400: OpenApiResponse(description="Missing fields."),
            401: ERRORS,
            403: ERRORS,
            429: ERRORS,
            503: ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = TokenObtainSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = token_obtain(
                tenant=request.tenant,  # type: ignore[attr-defined]
                meta=request.META,
                **serializer.validated_data,
            )
        except TokenError as exc:
            return _refused(exc)
        return _pair_response(pair)


class TokenRefreshView(TokenEndpoint):
    @extend_schema(
        summary="Refresh API tokens",
        description=(
            "Exchange a refresh token for a new access token and a new refresh token; the one sent is retired. "
            "Sending a retired refresh token again revokes every token of that sign-in (401 "
            "`refresh_token_reused`). Other errors: 401 `refresh_token_invalid`, `refresh_token_expired`, "
            "`refresh_token_revoked`, `token_wrong_tenant`; 403 when the membership is no longer active."
        ),
        request=RefreshTokenSerializer,
        responses={200: TokenPairSerializer, 401: ERRORS, 403: ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            pair = token_refresh(raw_refresh=serializer.validated_data["refresh"], tenant=request.tenant)  # type: ignore[attr-defined]
        except TokenError as exc:
            return _refused(exc)
        return _pair_response(pair)


class TokenRevokeView(TokenEndpoint):
    @extend_schema(
        summary="Sign out this device",
        description=(
            "Revoke the sign-in this refresh token belongs to: it and every refresh token of the same sign-in "
            "stop working. Access tokens already issued to it lapse within their 15 minutes. Idempotent. "
            "Errors: 401 `refresh_token_invalid`, `token_wrong_tenant`."
        ),
        request=RefreshTokenSerializer,
        responses={204: None, 401: ERRORS},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            token_family_revoke_by_refresh(raw_refresh=serializer.validated_data["refresh"], tenant=request.tenant)  # type: ignore[attr-defined]
        except TokenError as exc:
            return _refused(exc)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenRevokeAllView(TenantAPIView):
    tenant_access = "member"

    @extend_schema(
        summary="Sign out everywhere",
        description=(
            "Revoke every API token of the signed-in user, on every device and organisation: access tokens are "
            "refused at once and every refresh token stops working. Needs a signed-in member (session or "
            "access token); API keys are refused."
        ),
        request=None,
        responses={200: RevokedAllSerializer, 401: ERRORS, 403: ERRORS},
    )
    def post(self, request: Request) -> Response:
        revoked = user_tokens_revoke_all(user=request.user, acting_user=request.user)  # type: ignore[arg-type]
        return Response({"families_revoked": revoked})
