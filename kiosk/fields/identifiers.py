"""Identifiers of the French procedures (formats in docs procedures-facts)."""

from __future__ import annotations

import re
from typing import Any

from kiosk import clock
from kiosk.fields.base import FieldSpec, FieldType, as_text, compact, fail, register


class _Identifier(FieldType):
    has_format = True

    def _compact(self, raw: Any) -> str:
        return compact(as_text(raw)).upper()


def _digits_only(s: str, count: int, what_fr: str, what_en: str, example: str) -> str:
    if not s.isdigit() or not s.isascii():
        raise fail(
            f"{what_fr} ne contient que des chiffres. Par exemple : {example}",
            f"{what_en} has digits only. For example: {example}",
        )
    if len(s) != count:
        raise fail(
            f"{what_fr} a {count} chiffres. Vous en avez écrit {len(s)}.",
            f"{what_en} has {count} digits. You wrote {len(s)}.",
        )
    return s


@register
class NephField(_Identifier):
    name = "neph"
    numeric_keypad = True

    def parse(self, raw: Any) -> str:
        return _digits_only(
            self._compact(raw), 12, "Le numéro NEPH", "The NEPH number", "1234 5678 9012"
        )


@register
class TimbreField(_Identifier):
    name = "timbre"
    numeric_keypad = True

    def parse(self, raw: Any) -> str:
        return _digits_only(
            self._compact(raw),
            16,
            "Le numéro du timbre fiscal",
            "The tax stamp number",
            "1234 5678 9012 3456",
        )

    def display(self, value: Any, locale: str) -> str:
        return "" if not value else " ".join(value[i : i + 4] for i in range(0, 16, 4))


def _alnum(s: str) -> bool:
    return s.isascii() and s.isalnum()


@register
class LicenceNumberField(_Identifier):
    name = "licence_number"

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        if not _alnum(s) or len(s) > 15:
            raise fail(
                "Écrivez le numéro de la case 5 du permis : 15 lettres ou chiffres au plus.",
                "Write the number in box 5 of the licence: 15 letters or digits at most.",
            )
        return s


@register
class EphotoField(_Identifier):
    name = "ephoto"

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        if not _alnum(s):
            raise fail(
                "Le code e-photo contient seulement des lettres et des chiffres.",
                "The e-photo code has letters and digits only.",
            )
        # Most sources say 22 characters, one says 21: accept both.
        if len(s) not in (21, 22):
            raise fail(
                f"Le code e-photo a 22 caractères (parfois 21). Vous en avez écrit {len(s)}. "
                "Il est imprimé sur la planche de photos.",
                f"The e-photo code has 22 characters (sometimes 21). You wrote {len(s)}. "
                "It is printed on the photo sheet.",
            )
        return s


@register
class PreapplicationField(_Identifier):
    name = "preapplication"

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        if not _alnum(s) or len(s) != 10:
            raise fail(
                "Le numéro de pré-demande a 10 lettres ou chiffres. "
                "Il est sous le code QR de votre récapitulatif.",
                "The pre-application number has 10 letters or digits. "
                "It is under the QR code of your summary sheet.",
            )
        return s


_VIN_FORBIDDEN = {"I": "1", "O": "0", "Q": "0"}


@register
class VinField(_Identifier):
    name = "vin"

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        if not _alnum(s):
            raise fail(
                "Le numéro d'identification contient seulement des lettres et des chiffres.",
                "The vehicle identification number has letters and digits only.",
            )
        for letter, digit in _VIN_FORBIDDEN.items():
            if letter in s:
                raise fail(
                    f"La lettre {letter} n'existe pas dans ce numéro. "
                    f"C'est sans doute le chiffre {digit}.",
                    f"The letter {letter} is never used in this number. "
                    f"It is probably the digit {digit}.",
                )
        if len(s) != 17:
            raise fail(
                f"Ce numéro a 17 caractères. Vous en avez écrit {len(s)}. "
                "Il est dans la case E de la carte grise.",
                f"This number has 17 characters. You wrote {len(s)}. "
                "It is in box E of the registration card.",
            )
        return s


@register
class FormuleField(_Identifier):
    name = "formule"

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        m = re.fullmatch(r"(\d{4})([A-Z]{2})(\d{5})", s)
        if not m or not s.isascii():
            raise fail(
                "Le numéro de formule a 11 caractères : 4 chiffres, 2 lettres, 5 chiffres. "
                "Par exemple : 2017RV48832",
                "The form number has 11 characters: 4 digits, 2 letters, 5 digits. "
                "For example: 2017RV48832",
            )
        year = int(m.group(1))
        # The SIV (and so this number) started in 2009.
        if not 2009 <= year <= clock.today().year:
            raise fail(
                "Les 4 premiers chiffres sont une année, à partir de 2009. Vérifiez-les.",
                "The first 4 digits are a year, from 2009 on. Check them.",
            )
        return s


# SIV plates (since 2009): AA-123-AA, no I, O or U; SS is forbidden on either
# side; WW on the left is a temporary plate and is accepted.
_SIV_LETTERS = "ABCDEFGHJKLMNPQRSTVWXYZ"
_SIV_RE = re.compile(rf"([{_SIV_LETTERS}]{{2}})([0-9]{{3}})([{_SIV_LETTERS}]{{2}})")
# FNI plates (1950-2009): 1-4 digits, 1-3 letters, department.
_FNI_RE = re.compile(r"(\d{1,4})([A-Z]{1,3})(\d{2}|2A|2B|97[1-6])")


@register
class PlateField(_Identifier):
    name = "plate"
    constraint_names = frozenset({"formats"})

    @classmethod
    def check_spec(cls, spec: FieldSpec) -> list[str]:
        problems = super().check_spec(spec)
        formats = spec.constraints.get("formats", ["siv", "fni"])
        if not isinstance(formats, list) or not formats or not set(formats) <= {"siv", "fni"}:
            problems.append(f"field '{spec.id}': 'formats' must be a list of: siv, fni")
        return problems

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        formats = set(self.constraints.get("formats", ["siv", "fni"]))
        siv_shape = re.fullmatch(r"[A-Z]{2}[0-9]{3}[A-Z]{2}", s)
        if siv_shape and "siv" in formats:
            return self._siv(s)
        m = _FNI_RE.fullmatch(s)
        if m and "fni" in formats and s.isascii():
            digits, letters, dept = m.groups()
            if int(digits) == 0 or dept in ("00", "20", "96", "97", "98", "99"):
                raise self._unknown()
            return f"{digits} {letters} {dept}"
        raise self._unknown()

    def _siv(self, s: str) -> str:
        m = _SIV_RE.fullmatch(s)
        if not m:
            raise fail(
                "Les lettres I, O et U ne sont pas utilisées sur les plaques. "
                "Vérifiez : c'est peut-être le chiffre 1 ou 0.",
                "Plates never use the letters I, O and U. Check: it may be the digit 1 or 0.",
            )
        left, number, right = m.groups()
        if "SS" in (left, right) or number == "000":
            raise self._unknown()
        return f"{left}-{number}-{right}"

    def _unknown(self) -> Exception:
        return fail(
            "Écrivez la plaque comme ceci : AB-123-CD. Les plus anciennes : 123 AB 45.",
            "Write the plate like this: AB-123-CD. Older ones: 123 AB 45.",
        )


@register
class NirField(_Identifier):
    name = "nir"
    numeric_keypad = True

    def parse(self, raw: Any) -> str:
        s = self._compact(raw)
        if len(s) != 15:
            raise fail(
                f"Le numéro de sécurité sociale a 15 caractères. Vous en avez écrit {len(s)}. "
                "Il est sur votre carte Vitale.",
                f"The social-security number has 15 characters. You wrote {len(s)}. "
                "It is on your Vitale card.",
            )
        if not re.fullmatch(r"[1278][0-9]{4}([0-9]{2}|2A|2B)[0-9]{8}", s):
            raise fail(
                "Vérifiez le numéro sur votre carte Vitale. Il commence par 1 ou 2.",
                "Check the number on your Vitale card. It starts with 1 or 2.",
            )
        month = int(s[3:5])
        if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
            raise fail(
                "Vérifiez les chiffres 4 et 5 : ils sont le mois de naissance.",
                "Check digits 4 and 5: they are the month of birth.",
            )
        # Corsica: 2A counts as 19 and 2B as 18 for the key.
        body = s[:13].replace("2A", "19", 1) if s[5:7] == "2A" else s[:13]
        body = body.replace("2B", "18", 1) if s[5:7] == "2B" else body
        if 97 - int(body) % 97 != int(s[13:]):
            raise fail(
                "Ce numéro n'est pas correct. Vérifiez chaque chiffre sur votre carte Vitale.",
                "This number is not correct. Check each digit on your Vitale card.",
            )
        return s

    def display(self, value: Any, locale: str) -> str:
        if not value:
            return ""
        v = value
        return f"{v[0]} {v[1:3]} {v[3:5]} {v[5:7]} {v[7:10]} {v[10:13]} {v[13:]}"
