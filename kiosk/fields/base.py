"""The field-type registry and what every field type shares.

A field type turns what a person typed or picked (the *raw* input: a
string, a mapping of parts, a list, a file path) into a typed value, or
raises ``FieldError`` with a kind message that says how to fix it. It also
formats a value for display and gives its JSON value for the submission.
Widgets never decide whether an input is valid: they ask the field type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeGuard

from kiosk.i18n import Text, pick, text

JSONValue = Any


class FieldError(Exception):
    """A person's input is not acceptable; ``message`` says how to fix it."""

    def __init__(self, message: Text, part: str | None = None) -> None:
        super().__init__(message.get("en", ""))
        self.message = message
        self.part = part

    def text(self, locale: str) -> str:
        return pick(self.message, locale)


def fail(fr: str, en: str, part: str | None = None) -> FieldError:
    return FieldError(text(fr, en), part)


REQUIRED = text("Cette réponse est obligatoire.", "This answer is required.")


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text


@dataclass(frozen=True)
class FieldSpec:
    """A field as a procedure file defines it (the loader builds these)."""

    id: str
    type: str
    label: Text
    help: Text | None = None
    example: Text | None = None
    required: bool = True
    constraints: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    when: str | None = None
    line: int = 0
    #: a code to keep from other eyes (a registration certificate's
    #: confidential code): masked on screen, never read aloud nor printed
    secret: bool = False


class FieldType:
    """Base class. Subclasses set ``name`` and override ``parse``.

    ``widget`` tells the UI which input to draw; ``parts`` lists the keys
    of a compound input; ``value_kind`` is what conditions may do with the
    value (``string``, ``number``, ``boolean``, ``date``, ``list``,
    ``object``, ``attachment``).
    """

    name: ClassVar[str] = ""
    widget: ClassVar[str] = "line"
    parts: ClassVar[tuple[str, ...]] = ()
    value_kind: ClassVar[str] = "string"
    constraint_names: ClassVar[frozenset[str]] = frozenset()
    has_choices: ClassVar[bool] = False
    has_format: ClassVar[bool] = False
    numeric_keypad: ClassVar[bool] = False
    #: a box the person ticks to agree: the session notes when, the
    #: submission carries it as ``consent``, the review does not list it
    records_consent: ClassVar[bool] = False
    #: the input carries its own words (a box to tick): no label above it
    labels_itself: ClassVar[bool] = False
    #: an optional answer is marked « Vous pouvez laisser vide » (not a box
    #: to tick, nor a document, which is skipped rather than left empty)
    marks_optional: ClassVar[bool] = True
    #: training shows the example person's answer to copy
    copies_example: ClassVar[bool] = True

    def __init__(self, spec: FieldSpec) -> None:
        self.spec = spec
        self.constraints = spec.constraints

    # -- definition checks ---------------------------------------------
    @classmethod
    def check_spec(cls, spec: FieldSpec) -> list[str]:
        """Problems with how a procedure file defines this field."""
        problems = [
            f"field '{spec.id}': unknown constraint '{name}' for type '{cls.name}'"
            f" (allowed: {', '.join(sorted(cls.constraint_names)) or 'none'})"
            for name in spec.constraints
            if name not in cls.constraint_names
        ]
        problems += _typed_constraints(cls, spec)
        if cls.has_choices and not spec.choices:
            problems.append(f"field '{spec.id}': type '{cls.name}' needs 'choices'")
        if spec.choices and not cls.has_choices:
            problems.append(f"field '{spec.id}': type '{cls.name}' takes no 'choices'")
        return problems

    # -- input -----------------------------------------------------------
    def is_empty(self, raw: Any) -> bool:
        if raw is None:
            return True
        if isinstance(raw, str):
            return not raw.strip()
        if isinstance(raw, Mapping):
            return all(self.is_empty(v) for v in raw.values())
        if isinstance(raw, list | tuple):
            return len(raw) == 0
        return False

    def parse(self, raw: Any) -> Any:
        """The typed value of a non-empty raw input, or ``FieldError``."""
        raise NotImplementedError

    def clean(self, raw: Any) -> Any:
        """``parse`` with required/empty handling: None for an empty optional answer."""
        if self.is_empty(raw):
            if self.spec.required:
                raise FieldError(REQUIRED)
            return None
        return self.parse(raw)

    # -- output ----------------------------------------------------------
    def display(self, value: Any, locale: str) -> str:
        return "" if value is None else str(value)

    def to_json(self, value: Any) -> JSONValue:
        return value

    def condition_value(self, value: Any) -> Any:
        """What a condition compares: the JSON value unless a type says otherwise."""
        return self.to_json(value)


# What each constraint holds. "number" bounds belong to number fields; a
# date field checks its own "min"/"max" (a date or "today").
_COUNTS = ("min_length", "max_length", "min_count", "max_count", "max_bytes")
_FLAGS = ("allow_unknown", "not_future", "not_past", "mobile_only")
_PAIRS = (("min_length", "max_length"), ("min_count", "max_count"), ("min", "max"))
#: No answer or file limit in a procedure is anywhere near this.
_MAX_COUNT = 10**9


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and value == value


def _typed_constraints(cls: type[FieldType], spec: FieldSpec) -> list[str]:
    """Constraints of the wrong type, and impossible ones, named by constraint."""
    c = spec.constraints
    where = f"field '{spec.id}': constraint"
    problems = []
    for name in _COUNTS:
        if name in c and name in cls.constraint_names:
            v = c[name]
            if not (isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= _MAX_COUNT):
                problems.append(f"{where} '{name}' must be a whole number, not {v!r}")
    for name in _FLAGS:
        if name in c and name in cls.constraint_names and not isinstance(c[name], bool):
            problems.append(f"{where} '{name}' must be true or false, not {c[name]!r}")
    if cls.value_kind == "number":
        for name in ("min", "max"):
            if name in c and not _is_number(c[name]):
                problems.append(f"{where} '{name}' must be a number, not {c[name]!r}")
    for name in ("pattern", "unit"):
        if name in c and name in cls.constraint_names and not isinstance(c[name], str):
            problems.append(f"{where} '{name}' must be a text, not {c[name]!r}")
    if problems:
        return problems
    for lo, hi in _PAIRS:
        a, b = c.get(lo), c.get(hi)
        if _is_number(a) and _is_number(b) and a > b:
            problems.append(f"{where} '{lo}' ({a:g}) is above '{hi}' ({b:g})")
    if cls.has_choices and spec.choices:
        n = len(spec.choices)
        for name in ("min_count", "max_count"):
            v = c.get(name)
            if name == "min_count" and _is_number(v) and v > n:
                problems.append(f"{where} 'min_count' ({v}) is above the number of choices ({n})")
    if c.get("not_future") is True and c.get("not_past") is True:
        problems.append(f"{where} 'not_future' and 'not_past' together leave only today: keep one")
    return problems


REGISTRY: dict[str, type[FieldType]] = {}


def register(cls: type[FieldType]) -> type[FieldType]:
    if not cls.name or cls.name in REGISTRY:
        raise ValueError(f"bad or duplicate field type name {cls.name!r}")
    REGISTRY[cls.name] = cls
    return cls


def make_field_type(spec: FieldSpec) -> FieldType:
    return REGISTRY[spec.type](spec)


# -- helpers shared by field types -----------------------------------------

_SPACES = re.compile(r"\s+")


#: Longest answer any text-like field reads at all (long texts included); the
#: field's own limit is checked after. Bounds the work on a pasted megabyte.
MAX_RAW_TEXT = 10_000

# Invisible characters are refused, not stripped: a stripped answer is not what
# the person typed, and a refusal says so. Control characters (C0, C1), format
# characters (Cf: the bidirectional overrides U+202A–U+202E and isolates
# U+2066–U+2069 that make a name read differently on the mediator's screen,
# zero-width spaces and joiners, U+FEFF…), surrogates, private use and
# unassigned code points. Long texts keep newlines (and tabs, made spaces).
_INVISIBLE = ("Cc", "Cf", "Cs", "Co", "Cn")


def as_text(raw: Any, *, multiline: bool = False) -> str:
    """Raw input as a string, or an error for things that cannot be typed text."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | float):
        raise fail("Écrivez votre réponse avec le clavier.", "Type your answer with the keyboard.")
    if isinstance(raw, str) and len(raw) > MAX_RAW_TEXT:
        raise fail(
            f"Votre réponse est trop longue ({len(raw)} caractères).",
            f"Your answer is too long ({len(raw)} characters).",
        )
    s = unicodedata.normalize("NFC", number_str(raw) if isinstance(raw, int) else str(raw))
    allowed = "\r\n\t" if multiline else ""
    if any(unicodedata.category(c) in _INVISIBLE and c not in allowed for c in s):
        raise fail(
            "Votre réponse contient un caractère invisible. Effacez-la et écrivez-la de nouveau.",
            "Your answer has an invisible character. Clear it and type it again.",
        )
    return s


def number_str(n: int) -> str:
    """An integer as text; too many digits to convert is an input error, not a crash."""
    try:
        return str(n)
    except ValueError:  # more digits than sys.get_int_max_str_digits()
        raise fail("Ce nombre est trop long.", "This number is too long.") from None


def squeeze(s: str) -> str:
    """Trimmed, with runs of spaces (including non-breaking ones) made single."""
    return _SPACES.sub(" ", s).strip()


def compact(s: str) -> str:
    """Without any space, dash, dot or slash: how identifiers are compared."""
    return re.sub(r"[\s\-./_]+", "", s)


def check_length(s: str, constraints: Mapping[str, Any]) -> None:
    lo = constraints.get("min_length")
    hi = constraints.get("max_length")
    if lo is not None and len(s) < lo:
        raise fail(
            f"Écrivez au moins {lo} caractères.",
            f"Write at least {lo} characters.",
        )
    if hi is not None and len(s) > hi:
        raise fail(
            f"Écrivez {hi} caractères au plus. Votre réponse en a {len(s)}.",
            f"Write {hi} characters at most. Your answer has {len(s)}.",
        )


def choice_label(choices: Sequence[Choice], value: str, locale: str) -> str:
    for c in choices:
        if c.value == value:
            return pick(c.label, locale)
    return value
