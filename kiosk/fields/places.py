"""Postal codes, communes chosen offline from them, addresses, departments."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from kiosk import postal
from kiosk.fields.base import FieldError, FieldType, as_text, check_length, fail, register, squeeze

_POSTAL_EXAMPLE = ("Par exemple : 08000", "For example: 08000")


def parse_postal_code(raw: Any, part: str | None = None) -> str:
    s = re.sub(r"\s", "", as_text(raw))
    if not re.fullmatch(r"\d{5}", s) or not s.isascii():
        raise fail(
            f"Écrivez 5 chiffres. {_POSTAL_EXAMPLE[0]}",
            f"Write 5 digits. {_POSTAL_EXAMPLE[1]}",
            part,
        )
    if not postal.postal_code_exists(s):
        raise fail(
            "Ce code postal n'existe pas. Vérifiez les 5 chiffres. "
            "Il est écrit sur votre courrier.",
            "This postal code does not exist. Check the 5 digits. It is on your mail.",
            part,
        )
    return s


@register
class PostalCodeField(FieldType):
    name = "postal_code"
    has_format = True
    numeric_keypad = True

    def parse(self, raw: Any) -> str:
        return parse_postal_code(raw)


def _commune(parts: Mapping[str, Any]) -> dict[str, str]:
    code = parse_postal_code(parts.get("postal_code") or "", "postal_code")
    communes = postal.communes_for(code)
    insee = squeeze(as_text(parts.get("insee") or ""))
    if insee:
        # Picked from the list: the INSEE code says which, even where one
        # postal code has two communes of the same name (62760: Thièvres 62814
        # and Thièvres 80756).
        picked = next((c for c in communes if c.insee == insee), None)
        if picked is None:
            raise fail(
                "Choisissez votre commune dans la liste.",
                "Choose your town from the list.",
                "commune",
            )
        return {"postal_code": code, "insee": picked.insee, "commune": picked.name}
    typed = squeeze(as_text(parts.get("commune") or ""))
    if not typed:
        if len(communes) == 1:
            only = communes[0]
            return {"postal_code": code, "insee": only.insee, "commune": only.name}
        raise fail(
            "Choisissez votre commune dans la liste.", "Choose your town from the list.", "commune"
        )
    found = postal.find_commune(code, typed)
    if found is None:
        names = ", ".join(c.name for c in communes[:6])
        more = "…" if len(communes) > 6 else ""
        raise fail(
            f"Cette commune n'a pas le code postal {code}. "
            f"Choisissez dans la liste : {names}{more}",
            f"This town does not have postal code {code}. Choose from the list: {names}{more}",
            "commune",
        )
    return {"postal_code": code, "insee": found.insee, "commune": found.name}


def _as_parts(raw: Any, parts: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise fail("Remplissez chaque case.", "Fill in each box.")
    unknown = set(raw) - set(parts)
    if unknown:
        raise FieldError({"fr": "Réponse inattendue.", "en": "Unexpected answer."})
    return raw


@register
class CommuneField(FieldType):
    name = "commune"
    widget = "commune"
    #: "insee" is given by the list the person picks from; typed answers give the name
    parts = ("postal_code", "commune", "insee")
    value_kind = "object"
    has_format = True

    def parse(self, raw: Any) -> dict[str, str]:
        return _commune(_as_parts(raw, self.parts))

    def display(self, value: Any, locale: str) -> str:
        return "" if not value else f"{value['postal_code']} {value['commune']}"


@register
class AddressField(FieldType):
    name = "address"
    widget = "address"
    parts = ("street", "complement", "postal_code", "commune", "insee")
    value_kind = "object"
    has_format = True

    def parse(self, raw: Any) -> dict[str, str]:
        parts = _as_parts(raw, self.parts)
        street = squeeze(as_text(parts.get("street") or ""))
        if not street:
            raise fail(
                "Écrivez le numéro et le nom de la rue. Par exemple : 12 rue de la Gare",
                "Write the number and street name. For example: 12 rue de la Gare",
                "street",
            )
        try:
            check_length(street, {"max_length": 120})
        except FieldError as e:
            e.part = "street"
            raise
        if not re.search(r"[^\W\d_]", street):
            raise fail(
                "Écrivez aussi le nom de la rue. Par exemple : 12 rue de la Gare",
                "Write the street name too. For example: 12 rue de la Gare",
                "street",
            )
        complement = squeeze(as_text(parts.get("complement") or ""))
        try:
            check_length(complement, {"max_length": 120})
        except FieldError as e:
            e.part = "complement"
            raise
        return {"street": street, "complement": complement, **_commune(parts)}

    def display(self, value: Any, locale: str) -> str:
        if not value:
            return ""
        lines = [value["street"], value["complement"], f"{value['postal_code']} {value['commune']}"]
        return "\n".join(line for line in lines if line)


_DEPARTMENTS = (
    {f"{n:02d}" for n in range(1, 96) if n != 20} | {"2A", "2B"} | {str(n) for n in range(971, 977)}
)


@register
class DepartmentField(FieldType):
    name = "department"
    has_format = True

    def parse(self, raw: Any) -> str:
        s = re.sub(r"\s", "", as_text(raw)).upper()
        if len(s) == 1 and s.isdigit():
            s = "0" + s
        if s == "20":
            raise fail(
                "La Corse a deux numéros : 2A (Corse-du-Sud) ou 2B (Haute-Corse).",
                "Corsica has two numbers: 2A (Corse-du-Sud) or 2B (Haute-Corse).",
            )
        if s not in _DEPARTMENTS:
            raise fail(
                "Écrivez le numéro du département. Par exemple : 08, 2A ou 974",
                "Write the department number. For example: 08, 2A or 974",
            )
        return s
