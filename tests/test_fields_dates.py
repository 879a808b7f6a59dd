"""Dates: typed JJ/MM/AAAA or in three boxes, stored ISO, partly unknown birth dates."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from kiosk import clock
from kiosk.fields import REGISTRY, FieldSpec
from kiosk.fields.dates import DateField
from tests.test_fields import error, make, roundtrip

TODAY = date(2025, 6, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> date:
    """Every date test runs on 15 June 2025."""
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 6, 15, 10, 30, tzinfo=UTC))
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("15/03/1950", "1950-03-15"),
        ("5/3/1950", "1950-03-05"),
        (" 15 / 03 / 1950 ", "1950-03-15"),
        ("15.03.1950", "1950-03-15"),
        ("15-03-1950", "1950-03-15"),
        ("15 03 1950", "1950-03-15"),
        ("29/02/2024", "2024-02-29"),
        ("29/02/2000", "2000-02-29"),
        ("31/12/1850", "1850-12-31"),
    ],
)
def test_dates_typed_as_text(raw: str, value: str) -> None:
    f = make("date")
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


def test_dates_are_shown_jj_mm_aaaa() -> None:
    f = make("date")
    assert f.display("1950-03-05", "fr") == "05/03/1950"
    assert f.display("1950-03-05", "en") == "05/03/1950"
    assert f.display(None, "fr") == ""


@pytest.mark.parametrize(
    "raw",
    [
        {"day": "15", "month": "3", "year": "1950"},
        {"day": "15", "month": "03", "year": "1950"},
        {"day": 15, "month": 3, "year": 1950},
        {"day": " 15 ", "month": "03", "year": " 1950"},
    ],
)
def test_dates_typed_in_three_boxes(raw: dict[str, Any]) -> None:
    assert make("date").clean(raw) == "1950-03-15"


@pytest.mark.parametrize(
    ("raw", "part", "words"),
    [
        ({"day": "", "month": "3", "year": "1950"}, "day", "Write the day"),
        ({"month": "3", "year": "1950"}, "day", "Write the day"),
        ({"day": "15", "month": "", "year": "1950"}, "month", "Write the month"),
        ({"day": "15", "month": "3", "year": None}, "year", "Write the year"),
        ({"day": "1a", "month": "3", "year": "1950"}, "day", "digits only"),
        ({"day": "15", "month": "-3", "year": "1950"}, "month", "digits only"),
        ({"day": "15", "month": "3", "year": "19 50"}, "year", "digits only"),
        ({"day": "١٥", "month": "3", "year": "1950"}, "day", "digits only"),
        ({"day": "15", "month": "3", "year": "50"}, "year", "4 digits"),
        ({"day": "15", "month": "3", "year": "19500"}, "year", "4 digits"),
        ({"day": "15", "month": "13", "year": "1950"}, "month", "1 to 12"),
        ({"day": "150", "month": "3", "year": "1950"}, "day", "1 to 31"),
        ({"day": "15", "month": "003", "year": "1950"}, "month", "1 to 12"),
        ({"day": "9" * 30, "month": "3", "year": "1950"}, "day", "1 to 31"),
        ({"day": "31", "month": "2", "year": "1950"}, "day", "does not exist"),
        ({"day": "29", "month": "2", "year": "2023"}, "day", "does not exist"),
        ({"day": "0", "month": "3", "year": "1950"}, "day", "day and a month"),
        ({"day": "15", "month": "3", "year": "1849"}, "year", "Check the year"),
    ],
)
def test_three_box_errors_name_their_box(raw: dict[str, Any], part: str, words: str) -> None:
    e = error(make("date"), raw)
    assert e.part == part
    assert words in e.message["en"]


@pytest.mark.parametrize(
    ("raw", "part", "words"),
    [
        ("31/02/2000", "day", "does not exist"),
        ("31/04/2000", "day", "does not exist"),
        ("29/02/2023", "day", "does not exist"),
        ("29/02/1900", "day", "does not exist"),
        ("32/01/2000", "day", "does not exist"),
        ("15/13/1950", "month", "1 to 12"),
        ("15/03/50", "year", "4 digits"),
        ("15/03/950", "year", "4 digits"),
        ("15/03/0000", "year", "Check the year"),
        ("00/00/1950", "day", "day and a month"),
        ("15/00/1950", "month", "day and a month"),
        ("00/03/1950", "day", "day and a month"),
    ],
)
def test_text_date_errors(raw: str, part: str, words: str) -> None:
    e = error(make("date"), raw)
    assert e.part == part
    assert words in e.message["en"]


@pytest.mark.parametrize(
    "raw", ["1950-03-15", "15031950", "15 mars 1950", "15/03", "hier", "1/1/1/1"]
)
def test_text_dates_in_another_shape(raw: str) -> None:
    e = error(make("date"), raw)
    assert "day/month/year" in e.message["en"]
    assert e.part is None


# -- partly unknown dates ------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("00/00/1950", "1950-00-00"),
        ("00/03/1950", "1950-03-00"),
        ({"day": "00", "month": "00", "year": "1950"}, "1950-00-00"),
        ({"day": "0", "month": "3", "year": "1950"}, "1950-03-00"),
        ("15/03/1950", "1950-03-15"),
    ],
)
def test_allow_unknown_accepts_unknown_day_and_month(raw: Any, value: str) -> None:
    f = make("date", allow_unknown=True)
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


def test_allow_unknown_shows_zeros() -> None:
    f = make("date", allow_unknown=True)
    assert f.display("1950-00-00", "fr") == "00/00/1950"
    assert f.display("1950-03-00", "fr") == "00/03/1950"


def test_an_unknown_month_needs_an_unknown_day() -> None:
    e = error(make("date", allow_unknown=True), "15/00/1950")
    assert e.part == "day"
    assert "00 for the day too" in e.message["en"]


def test_spoken_dates() -> None:
    f = make("date", allow_unknown=True)
    assert isinstance(f, DateField)
    assert f.spoken("1950-03-15", "fr") == "15 mars 1950"
    assert f.spoken("1950-03-00", "fr") == "mars 1950"
    assert f.spoken("1950-00-00", "en") == "1950"
    assert f.spoken("1950-08-01", "en") == "1 August 1950"


# -- bounds ----------------------------------------------------------------------


def test_not_future() -> None:
    f = make("date", not_future=True)
    assert f.clean("15/06/2025") == "2025-06-15"
    assert f.clean("14/06/2025") == "2025-06-14"
    e = error(f, "15/06/2026")
    assert "future" in e.message["en"]
    assert e.part == "year"
    e = error(f, "16/06/2025")
    assert "future" in e.message["en"]


def test_not_future_checks_the_known_part_of_an_unknown_date() -> None:
    f = make("date", not_future=True, allow_unknown=True)
    assert f.clean("00/00/2025") == "2025-00-00"
    assert f.clean("00/06/2025") == "2025-06-00"
    error(f, "00/07/2025")
    error(f, "00/00/2026")


def test_not_past() -> None:
    f = make("date", not_past=True)
    assert f.clean("15/06/2025") == "2025-06-15"
    assert f.clean("01/01/2030") == "2030-01-01"
    assert "passed" in error(f, "14/06/2025").message["en"]


def test_not_past_checks_the_known_part_of_an_unknown_date() -> None:
    f = make("date", not_past=True, allow_unknown=True)
    assert f.clean("00/06/2025") == "2025-06-00"
    assert f.clean("00/00/2025") == "2025-00-00"
    error(f, "00/05/2025")
    error(f, "00/00/2024")


def test_min_and_max_dates() -> None:
    f = make("date", min="2000-01-01", max="2009-12-31")
    assert f.clean("01/01/2000") == "2000-01-01"
    assert f.clean("31/12/2009") == "2009-12-31"
    e = error(f, "31/12/1999")
    assert e.message["fr"] == "Écrivez une date à partir du 01/01/2000."
    assert e.message["en"] == "Write a date from 01/01/2000 on."
    e = error(f, "01/01/2010")
    assert e.message["fr"] == "Écrivez une date jusqu'au 31/12/2009."
    assert e.message["en"] == "Write a date up to 31/12/2009."


def test_min_and_max_today() -> None:
    f = make("date", min="today")
    assert f.clean("15/06/2025") == "2025-06-15"
    assert "15/06/2025" in error(f, "14/06/2025").message["fr"]
    g = make("date", max="today")
    assert g.clean("15/06/2025") == "2025-06-15"
    assert "15/06/2025" in error(g, "16/06/2025").message["en"]


def test_today_moves_with_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    f = make("date", max="today")
    error(f, "16/06/2025")
    monkeypatch.setattr(clock, "today", lambda: date(2025, 6, 16))
    assert f.clean("16/06/2025") == "2025-06-16"


def test_a_known_month_reaches_its_last_day() -> None:
    # March 2024 may be 31 March: an unknown day does not make it too early.
    f = make("date", allow_unknown=True, min="2024-03-31")
    assert f.clean("00/03/2024") == "2024-03-00"
    error(f, "00/02/2024")
    assert make("date", allow_unknown=True, min="2024-02-29").clean("00/02/2024") == "2024-02-00"


@pytest.mark.parametrize("bound", ["hier", "2025-13-01", "15/06/2025"])
def test_bad_bounds_are_spec_problems(bound: str) -> None:
    spec = FieldSpec(id="f", type="date", label={"fr": "x"}, constraints={"min": bound})
    [problem] = REGISTRY["date"].check_spec(spec)
    assert "'min' must be a date YYYY-MM-DD or 'today'" in problem
