"""A form's schema and the answers to it, checked without the database.

The schema (a template's working copy, a version's frozen copy) is

    {"sections": [{"title": "Shelf", "fields": [
        {"key": "shelf_share", "label": "Shelf share", "type": "number", "required": true,
         "help_text": "", "config": {"unit": "%", "min": 0, "max": 100}},
        ...]}]}

`schema_check` refuses what cannot be published (a message per field key, each with a code);
`answers_check` validates a submission's answers against its version: types, required fields (only when
shown: a field hidden by its condition is neither required nor kept), ranges, choices, photo counts, and
computes the computed fields with a small expression evaluator (+ - * / and parentheses over number
fields; never `eval`).
"""

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime, parse_time

from .models import FILE_TYPES, FieldType

KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
NUMERIC_TYPES = (FieldType.NUMBER, FieldType.RATING, FieldType.COMPUTED)
CHOICE_TYPES = (FieldType.SINGLE_CHOICE, FieldType.MULTIPLE_CHOICE)
MAX_FIELDS = 200
MAX_TEXT = 5000
DEFAULT_MAX_PHOTOS = 5
PHOTO_LIMIT = 20
DEFAULT_SCALE = 5

Errors = dict[str, list[tuple[str, str]]]  # field key -> [(message, code)]


def _add(errors: Errors, key: str, message: str, code: str) -> None:
    errors.setdefault(key, []).append((message, code))


# --- formulas ----------------------------------------------------------------------------------------

TOKEN_RE = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([a-z][a-z0-9_]*)|(.))")


class FormulaError(ValueError):
    pass


@dataclass(frozen=True)
class Node:
    op: str  # "num", "ref", "+", "-", "*", "/", "neg"
    value: Any = None
    left: "Node | None" = None
    right: "Node | None" = None


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = TOKEN_RE.match(text, position)
        if match is None:  # pragma: no cover - the pattern always matches one character
            raise FormulaError("Unreadable formula.")
        number, name, other = match.groups()
        if number is not None:
            found.append(("num", number))
        elif name is not None:
            found.append(("ref", name))
        elif other is not None and other.strip():
            if other not in "+-*/()":
                raise FormulaError(f"“{other}” is not allowed: use + - * / and parentheses over field keys.")
            found.append(("op", other))
        position = match.end()
    return found


def formula_parse(text: str) -> Node:
    """The expression tree of `text`, or FormulaError (a readable reason)."""
    if not isinstance(text, str) or not text.strip():
        raise FormulaError("Write a formula, e.g. facings * price.")
    if len(text) > 500:
        raise FormulaError("A formula is at most 500 characters.")
    tokens = _tokens(text)
    position = 0

    def peek() -> tuple[str, str] | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal position
        if position >= len(tokens):
            raise FormulaError("The formula ends too early.")
        position += 1
        return tokens[position - 1]

    def expression() -> Node:
        node = term()
        while peek() in (("op", "+"), ("op", "-")):
            node = Node(take()[1], left=node, right=term())
        return node

    def term() -> Node:
        node = factor()
        while peek() in (("op", "*"), ("op", "/")):
            node = Node(take()[1], left=node, right=factor())
        return node

    def factor() -> Node:
        kind, value = take()
        if (kind, value) == ("op", "-"):
            return Node("neg", left=factor())
        if (kind, value) == ("op", "("):
            node = expression()
            if take() != ("op", ")"):
                raise FormulaError("A parenthesis is not closed.")
            return node
        if kind == "num":
            return Node("num", Decimal(value))
        if kind == "ref":
            return Node("ref", value)
        raise FormulaError(f"Unexpected “{value}”.")

    tree = expression()
    if position != len(tokens):
        raise FormulaError(f"Unexpected “{tokens[position][1]}”.")
    return tree


def formula_refs(node: Node) -> Iterator[str]:
    if node.op == "ref":
        yield node.value
    for child in (node.left, node.right):
        if child is not None:
            yield from formula_refs(child)


def formula_eval(node: Node, values: dict[str, Any]) -> Decimal | None:
    """The value, or None when a referenced field has no value or a division is by zero."""
    if node.op == "num":
        return node.value  # type: ignore[no-any-return]
    if node.op == "ref":
        value = values.get(node.value)
        return None if value is None or isinstance(value, bool) else Decimal(str(value))
    left = formula_eval(node.left, values) if node.left is not None else None
    if node.op == "neg":
        return None if left is None else -left
    right = formula_eval(node.right, values) if node.right is not None else None
    if left is None or right is None:
        return None
    if node.op == "+":
        return left + right
    if node.op == "-":
        return left - right
    if node.op == "*":
        return left * right
    return None if right == 0 else left / right


# --- the schema --------------------------------------------------------------------------------------


def fields_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Every field in order, each with its section's title as "section"."""
    found = []
    for section in (schema or {}).get("sections") or []:
        for field in section.get("fields") or []:
            found.append({**field, "section": section.get("title", "")})
    return found


def schema_normalise(raw: Any) -> dict[str, Any]:
    """The shape the builder stores (sections of fields, known keys only), whatever it was given."""
    sections = []
    for section in (raw or {}).get("sections") or [] if isinstance(raw, dict) else []:
        if not isinstance(section, dict):
            continue
        fields: list[dict[str, Any]] = []
        for field in section.get("fields") or []:
            if not isinstance(field, dict):
                continue
            fields.append({
                "key": str(field.get("key") or "").strip(), "label": str(field.get("label") or "").strip()[:200],
                "type": str(field.get("type") or ""), "required": bool(field.get("required")),
                "help_text": str(field.get("help_text") or "")[:300],
                "config": field.get("config") if isinstance(field.get("config"), dict) else {},
            })  # fmt: skip
        sections.append({"title": str(section.get("title") or "").strip()[:200], "fields": fields})
    return {"sections": sections}


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None or value == "":
        return None
    try:
        found = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def _options_check(errors: Errors, key: str, config: dict[str, Any]) -> None:
    options = config.get("options")
    if not isinstance(options, list) or not options:
        _add(errors, key, "A choice field needs at least one option.", "options_required")
        return
    values = [o.get("value") if isinstance(o, dict) else None for o in options]
    if any(not isinstance(v, str) or not v.strip() for v in values):
        _add(errors, key, "Every option has a value (and a label).", "invalid_option")
    elif len(set(values)) != len(values):
        _add(errors, key, "Option values are unique.", "duplicate_option")


def _condition_check(errors: Errors, key: str, condition: Any, earlier: dict[str, dict[str, Any]]) -> None:
    if not isinstance(condition, dict) or not isinstance(condition.get("field"), str):
        _add(errors, key, 'A condition is {"field": key, "equals" | "in" | "filled": …}.', "invalid_condition")
        return
    if condition["field"] not in earlier:
        _add(errors, key, f"The condition must point to an earlier field (“{condition['field']}” is not one).",
             "condition_field")  # fmt: skip
        return
    tests = [name for name in ("equals", "in", "filled") if name in condition]
    if len(tests) != 1:
        _add(errors, key, "A condition tests exactly one of equals, in or filled.", "invalid_condition")
    elif tests[0] == "in" and not isinstance(condition["in"], list):
        _add(errors, key, "“in” takes a list of values.", "invalid_condition")


def _config_check(errors: Errors, key: str, kind: str, config: dict[str, Any], earlier: dict[str, Any]) -> None:
    if kind in (FieldType.NUMBER, FieldType.COMPUTED):
        low, high = _number(config.get("min")), _number(config.get("max"))
        if (config.get("min") not in (None, "") and low is None) or (
            config.get("max") not in (None, "") and high is None
        ):
            _add(errors, key, "Min and max are numbers.", "invalid_range")
        elif low is not None and high is not None and low > high:
            _add(errors, key, "Min is at most max.", "invalid_range")
    if kind in CHOICE_TYPES:
        _options_check(errors, key, config)
    if kind == FieldType.PHOTO:
        low, high = config.get("min_photos", 0), config.get("max_photos", DEFAULT_MAX_PHOTOS)
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= PHOTO_LIMIT and high >= 1):
            _add(errors, key, f"Photos: 0 ≤ min ≤ max ≤ {PHOTO_LIMIT}, and max at least 1.", "invalid_photo_limits")
    if kind == FieldType.RATING:
        scale = config.get("scale", DEFAULT_SCALE)
        if not isinstance(scale, int) or not 2 <= scale <= 10:
            _add(errors, key, "A rating's scale is 2 to 10.", "invalid_scale")
    if kind == FieldType.TEXT and config.get("pattern"):
        try:
            re.compile(str(config["pattern"]))
        except re.error:
            _add(errors, key, "The pattern is not a valid regular expression.", "invalid_pattern")
    if kind == FieldType.COMPUTED:
        try:
            refs = set(formula_refs(formula_parse(config.get("formula", ""))))
        except FormulaError as exc:
            _add(errors, key, str(exc), "invalid_formula")
        else:
            for ref in sorted(refs):
                if ref not in earlier:
                    _add(errors, key, f"The formula uses “{ref}”, which is not an earlier field.", "formula_field")
                elif earlier[ref]["type"] not in NUMERIC_TYPES:
                    _add(errors, key, f"The formula uses “{ref}”, which is not a number.", "formula_not_number")
    if "condition" in config and config["condition"] not in (None, {}):
        _condition_check(errors, key, config["condition"], earlier)


def schema_check(schema: dict[str, Any]) -> Errors:
    """What stops `schema` from being published, by field key ("__all__" for the form): unique keys,
    known types, labels, conditions and formulas pointing to earlier fields (formulas to numbers)."""
    errors: Errors = {}
    fields = fields_of(schema)
    if not fields:
        _add(errors, "__all__", "Add at least one field before publishing.", "fields_required")
    if len(fields) > MAX_FIELDS:
        _add(errors, "__all__", f"A form has at most {MAX_FIELDS} fields.", "too_many_fields")
    earlier: dict[str, dict[str, Any]] = {}
    for position, field in enumerate(fields):
        key = field.get("key") or f"#{position + 1}"
        if not KEY_RE.match(str(field.get("key") or "")):
            _add(errors, key, "A key is lower-case letters, digits and _ (starting with a letter, 60 at most).",
                 "invalid_key")  # fmt: skip
        elif key in earlier:
            _add(errors, key, f"The key “{key}” is used twice.", "duplicate_key")
        if not field.get("label"):
            _add(errors, key, "Every field has a label.", "label_required")
        kind = field.get("type")
        if kind not in FieldType.values:
            _add(errors, key, f"Unknown field type “{kind}”.", "invalid_field_type")
        else:
            _config_check(errors, key, kind, field.get("config") or {}, earlier)
        if kind == FieldType.COMPUTED and field.get("required"):
            _add(errors, key, "A computed field is computed, never required of people.", "computed_required")
        earlier.setdefault(key, field)
    return errors


# --- answers -----------------------------------------------------------------------------------------


def _shown(field: dict[str, Any], answers: dict[str, Any], shown: set[str]) -> bool:
    condition = (field.get("config") or {}).get("condition")
    if not condition:
        return True
    source = condition.get("field")
    if source not in shown:  # the field it depends on is hidden: so is this one
        return False
    value = answers.get(source)
    if "filled" in condition:
        return _filled(value) == bool(condition["filled"])
    if "in" in condition:
        wanted = condition["in"]
        return any(v in wanted for v in value) if isinstance(value, list) else value in wanted
    wanted = condition.get("equals")
    return wanted in value if isinstance(value, list) else value == wanted


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {})


def _clean_number(field: dict[str, Any], value: Any) -> tuple[Any, str, str]:
    """(clean value, error message, code)."""
    number = _number(value)
    if number is None:
        return None, "Enter a number.", "invalid_number"
    config = field.get("config") or {}
    low, high = _number(config.get("min")), _number(config.get("max"))
    unit = f" {config['unit']}" if config.get("unit") else ""
    if low is not None and number < low:
        return None, f"At least {low}{unit}.", "below_min"
    if high is not None and number > high:
        return None, f"At most {high}{unit}.", "above_max"
    if config.get("integer") and number != number.to_integral_value():
        return None, "Enter a whole number.", "not_integer"
    return (int(number) if number == number.to_integral_value() and abs(number) < 2**53 else float(number)), "", ""


def _clean_value(field: dict[str, Any], value: Any) -> tuple[Any, str, str]:
    kind, config = field["type"], field.get("config") or {}
    if kind == FieldType.NUMBER:
        return _clean_number(field, value)
    if kind == FieldType.TEXT:
        if not isinstance(value, str):
            return None, "Enter text.", "invalid_text"
        value = value.strip()
        limit = int(config.get("max_length") or MAX_TEXT)
        if len(value) > min(limit, MAX_TEXT):
            return None, f"At most {min(limit, MAX_TEXT)} characters.", "too_long"
        if config.get("min_length") and len(value) < int(config["min_length"]):
            return None, f"At least {config['min_length']} characters.", "too_short"
        if config.get("pattern") and not re.fullmatch(str(config["pattern"]), value):
            return None, config.get("pattern_message") or "Not in the expected format.", "pattern"
        return value, "", ""
    if kind == FieldType.SINGLE_CHOICE:
        allowed = [o["value"] for o in config.get("options") or []]
        if not isinstance(value, str) or value not in allowed:
            return None, f"Choose one of: {', '.join(allowed)}.", "invalid_choice"
        return value, "", ""
    if kind == FieldType.MULTIPLE_CHOICE:
        allowed = [o["value"] for o in config.get("options") or []]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or any(not isinstance(v, str) or v not in allowed for v in value):
            return None, f"Choose among: {', '.join(allowed)}.", "invalid_choice"
        value = [v for v in allowed if v in value]  # the options' order, once each
        if config.get("max_choices") and len(value) > int(config["max_choices"]):
            return None, f"Choose at most {config['max_choices']}.", "too_many_choices"
        if config.get("min_choices") and len(value) < int(config["min_choices"]):
            return None, f"Choose at least {config['min_choices']}.", "too_few_choices"
        return value, "", ""
    if kind == FieldType.RATING:
        scale = int(config.get("scale") or DEFAULT_SCALE)
        number = _number(value)
        if number is None or number != number.to_integral_value() or not 1 <= number <= scale:
            return None, f"Rate from 1 to {scale}.", "invalid_rating"
        return int(number), "", ""
    if kind == FieldType.DATE:
        parsed = parse_date(value) if isinstance(value, str) else None
        return (parsed.isoformat(), "", "") if parsed else (None, "Enter a date (YYYY-MM-DD).", "invalid_date")
    if kind == FieldType.TIME:
        try:
            parsed_time = parse_time(value) if isinstance(value, str) else None
        except ValueError:
            parsed_time = None
        if parsed_time is None:
            return None, "Enter a time (HH:MM).", "invalid_time"
        return parsed_time.isoformat(timespec="minutes"), "", ""
    if kind == FieldType.DATETIME:
        try:
            moment = parse_datetime(value) if isinstance(value, str) else None
        except ValueError:
            moment = None
        if moment is None:
            return None, "Enter a date and time (ISO 8601 with its offset).", "invalid_datetime"
        if moment.tzinfo is None:
            return None, "Give the time's offset, e.g. 2026-12-06T09:30:00+11:00.", "timezone_required"
        return moment.astimezone(datetime.UTC).isoformat(), "", ""
    if kind == FieldType.LOCATION:
        if not isinstance(value, dict):
            return None, 'A location is {"lat": …, "lng": …}.', "invalid_location"
        lat, lng = _number(value.get("lat")), _number(value.get("lng"))
        if lat is None or lng is None or not (-90 <= lat <= 90 and -180 <= lng <= 180):
            return None, "Latitude -90…90 and longitude -180…180.", "invalid_location"
        clean = {"lat": float(lat), "lng": float(lng)}
        accuracy = _number(value.get("accuracy"))
        if accuracy is not None and accuracy >= 0:
            clean["accuracy"] = float(accuracy)
        return clean, "", ""
    return None, "This field takes no value.", "invalid_value"  # pragma: no cover - every type is above


def photo_limits(field: dict[str, Any]) -> tuple[int, int]:
    """(min, max) files of a photo or signature field."""
    if field["type"] == FieldType.SIGNATURE:
        return (1 if field.get("required") else 0), 1
    config = field.get("config") or {}
    low = int(config.get("min_photos") or 0)
    high = int(config.get("max_photos") or DEFAULT_MAX_PHOTOS)
    return (max(low, 1) if field.get("required") else low), high


def _computed(field: dict[str, Any], values: dict[str, Any]) -> Any:
    try:
        result = formula_eval(formula_parse((field.get("config") or {}).get("formula", "")), values)
    except FormulaError:
        return None
    if result is None:
        return None
    decimals = (field.get("config") or {}).get("decimals", 2)
    rounded = round(result, int(decimals) if isinstance(decimals, int) and 0 <= decimals <= 6 else 2)
    return int(rounded) if rounded == rounded.to_integral_value() else float(rounded)


def answers_check(
    schema: dict[str, Any], answers: Any, *, files: dict[str, int] | None = None, complete: bool = True
) -> tuple[dict[str, Any], Errors]:
    """(clean answers, errors by field key) of `answers` on `schema`; `files` counts each file field's files.

    `complete`: a submission (required fields, photo minimums, hidden answers dropped). Otherwise a draft:
    only what is given is checked for its type, and nothing is required yet."""
    errors: Errors = {}
    files = files or {}
    if not isinstance(answers, dict):
        return {}, {"__all__": [("Answers are an object {field key: value}.", "invalid_answers")]}
    fields = fields_of(schema)
    known = {f["key"]: f for f in fields}
    for key in answers:
        if key not in known:
            _add(errors, str(key), f"This form has no field “{key}”.", "unknown_field")
    clean: dict[str, Any] = {}
    shown: set[str] = set()
    for field in fields:
        key, kind = field["key"], field["type"]
        visible = _shown(field, clean, shown)
        if visible:
            shown.add(key)
        elif complete:
            continue  # hidden: not required, and its answer (if any) is dropped
        if kind == FieldType.COMPUTED:
            value = _computed(field, clean)
            if value is not None:
                clean[key] = value
            continue
        if kind in FILE_TYPES:
            count, (low, high) = files.get(key, 0), photo_limits(field)
            if key in answers and answers[key] not in (None, [], ""):
                _add(errors, key, "Photos and signatures are uploaded as files, not answers.", "file_expected")
            if count > high:
                _add(errors, key, f"At most {high} file(s).", "too_many_photos")
            elif complete and count < low:
                code = "required" if count == 0 and field.get("required") else "too_few_photos"
                _add(
                    errors, key, "This field is required." if code == "required" else f"At least {low} photo(s).", code
                )
            continue
        value = answers.get(key)
        if not _filled(value):
            if complete and field.get("required"):
                _add(errors, key, "This field is required.", "required")
            continue
        cleaned, message, code = _clean_value(field, value)
        if message:
            _add(errors, key, message, code)
        else:
            clean[key] = cleaned
    return clean, errors
