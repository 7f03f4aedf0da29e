"""The schema and answer rules without the database: formulas, conditions, types, photo counts."""

from decimal import Decimal

import pytest

from apps.forms.schema import FormulaError, answers_check, formula_eval, formula_parse, schema_check

from .conftest import STORE_VISIT


def codes(errors):
    return {key: [code for _, code in items] for key, items in errors.items()}


def test_formula_evaluator_is_arithmetic_only():
    tree = formula_parse("(a + b) * 2 - c / 4")
    assert formula_eval(tree, {"a": 1, "b": 2, "c": 8}) == Decimal(4)
    assert formula_eval(formula_parse("-a"), {"a": 3}) == Decimal(-3)
    assert formula_eval(formula_parse("a / b"), {"a": 1, "b": 0}) is None
    assert formula_eval(formula_parse("a + b"), {"a": 1}) is None
    for bad in ("__import__('os')", "a ** 2", "a +", "(a", "a b", "", "1; 2"):
        with pytest.raises(FormulaError):
            formula_parse(bad)


def test_schema_check_names_each_problem():
    assert schema_check(STORE_VISIT) == {}
    broken = {"sections": [{"title": "", "fields": [
        {"key": "a", "label": "A", "type": "text", "config": {"condition": {"field": "b", "equals": "x"}}},
        {"key": "b", "label": "B", "type": "number"},
        {"key": "b", "label": "B again", "type": "number"},
        {"key": "t", "label": "T", "type": "computed", "config": {"formula": "a * b"}},
        {"key": "c", "label": "C", "type": "single_choice", "config": {"options": []}},
        {"key": "Bad-Key", "label": "", "type": "nope"},
        {"key": "r", "label": "R", "type": "number", "config": {"min": 5, "max": 1}},
        {"key": "p", "label": "P", "type": "photo", "config": {"min_photos": 4, "max_photos": 2}},
    ]}]}  # fmt: skip
    found = codes(schema_check(broken))
    assert found["a"] == ["condition_field"]
    assert found["b"] == ["duplicate_key"]
    assert found["t"] == ["formula_not_number"]
    assert found["c"] == ["options_required"]
    assert set(found["Bad-Key"]) == {"invalid_key", "label_required", "invalid_field_type"}
    assert found["r"] == ["invalid_range"] and found["p"] == ["invalid_photo_limits"]
    assert codes(schema_check({"sections": []})) == {"__all__": ["fields_required"]}


def test_answers_typed_ranged_and_computed():
    clean, errors = answers_check(STORE_VISIT, {"shelf_share": "34.5", "facings": 12, "price": "2.5",
                                                "compliant": "yes", "rating": 4}, files={"photos": 1})  # fmt: skip
    assert errors == {}
    assert clean == {"shelf_share": 34.5, "facings": 12, "price": 2.5, "value": 30, "compliant": "yes", "rating": 4}
    _, errors = answers_check(STORE_VISIT, {"shelf_share": 140, "facings": 1.5, "price": "x", "compliant": "maybe",
                                            "rating": 9, "extra": 1}, files={"photos": 4})  # fmt: skip
    assert codes(errors) == {"shelf_share": ["above_max"], "facings": ["not_integer"], "price": ["invalid_number"],
                             "compliant": ["invalid_choice"], "rating": ["invalid_rating"],
                             "photos": ["too_many_photos"], "extra": ["unknown_field"]}  # fmt: skip


def test_conditional_field_required_only_when_shown_and_dropped_when_hidden():
    base = {"shelf_share": 10, "facings": 1, "files": None}
    base.pop("files")
    _, errors = answers_check(STORE_VISIT, {**base, "compliant": "no"}, files={"photos": 1})
    assert codes(errors) == {"why_not": ["required"]}
    clean, errors = answers_check(STORE_VISIT, {**base, "compliant": "yes", "why_not": "stale"}, files={"photos": 1})
    assert errors == {} and "why_not" not in clean


def test_drafts_are_checked_for_types_only():
    clean, errors = answers_check(STORE_VISIT, {"shelf_share": 5}, complete=False)
    assert errors == {} and clean == {"shelf_share": 5}
    _, errors = answers_check(STORE_VISIT, {"shelf_share": "lots"}, complete=False)
    assert codes(errors) == {"shelf_share": ["invalid_number"]}
    _, errors = answers_check(STORE_VISIT, {}, files={"photos": 0})
    assert set(codes(errors)) == {"shelf_share", "facings", "compliant", "photos"}
