import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.uploads import MB, PDF, PHOTO_TYPES, accepted_label, sniff, upload_check

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_the_type_comes_from_the_bytes_not_the_name():
    assert sniff(SimpleUploadedFile("photo.pdf", PNG, content_type="application/pdf")) == "image/png"
    assert sniff(SimpleUploadedFile("notes.txt", "Prices seen: 1,99 €".encode())) == "text/plain"
    assert sniff(SimpleUploadedFile("program.exe", b"MZ\x90\x00")) is None


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (SimpleUploadedFile("empty.png", b""), "attachment_empty"),
        (SimpleUploadedFile("big.png", PNG + b"\x00" * MB), "attachment_too_large"),
        (SimpleUploadedFile("report.pdf", b"%PDF-1.7\n"), "attachment_type"),
    ],
)
def test_refusals_carry_a_code_and_the_field(upload, code):
    with pytest.raises(ValidationError) as refused:
        upload_check(upload, accept=PHOTO_TYPES, max_bytes=MB, field="photo")
    assert refused.value.error_dict["photo"][0].code == code


def test_an_accepted_file_gives_its_sniffed_type():
    upload = SimpleUploadedFile("shelf.jpeg", PNG)
    assert upload_check(upload, accept=PHOTO_TYPES | {PDF}, max_bytes=MB) == "image/png"
    assert accepted_label(PHOTO_TYPES) == "JPEG, PNG, WebP or HEIC"
