"""Field types: what they share, and the helpers the other test_fields_* files use."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kiosk.fields import (
    REGISTRY,
    REQUIRED,
    Choice,
    FieldError,
    FieldSpec,
    FieldType,
    make_field_type,
)

LABEL = {"fr": "x", "en": "x"}


def make(
    type_: str,
    choices: tuple[Choice, ...] = (),
    required: bool = True,
    example: dict[str, str] | None = None,
    **constraints: Any,
) -> FieldType:
    """A field type as a procedure file would define it."""
    spec = FieldSpec(
        id="f",
        type=type_,
        label=LABEL,
        example=example,
        required=required,
        constraints=constraints,
        choices=choices,
    )
    assert REGISTRY[type_].check_spec(spec) == [], REGISTRY[type_].check_spec(spec)
    return make_field_type(spec)


def check_message(e: FieldError) -> None:
    """Every error speaks French and English, never an empty string."""
    assert set(e.message) >= {"fr", "en"}, e.message
    assert all(isinstance(v, str) and v.strip() for v in e.message.values()), e.message
    assert e.text("fr") == e.message["fr"]
    assert e.text("en") == e.message["en"]


def error(f: FieldType, raw: Any) -> FieldError:
    """The FieldError that ``f.clean(raw)`` raises, its message checked."""
    with pytest.raises(FieldError) as info:
        f.clean(raw)
    check_message(info.value)
    return info.value


def roundtrip(f: FieldType, value: Any) -> None:
    """The value's JSON is plain JSON and its display is text."""
    json.dumps(f.to_json(value), allow_nan=False)
    for locale in ("fr", "en"):
        assert isinstance(f.display(value, locale), str)


COLOURS = (
    Choice("rouge", {"fr": "Rouge", "en": "Red"}),
    Choice("vert", {"fr": "Vert", "en": "Green"}),
    Choice("bleu", {"fr": "Bleu", "en": "Blue"}),
)


def test_the_registry_holds_every_documented_type() -> None:
    assert set(REGISTRY) == {
        "text",
        "long_text",
        "name",
        "integer",
        "decimal",
        "date",
        "time",
        "email",
        "phone",
        "postal_code",
        "commune",
        "address",
        "department",
        "yes_no",
        "choice",
        "multi_choice",
        "consent",
        "attachment",
        "neph",
        "licence_number",
        "ephoto",
        "plate",
        "vin",
        "formule",
        "timbre",
        "preapplication",
        "nir",
    }
    for name, cls in REGISTRY.items():
        assert cls.name == name


@pytest.mark.parametrize("type_", ["text", "name", "email", "phone", "nir", "date", "integer"])
@pytest.mark.parametrize("raw", [None, "", "   ", "\u00a0\t"])
def test_an_empty_required_answer_is_required(type_: str, raw: Any) -> None:
    e = error(make(type_), raw)
    assert e.message == REQUIRED
    assert e.part is None


@pytest.mark.parametrize("type_", ["text", "name", "email", "phone", "nir", "date", "integer"])
def test_an_empty_optional_answer_is_none(type_: str) -> None:
    f = make(type_, required=False)
    assert f.clean(None) is None
    assert f.clean("  ") is None
    assert f.display(None, "fr") == ""


def test_an_empty_compound_answer_is_empty() -> None:
    assert make("address", required=False).clean({"street": "", "postal_code": " "}) is None
    assert make("date", required=False).clean({"day": "", "month": "", "year": ""}) is None
    assert error(make("commune"), {"postal_code": "", "commune": ""}).message == REQUIRED


def test_the_required_message_speaks_both_languages() -> None:
    check_message(FieldError(REQUIRED))


def test_unknown_constraints_are_problems_of_the_spec() -> None:
    spec = FieldSpec(id="f", type="neph", label=LABEL, constraints={"max_length": 3})
    [problem] = REGISTRY["neph"].check_spec(spec)
    assert "unknown constraint 'max_length'" in problem


def test_choices_are_needed_by_choice_types_only() -> None:
    spec = FieldSpec(id="f", type="choice", label=LABEL)
    assert any("needs 'choices'" in p for p in REGISTRY["choice"].check_spec(spec))
    spec = FieldSpec(id="f", type="text", label=LABEL, choices=COLOURS)
    assert any("takes no 'choices'" in p for p in REGISTRY["text"].check_spec(spec))


@pytest.mark.parametrize("raw", [["a"], {"a": "b"}, b"abc", object(), True])
def test_text_types_refuse_what_cannot_be_typed(raw: Any) -> None:
    for type_ in ("text", "name", "email", "neph", "vin", "postal_code"):
        error(make(type_), raw)


@pytest.mark.parametrize("raw", ["ab\x00c", "ab\x1bc", "ab\ue000c", "ab\u0378c"])
def test_invisible_characters_are_refused_kindly(raw: str) -> None:
    e = error(make("text"), raw)
    assert "invisible" in e.message["en"]


def test_a_huge_integer_is_an_input_error_not_a_crash() -> None:
    # str() refuses to convert integers of more than 4300 digits.
    for type_ in ("text", "integer", "decimal", "neph"):
        e = error(make(type_), 10**5000)
        assert "too long" in e.message["en"]
