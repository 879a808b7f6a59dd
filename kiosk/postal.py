"""The offline list of French postal codes and their communes.

Loaded once, at first use, from the compact resource shipped with the
kiosk (Base Adresse Nationale, MIT licence).
"""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass
from functools import cache

from kiosk.resources import resource_path


@dataclass(frozen=True)
class Commune:
    postal_code: str
    insee: str
    name: str


@cache
def _table() -> dict[str, tuple[Commune, ...]]:
    raw = gzip.decompress(resource_path("data", "codes-postaux.tsv.gz").read_bytes())
    table: dict[str, list[Commune]] = {}
    for line in raw.decode("utf-8").splitlines():
        cp, insee, name = line.split("\t")
        table.setdefault(cp, []).append(Commune(cp, insee, name))
    return {
        cp: tuple(sorted(communes, key=lambda c: fold(c.name))) for cp, communes in table.items()
    }


def communes_for(postal_code: str) -> tuple[Commune, ...]:
    return _table().get(postal_code, ())


def postal_code_exists(postal_code: str) -> bool:
    return postal_code in _table()


def fold(name: str) -> str:
    """A commune name as people may type it: no accents, case, hyphens or 'st'."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("œ", "oe").replace("æ", "ae")
    for sep in "-'’":
        s = s.replace(sep, " ")
    abbreviations = {"st": "saint", "ste": "sainte"}
    return " ".join(abbreviations.get(word, word) for word in s.split())


def find_commune(postal_code: str, typed: str) -> Commune | None:
    """The commune of that postal code matching a typed name or INSEE code."""
    key = fold(typed)
    for commune in communes_for(postal_code):
        if typed.strip().upper() == commune.insee or fold(commune.name) == key:
            return commune
    return None
