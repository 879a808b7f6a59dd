"""French and overseas phone numbers, normalised to E.164 (phonenumbers' data)."""

from __future__ import annotations

import re
from typing import Any

from kiosk.fields.base import FieldType, as_text, fail, register

# Which numbers exist comes from phonenumbers (Google's libphonenumber data,
# the field's reference, kept up to date with ARCEP's allocations); what is
# ours is the French reading around it: a national number (0…) is French
# wherever it is, in metropolitan France or overseas, so it is tried against
# every French numbering region, overseas first (0709 03 17 65 is
# Guadeloupe's, +590, not a +33 number that does not exist), except the
# national services (08…), which are the same number everywhere.
_NATIONAL_REGIONS = ("GP", "MQ", "GF", "RE", "YT", "BL", "MF", "PM")
_FRENCH_REGIONS = frozenset({"FR", *_NATIONAL_REGIONS, "NC", "PF", "WF"})
# Country codes of the overseas departments that share the French national
# plan (0…): these are written "0690 12 34 56" at home.
_NATIONAL_PLAN_CODES = {"33", "590", "594", "596", "262"}
# Mayotte's former country code, still on old cards: read as +262.
_FORMER_MAYOTTE = "269"


def _phonenumbers() -> Any:
    # Imported on first use: its metadata costs start-up time the screens need.
    import phonenumbers

    return phonenumbers


def _valid_in(digits: str, region: str) -> Any | None:
    pn = _phonenumbers()
    try:
        number = pn.parse(digits, region)
    except pn.NumberParseException:
        return None
    if pn.is_valid_number(number) and pn.region_code_for_number(number) is not None:
        return number
    return None


def _national(digits: str) -> Any | None:
    """A French national number (10 digits, 0…), read the French way; None: none exists."""
    pn = _phonenumbers()
    services = {
        pn.PhoneNumberType.TOLL_FREE,
        pn.PhoneNumberType.PREMIUM_RATE,
        pn.PhoneNumberType.SHARED_COST,
        pn.PhoneNumberType.UAN,
    }
    metropolitan = _valid_in(digits, "FR")
    if metropolitan is not None and pn.number_type(metropolitan) in services:
        return metropolitan
    for region in _NATIONAL_REGIONS:
        number = _valid_in(digits, region)
        if number is not None:
            return number
    return metropolitan


def _international(digits: str) -> Any | None:
    """+… (digits without the +): a valid number of a French numbering region, or None."""
    pn = _phonenumbers()
    try:
        number = pn.parse("+" + digits, None)
    except pn.NumberParseException:
        return None
    code = str(number.country_code)
    national = digits[len(code) :]
    if code in _NATIONAL_PLAN_CODES | {_FORMER_MAYOTTE} and len(national) == 10:
        national = national.removeprefix("0")  # +33 (0)6 12…: people keep the 0
        digits = code + national
        number = pn.parse("+" + digits, None)
    if pn.is_valid_number(number) and pn.region_code_for_number(number) in _FRENCH_REGIONS:
        return number
    if code in ("33", _FORMER_MAYOTTE) and len(national) == 9 and national[0] != "0":
        # The national prefix says where the number is: +33 690… is +590 690…,
        # and Mayotte's former +269 is +262 now.
        found = _national("0" + national)
        if found is not None and (code == "33" or found.country_code == 262):
            return found
    return None


def _e164(number: Any) -> str:
    pn = _phonenumbers()
    return str(pn.format_number(number, pn.PhoneNumberFormat.E164))


_EXAMPLE_FR = "Par exemple : 06 12 34 56 78"
_EXAMPLE_EN = "For example: 06 12 34 56 78"


@register
class PhoneField(FieldType):
    name = "phone"
    has_format = True
    numeric_keypad = True
    constraint_names = frozenset({"mobile_only"})

    def parse(self, raw: Any) -> str:
        s = as_text(raw).strip()
        if re.search(r"[^0-9\s+().\-]", s):
            raise fail(
                f"Écrivez seulement des chiffres. {_EXAMPLE_FR}",
                f"Write digits only. {_EXAMPLE_EN}",
            )
        digits = re.sub(r"[^0-9]", "", s)
        head = s.lstrip("( ")  # (+33) 6 12…
        plus = head.startswith(("+", "00"))
        if head.startswith("00"):
            digits = digits[2:]
        e164 = self._to_e164(digits, plus)
        if self.constraints.get("mobile_only") and not _is_mobile(e164):
            raise fail(
                "Écrivez un numéro de portable, qui commence par 06 ou 07.",
                "Write a mobile number, starting with 06 or 07.",
            )
        return e164

    def _to_e164(self, digits: str, international: bool) -> str:
        if not international:
            if len(digits) != 10 or not digits.startswith("0") or digits[1] == "0":
                raise fail(
                    f"Un numéro a 10 chiffres et commence par 0. {_EXAMPLE_FR}",
                    f"A number has 10 digits and starts with 0. {_EXAMPLE_EN}",
                )
            number = _national(digits)
            if number is None:
                raise fail(
                    "Ce numéro n'existe pas. Vérifiez les chiffres. " + _EXAMPLE_FR,
                    "This number does not exist. Check the digits. " + _EXAMPLE_EN,
                )
            return _e164(number)
        number = _international(digits)
        if number is None:
            raise fail(
                "Écrivez un numéro français, qui commence par 0 ou par +33. " + _EXAMPLE_FR,
                "Write a French number, starting with 0 or +33. " + _EXAMPLE_EN,
            )
        return _e164(number)

    def display(self, value: Any, locale: str) -> str:
        if not value:
            return ""
        return format_phone(value)


def _is_mobile(e164: str) -> bool:
    pn = _phonenumbers()
    kind = pn.number_type(pn.parse(e164, None))
    return kind in (pn.PhoneNumberType.MOBILE, pn.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def format_phone(e164: str) -> str:
    """E.164 back to the way French people write numbers: 06 12 34 56 78.

    Numbers of the national plan (metropolitan France and the overseas
    departments) in pairs with their 0; the Pacific and Saint-Pierre's own
    plans in their international form (+687 75 12 34).
    """
    code = next((c for c in sorted(_NATIONAL_PLAN_CODES) if e164.startswith("+" + c)), None)
    if code is not None and len(e164) - 1 - len(code) == 9:
        national = "0" + e164[1 + len(code) :]
        # Written nationally only when it reads back as the same number: 08 00…
        # is a metropolitan free number, so +590 800… keeps its country code.
        back = _national(national)
        if back is not None and _e164(back) == e164:
            return " ".join(national[i : i + 2] for i in range(0, len(national), 2))
    pn = _phonenumbers()
    try:
        return str(pn.format_number(pn.parse(e164, None), pn.PhoneNumberFormat.INTERNATIONAL))
    except pn.NumberParseException:
        return e164
