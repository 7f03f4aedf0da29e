"""Logos and favicons, kept as validated `data:` URLs in the tenant's own schema.

Why data URLs in a text column: Pillow is not installed, production serves no media files (whitenoise
serves static files only) and per-tenant file storage would need its own isolation and backups. A
small image in the row lives and dies with the tenant schema, is covered by history, and needs no
extra service. The content type is sniffed from the bytes (never taken from the upload), SVG is
refused when it could carry script, and sizes are capped (also by a database check).
"""

import base64
import binascii
import re
from typing import Any

from django.core.exceptions import ValidationError

MAX_LOGO_BYTES = 200 * 1024
MAX_FAVICON_BYTES = 50 * 1024
ALLOWED_EXTENSIONS = {"png", "jpg", "jpeg", "webp", "svg"}
DATA_URL_PREFIX = re.compile(r"^data:(image/(?:png|jpeg|webp|svg\+xml));base64,")
# The database check on the stored columns: a well-formed base64 data URL of an allowed type.
DATA_URL_DB_PATTERN = r"^data:image/(png|jpeg|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$"
# Anything in an SVG that could run script or pull content from elsewhere when opened as a document.
SVG_REFUSED = re.compile(
    r"<\s*(script|foreignobject|iframe|object|embed)\b|\bon[a-z]+\s*=|javascript:|<!entity|<!doctype|@import"
    r"|(?:xlink:)?href\s*=\s*[\"']\s*(?!#|data:image/)",
    re.IGNORECASE,
)


def data_url_max_length(max_bytes: int) -> int:
    """The longest data URL an image of `max_bytes` can become (for the database check)."""
    return len("data:image/svg+xml;base64,") + 4 * ((max_bytes + 2) // 3)


def _sniff(content: bytes) -> str | None:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp"
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        return "image/svg+xml"
    return None


def _svg_check(content: bytes) -> None:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValidationError("An SVG image must be UTF-8 text.", code="invalid_image") from exc
    if SVG_REFUSED.search(text):
        raise ValidationError(
            "This SVG contains scripts, event handlers, external links or entity declarations; "
            "export it as a plain SVG or use PNG.",
            code="unsafe_svg",
        )


def image_data_url(content: bytes, *, max_bytes: int) -> str:
    """Validate image bytes and return them as a data URL (sniffed type), or raise ValidationError."""
    if not content:
        raise ValidationError("The file is empty.", code="invalid_image")
    if len(content) > max_bytes:
        raise ValidationError(
            f"The image is {len(content) // 1024} KB; the limit is {max_bytes // 1024} KB.", code="image_too_large"
        )
    content_type = _sniff(content)
    if content_type is None:
        raise ValidationError("Upload a PNG, JPEG, WebP or SVG image.", code="invalid_image")
    if content_type == "image/svg+xml":
        _svg_check(content)
    return f"data:{content_type};base64,{base64.b64encode(content).decode('ascii')}"


def image_from_upload(upload: Any, *, max_bytes: int) -> str:
    """An uploaded file as a validated data URL (extension, size and sniffed content all checked)."""
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError("Upload a .png, .jpg, .webp or .svg file.", code="invalid_extension")
    if upload.size > max_bytes:
        raise ValidationError(
            f"The image is {upload.size // 1024} KB; the limit is {max_bytes // 1024} KB.", code="image_too_large"
        )
    return image_data_url(upload.read(), max_bytes=max_bytes)


def image_decode(value: str) -> tuple[str, bytes]:
    """(content type, bytes) of a stored data URL; ValueError when it is not one."""
    match = DATA_URL_PREFIX.match(value)
    if match is None:
        raise ValueError("not an image data URL")
    try:
        return match.group(1), base64.b64decode(value[match.end() :], validate=True)
    except binascii.Error as exc:
        raise ValueError("bad base64") from exc


def image_data_url_validate(value: str, *, max_bytes: int) -> str:
    """Check a data URL that came back from the browser (a previewed upload): decoded and re-validated."""
    try:
        _, content = image_decode(value)
    except ValueError as exc:
        raise ValidationError("The image could not be read; upload it again.", code="invalid_image") from exc
    return image_data_url(content, max_bytes=max_bytes)


def image_summary(value: str) -> str | None:
    """What the audit log keeps of an image: its type and size, not the bytes."""
    if not value:
        return None
    try:
        content_type, content = image_decode(value)
    except ValueError:
        return "unreadable"
    return f"{content_type}, {len(content)} bytes"
