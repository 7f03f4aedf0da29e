"""What an attachment really is: its type sniffed from the first bytes (magic numbers), not trusted
from the name or the browser's content type, and the size limits per kind."""

import io
import zipfile
from typing import Any

PHOTO_MAX_BYTES = 10 * 1024 * 1024
FILE_MAX_BYTES = 20 * 1024 * 1024
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp", "image/heic"}
FILE_TYPES = {
    "application/pdf",
    "text/csv",
    "text/plain",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
OOXML = {
    ".xlsx": ("xl/", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".docx": ("word/", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
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
    """The real content type of an uploaded file among those we take, or None (refused)."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    name = str(getattr(upload, "name", "") or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    found = _image_type(head)
    if found:
        return found
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        return _ooxml_type(upload, extension)
    return _text_type(head, extension)
