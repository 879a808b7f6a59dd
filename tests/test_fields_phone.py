"""Phone numbers: French and overseas, normalised to E.164, shown 06 12 34 56 78."""

from __future__ import annotations

from typing import Any

import pytest

from tests.test_fields import error, make, roundtrip


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("0612345678", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        (" 07 98 76 54 32 ", "+33798765432"),
        ("01 23 45 67 89", "+33123456789"),
        ("09 72 00 00 00", "+33972000000"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33612345678", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("+33 0 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("0033 (0)6 12 34 56 78", "+33612345678"),
        ("(+33) 6 12 34 56 78", "+33612345678"),
    ],
)
def test_metropolitan_numbers(raw: str, value: str) -> None:
    f = make("phone")
    assert f.clean(raw) == value
    roundtrip(f, value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        # Guadeloupe, Saint-Martin, Saint-Barthélemy
        ("0590 12 34 56", "+590590123456"),
        ("0690 12 34 56", "+590690123456"),
        ("0691 12 34 56", "+590691123456"),
        ("+590 690 12 34 56", "+590690123456"),
        ("+590 (0)690 12 34 56", "+590690123456"),
        # Guyane
        ("0594 12 34 56", "+594594123456"),
        ("0694 12 34 56", "+594694123456"),
        ("+594 594 12 34 56", "+594594123456"),
        # Martinique
        ("0596 12 34 56", "+596596123456"),
        ("0696 12 34 56", "+596696123456"),
        ("0697 12 34 56", "+596697123456"),
        # La Réunion
        ("0262 12 34 56", "+262262123456"),
        ("0263 12 34 56", "+262263123456"),
        ("0692 12 34 56", "+262692123456"),
        ("0693 12 34 56", "+262693123456"),
        ("+262 692 12 34 56", "+262692123456"),
        ("00262 692 12 34 56", "+262692123456"),
        # Mayotte: +262 now; its former +269 is read as +262
        ("0269 12 34 56", "+262269123456"),
        ("0639 12 34 56", "+262639123456"),
        ("+262 639 12 34 56", "+262639123456"),
        ("+269 639 12 34 56", "+262639123456"),
        ("+269 269 12 34 56", "+262269123456"),
        # +33 before an overseas number: the prefix says where it is
        ("+33 6 90 12 34 56", "+590690123456"),
        ("+33 (0)6 92 12 34 56", "+262692123456"),
    ],
)
def test_overseas_numbers(raw: str, value: str) -> None:
    f = make("phone")
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("+33612345678", "06 12 34 56 78"),
        ("+33123456789", "01 23 45 67 89"),
        ("+590690123456", "06 90 12 34 56"),
        ("+262262123456", "02 62 12 34 56"),
        ("+262639123456", "06 39 12 34 56"),
    ],
)
def test_display_is_the_french_way(value: str, shown: str) -> None:
    f = make("phone")
    assert f.display(value, "fr") == shown
    assert f.display(value, "en") == shown
    assert f.clean(shown) == value


def test_display_of_nothing() -> None:
    assert make("phone").display(None, "fr") == ""


@pytest.mark.parametrize(
    "raw",
    [
        "06 12 34 56 7",  # 9 digits
        "06 12 34 56 78 9",  # 11 digits
        "6 12 34 56 78",  # no leading 0
        "00 12 34 56 78",  # 00 then too few digits
        "0012345678",
        "+33 6 12 34 56 7",
        "+33 00 12 34 56 78",
        "+44 20 7946 0958",  # not a French number
        "+1 212 555 0100",
        "+590 6 12 34 56 78",  # an overseas code before a metropolitan number
        "+262 1 23 45 67 89",
        "+269 3 71 23 45",  # the Comoros, not Mayotte
        "+",
        "()",
    ],
)
def test_wrong_numbers(raw: str) -> None:
    e = error(make("phone"), raw)
    assert "06 12 34 56 78" in e.message["en"]


@pytest.mark.parametrize(
    "raw", ["06 12 34 56 7a", "06/12/34/56/78", "tel 0612345678", "06١٢٣٤٥٦٧٨"]
)
def test_digits_only(raw: str) -> None:
    e = error(make("phone"), raw)
    assert "digits only" in e.message["en"]


@pytest.mark.parametrize("raw", [612345678, ["06 12 34 56 78"], True])
def test_non_text(raw: Any) -> None:
    error(make("phone"), raw)


@pytest.mark.parametrize(
    "raw",
    ["06 12 34 56 78", "07 12 34 56 78", "+33 7 12 34 56 78", "0690 12 34 56", "0639 12 34 56"],
)
def test_mobile_only_accepts_mobiles(raw: str) -> None:
    make("phone", mobile_only=True).clean(raw)


@pytest.mark.parametrize(
    "raw", ["01 23 45 67 89", "09 72 00 00 00", "0590 12 34 56", "0262 12 34 56"]
)
def test_mobile_only_refuses_landlines(raw: str) -> None:
    assert "mobile" in error(make("phone", mobile_only=True), raw).message["en"]
