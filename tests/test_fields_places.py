"""Postal codes, communes picked offline, addresses and departments."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk import postal
from tests.test_fields import error, make, roundtrip

# -- postal codes ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [("08000", "08000"), (" 08 000 ", "08000"), ("20000", "20000"), ("97100", "97100")],
)
def test_postal_codes(raw: str, value: str) -> None:
    f = make("postal_code")
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


@pytest.mark.parametrize("raw", ["8000", "080000", "08O00", "2A004", "٠٨٠٠٠", 8000])
def test_postal_codes_have_5_digits(raw: Any) -> None:
    assert "5 digits" in error(make("postal_code"), raw).message["en"]


@pytest.mark.parametrize("raw", ["99999", "00000", "20999"])
def test_unknown_postal_codes(raw: str) -> None:
    assert "does not exist" in error(make("postal_code"), raw).message["en"]


def test_the_postal_table() -> None:
    assert postal.postal_code_exists("08000")
    assert not postal.postal_code_exists("99999")
    assert postal.communes_for("99999") == ()
    assert postal.fold("Saint-Étienne") == postal.fold("st etienne") == "saint etienne"
    assert postal.fold("Œuilly") == "oeuilly"
    assert postal.fold("L’Haÿ-les-Roses") == "l hay les roses"


# -- communes ----------------------------------------------------------------------

CHARLEVILLE = {"postal_code": "08000", "insee": "08105", "commune": "Charleville-Mézières"}


@pytest.mark.parametrize(
    "typed",
    [
        "Charleville-Mézières",
        "charleville mezieres",
        "CHARLEVILLE-MEZIERES",
        "  Charleville   Mézières ",
        "08105",
    ],
)
def test_commune_by_name_or_insee_code(typed: str) -> None:
    f = make("commune")
    assert f.clean({"postal_code": "08000", "commune": typed}) == CHARLEVILLE
    assert f.display(CHARLEVILLE, "fr") == "08000 Charleville-Mézières"
    roundtrip(f, CHARLEVILLE)


def test_corsica_has_2a_and_2b_insee_codes() -> None:
    f = make("commune")
    ajaccio = {"postal_code": "20000", "insee": "2A004", "commune": "Ajaccio"}
    assert f.clean({"postal_code": "20000", "commune": "ajaccio"}) == ajaccio
    assert f.clean({"postal_code": "20000", "commune": "2A004"}) == ajaccio
    assert f.clean({"postal_code": "20000", "commune": "2a004"}) == ajaccio
    bastia = f.clean({"postal_code": "20200", "commune": "Bastia"})
    assert bastia["insee"] == "2B033"


def test_saint_is_st() -> None:
    f = make("commune")
    got = f.clean({"postal_code": "01000", "commune": "st denis les bourg"})
    assert got["commune"] == "Saint-Denis-lès-Bourg"


def test_a_single_commune_is_picked_for_the_person() -> None:
    got = make("commune").clean({"postal_code": "75001", "commune": ""})
    assert got == {"postal_code": "75001", "insee": "75101", "commune": "Paris 1er Arrondissement"}
    assert make("commune").clean({"postal_code": "97100"})["commune"] == "Basse-Terre"


def test_several_communes_need_a_choice() -> None:
    e = error(make("commune"), {"postal_code": "08000", "commune": ""})
    assert e.part == "commune"
    assert "Choose your town" in e.message["en"]


def test_a_wrong_commune_lists_the_right_ones() -> None:
    e = error(make("commune"), {"postal_code": "08000", "commune": "Sedan"})
    assert e.part == "commune"
    assert "08000" in e.message["fr"]
    assert "Charleville-Mézières" in e.message["fr"]
    assert "Warcq" in e.message["en"]
    assert "…" not in e.message["fr"]  # 6 communes: all listed


def test_a_long_list_of_communes_is_cut() -> None:
    e = error(make("commune"), {"postal_code": "08090", "commune": "Paris"})
    assert e.message["fr"].endswith("…")
    assert e.message["fr"].count(",") == 5


@pytest.mark.parametrize(
    ("raw", "part", "words"),
    [
        ({"postal_code": "99999", "commune": "Paris"}, "postal_code", "does not exist"),
        ({"postal_code": "8000", "commune": "Sedan"}, "postal_code", "5 digits"),
        ({"postal_code": "", "commune": "Sedan"}, "postal_code", "5 digits"),
        ({"commune": "Sedan"}, "postal_code", "5 digits"),
    ],
)
def test_commune_postal_code_errors(raw: dict[str, Any], part: str, words: str) -> None:
    e = error(make("commune"), raw)
    assert e.part == part
    assert words in e.message["en"]


@pytest.mark.parametrize("raw", ["08000 Charleville", ["08000", "Charleville"], 8000])
def test_commune_needs_its_parts(raw: Any) -> None:
    error(make("commune"), raw)


def test_commune_refuses_unknown_parts() -> None:
    error(make("commune"), {"postal_code": "08000", "commune": "Warcq", "pays": "France"})


# -- addresses ---------------------------------------------------------------------


def test_address() -> None:
    f = make("address")
    raw = {
        "street": " 12  rue de la  Gare ",
        "complement": "Bâtiment B",
        "postal_code": "08000",
        "commune": "charleville mezieres",
    }
    value = f.clean(raw)
    assert value == {
        "street": "12 rue de la Gare",
        "complement": "Bâtiment B",
        "postal_code": "08000",
        "insee": "08105",
        "commune": "Charleville-Mézières",
    }
    assert f.display(value, "fr") == "12 rue de la Gare\nBâtiment B\n08000 Charleville-Mézières"
    roundtrip(f, value)


def test_address_without_complement() -> None:
    f = make("address")
    value = f.clean({"street": "Lieu-dit Le Moulin", "postal_code": "75001"})
    assert value["complement"] == ""
    assert f.display(value, "en") == "Lieu-dit Le Moulin\n75001 Paris 1er Arrondissement"


@pytest.mark.parametrize(
    ("parts", "part", "words"),
    [
        ({"street": "", "postal_code": "08000", "commune": "Warcq"}, "street", "street name"),
        ({"street": "12", "postal_code": "08000", "commune": "Warcq"}, "street", "street name too"),
        ({"street": "12 - 14", "postal_code": "08000", "commune": "Warcq"}, "street", "too"),
        ({"street": "r" * 121, "postal_code": "08000", "commune": "Warcq"}, "street", "120"),
        (
            {"street": "1 rue", "complement": "c" * 121, "postal_code": "08000"},
            "complement",
            "120",
        ),
        ({"street": "1 rue", "postal_code": "99999", "commune": "X"}, "postal_code", "exist"),
        ({"street": "1 rue", "postal_code": "08000", "commune": "Sedan"}, "commune", "Warcq"),
        ({"street": "1 rue", "postal_code": "08000"}, "commune", "Choose your town"),
    ],
)
def test_address_errors_name_their_part(parts: dict[str, Any], part: str, words: str) -> None:
    e = error(make("address"), parts)
    assert e.part == part
    assert words in e.message["en"]


def test_address_refuses_unknown_parts() -> None:
    error(make("address"), {"street": "1 rue", "postal_code": "75001", "etage": "3"})


# -- departments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("08", "08"),
        ("8", "08"),
        (8, "08"),
        ("2A", "2A"),
        ("2a", "2A"),
        (" 2 B ", "2B"),
        ("75", "75"),
        ("95", "95"),
        ("971", "971"),
        ("976", "976"),
    ],
)
def test_departments(raw: Any, value: str) -> None:
    f = make("department")
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


def test_corsica_is_2a_or_2b() -> None:
    e = error(make("department"), "20")
    assert "2A" in e.message["fr"]
    assert "2B" in e.message["en"]


@pytest.mark.parametrize("raw", ["00", "96", "977", "2C", "100", "Ardennes", "0"])
def test_unknown_departments(raw: str) -> None:
    assert "department number" in error(make("department"), raw).message["en"]


def test_two_communes_of_one_name_are_told_apart_by_their_insee_code() -> None:
    """62760 has Thièvres 62814 (Pas-de-Calais) and Thièvres 80756 (Somme):
    picking the second recorded the first's INSEE code."""
    f = make("commune")
    both = [c.insee for c in postal.communes_for("62760") if c.name == "Thièvres"]
    assert both == ["62814", "80756"]
    picked = f.clean({"postal_code": "62760", "commune": "Thièvres", "insee": "80756"})
    assert picked == {"postal_code": "62760", "insee": "80756", "commune": "Thièvres"}
    assert f.to_json(picked)["insee"] == "80756"
    # An INSEE code from another postal code is not a pick from the list.
    assert (
        error(f, {"postal_code": "62760", "commune": "Thièvres", "insee": "08105"}).part
        == "commune"
    )
    address = make("address").clean(
        {
            "street": "1 rue de l'Église",
            "complement": "",
            "postal_code": "62760",
            "commune": "Thièvres",
            "insee": "80756",
        }
    )
    assert address["insee"] == "80756"
