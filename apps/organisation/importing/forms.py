from typing import Any

from django import forms

from .formats import ImportFileError, ImportRow, format_for_name, rows_parse, text_decode

# The portal validates and writes within the request: bigger imports use `manage.py import_directory`.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024
MAX_PORTAL_ROWS = 2000
# Writing costs some 100 queries per new person (account, membership, profile, entities, grants, audit):
# a few hundred changes fit in a request.
MAX_PORTAL_CHANGES = 300
FORMAT_CHOICES = [("", "From the file name"), ("csv", "CSV"), ("json", "JSON")]


class DirectoryImportForm(forms.Form):
    file = forms.FileField(
        help_text="A .csv or .json file of up to 2 MB and 2,000 rows, of which up to 300 create or update something."
    )
    file_format = forms.ChoiceField(choices=FORMAT_CHOICES, required=False, label="Format")

    text: str
    rows: list[ImportRow]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is None:
            return cleaned
        if upload.size > MAX_UPLOAD_BYTES:
            self.add_error("file", f"The file is larger than 2 MB ({upload.size // 1024} KB). Split it, or ask an "
                           "operator to run the import with manage.py import_directory.")  # fmt: skip
            return cleaned
        file_format = cleaned.get("file_format") or format_for_name(upload.name)
        if file_format is None:
            self.add_error("file_format", "Choose the format: the file name ends neither in .csv nor in .json.")
            return cleaned
        try:
            self.text = text_decode(upload.read())
            self.rows = rows_parse(self.text, file_format)
        except ImportFileError as exc:
            self.add_error("file", str(exc))
            return cleaned
        if not self.rows:
            self.add_error("file", "The file has a header but no rows.")
        elif len(self.rows) > MAX_PORTAL_ROWS:
            self.add_error("file", f"The file has {len(self.rows)} rows; the portal imports up to {MAX_PORTAL_ROWS}. "
                           "Split it, or ask an operator to run manage.py import_directory.")  # fmt: skip
        cleaned["file_format"] = file_format
        return cleaned
