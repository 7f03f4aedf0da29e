"""Shared by the admin and the portal: serving an export archive, and the signed download link."""

from pathlib import Path
from typing import Any

from django.core import signing
from django.http import FileResponse, Http404
from django.utils import timezone

from .export import export_root
from .models import GdprRequest

SALT = "gdpr.export-download"
LINK_MAX_AGE = 24 * 3600  # a link works for a day (and never after the archive expires)


def export_file_response(request_obj: GdprRequest) -> FileResponse:
    if not request_obj.download_ready:
        raise Http404("This export is not available (not ready, expired or not an export).")
    path = Path(request_obj.result_path).resolve()
    if export_root().resolve() not in path.parents or not path.exists():
        raise Http404("The archive file is missing.")
    response = FileResponse(path.open("rb"), as_attachment=True, filename=f"{request_obj.number}.zip",
                            content_type="application/zip")  # fmt: skip
    response["X-Checksum-SHA256"] = request_obj.result_checksum
    return response


def export_link_token(request_obj: GdprRequest) -> str:
    return signing.dumps({"r": str(request_obj.uuid), "u": str(request_obj.subject_id)}, salt=SALT)


def export_from_token(token: str, *, user_id: Any) -> GdprRequest:
    """The request of a valid, unexpired token, for this user only; else Http404."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.BadSignature as exc:
        raise Http404("This download link is invalid or has expired.") from exc
    if data.get("u") != str(user_id):
        raise Http404("This download link is not yours.")
    obj = GdprRequest.objects.filter(uuid=data.get("r"), subject_id=user_id).first()
    if obj is None or (obj.result_expires_at is not None and obj.result_expires_at <= timezone.now()):
        raise Http404("This export has expired.")
    return obj
