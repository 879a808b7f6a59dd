"""Property-based tests: no input, however strange, breaks a field type.

For every registered type: ``clean`` either returns a value or raises
``FieldError`` (never anything else); a returned value has plain JSON and
a text display; and reading a value back (from what is shown, or from
the value itself) gives the same value.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk import clock, postal
from kiosk.fields import REGISTRY, AttachmentValue, Choice, FieldError, FieldType
from kiosk.fields.attachment import AttachmentField
from tests.test_fields import check_message, make

# Modest budgets, so the whole file runs in a few seconds: the tests run
# once per field type, so each gets a few dozen examples. No deadline: the
# postal table loads at first use. The autouse per-test data directory is
# harmless to share between examples.
PER_TYPE = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
READ_BACK = settings(PER_TYPE, max_examples=40)
SINGLE = settings(PER_TYPE, max_examples=150)

CHOICES = (
    Choice("perte", {"fr": "Perte", "en": "Loss"}),
    Choice("vol", {"fr": "Vol", "en": "Theft"}),
    Choice("deterioration", {"fr": "Détérioration", "en": "Damage"}),
)

# Sensible constraints per type, as a procedure file would give them.
CONSTRAINTS: dict[str, dict[str, Any]] = {
    "text": {"min_length": 1, "max_length": 60},
    "long_text": {"max_length": 500},
    "name": {"max_length": 40},
    "integer": {"min": -1000, "max": 10**12, "unit": "km"},
    "decimal": {"min": -1000, "max": 10**11, "unit": "m"},
    "date": {"allow_unknown": True, "not_future": True, "min": "1900-01-01"},
    "multi_choice": {"min_count": 1, "max_count": 2},
    "attachment": {"max_bytes": 4096},
    "phone": {"mobile_only": False},
}


def field_for(type_: str, **overrides: Any) -> FieldType:
    cls = REGISTRY[type_]
    constraints = {**CONSTRAINTS.get(type_, {}), **overrides}
    return make(type_, choices=CHOICES if cls.has_choices else (), **constraints)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2025, 6, 15))


# -- strategies -------------------------------------------------------------------

ODD_TEXT = st.sampled_from(
    [
        "👍🏽",
        "👨‍👩‍👧",
        "مرحبا",
        "שלום",
        "\u202e0612345678",  # right-to-left override
        "\u200f",
        "\u200b",
        "\ufeff",
        "Ｆｕｌｌ",
        "𝟎𝟔𝟏𝟐",
        "٠٦١٢٣٤٥٦٧٨",
        "ß",
        "ﬁ",
        "İ",
        "e\u0301",
        "\x00",
        "\r\n",
        "\t",
        "\u00a0",
        "\u202f",
        "’",
        "2A",
        "2b",
        "00",
        "/",
        "+33",
        "0690",
        "h",
        ",",
        ".",
        "-",
        "@",
        "nan",
        "inf",
        "1e5",
        "yes",
        "non",
        "perte",
    ]
)
# Text made of the characters field types care about, so parsing gets far.
SHAPED_TEXT = st.text(alphabet="0123456789 +-./,:()hHAaBbZzIiOoQqUuSsWwé'’@", max_size=30)
MIXED_TEXT = st.lists(st.one_of(ODD_TEXT, SHAPED_TEXT, st.text(max_size=5)), max_size=6).map(
    "".join
)
ANY_TEXT = st.one_of(st.text(), SHAPED_TEXT, MIXED_TEXT)
NUMBERS = st.one_of(
    st.integers(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from([2**63, -(2**63), 10**20]),
    # More digits than str() converts (sys.get_int_max_str_digits); made in a map
    # because Hypothesis cannot even show such a number in a strategy's repr.
    st.integers(4301, 5000).map(lambda n: -(10**n) if n % 2 else 10**n),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1e6, max_value=1e6),
)
SCALARS = st.one_of(st.none(), st.booleans(), ANY_TEXT, NUMBERS, st.binary(max_size=20))
NESTED = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(st.text(max_size=8), inner, max_size=4),
    ),
    max_leaves=8,
)
ALL_PARTS = ("day", "month", "year", "street", "complement", "postal_code", "commune")


def parts_of(type_: str) -> st.SearchStrategy[dict[Any, Any]]:
    """Dicts of a compound input's parts (and some others) with random values."""
    parts = REGISTRY[type_].parts or ALL_PARTS
    part_value = st.one_of(SCALARS, st.sampled_from(["08000", "20000", "75001", "Ajaccio", "15"]))
    return st.one_of(
        st.fixed_dictionaries({p: part_value for p in parts}),
        st.dictionaries(st.sampled_from(parts), part_value, max_size=len(parts)),
        st.dictionaries(st.one_of(st.sampled_from(ALL_PARTS), st.text(max_size=5)), SCALARS),
    )


@cache  # a strategy is checked once, not at every draw
def anything(type_: str) -> st.SearchStrategy[Any]:
    return st.one_of(
        SCALARS,
        NESTED,
        parts_of(type_),
        st.lists(st.sampled_from([c.value for c in CHOICES] + ["autre", ""]), max_size=4),
    )


# -- properties for every type ------------------------------------------------------


def check_value(f: FieldType, value: Any) -> None:
    """A value that clean() returned has plain JSON and a text display."""
    json.dumps(f.to_json(value), allow_nan=False)
    json.dumps(f.condition_value(value), allow_nan=False)
    for locale in ("fr", "en"):
        assert isinstance(f.display(value, locale), str)
    if isinstance(value, float):
        assert math.isfinite(value)


def clean_or_field_error(f: FieldType, raw: Any) -> Any:
    """What clean() returns, or None after a well-formed FieldError. Anything else fails."""
    try:
        value = f.clean(raw)
    except FieldError as e:
        check_message(e)
        assert e.part is None or e.part in f.parts, (e.part, f.parts)
        return None
    if value is not None:
        check_value(f, value)
    return value


@pytest.mark.parametrize("type_", sorted(REGISTRY))
@PER_TYPE
@given(data=st.data())
def test_no_input_breaks_a_field_type(type_: str, data: st.DataObject) -> None:
    raw = data.draw(anything(type_), label="raw")
    clean_or_field_error(field_for(type_), raw)
    optional = make(type_, choices=CHOICES if REGISTRY[type_].has_choices else (), required=False)
    clean_or_field_error(optional, raw)


HUGE = [
    "0" * 30_000,
    "A" * 30_000,
    "06 " * 10_000,
    "1/" * 15_000,
    "a-" * 15_000 + "a",
    "a@" * 15_000,
    "a." * 15_000 + "@b",
    "👍🏽" * 10_000,
    "\u202e" + "é" * 30_000,
]


@pytest.mark.parametrize("type_", sorted(REGISTRY))
def test_huge_inputs_are_refused_quickly(type_: str) -> None:
    """No backtracking regular expression: each of these takes well under a second."""
    f = field_for(type_)
    for raw in HUGE:
        clean_or_field_error(f, raw)
        clean_or_field_error(f, {p: raw for p in f.parts} or [raw])


@SINGLE
@given(
    data=st.binary(max_size=64),
    prefix=st.sampled_from(
        [b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"%PDF-", b"RIFF\x00\x00\x00\x00WEBP"]
    ),
    name=st.text(max_size=200),
)
def test_no_bytes_break_an_attachment(data: bytes, prefix: bytes, name: str) -> None:
    for accept in (["image", "pdf"], ["pdf"], ["image"]):
        f = field_for("attachment", accept=accept)
        assert isinstance(f, AttachmentField)
        try:
            value = f.from_bytes(prefix + data, name)
        except FieldError as e:
            check_message(e)
            continue
        assert isinstance(value, AttachmentValue)
        assert value.filename.isprintable() and 0 < len(value.filename) <= 120
        assert value.size == len(prefix + data) <= 4096
        assert f.clean(value) is value
        check_value(f, value)


# -- reading a value back -------------------------------------------------------------


def nir_strategy() -> st.SearchStrategy[str]:
    def build(sex: str, year: int, month: int, dept: str, commune: int, order: int) -> str:
        first13 = f"{sex}{year:02d}{month:02d}{dept}{commune:03d}{order:03d}"
        corsica = {"2A": "19", "2B": "18"}.get(dept.upper(), dept)  # 2a is read as 2A
        number = first13[:5] + corsica + first13[7:]
        return f"{first13}{97 - int(number) % 97:02d}"

    return st.builds(
        build,
        st.sampled_from("1278"),
        st.integers(0, 99),
        st.integers(0, 99),
        st.one_of(
            st.sampled_from(["2A", "2B", "2a", "20"]), st.integers(0, 99).map("{:02d}".format)
        ),
        st.integers(0, 999),
        st.integers(0, 999),
    )


def spaced(s: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """The same text with spaces, dashes or dots between some characters."""
    return st.builds(
        lambda text, seps: "".join(
            c + (seps[i % len(seps)] if seps else "") for i, c in enumerate(text)
        ),
        s,
        st.lists(st.sampled_from(["", "", "", " ", "-", ".", "  "]), max_size=5),
    )


# Metropolitan prefixes 01 to 09, then every overseas one.
PREFIXES = [f"0{n}" for n in range(1, 10)] + [
    *("0590", "0690", "0691", "0594", "0694", "0596", "0696", "0697"),
    *("0262", "0263", "0692", "0693", "0269", "0639"),
]


def phone_strategy() -> st.SearchStrategy[str]:
    national = st.builds(
        lambda prefix, rest: (prefix + rest)[:10],
        st.sampled_from(PREFIXES),
        st.text("0123456789", min_size=8, max_size=9),
    )
    international = st.builds(
        lambda code, zero, n: f"{code} {zero}{n[1:]}",
        st.sampled_from(["+33", "0033", "+590", "+594", "+596", "+262", "+269", "+44", "(+33)"]),
        st.sampled_from(["", "(0)", "0 "]),
        national,
    )
    return st.one_of(spaced(national), national, international)


def date_strategy() -> st.SearchStrategy[Any]:
    day = st.integers(0, 32).map("{:02d}".format)
    month = st.integers(0, 13).map("{:02d}".format)
    year = st.one_of(st.integers(1840, 2030).map(str), st.sampled_from(["50", "0000", "99999"]))
    text = st.builds(
        lambda d, m, y, sep: sep.join([d, m, y]),
        day,
        month,
        year,
        st.sampled_from(["/", ".", "-", " "]),
    )
    boxes = st.fixed_dictionaries({"day": day, "month": month, "year": year})
    return st.one_of(text, boxes)


COMMUNES = [
    c
    for cp in ("08000", "20000", "20200", "75001", "97600", "01000")
    for c in postal.communes_for(cp)
]

LIKELY: dict[str, st.SearchStrategy[Any]] = {
    "neph": spaced(st.text("0123456789", min_size=11, max_size=13)),
    "timbre": spaced(st.text("0123456789", min_size=15, max_size=17)),
    "licence_number": spaced(st.text("0123456789ABCDEFabcdef", min_size=1, max_size=16)),
    "ephoto": spaced(st.text("0123456789ABCXYZabcxyz", min_size=20, max_size=23)),
    "preapplication": spaced(st.text("0123456789ABCXYZabcxyz", min_size=9, max_size=11)),
    "vin": spaced(st.text("0123456789ABCDEFGHJKLMNPRSTUVWXYZabcioq", min_size=16, max_size=18)),
    "formule": st.from_regex(r"20[0-3][0-9] ?[A-Za-z]{2} ?[0-9]{5}", fullmatch=True),
    "plate": st.one_of(
        spaced(st.from_regex(r"[A-Za-z]{2}[0-9]{3}[A-Za-z]{2}", fullmatch=True)),
        spaced(st.from_regex(r"[0-9]{1,4}[A-Za-z]{1,3}([0-9]{2}|2[ABab]|97[0-9])", fullmatch=True)),
    ),
    "nir": st.one_of(nir_strategy(), spaced(nir_strategy())),
    "phone": phone_strategy(),
    "date": date_strategy(),
    "time": st.from_regex(r"[0-9]{1,2} ?[:hH.]? ?([0-9]{2})?", fullmatch=True),
    "postal_code": st.sampled_from(["08000", "20000", "75001", "97100", "99999", "08 000"]),
    "department": st.one_of(
        st.integers(0, 99).map(str), st.sampled_from(["2A", "2b", "20", "971", "977"])
    ),
    "commune": st.builds(
        lambda c, how: {"postal_code": c.postal_code, "commune": how(c)},
        st.sampled_from(COMMUNES),
        st.sampled_from(
            [
                lambda c: c.name,
                lambda c: c.insee,
                lambda c: c.name.lower().replace("-", " "),
                lambda c: "",
            ]
        ),
    ),
    "address": st.builds(
        lambda street, c: {"street": street, "postal_code": c.postal_code, "commune": c.name},
        st.one_of(
            st.sampled_from(["12 rue de la Gare", "Lieu-dit Le Moulin", "3 bis"]),
            st.text(max_size=30),
        ),
        st.sampled_from(COMMUNES),
    ),
    "integer": st.one_of(
        st.integers(-(10**13), 10**13),
        st.integers(-(10**13), 10**13).map(lambda n: f"{n:,}".replace(",", " ")),
        st.integers(0, 10**12).map(lambda n: f"{n:,}".replace(",", ".")),
    ),
    "decimal": st.one_of(
        st.floats(-1e12, 1e12),
        st.from_regex(r"-?[0-9]{1,13}(,[0-9]{1,7})?", fullmatch=True),
    ),
    "name": st.text("aàéèçœæÉÈ- '’ñ0", min_size=1, max_size=45),
    "text": st.text(max_size=70),
    "long_text": st.text(max_size=600),
    "email": st.builds(
        "{}@{}.{}".format,
        st.text("aZ09._%+-'é ", min_size=1, max_size=8),
        st.text("aZ09-.", min_size=1, max_size=8),
        st.text("frFRcom1", max_size=4),
    ),
    "yes_no": st.one_of(
        st.booleans(), st.sampled_from(["yes", "no", "oui", "non", "True", "False", "O", "n"])
    ),
    "choice": st.sampled_from(["perte", "vol", " vol ", "autre"]),
    "multi_choice": st.lists(
        st.sampled_from(["perte", "vol", "deterioration", "autre"]), max_size=4
    ),
    "consent": st.sampled_from([True, False, "yes", "oui", "non"]),
}


def _same(value: Any) -> Any:
    return value


def _shown(f: FieldType) -> Callable[[Any], Any]:
    return lambda value: f.display(value, "fr")


def _parts_only(f: FieldType) -> Callable[[Any], Any]:
    return lambda value: {k: value[k] for k in f.parts}


# Identifiers (plates, NIR, VIN…) and codes read back from their value and from their display.
IDENTIFIERS = {t for t, cls in REGISTRY.items() if cls.__module__ == "kiosk.fields.identifiers"}


def readers(f: FieldType) -> list[Callable[[Any], Any]]:
    """The ways a value is given back to the field type and must read the same."""
    name = f.name
    if name in IDENTIFIERS or name in ("phone", "postal_code", "department"):
        return [_same, _shown(f)]
    if name in ("date", "time"):
        return [_shown(f)] + ([_same] if name == "time" else [])
    if name in ("integer", "decimal"):
        return [_same, lambda value: f.display(value, "fr").removesuffix(" km").removesuffix(" m")]
    if name in ("commune", "address"):
        return [_parts_only(f)]
    return [_same]


@pytest.mark.parametrize("type_", sorted(LIKELY))
@READ_BACK
@given(data=st.data())
def test_a_value_reads_back_as_itself(type_: str, data: st.DataObject) -> None:
    f = field_for(type_)
    raw = data.draw(LIKELY[type_], label="raw")
    value = clean_or_field_error(f, raw)
    if value is None:
        return
    for reader in readers(f):
        again = reader(value)
        assert f.clean(again) == value, (raw, value, again)


def test_every_type_reads_back() -> None:
    """A new field type needs its own likely inputs here."""
    assert set(LIKELY) == set(REGISTRY) - {"attachment"}


@SINGLE
@given(raw=phone_strategy())
def test_a_phone_number_is_e164(raw: str) -> None:
    value = clean_or_field_error(field_for("phone"), raw)
    if value is None:
        return
    assert value.startswith(("+33", "+590", "+594", "+596", "+262"))
    assert value[1:].isdigit() and value.isascii()
    assert len(value) == (12 if value.startswith("+33") else 13)
