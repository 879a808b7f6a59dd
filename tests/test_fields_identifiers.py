"""Identifiers of the French procedures: plates, VIN, NIR, e-photo, NEPH, timbre…"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kiosk import clock
from kiosk.fields import REGISTRY, FieldSpec
from tests.test_fields import error, make, roundtrip


def accepts(type_: str, raw: Any, value: str, **constraints: Any) -> None:
    """``raw`` is read as ``value``, and the value reads back as itself."""
    f = make(type_, **constraints)
    assert f.clean(raw) == value
    assert f.clean(value) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


# -- plates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["AB-123-CD", "AB123CD", "ab-123-cd", "ab 123 cd", " Ab 123-cD ", "AB.123.CD", "AB_123_CD"],
)
def test_siv_plates(raw: str) -> None:
    accepts("plate", raw, "AB-123-CD")


def test_ww_is_a_temporary_plate() -> None:
    accepts("plate", "WW-123-AB", "WW-123-AB")
    accepts("plate", "ww123ab", "WW-123-AB")


@pytest.mark.parametrize("raw", ["AI-123-CD", "AB-123-CO", "UA-123-BC", "ab-123-cu", "OO-123-AA"])
def test_siv_plates_never_use_i_o_u(raw: str) -> None:
    e = error(make("plate"), raw)
    assert "I, O and U" in e.message["en"]
    assert "I, O et U" in e.message["fr"]


@pytest.mark.parametrize("raw", ["SS-123-AB", "AB-123-SS", "AB-000-CD", "ss000ss"])
def test_forbidden_siv_plates(raw: str) -> None:
    assert "AB-123-CD" in error(make("plate"), raw).message["en"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("123 AB 45", "123 AB 45"),
        ("123AB45", "123 AB 45"),
        ("123-ab-45", "123 AB 45"),
        ("12 ABC 2A", "12 ABC 2A"),
        ("12abc2b", "12 ABC 2B"),
        ("1 A 08", "1 A 08"),
        ("9999 ZZZ 95", "9999 ZZZ 95"),
        ("1234 AB 971", "1234 AB 971"),
        ("56 XY 976", "56 XY 976"),
    ],
)
def test_fni_plates(raw: str, value: str) -> None:
    accepts("plate", raw, value)


@pytest.mark.parametrize(
    "raw",
    [
        "0 AB 45",  # no number 0
        "000 AB 45",
        "123 AB 20",  # Corsica is 2A or 2B
        "123 AB 00",
        "123 AB 96",
        "123 AB 97",
        "123 AB 977",
        "12345 AB 45",  # 5 digits
        "123 ABCD 45",  # 4 letters
        "123 45",
        "AB 123 45",
        "AB-1234-CD",
        "A-123-BC",
    ],
)
def test_wrong_plates(raw: str) -> None:
    e = error(make("plate"), raw)
    assert "AB-123-CD" in e.message["en"]
    assert "123 AB 45" in e.message["fr"]


def test_plate_formats() -> None:
    siv = make("plate", formats=["siv"])
    assert siv.clean("AB-123-CD") == "AB-123-CD"
    error(siv, "123 AB 45")
    fni = make("plate", formats=["fni"])
    assert fni.clean("123 AB 45") == "123 AB 45"
    error(fni, "AB-123-CD")
    error(fni, "AI-123-CD")


@pytest.mark.parametrize("formats", [["siv", "xyz"], [], "siv"])
def test_plate_formats_spec_problems(formats: Any) -> None:
    spec = FieldSpec(id="f", type="plate", label={"fr": "x"}, constraints={"formats": formats})
    assert any("'formats' must be" in p for p in REGISTRY["plate"].check_spec(spec))


@pytest.mark.parametrize("raw", ["AB١٢٣CD", "١٢٣ AB 45", "ＡＢ-123-ＣＤ"])
def test_plates_are_ascii(raw: str) -> None:
    error(make("plate"), raw)


# -- VIN ---------------------------------------------------------------------------

VIN = "VF1RFB00067123456"


@pytest.mark.parametrize(
    "raw", [VIN, VIN.lower(), "VF1 RFB 000 6712 3456", "VF1-RFB00067123456", f" {VIN} "]
)
def test_vins(raw: str) -> None:
    accepts("vin", raw, VIN)


@pytest.mark.parametrize(("letter", "digit"), [("O", "0"), ("I", "1"), ("Q", "0")])
def test_vins_never_use_i_o_q(letter: str, digit: str) -> None:
    raw = VIN[:7] + letter + VIN[8:]
    e = error(make("vin"), raw)
    assert f"letter {letter}" in e.message["en"]
    assert f"lettre {letter}" in e.message["fr"]
    assert f"digit {digit}" in e.message["en"]
    # The letter is named even when the length is wrong too, and in lower case.
    assert f"letter {letter}" in error(make("vin"), raw.lower()[:10]).message["en"]


@pytest.mark.parametrize("raw", [VIN[:16], VIN + "7", "VF1"])
def test_vins_have_17_characters(raw: str) -> None:
    e = error(make("vin"), raw)
    assert "17 characters" in e.message["en"]
    assert f"You wrote {len(raw)}." in e.message["en"]


@pytest.mark.parametrize("raw", ["VF1RFB00067123*56", "VF1RFB0006712345É"])
def test_vins_have_letters_and_digits_only(raw: str) -> None:
    assert "letters and digits only" in error(make("vin"), raw).message["en"]


# -- e-photo, pre-application, licence number -----------------------------------------------


@pytest.mark.parametrize("length", [21, 22])
def test_ephoto_21_or_22(length: int) -> None:
    code = ("AB12CD34EF56GH78IJ90KL" * 2)[:length]
    accepts("ephoto", code, code)
    accepts("ephoto", code.lower(), code)
    spaced = " ".join(code[i : i + 4] for i in range(0, length, 4))
    accepts("ephoto", spaced, code)


@pytest.mark.parametrize("length", [20, 23, 1])
def test_ephoto_other_lengths(length: int) -> None:
    e = error(make("ephoto"), "A" * length)
    assert "22 characters (sometimes 21)" in e.message["en"]
    assert f"You wrote {length}." in e.message["en"]


def test_ephoto_letters_and_digits() -> None:
    assert "letters and digits" in error(make("ephoto"), "AB12CD34EF56GH78IJ90K*").message["en"]


@pytest.mark.parametrize("raw", ["AB12CD34EF", "ab12cd34ef", "AB12 CD34 EF", "1234567890"])
def test_preapplication(raw: str) -> None:
    accepts("preapplication", raw, raw.upper().replace(" ", ""))


@pytest.mark.parametrize("raw", ["AB12CD34E", "AB12CD34EF1", "AB12CD34E!", "AB12CD34EÉ"])
def test_preapplication_has_10_characters(raw: str) -> None:
    assert "10 letters or digits" in error(make("preapplication"), raw).message["en"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", "1"), ("12AB34567", "12AB34567"), ("12 ab 34 567", "12AB34567"), ("A" * 15, "A" * 15)],
)
def test_licence_numbers(raw: str, value: str) -> None:
    accepts("licence_number", raw, value)


@pytest.mark.parametrize("raw", ["A" * 16, "12AB*4567", "12ABé4567"])
def test_licence_numbers_refused(raw: str) -> None:
    assert "box 5" in error(make("licence_number"), raw).message["en"]


# -- NEPH and timbre -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw", ["123456789012", "1234 5678 9012", "1234-5678-9012", "12 34 56 78 90 12"]
)
def test_neph(raw: str) -> None:
    accepts("neph", raw, "123456789012")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("1234 5678 901", "12 digits. You wrote 11."),
        ("1234 5678 90123", "12 digits. You wrote 13."),
        ("1234 5678 901A", "digits only"),
        ("١٢٣٤٥٦٧٨٩٠١٢", "digits only"),
    ],
)
def test_neph_refused(raw: str, words: str) -> None:
    assert words in error(make("neph"), raw).message["en"]


def test_timbre() -> None:
    accepts("timbre", "1234 5678 9012 3456", "1234567890123456")
    f = make("timbre")
    assert f.display("1234567890123456", "fr") == "1234 5678 9012 3456"
    assert f.display(None, "fr") == ""


@pytest.mark.parametrize(
    ("raw", "words"),
    [("1234 5678 9012 345", "16 digits. You wrote 15."), ("1234 5678 9012 345X", "digits only")],
)
def test_timbre_refused(raw: str, words: str) -> None:
    assert words in error(make("timbre"), raw).message["en"]


# -- numéro de formule -----------------------------------------------------------------


@pytest.fixture
def year_2025(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "today", lambda: date(2025, 6, 15))


@pytest.mark.usefixtures("year_2025")
@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("2017RV48832", "2017RV48832"),
        ("2017 rv 48832", "2017RV48832"),
        ("2009AA00001", "2009AA00001"),
        ("2025ZZ99999", "2025ZZ99999"),
    ],
)
def test_formule(raw: str, value: str) -> None:
    accepts("formule", raw, value)


@pytest.mark.usefixtures("year_2025")
@pytest.mark.parametrize("raw", ["2008RV48832", "2026RV48832", "1017RV48832"])
def test_formule_year_bounds(raw: str) -> None:
    assert "from 2009 on" in error(make("formule"), raw).message["en"]


@pytest.mark.parametrize(
    "raw", ["2017R748832", "2017RV4883", "17RV48832", "2017RVV48832", "2017ÉV48832"]
)
def test_formule_shape(raw: str) -> None:
    assert "2017RV48832" in error(make("formule"), raw).message["en"]


# -- NIR -------------------------------------------------------------------------------


def nir(first13: str) -> str:
    """A NIR with its key, computed as documented: 2A counts as 19 and 2B as 18."""
    department = first13[5:7]
    number = first13[:5] + {"2A": "19", "2B": "18"}.get(department, department) + first13[7:]
    key = 97 - int(number) % 97
    return f"{first13}{key:02d}"


@pytest.mark.parametrize(
    "first13",
    [
        "1850375112345",
        "2990108105001",
        "8010199123456",  # provisional number
        "185032A004123",  # Corse-du-Sud
        "285092B033456",  # Haute-Corse
        "1852097123456",  # month 20-42: unknown month
        "1855099123456",  # month 50-99: provisional
        "1850197106001",  # born overseas (971)
    ],
)
def test_nirs(first13: str) -> None:
    value = nir(first13)
    accepts("nir", value, value)
    f = make("nir")
    spaced = f.display(value, "fr")
    assert spaced == " ".join(
        [value[0], value[1:3], value[3:5], value[5:7], value[7:10], value[10:13], value[13:]]
    )
    assert f.clean(value.lower()) == value
    assert f.clean(spaced.replace(" ", ".")) == value


@pytest.mark.parametrize("first13", ["185032A004123", "285092B033456"])
def test_corsican_nirs_need_the_corsican_key(first13: str) -> None:
    plain = first13.replace("2A", "20").replace("2B", "20")
    wrong_key = 97 - int(plain) % 97
    assert f"{wrong_key:02d}" != nir(first13)[13:]
    e = error(make("nir"), f"{first13}{wrong_key:02d}")
    assert "Check each digit" in e.message["en"]


def test_a_nir_with_a_wrong_key() -> None:
    value = nir("1850375112345")
    wrong = value[:13] + f"{(int(value[13:]) % 97) + 1:02d}"
    assert "not correct" in error(make("nir"), wrong).message["en"]
    # one digit typed wrong
    typo = value[:8] + str((int(value[8]) + 1) % 10) + value[9:]
    assert "not correct" in error(make("nir"), typo).message["en"]


@pytest.mark.parametrize("raw", ["18503751123456", "1850375112345678", "1"])
def test_nirs_have_15_characters(raw: str) -> None:
    e = error(make("nir"), raw)
    assert f"15 characters. You wrote {len(raw)}." in e.message["en"]


@pytest.mark.parametrize(
    ("first13", "words"),
    [
        ("3850375112345", "starts with 1 or 2"),
        ("0850375112345", "starts with 1 or 2"),
        ("185032C004123", "starts with 1 or 2"),
        ("18503A5112345", "starts with 1 or 2"),
        ("1850075112345", "month of birth"),
        ("1851375112345", "month of birth"),
        ("1854375112345", "month of birth"),
        ("1854975112345", "month of birth"),
    ],
)
def test_nir_shape_errors(first13: str, words: str) -> None:
    raw = first13 + "01"
    assert words in error(make("nir"), raw).message["en"]


def test_nirs_are_ascii() -> None:
    value = nir("1850375112345")
    arabic = value.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    error(make("nir"), arabic)
