"""What an incident's attachment really is: its type sniffed from the first bytes (magic numbers), never
trusted from the file name or the browser's content type, and the limits."""

from typing import Any

MAX_BYTES = 10 * 1024 * 1024
MAX_PER_INCIDENT = 20
HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
ACCEPTED = "JPEG, PNG, WebP or HEIC photos, or PDF documents"


def sniff(upload: Any) -> str | None:
    """The real content type among those taken (photos and PDF), or None (refused)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None
