"""French and overseas phone numbers, normalised to E.164."""

from __future__ import annotations

import re
from typing import Any

from kiosk.fields.base import FieldType, as_text, fail, register

# National prefixes of the overseas departments and their country codes.
# E.164 keeps the national number without its leading 0: 0690 12 34 56
# becomes +590 690 12 34 56.
_OVERSEAS = {
    "0590": "590", "0690": "590", "0691": "590",  # Guadeloupe, Saint-Martin, Saint-Barthélemy
    "0594": "594", "0694": "594",  # Guyane
    "0596": "596", "0696": "596", "0697": "596",  # Martinique
    "0262": "262", "0263": "262", "0692": "262", "0693": "262",  # La Réunion
    "0269": "262", "0639": "262",  # Mayotte
}  # fmt: skip
_OVERSEAS_CODES = {"590", "594", "596", "262", "269"}
_OVERSEAS_MOBILE = {"690", "691", "694", "696", "697", "692", "693", "639"}

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
            overseas = _OVERSEAS.get(digits[:4])
            return f"+{overseas or '33'}{digits[1:]}"
        # +33 6 12…, and people often keep the 0: +33 (0)6 12…
        code = "33" if digits.startswith("33") else digits[:3]
        if code == "33" or code in _OVERSEAS_CODES:
            national = digits[len(code) :]
            if len(national) == 10 and national.startswith("0"):
                national = national[1:]
            if len(national) == 9 and national[0] != "0":
                # The national prefix says where the number is, as for 0690…:
                # +33 690… is +590 690…, and Mayotte's former +269 is +262 now.
                overseas = _OVERSEAS.get("0" + national[:3])
                if overseas is not None:
                    return f"+{overseas}{national}"
                # An overseas code before a metropolitan number is a mistake.
                if code == "33":
                    return "+33" + national
        raise fail(
            "Écrivez un numéro français, qui commence par 0 ou par +33. " + _EXAMPLE_FR,
            "Write a French number, starting with 0 or +33. " + _EXAMPLE_EN,
        )

    def display(self, value: Any, locale: str) -> str:
        if not value:
            return ""
        return format_phone(value)


def _is_mobile(e164: str) -> bool:
    if e164.startswith("+33"):
        return e164[3] in "67"
    return e164[4:7] in _OVERSEAS_MOBILE


def format_phone(e164: str) -> str:
    """E.164 back to the way French people write numbers: 06 12 34 56 78."""
    national = "0" + (e164[3:] if e164.startswith("+33") else e164[4:])
    return " ".join(national[i : i + 2] for i in range(0, len(national), 2))
