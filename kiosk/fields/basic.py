"""Everyday field types: text, names, numbers, e-mail, yes/no, choices, consent, time."""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.fields.base import (
    FieldError,
    FieldSpec,
    FieldType,
    as_text,
    check_length,
    choice_label,
    fail,
    number_str,
    register,
    squeeze,
)
from kiosk.i18n import pick

#: A one-line answer (a make, a model, a place of birth) with room to spare; a
#: procedure may set its own max_length above or below it.
TEXT_MAX_LENGTH = 200


@register
class TextField(FieldType):
    name = "text"
    constraint_names = frozenset({"min_length", "max_length", "pattern", "pattern_message"})

    @classmethod
    def check_spec(cls, spec: FieldSpec) -> list[str]:
        problems = super().check_spec(spec)
        pattern = spec.constraints.get("pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as e:
                problems.append(
                    f"field '{spec.id}': pattern is not a valid regular expression ({e})"
                )
            if "pattern_message" not in spec.constraints:
                problems.append(f"field '{spec.id}': a pattern needs its own 'pattern_message'")
        return problems

    def parse(self, raw: Any) -> str:
        s = squeeze(as_text(raw))
        check_length(s, {"max_length": TEXT_MAX_LENGTH, **self.constraints})
        pattern = self.constraints.get("pattern")
        if pattern is not None and not re.fullmatch(str(pattern), s):
            message = self.constraints.get("pattern_message") or {}
            raise FieldError(
                {
                    "fr": message.get("fr", "Vérifiez votre réponse."),
                    "en": message.get("en", "Check your answer."),
                }
            )
        return s


@register
class LongTextField(FieldType):
    name = "long_text"
    widget = "multiline"
    constraint_names = frozenset({"min_length", "max_length"})

    def parse(self, raw: Any) -> str:
        s = as_text(raw, multiline=True).replace("\r\n", "\n").strip()
        s = "\n".join(squeeze(line) for line in s.split("\n"))
        check_length(s, {"max_length": 2000, **self.constraints})
        return s


# Civil-status names: Latin letters with the French diacritics only.
_NAME_LETTERS = "a-zA-ZàâäéèêëîïôöùûüÿçÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇæœÆŒ"
_NAME_RE = re.compile(rf"[{_NAME_LETTERS}]+(?:(?: |-|'| - )[{_NAME_LETTERS}]+)*")


@register
class NameField(FieldType):
    name = "name"
    constraint_names = frozenset({"max_length"})

    def parse(self, raw: Any) -> str:
        s = squeeze(as_text(raw)).replace("’", "'").replace("‘", "'").replace("‐", "-")
        check_length(s, {"max_length": 80, **self.constraints})
        if not _NAME_RE.fullmatch(s):
            bad = sorted({c for c in s if not re.match(rf"[{_NAME_LETTERS} '\-]", c)})
            if any(c.isdigit() for c in bad):
                raise fail(
                    "Un nom ne contient pas de chiffre. Écrivez seulement des lettres.",
                    "A name has no digits. Write letters only.",
                )
            if bad:
                shown = " ".join(bad)
                raise fail(
                    f"Ce caractère n'est pas accepté dans un nom : {shown}. "
                    "Utilisez des lettres, le tiret (-), l'apostrophe (') ou l'espace.",
                    f"This character is not accepted in a name: {shown}. "
                    "Use letters, hyphen (-), apostrophe (') or space.",
                )
            raise fail(
                "Commencez et finissez le nom par une lettre. Par exemple : Le Goff-Martin",
                "Start and end the name with a letter. For example: Le Goff-Martin",
            )
        return s


def _number_text(raw: Any, *, whole: bool = False) -> str:
    if isinstance(raw, bool):
        raise fail("Écrivez un nombre avec des chiffres.", "Write a number with digits.")
    if isinstance(raw, int):
        return number_str(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise fail("Écrivez un nombre avec des chiffres.", "Write a number with digits.")
        return format(Decimal(repr(raw)), "f")  # 1e-06 is 0.000001
    # French writes 12 500 and 1,75, and often 85.000 for eighty-five thousand.
    s = re.sub(r"[\s\u202f\u00a0']", "", as_text(raw))
    if whole and re.fullmatch(r"\d{1,3}(\.\d{3})+", s):
        return s.replace(".", "")
    return s.replace(",", ".")


class _NumberField(FieldType):
    constraint_names = frozenset({"min", "max", "unit"})
    value_kind = "number"
    numeric_keypad = True
    has_format = True

    def _with_example(self, fr: str, en: str) -> FieldError:
        example = self.spec.example or {}
        return fail(
            f"{fr} {example.get('fr', '')}".strip(), f"{en} {example.get('en', '')}".strip()
        )

    def _check_range(self, n: Decimal) -> None:
        lo, hi = self.constraints.get("min"), self.constraints.get("max")
        if lo is not None and hi is not None and not (Decimal(str(lo)) <= n <= Decimal(str(hi))):
            raise fail(
                f"Écrivez un nombre entre {_fr_number(lo)} et {_fr_number(hi)}.",
                f"Write a number between {lo} and {hi}.",
            )
        if lo is not None and n < Decimal(str(lo)):
            raise fail(
                f"Écrivez un nombre égal ou supérieur à {_fr_number(lo)}.",
                f"Write a number of {lo} or more.",
            )
        if hi is not None and n > Decimal(str(hi)):
            raise fail(
                f"Écrivez un nombre égal ou inférieur à {_fr_number(hi)}.",
                f"Write a number of {hi} or less.",
            )

    def display(self, value: Any, locale: str) -> str:
        if value is None:
            return ""
        shown = _fr_number(value) if locale == "fr" else _grouped(value)
        unit = self.constraints.get("unit")
        return f"{shown} {unit}" if unit else shown


def _grouped(n: Any) -> str:
    """12,500 or 0.000001: thousands grouped, never an exponent (1e-06) a person cannot read."""
    d = Decimal(str(n))
    if d == d.to_integral_value():
        d = d.to_integral_value()
    return format(d, ",f")


def _fr_number(n: Any) -> str:
    return _grouped(n).replace(",", "\u202f").replace(".", ",")


@register
class IntegerField(_NumberField):
    name = "integer"

    def parse(self, raw: Any) -> int:
        s = _number_text(raw, whole=True)
        if not re.fullmatch(r"[+-]?\d{1,15}", s):
            if re.fullmatch(r"[+-]?\d+\.\d+", s):
                raise self._with_example(
                    "Écrivez un nombre entier, sans virgule.",
                    "Write a whole number, without a decimal point.",
                )
            raise self._with_example(
                "Écrivez un nombre avec des chiffres.", "Write a number with digits."
            )
        n = int(s)
        self._check_range(Decimal(n))
        return n


@register
class DecimalField(_NumberField):
    name = "decimal"

    def parse(self, raw: Any) -> float:
        s = _number_text(raw)
        if not re.fullmatch(r"[+-]?\d{1,12}(\.\d{1,6})?", s):
            raise self._with_example(
                "Écrivez un nombre avec des chiffres.", "Write a number with digits."
            )
        try:
            d = Decimal(s)
        except InvalidOperation:  # pragma: no cover - the pattern above prevents it
            raise fail("Écrivez un nombre.", "Write a number.") from None
        # A float keeps 15 significant digits: more would not read back the same.
        if len(d.normalize().as_tuple().digits) > 15:
            raise self._with_example(
                "Écrivez un nombre avec moins de chiffres.", "Write a number with fewer digits."
            )
        self._check_range(d)
        return float(d)


@register
class EmailField(FieldType):
    name = "email"
    has_format = True

    def parse(self, raw: Any) -> str:
        s = as_text(raw).strip()
        if " " in s:
            raise fail(
                "Une adresse e-mail ne contient pas d'espace. "
                "Par exemple : marie.dupont@exemple.fr",
                "An e-mail address has no spaces. For example: marie.dupont@example.org",
            )
        if "@" not in s:
            raise fail(
                "Il manque le signe @ (arobase). Par exemple : marie.dupont@exemple.fr",
                "The @ sign is missing. For example: marie.dupont@example.org",
            )
        # email-validator: the reference check of address syntax (RFC 5321/5322,
        # IDNA 2008 domains, special-use names like .test, .invalid, .local).
        # Imported on first use so start-up does not pay for it; no DNS check
        # (the kiosk works offline). Local parts stay ASCII: a person's
        # "marié@" is far more often a typing slip than a real mailbox.
        import email_validator

        try:
            checked = email_validator.validate_email(
                s, check_deliverability=False, allow_smtputf8=False
            )
        except email_validator.EmailNotValidError:
            raise fail(
                "Vérifiez l'adresse e-mail. Par exemple : marie.dupont@exemple.fr",
                "Check the e-mail address. For example: marie.dupont@example.org",
            ) from None
        local, _, domain = checked.normalized.rpartition("@")
        if not re.search(r"\.[^\W\d_]{2,}$", domain):  # a real top-level domain
            raise fail(
                "Vérifiez l'adresse e-mail. Par exemple : marie.dupont@exemple.fr",
                "Check the e-mail address. For example: marie.dupont@example.org",
            )
        return f"{local}@{domain.lower()}"


_YES = {"yes", "oui", "true", "1", "o", "y"}
_NO = {"no", "non", "false", "0", "n"}


@register
class YesNoField(FieldType):
    name = "yes_no"
    widget = "yes_no"
    value_kind = "boolean"

    def parse(self, raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str):
            s = raw.strip().lower()
            if s in _YES:
                return True
            if s in _NO:
                return False
        raise fail("Choisissez « Oui » ou « Non ».", "Choose “Yes” or “No”.")

    def display(self, value: Any, locale: str) -> str:
        if value is None:
            return ""
        return {"fr": ("Oui", "Non"), "en": ("Yes", "No")}.get(locale, ("Oui", "Non"))[
            0 if value else 1
        ]


class _ChoicesField(FieldType):
    """What single and multiple choices share: the spec check and one picked value."""

    has_choices = True

    @classmethod
    def check_spec(cls, spec: FieldSpec) -> list[str]:
        problems = super().check_spec(spec)
        values = [c.value for c in spec.choices]
        for dup in sorted({v for v in values if values.count(v) > 1}):
            problems.append(f"field '{spec.id}': choice value '{dup}' is repeated")
        return problems

    def _value(self, raw: Any) -> str:
        if isinstance(raw, str):
            s = raw.strip()
            for c in self.spec.choices:
                if s == c.value:
                    return c.value
        raise fail("Choisissez une des réponses proposées.", "Choose one of the answers shown.")


@register
class ChoiceField(_ChoicesField):
    name = "choice"
    widget = "choice"

    def parse(self, raw: Any) -> str:
        return self._value(raw)

    def display(self, value: Any, locale: str) -> str:
        return "" if value is None else choice_label(self.spec.choices, value, locale)


@register
class MultiChoiceField(_ChoicesField):
    name = "multi_choice"
    widget = "multi_choice"
    value_kind = "list"
    constraint_names = frozenset({"min_count", "max_count"})

    def parse(self, raw: Any) -> list[str]:
        if isinstance(raw, str):
            raw = [raw]
        if not isinstance(raw, list | tuple):
            raise fail("Choisissez dans la liste.", "Choose from the list.")
        picked = {self._value(item) for item in raw}
        values = [c.value for c in self.spec.choices if c.value in picked]
        lo, hi = self.constraints.get("min_count"), self.constraints.get("max_count")
        if lo is not None and len(values) < lo:
            raise fail(f"Choisissez au moins {lo} réponses.", f"Choose at least {lo} answers.")
        if hi is not None and len(values) > hi:
            raise fail(f"Choisissez {hi} réponses au plus.", f"Choose {hi} answers at most.")
        return values

    def display(self, value: Any, locale: str) -> str:
        if not value:
            return ""
        return ", ".join(choice_label(self.spec.choices, v, locale) for v in value)


@register
class ConsentField(FieldType):
    name = "consent"
    widget = "consent"
    value_kind = "boolean"
    records_consent = True
    labels_itself = True
    marks_optional = False
    copies_example = False

    def is_empty(self, raw: Any) -> bool:
        return raw is None or raw is False or (isinstance(raw, str) and raw.strip() in _NO | {""})

    def parse(self, raw: Any) -> bool:
        if raw is True or (isinstance(raw, str) and raw.strip().lower() in _YES):
            return True
        raise fail(
            "Cochez la case pour continuer.",
            "Tick the box to continue.",
        )

    def clean(self, raw: Any) -> Any:
        if self.is_empty(raw):
            # A declaration must be accepted, whatever "required" says.
            raise fail(
                "Pour envoyer votre demande, cochez la case.",
                "To send your request, tick the box.",
            )
        return self.parse(raw)

    def display(self, value: Any, locale: str) -> str:
        return pick({"fr": "Accepté", "en": "Accepted"}, locale) if value else ""


_TIME_RE = re.compile(r"(\d{1,2})\s*(?:[:hH.]\s*(\d{2})?)?")


@register
class TimeField(FieldType):
    name = "time"
    has_format = True
    numeric_keypad = True

    def parse(self, raw: Any) -> str:
        s = as_text(raw).strip()
        m = _TIME_RE.fullmatch(s)
        if m:
            hours, minutes = int(m.group(1)), int(m.group(2) or 0)
            if hours < 24 and minutes < 60:
                return f"{hours:02d}:{minutes:02d}"
        raise fail(
            "Écrivez l'heure comme ceci : 14:30 (ou 14h30).",
            "Write the time like this: 14:30.",
        )

    def display(self, value: Any, locale: str) -> str:
        if value is None:
            return ""
        if locale != "fr":
            return str(value)
        hours, minutes = value.split(":")
        return f"{int(hours)} h {minutes}"
