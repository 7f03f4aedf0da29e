"""Running a request: start it, do the work with progress, complete or fail it (each step audited)."""

import logging
from typing import Any

from django.core.exceptions import ValidationError

from .erasure import gdpr_erase
from .export import gdpr_export_build, gdpr_export_expiry
from .models import GdprRequest, GdprRequestKind
from .services import (
    gdpr_request_complete,
    gdpr_request_fail,
    gdpr_request_progress,
    gdpr_request_reject,
    gdpr_request_start,
)

logger = logging.getLogger(__name__)


def gdpr_request_run(*, request_id: int, acting_user: Any = None) -> dict[str, Any]:
    request = GdprRequest.objects.select_related("subject").filter(pk=request_id).first()
    if request is None or request.status != GdprRequest.Status.RECEIVED:
        return {"skipped": True}
    if request.kind not in (GdprRequestKind.ACCESS, GdprRequestKind.ERASURE):
        return {"skipped": True, "reason": "rectification requests are completed by staff"}
    request = gdpr_request_start(request=request, acting_user=acting_user)

    def progress(percent: int, message: str) -> None:
        gdpr_request_progress(request, percent, message)

    try:
        if request.kind == GdprRequestKind.ACCESS:
            path, checksum, size = gdpr_export_build(request=request, progress=progress)
            gdpr_request_complete(
                request=request,
                acting_user=acting_user,
                progress_message="Export ready",
                result_path=str(path),
                result_checksum=checksum,
                result_size=size,
                result_expires_at=gdpr_export_expiry(),
            )
            return {"completed": True, "checksum": checksum}
        address = request.subject.email  # the confirmation goes where the person was, once they are erased
        try:
            summary = gdpr_erase(user=request.subject, acting_user=acting_user, progress=progress)
        except ValidationError as exc:  # a legal hold appeared since the request was received
            gdpr_request_reject(request=request, reason=" ".join(exc.messages), acting_user=acting_user)
            return {"rejected": True}
        gdpr_request_complete(
            request=request, acting_user=acting_user, progress_message="Erasure complete", notify_address=address
        )
        return {"completed": True, **summary}
    except Exception as exc:
        logger.exception("GDPR request %s failed", request.number)
        gdpr_request_fail(request=request, error=f"{exc.__class__.__name__}: {exc}", acting_user=acting_user)
        return {"failed": True}
