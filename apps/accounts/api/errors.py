"""Errors of the tenant API as JSON with a stable `code` next to the human `detail`.

Services raise Django's ValidationError with a code; this handler turns it into a 400 without each
view catching it. Views opt in with `CodedErrorsMixin` (DRF's default handler stays project-wide).
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


def _first(errors: Any) -> tuple[str, str]:
    """The first (message, code) of a DRF error structure (dict, list or ErrorDetail)."""
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        message, code = _first(value)
        return (message if key == "non_field_errors" else f"{key}: {message}"), code
    if isinstance(errors, list):
        return _first(errors[0])
    return str(errors), getattr(errors, "code", None) or "invalid"


def _from_django(exc: DjangoValidationError) -> Response:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for e in errs for m in e.messages] for name, errs in exc.error_dict.items()}
        name, first = next(iter(exc.error_dict.items()))
        code = first[0].code or "invalid"
        detail = f"{name}: {first[0].messages[0]}" if name != "__all__" else first[0].messages[0]
        return Response(
            {"detail": detail, "code": f"invalid_{name}" if code == "invalid" else code, "errors": fields},
            status=status.HTTP_400_BAD_REQUEST,
        )
    error = exc.error_list[0]
    return Response({"detail": error.messages[0], "code": error.code or "invalid"}, status=status.HTTP_400_BAD_REQUEST)


def coded_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return _from_django(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None, code=getattr(exc, "code", None))
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        detail, first_code = _first(exc.detail)
        response.data = {"detail": detail, "code": first_code, "errors": exc.detail}
    elif isinstance(response.data, dict) and "code" not in response.data:
        codes = exc.get_codes()
        response.data["code"] = codes if isinstance(codes, str) else "error"
    return response


class CodedErrorsMixin:
    """API views whose error bodies carry a `code`."""

    def get_exception_handler(self) -> Any:
        return coded_exception_handler
