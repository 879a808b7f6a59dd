"""Phone numbers: French and overseas, normalised to E.164, shown 06 12 34 56 78."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from kiosk.fields import FieldError
from tests.conftest import subprocess_env
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
        ("0691 28 12 34", "+590691281234"),
        ("+590 690 12 34 56", "+590690123456"),
        ("+590 (0)690 12 34 56", "+590690123456"),
        # Guyane
        ("0594 12 34 56", "+594594123456"),
        ("0694 12 34 56", "+594694123456"),
        ("+594 594 12 34 56", "+594594123456"),
        # Martinique
        ("0596 30 12 34", "+596596301234"),
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
        ("0269 60 12 34", "+262269601234"),
        ("0639 01 23 45", "+262639012345"),
        ("+262 639 01 23 45", "+262639012345"),
        ("+269 639 01 23 45", "+262639012345"),
        ("+269 269 60 12 34", "+262269601234"),
        # +33 before an overseas number: the prefix says where it is
        ("+33 6 90 12 34 56", "+590690123456"),
        ("+33 (0)6 92 12 34 56", "+262692123456"),
        # Newer overseas ranges on the national plan, read where they are
        ("0709 03 17 65", "+590709031765"),  # Guadeloupe mobile (was +33709031765)
        ("+33 7 09 03 17 65", "+590709031765"),
        ("0268 81 23 45", "+262268812345"),  # La Réunion
        ("0268 91 23 45", "+262268912345"),
        ("0598 71 23 45", "+590598712345"),  # Guadeloupe
        ("0976 01 23 45", "+590976012345"),  # overseas VoIP 09 range
        ("09 76 61 23 45", "+596976612345"),  # Martinique VoIP
        # National services are the same number everywhere: metropolitan
        ("08 90 00 00 00", "+33890000000"),
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
        ("+262639012345", "06 39 01 23 45"),
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
    ["06 12 34 56 78", "07 45 12 34 56", "+33 7 65 12 34 56", "0690 12 34 56", "0639 01 23 45"],
)
def test_mobile_only_accepts_mobiles(raw: str) -> None:
    make("phone", mobile_only=True).clean(raw)


@pytest.mark.parametrize(
    "raw", ["01 23 45 67 89", "09 72 00 00 00", "0590 12 34 56", "0262 12 34 56"]
)
def test_mobile_only_refuses_landlines(raw: str) -> None:
    assert "mobile" in error(make("phone", mobile_only=True), raw).message["en"]


@pytest.mark.parametrize(
    ("raw", "value", "shown"),
    [
        ("+508 41 23 45", "+508412345", "+508 41 23 45"),  # Saint-Pierre-et-Miquelon
        ("+687 75 12 34", "+687751234", "+687 75.12.34"),  # Nouvelle-Calédonie
        ("+689 87 12 34 56", "+68987123456", "+689 87 12 34 56"),  # Polynésie
        ("+681 72 12 34", "+681721234", "+681 72 12 34"),  # Wallis-et-Futuna
    ],
)
def test_pacific_and_saint_pierre_numbers(raw: str, value: str, shown: str) -> None:
    f = make("phone")
    assert f.clean(raw) == value
    assert f.display(value, "fr") == shown
    assert f.clean(f.display(value, "fr")) == value


@pytest.mark.parametrize(
    "raw",
    [
        "07 00 00 00 00",  # reserved 070-072
        "07 12 34 56 78",
        "04 00 00 00 00",  # 040 unassigned
        "+689 40 12 34 56",
    ],
)
def test_numbers_that_cannot_exist_are_refused(raw: str) -> None:
    f = make("phone")
    with pytest.raises(FieldError):
        f.clean(raw)


def test_phonenumbers_is_imported_on_first_use_only() -> None:
    code = (
        "import sys, kiosk.fields, kiosk.procedure\n"
        "assert 'phonenumbers' not in sys.modules, 'imported at start-up'\n"
        "from kiosk.fields import FieldSpec, make_field_type\n"
        "f = make_field_type(FieldSpec(id='p', type='phone', label={'fr': 'T'}))\n"
        "assert f.clean('06 12 34 56 78') == '+33612345678'\n"
        "assert 'phonenumbers' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=subprocess_env(), timeout=60)
