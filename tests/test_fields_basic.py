"""Everyday field types: text, names, numbers, e-mail, yes/no, choices, consent, time."""

from __future__ import annotations

import math
from typing import Any

import pytest

from kiosk.fields import Choice, FieldError
from tests.test_fields import COLOURS, error, make, roundtrip

# -- text ----------------------------------------------------------------------


def test_text_is_trimmed_and_spaces_squeezed() -> None:
    f = make("text")
    assert f.clean("  Bonjour \u00a0  le   monde ") == "Bonjour le monde"
    assert f.clean(42) == "42"
    roundtrip(f, "Bonjour")


def test_text_lengths() -> None:
    f = make("text", min_length=2, max_length=5)
    assert f.clean("ab") == "ab"
    assert f.clean("abcde") == "abcde"
    assert "at least 2" in error(f, "a").message["en"]
    e = error(f, "abcdef")
    assert "5 characters at most" in e.message["en"]
    assert "6" in e.message["fr"]


def test_text_pattern_uses_its_own_message() -> None:
    message = {"fr": "Deux lettres.", "en": "Two letters."}
    f = make("text", pattern="[A-Z]{2}", pattern_message=message)
    assert f.clean(" AB ") == "AB"
    assert error(f, "A1").message == message


def test_text_pattern_spec_problems() -> None:
    from kiosk.fields import REGISTRY, FieldSpec

    spec = FieldSpec(id="f", type="text", label={"fr": "x"}, constraints={"pattern": "("})
    problems = REGISTRY["text"].check_spec(spec)
    assert any("not a valid regular expression" in p for p in problems)
    assert any("pattern_message" in p for p in problems)


# -- long text -------------------------------------------------------------------


def test_long_text_keeps_lines_and_squeezes_each() -> None:
    f = make("long_text")
    assert f.clean("  ligne  un \n\tligne   deux  ") == "ligne un\nligne deux"


def test_long_text_accepts_windows_line_ends() -> None:
    assert make("long_text").clean("un\r\ndeux\r\n") == "un\ndeux"


def test_long_text_has_a_default_limit() -> None:
    f = make("long_text")
    assert len(f.clean("a" * 2000)) == 2000
    assert "2000" in error(f, "a" * 2001).message["fr"]
    assert make("long_text", max_length=10).clean("a" * 10) == "a" * 10
    error(make("long_text", max_length=10), "a" * 11)


# -- names -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Dupont", "Dupont"),
        ("  Le   Goff-Martin ", "Le Goff-Martin"),
        ("Éléonore", "Éléonore"),
        ("àâäéèêëîïôöùûüÿç", "àâäéèêëîïôöùûüÿç"),
        ("ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ", "ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ"),
        ("Lætitia", "Lætitia"),
        ("Œdipe Cœur", "Œdipe Cœur"),
        ("d’Artagnan", "d'Artagnan"),  # typographic apostrophe normalised
        ("d‘Artagnan", "d'Artagnan"),
        ("O'Neil", "O'Neil"),
        ("Jean ‐ Pierre", "Jean - Pierre"),  # Unicode hyphen normalised
        ("Jean - Pierre", "Jean - Pierre"),
        ("Anne Marie", "Anne Marie"),
        ("Ge\u0301rard", "Gérard"),  # decomposed accent composed (NFC)
    ],
)
def test_names_accept_french_letters(raw: str, value: str) -> None:
    f = make("name")
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "fr")) == value
    roundtrip(f, value)


@pytest.mark.parametrize("raw", ["Dupont2", "Louis 14", "R2D2"])
def test_names_have_no_digits(raw: str) -> None:
    assert "digits" in error(make("name"), raw).message["en"]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [("Muñoz", "ñ"), ("Søren", "ø"), ("Łukasz", "Ł"), ("Иван", "И"), ("محمد", "م"), ("李", "李")],
)
def test_names_refuse_other_letters_and_name_them(raw: str, shown: str) -> None:
    e = error(make("name"), raw)
    assert shown in e.message["fr"]
    assert shown in e.message["en"]


@pytest.mark.parametrize("raw", ["Ann@", "Dupont.", "Dupont_Martin", "A/B", "Jean (fils)"])
def test_names_refuse_punctuation_and_say_which(raw: str) -> None:
    e = error(make("name"), raw)
    assert "not accepted in a name" in e.message["en"]


@pytest.mark.parametrize("raw", ["-Dupont", "Dupont-", "'Dupont", "Jean--Pierre", "Jean '-Pierre"])
def test_names_start_and_end_with_a_letter(raw: str) -> None:
    assert "Start and end" in error(make("name"), raw).message["en"]


def test_names_length() -> None:
    assert make("name").clean("a" * 80) == "a" * 80
    error(make("name"), "a" * 81)
    error(make("name", max_length=5), "Dupont")


# -- integers and decimals --------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("12", 12),
        ("12 500", 12500),
        ("12\u202f500", 12500),
        ("12\u00a0500", 12500),
        ("85.000", 85000),
        ("1.234.567", 1234567),
        ("-5", -5),
        ("+7", 7),
        ("0", 0),
        (12500, 12500),
        ("999999999999999", 999999999999999),
    ],
)
def test_integers(raw: Any, value: int) -> None:
    f = make("integer")
    got = f.clean(raw)
    assert got == value
    assert type(got) is int
    roundtrip(f, got)


@pytest.mark.parametrize("raw", ["1,5", "1.5", "12.50", 1.5])
def test_integers_are_whole(raw: Any) -> None:
    assert "whole number" in error(make("integer"), raw).message["en"]


@pytest.mark.parametrize(
    "raw", ["douze", "12a", "1e5", "--3", "1 000 000 000 000 000", True, math.nan, math.inf]
)
def test_integers_are_digits(raw: Any) -> None:
    assert "digits" in error(make("integer"), raw).message["en"]


def test_number_errors_use_the_field_example() -> None:
    example = {"fr": "Par exemple : 85 000", "en": "For example: 85,000"}
    e = error(make("integer", example=example), "beaucoup")
    assert e.message["fr"].endswith("Par exemple : 85 000")
    assert e.message["en"].endswith("For example: 85,000")


def test_integer_range_messages() -> None:
    both = make("integer", min=1, max=12500)
    assert both.clean("12 500") == 12500
    assert both.clean("1") == 1
    e = error(both, "12 501")
    assert e.message["fr"] == "Écrivez un nombre entre 1 et 12\u202f500."
    assert e.message["en"] == "Write a number between 1 and 12500."
    error(both, "0")
    assert "or more" in error(make("integer", min=18), "17").message["en"]
    assert "or less" in error(make("integer", max=300), "301").message["en"]


def test_integer_display_and_unit() -> None:
    f = make("integer", unit="km")
    assert f.display(85000, "fr") == "85\u202f000 km"
    assert f.display(85000, "en") == "85,000 km"
    assert f.display(None, "fr") == ""


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1,75", 1.75), ("1.75", 1.75), (" 2 ", 2.0), ("-0,5", -0.5), (1.75, 1.75), (3, 3.0)],
)
def test_decimals(raw: Any, value: float) -> None:
    f = make("decimal")
    assert f.clean(raw) == value
    roundtrip(f, value)


@pytest.mark.parametrize("raw", ["1,2,3", "1.2.3", "un virgule", "1,", ",5", "1,1234567", math.nan])
def test_decimals_refused(raw: Any) -> None:
    error(make("decimal"), raw)


def test_decimal_range_and_display() -> None:
    f = make("decimal", min=0.5, max=2.5, unit="m")
    assert f.clean("1,75") == 1.75
    e = error(f, "2,6")
    assert e.message["fr"] == "Écrivez un nombre entre 0,5 et 2,5."
    assert e.message["en"] == "Write a number between 0.5 and 2.5."
    assert f.display(1.75, "fr") == "1,75 m"
    assert f.display(1.75, "en") == "1.75 m"
    assert f.display(2.0, "fr") == "2 m"


# -- e-mail ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("marie.dupont@exemple.fr", "marie.dupont@exemple.fr"),
        ("  Marie.Dupont@EXEMPLE.FR ", "Marie.Dupont@exemple.fr"),
        ("o'neil+kiosk@mairie-08.gouv.fr", "o'neil+kiosk@mairie-08.gouv.fr"),
        ("contact@café.fr", "contact@café.fr"),  # an international domain name
        ("contact@CAFÉ.fr", "contact@café.fr"),
    ],
)
def test_emails(raw: str, value: str) -> None:
    f = make("email")
    assert f.clean(raw) == value
    roundtrip(f, value)


def test_email_errors_say_what_is_wrong() -> None:
    f = make("email")
    assert "no spaces" in error(f, "marie dupont@exemple.fr").message["en"]
    assert "@" in error(f, "marie.dupont.exemple.fr").message["en"]
    for raw in [
        "marie@exemple",
        "marie@@exemple.fr",
        "marie..d@exemple.fr",
        "@exemple.fr",
        "marie@exemple.f",
        "marié@exemple.fr",
        "a@" + "b" * 250 + ".fr",
        ".marie@exemple.fr",
        "marie.@exemple.fr",
        "marie@-exemple.fr",
        "marie@exemple-.fr",
        "marie@" + "b" * 64 + ".fr",
        "marie@exemple.test",
        "marie@exemple.invalid",
        "marie@mairie.local",
        "marie@localhost",
    ]:
        assert "Check the e-mail" in error(f, raw).message["en"], raw


# -- yes / no --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (True, True),
        (False, False),
        ("yes", True),
        ("no", False),
        ("oui", True),
        ("non", False),
        ("Oui", True),
        (" NON ", False),
        ("True", True),
        ("False", False),
    ],
)
def test_yes_no(raw: Any, value: bool) -> None:
    f = make("yes_no")
    assert f.clean(raw) is value
    assert f.display(value, "fr") == ("Oui" if value else "Non")
    assert f.display(value, "en") == ("Yes" if value else "No")
    roundtrip(f, value)


@pytest.mark.parametrize("raw", ["peut-être", "2", 1, 0, ["yes"]])
def test_yes_no_refuses_the_rest(raw: Any) -> None:
    assert "Yes" in error(make("yes_no"), raw).message["en"]


def test_a_required_yes_no_takes_false() -> None:
    assert make("yes_no").clean(False) is False


# -- choices ---------------------------------------------------------------------


def test_choice() -> None:
    f = make("choice", choices=COLOURS)
    assert f.clean("vert") == "vert"
    assert f.clean(" vert ") == "vert"
    assert f.display("vert", "fr") == "Vert"
    assert f.display("vert", "en") == "Green"
    roundtrip(f, "vert")


@pytest.mark.parametrize("raw", ["jaune", "Vert", "VERT", 1, ["vert"]])
def test_choice_refuses_unknown_values(raw: Any) -> None:
    assert "answers shown" in error(make("choice", choices=COLOURS), raw).message["en"]


def test_choice_spec_refuses_repeated_values() -> None:
    from kiosk.fields import REGISTRY, FieldSpec

    twice = (*COLOURS, Choice("vert", {"fr": "Vert encore", "en": "Green again"}))
    spec = FieldSpec(id="f", type="choice", label={"fr": "x"}, choices=twice)
    assert any("'vert' is repeated" in p for p in REGISTRY["choice"].check_spec(spec))


def test_multi_choice_keeps_the_order_of_the_choices() -> None:
    f = make("multi_choice", choices=COLOURS)
    assert f.clean(["bleu", "rouge"]) == ["rouge", "bleu"]
    assert f.clean(("bleu", "bleu")) == ["bleu"]
    assert f.clean("vert") == ["vert"]
    assert f.display(["rouge", "bleu"], "fr") == "Rouge, Bleu"
    assert f.display(["rouge", "bleu"], "en") == "Red, Blue"
    roundtrip(f, ["rouge", "bleu"])


@pytest.mark.parametrize("raw", [["rouge", "jaune"], [1], {"rouge": True}, 7])
def test_multi_choice_refuses_unknown_values(raw: Any) -> None:
    error(make("multi_choice", choices=COLOURS), raw)


def test_multi_choice_counts() -> None:
    f = make("multi_choice", choices=COLOURS, min_count=2, max_count=2)
    assert f.clean(["rouge", "vert"]) == ["rouge", "vert"]
    assert "at least 2" in error(f, ["rouge"]).message["en"]
    assert "2 answers at most" in error(f, ["rouge", "vert", "bleu"]).message["en"]
    assert error(f, []).message["en"] == "This answer is required."
    assert make("multi_choice", choices=COLOURS, required=False).clean([]) is None


# -- consent ---------------------------------------------------------------------


def test_consent() -> None:
    f = make("consent")
    assert f.clean(True) is True
    assert f.clean("yes") is True
    assert f.display(True, "fr") == "Accepté"
    assert f.display(True, "en") == "Accepted"
    roundtrip(f, True)


@pytest.mark.parametrize("required", [True, False])
@pytest.mark.parametrize("raw", [False, None, "", "no", "non", "Non", "peut-être", 1])
def test_consent_must_be_given_whatever_required_says(raw: Any, required: bool) -> None:
    assert "tick the box" in error(make("consent", required=required), raw).message["en"].lower()


# -- time ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("14:30", "14:30"),
        ("14h30", "14:30"),
        ("14H30", "14:30"),
        ("14 h 30", "14:30"),
        ("14.30", "14:30"),
        ("9:05", "09:05"),
        ("9h", "09:00"),
        ("0:00", "00:00"),
        ("23:59", "23:59"),
        ("7", "07:00"),
    ],
)
def test_times(raw: str, value: str) -> None:
    f = make("time")
    assert f.clean(raw) == value
    assert f.clean(f.display(value, "en")) == value
    roundtrip(f, value)


@pytest.mark.parametrize(
    "raw", ["24:00", "12:60", "25h", "9:5", "midi", "14:30:00", "-1:00", "123"]
)
def test_times_refused(raw: str) -> None:
    assert "14:30" in error(make("time"), raw).message["en"]


def test_time_display() -> None:
    f = make("time")
    assert f.display("09:05", "fr") == "9 h 05"
    assert f.display("14:30", "en") == "14:30"
    assert f.display(None, "fr") == ""


# -- invisible characters and the default length of plain text ----------------------------

INVISIBLE = [
    "\u202e", "\u202a", "\u202b", "\u202c", "\u202d",  # bidirectional embeddings, overrides
    "\u2066", "\u2067", "\u2068", "\u2069",  # bidirectional isolates
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff",  # zero-width, word joiner, BOM
    "\x00", "\x1b", "\x7f", "\x85", "\x9b",  # C0 and C1 controls
]  # fmt: skip


@pytest.mark.parametrize("char", INVISIBLE)
@pytest.mark.parametrize("type_name", ["text", "name", "long_text", "email", "phone"])
def test_every_text_like_type_refuses_invisible_characters(type_name, char):
    field = make(type_name)
    with pytest.raises(FieldError) as info:
        field.clean(f"Dupont{char}rue")
    assert "invisible" in info.value.message["en"]


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_single_line_text_refuses_line_controls(char):
    with pytest.raises(FieldError):
        make("text").clean(f"Renault{char}Clio")


def test_long_text_keeps_its_newlines():
    assert make("long_text").clean("Bonjour,\r\nà demain") == "Bonjour,\nà demain"


def test_plain_text_has_a_default_length_limit():
    assert make("text").clean("a" * 200) == "a" * 200
    with pytest.raises(FieldError):
        make("text").clean("a" * 201)
    with pytest.raises(FieldError):
        make("text").clean("a" * 1_000_000)
    assert make("text", max_length=500).clean("a" * 400) == "a" * 400
