"""Texts in several languages.

A procedure text or an error message is a ``Text``: a mapping from locale
code to string. French is the reference language and always present.
"""

from collections.abc import Mapping
from types import MappingProxyType

LOCALES: tuple[str, ...] = ("fr", "en")
DEFAULT_LOCALE = "fr"

Text = Mapping[str, str]


def text(fr: str, en: str, **others: str) -> Text:
    return MappingProxyType({"fr": fr, "en": en, **others})


def pick(t: Text | None, locale: str) -> str:
    """The text in ``locale``, else in French; an empty string for no text."""
    if not t:
        return ""
    return t.get(locale) or t.get(DEFAULT_LOCALE) or next(iter(t.values()), "")
