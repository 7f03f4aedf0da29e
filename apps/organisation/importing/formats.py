"""Reading an import file (CSV or JSON) into rows of four kinds; the format is in docs/import.md.

Only the shape of the file is checked here (encoding, header, record kinds, cell types): a problem
with the file as a whole raises `ImportFileError`, a problem with one row becomes that row's error
when it is validated.
"""

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any


class RecordKind:
    ENTITY = "entity"
    PERSON = "person"
    REPORTING_LINE = "reporting_line"
    ASSIGNMENT = "assignment"

    ALL = (ENTITY, PERSON, REPORTING_LINE, ASSIGNMENT)


# The columns of the CSV format, in the order of the sample; JSON objects use the same names.
COLUMNS = (
    "record", "external_id", "name", "type", "parent_external_id", "description",
    "email", "first_name", "last_name", "job_title", "employee_code", "entity_external_id",
    "manager_external_id", "role", "scope_external_id", "valid_from", "valid_until", "reason",
)  # fmt: skip

# Which columns each kind of record reads (`record` aside). A value in another column is noted.
KIND_COLUMNS: dict[str, tuple[str, ...]] = {
    RecordKind.ENTITY: ("external_id", "name", "type", "parent_external_id", "description"),
    RecordKind.PERSON: (
        "external_id", "email", "first_name", "last_name", "job_title", "employee_code",
        "entity_external_id", "manager_external_id",
    ),
    RecordKind.REPORTING_LINE: ("external_id", "manager_external_id"),
    RecordKind.ASSIGNMENT: (
        "external_id", "entity_external_id", "role", "scope_external_id", "valid_from", "valid_until", "reason",
    ),
}  # fmt: skip

# JSON: one list per kind.
JSON_SECTIONS = {
    "entities": RecordKind.ENTITY,
    "people": RecordKind.PERSON,
    "reporting_lines": RecordKind.REPORTING_LINE,
    "assignments": RecordKind.ASSIGNMENT,
}
FORMATS = ("csv", "json")


class ImportFileError(Exception):
    """The file cannot be read as an import at all (nothing is validated row by row)."""


@dataclass
class ImportRow:
    """One record of the file. `row` is the CSV line number, or the position in its JSON list."""

    row: int
    kind: str
    values: dict[str, str]
    problems: list[str] = field(default_factory=list)

    def get(self, column: str) -> str:
        return self.values.get(column, "")


def format_for_name(filename: str) -> str | None:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    return suffix if suffix in FORMATS else None


def text_decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text. Save it as UTF-8 (CSV UTF-8) and try again.") from None


def rows_parse(text: str, file_format: str) -> list[ImportRow]:
    if file_format == "csv":
        return rows_from_csv(text)
    if file_format == "json":
        return rows_from_json(text)
    raise ImportFileError(f"Unknown format “{file_format}”; use csv or json.")


def _expected_columns() -> str:
    return ", ".join(COLUMNS)


def _record_kind(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


def rows_from_csv(text: str) -> list[ImportRow]:
    reader = csv.DictReader(io.StringIO(text))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if not header:
        raise ImportFileError(f"The file is empty. The first line must name the columns: {_expected_columns()}.")
    unknown = [name for name in header if name not in COLUMNS]
    if "record" not in header or unknown:
        problem = f"unknown column(s) {', '.join(repr(n) for n in unknown)}" if unknown else "no “record” column"
        raise ImportFileError(f"Bad header: {problem}. Expected columns: {_expected_columns()}.")
    if len(set(header)) != len(header):
        raise ImportFileError("Bad header: a column is named twice.")
    reader.fieldnames = header
    rows = []
    for raw in reader:
        extra = raw.pop(None, None)  # type: ignore[call-overload]
        values = {name: (value or "").strip() for name, value in raw.items()}
        if not any(values.values()) and not extra:
            continue
        row = ImportRow(row=reader.line_num, kind=_record_kind(values.pop("record", "")), values=values)
        if extra and any(cell.strip() for cell in extra):
            row.problems.append("The row has more cells than the header has columns.")
        rows.append(row)
    return rows


def _json_cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list) and column == "entity_external_id":
        return ";".join(str(item) for item in value)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(column)
    return str(value).strip()


def _json_row(position: int, kind: str, item: Any) -> ImportRow:
    row = ImportRow(row=position, kind=kind, values={})
    if not isinstance(item, dict):
        row.problems.append("Each item must be an object of column names and values.")
        return row
    for column, value in item.items():
        if column not in COLUMNS or column == "record":
            row.problems.append(f"Unknown field “{column}”.")
            continue
        try:
            row.values[column] = _json_cell(column, value)
        except ValueError:
            row.problems.append(f"“{column}” must be text (or a list of texts for entity_external_id).")
    return row


def rows_from_json(text: str) -> list[ImportRow]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(f"The file is not valid JSON: {exc.msg} (line {exc.lineno}).") from None
    sections = ", ".join(JSON_SECTIONS)
    if not isinstance(document, dict):
        raise ImportFileError(f"The JSON file must be an object with the lists {sections}.")
    unknown = [key for key in document if key not in JSON_SECTIONS]
    if unknown:
        raise ImportFileError(f"Unknown key(s) {', '.join(repr(k) for k in unknown)}. Expected lists: {sections}.")
    rows = []
    for section, kind in JSON_SECTIONS.items():
        items = document.get(section)
        if items is None:
            items = []
        if not isinstance(items, list):
            raise ImportFileError(f"“{section}” must be a list.")
        rows += [_json_row(position, kind, item) for position, item in enumerate(items, start=1)]
    return rows
