"""What an uploaded file really is, and whether it may be kept: its type sniffed from the first bytes (magic
numbers), never trusted from the name or the browser's content type, and its size checked against a limit.

Every app that takes files (tasks, incidents, inspections, support, forms, chat) checks them here:

    content_type = upload_check(upload, accept=PHOTO_TYPES, max_bytes=10 * MB, field="photo")

Files are then stored through Django's storage API (`FileField`), so production can use object storage.
"""

import io
import zipfile
from collections.abc import Collection
from typing import Any

from .errors import refused

MB = 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/heic"})
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DOCUMENT_TYPES = frozenset({PDF, "text/csv", "text/plain", XLSX, DOCX})
ALL_TYPES = PHOTO_TYPES | DOCUMENT_TYPES
OOXML = {".xlsx": ("xl/", XLSX), ".docx": ("word/", DOCX)}
LABELS = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "image/heic": "HEIC",
    PDF: "PDF",
    "text/csv": "CSV",
    "text/plain": "plain text",
    XLSX: "Excel (.xlsx)",
    DOCX: "Word (.docx)",
}


def _image_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    return None


def _text_type(head: bytes, extension: str) -> str | None:
    if extension not in (".csv", ".txt") or b"\x00" in head:
        return None
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a multi-byte character cut at the end of the sample is still text
        if exc.start < len(head) - 3:
            return None
    return "text/csv" if extension == ".csv" else "text/plain"


def _ooxml_type(upload: Any, extension: str) -> str | None:
    if extension not in OOXML:
        return None
    prefix, content_type = OOXML[extension]
    upload.seek(0)
    try:
        with zipfile.ZipFile(io.BytesIO(upload.read())) as archive:
            names = archive.namelist()
    except zipfile.BadZipFile:
        return None
    finally:
        upload.seek(0)
    return content_type if "[Content_Types].xml" in names and any(n.startswith(prefix) for n in names) else None


def sniff(upload: Any) -> str | None:
    """The real content type of an uploaded file among `ALL_TYPES`, or None (not one we take)."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    name = str(getattr(upload, "name", "") or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    found = _image_type(head)
    if found:
        return found
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(upload, extension)
    return _text_type(head, extension)


def accepted_label(accept: Collection[str]) -> str:
    """'JPEG, PNG, WebP or HEIC' for people, in a stable order."""
    names = [
        LABELS.get(kind, kind) for kind in sorted(accept, key=lambda k: list(LABELS).index(k) if k in LABELS else 99)
    ]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def upload_check(upload: Any, *, accept: Collection[str], max_bytes: int, field: str | None = None) -> str:
    """The sniffed content type of an acceptable upload; else a refusal with code `attachment_empty`,
    `attachment_too_large` or `attachment_type`, naming the file and the limit."""
    name = getattr(upload, "name", "") or "The file"
    size = getattr(upload, "size", 0) or 0
    if size <= 0:
        raise refused(f"{name} is empty.", code="attachment_empty", field=field)
    if size > max_bytes:
        limit = f"{max_bytes // MB} MB" if max_bytes >= MB else f"{max_bytes // 1024} KB"
        raise refused(f"{name} is over the {limit} limit.", code="attachment_too_large", field=field)
    content_type = sniff(upload)
    if content_type is None or content_type not in accept:
        raise refused(f"{name}: attach {accepted_label(accept)} files only.", code="attachment_type", field=field)
    return content_type
