"""Dates: shown JJ/MM/AAAA, typed as text or as three boxes, stored ISO."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from kiosk import clock
from kiosk.fields.base import FieldSpec, FieldType, as_text, fail, register

_TEXT_RE = re.compile(r"(\d{1,2})\s*[/.\- ]\s*(\d{1,2})\s*[/.\- ]\s*(\d{1,4})")
MONTHS_FR = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
MONTHS_EN = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def month_names(locale: str) -> list[str]:
    """The months' names in that language (French for any other)."""
    return MONTHS_EN if locale == "en" else MONTHS_FR


def _bound(value: Any) -> date:
    if value == "today":
        return clock.today()
    return date.fromisoformat(str(value))


@register
class DateField(FieldType):
    name = "date"
    widget = "date"
    parts = ("day", "month", "year")
    value_kind = "date"
    has_format = True
    numeric_keypad = True
    constraint_names = frozenset({"allow_unknown", "not_future", "not_past", "min", "max"})

    @classmethod
    def check_spec(cls, spec: FieldSpec) -> list[str]:
        problems = super().check_spec(spec)
        bounds = {}
        for key in ("min", "max"):
            if key in spec.constraints:
                value = spec.constraints[key]
                try:
                    if not isinstance(value, str | date):
                        raise ValueError(value)
                    bounds[key] = _bound(value)
                except ValueError:
                    problems.append(
                        f"field '{spec.id}': constraint '{key}' must be a date YYYY-MM-DD"
                        f" or 'today', not {value!r}"
                    )
        if len(bounds) == 2 and bounds["min"] > bounds["max"]:
            problems.append(
                f"field '{spec.id}': constraint 'min' ({spec.constraints['min']}) is above"
                f" 'max' ({spec.constraints['max']})"
            )
        return problems

    def parse(self, raw: Any) -> str:
        if isinstance(raw, Mapping):
            day_s, month_s, year_s = (as_text(raw.get(k) or "").strip() for k in self.parts)
            for part, s in zip(self.parts, (day_s, month_s, year_s), strict=True):
                if not s:
                    raise self._missing(part)
                if not s.isdigit() or not s.isascii():
                    raise fail("Écrivez seulement des chiffres.", "Write digits only.", part)
                if part != "year" and len(s) > 2:
                    raise self._too_long(part)
        else:
            m = _TEXT_RE.fullmatch(as_text(raw).strip())
            if not m:
                raise fail(
                    "Écrivez la date comme ceci : jour/mois/année. Par exemple : 15/03/1950",
                    "Write the date like this: day/month/year. For example: 15/03/1950",
                )
            day_s, month_s, year_s = m.groups()
        return self._build(int(day_s), int(month_s), year_s)

    def _too_long(self, part: str) -> Exception:
        if part == "day":
            return fail(
                "Le jour est un nombre de 1 à 31.", "The day is a number from 1 to 31.", part
            )
        return fail("Le mois est un nombre de 1 à 12.", "The month is a number from 1 to 12.", part)

    def _missing(self, part: str) -> Exception:
        fr = {"day": "le jour", "month": "le mois", "year": "l'année"}[part]
        en = {"day": "the day", "month": "the month", "year": "the year"}[part]
        return fail(f"Écrivez {fr}.", f"Write {en}.", part)

    def _build(self, day: int, month: int, year_s: str) -> str:
        if len(year_s) != 4:
            raise fail(
                "Écrivez l'année avec 4 chiffres. Par exemple : 1950",
                "Write the year with 4 digits. For example: 1950",
                "year",
            )
        year = int(year_s)
        if year < 1850:
            raise fail("Vérifiez l'année.", "Check the year.", "year")
        unknown = bool(self.constraints.get("allow_unknown"))
        if month == 0 or day == 0:
            if not unknown:
                raise fail(
                    "Écrivez un jour et un mois. Par exemple : 15/03/1950",
                    "Write a day and a month. For example: 15/03/1950",
                    "day" if day == 0 else "month",
                )
            if month == 0 and day != 0:
                raise fail(
                    "Si vous ne connaissez pas le mois, écrivez 00 pour le jour aussi.",
                    "If you do not know the month, write 00 for the day too.",
                    "day",
                )
        if month > 12:
            raise fail(
                "Le mois est un nombre de 1 à 12.", "The month is a number from 1 to 12.", "month"
            )
        if day and month:
            try:
                date(year, month, day)
            except ValueError:
                raise fail(
                    "Ce jour n'existe pas dans ce mois. Vérifiez le jour.",
                    "This day does not exist in that month. Check the day.",
                    "day",
                ) from None
        self._check_range(year, month, day)
        return f"{year:04d}-{month:02d}-{day:02d}"

    def _check_range(self, year: int, month: int, day: int) -> None:
        # A partly unknown date is checked on the part that is known.
        earliest = date(year, month or 1, day or 1)
        if month and not day:
            latest = date(year, month, calendar.monthrange(year, month)[1])
        else:
            latest = date(year, month or 12, day or 31)
        c = self.constraints
        today = clock.today()
        if c.get("not_future") and earliest > today:
            # Point at the part that went past today.
            part = "year" if year > today.year else "month" if month > today.month else "day"
            fr = {"year": "l'année", "month": "le mois", "day": "le jour"}[part]
            en = {"year": "the year", "month": "the month", "day": "the day"}[part]
            raise fail(
                f"Cette date est dans le futur. Vérifiez {fr}.",
                f"This date is in the future. Check {en}.",
                part,
            )
        if c.get("not_past") and latest < today:
            raise fail(
                "Cette date est déjà passée. Écrivez une date à venir.",
                "This date has passed. Write a date to come.",
            )
        if "min" in c and latest < _bound(c["min"]):
            lo = _bound(c["min"])
            raise fail(
                f"Écrivez une date à partir du {lo:%d/%m/%Y}.",
                f"Write a date from {lo:%d/%m/%Y} on.",
            )
        if "max" in c and earliest > _bound(c["max"]):
            hi = _bound(c["max"])
            raise fail(
                f"Écrivez une date jusqu'au {hi:%d/%m/%Y}.",
                f"Write a date up to {hi:%d/%m/%Y}.",
            )

    def display(self, value: Any, locale: str) -> str:
        if not value:
            return ""
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"

    def spoken(self, value: str, locale: str) -> str:
        """A date as read aloud: 'le 15 mars 1950'."""
        year, month, day = (int(p) for p in value.split("-"))
        names = month_names(locale)
        if not month:
            return str(year)
        if not day:
            return f"{names[month - 1]} {year}"
        return f"{day} {names[month - 1]} {year}"
