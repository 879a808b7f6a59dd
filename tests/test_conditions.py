import pytest

from kiosk.conditions import ConditionError, FieldInfo, check, evaluate, fields_of, may_hold, parse

KNOWN = {
    "motif": FieldInfo("string", frozenset({"perte", "vol", "deterioration"})),
    "a_permis": FieldInfo("boolean"),
    "km": FieldInfo("number"),
    "naissance": FieldInfo("date"),
    "categories": FieldInfo("list", frozenset({"A", "B", "C"})),
    "nom": FieldInfo("string"),
    "adresse": FieldInfo("object"),
}

ANSWERS = {
    "motif": "vol",
    "a_permis": True,
    "km": 120000,
    "naissance": "1950-03-15",
    "categories": ["B", "C"],
    "nom": "Exemple",
}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("motif = 'vol'", True),
        ("motif == 'vol'", True),
        ('motif = "perte"', False),
        ("motif != 'perte'", True),
        ("motif ≠ 'vol'", False),
        ("motif in ['perte', 'vol']", True),
        ("motif not in ['perte', 'vol']", False),
        ("a_permis", True),
        ("not a_permis", False),
        ("a_permis = true", True),
        ("km >= 100000", True),
        ("km ≥ 120000 and km ≤ 120000", True),
        ("km < 100000", False),
        ("km > 99999.5", True),
        ("naissance > '1960-01-01'", False),
        ("naissance <= '1950-03-15'", True),
        ("categories includes 'C'", True),
        ("categories excludes 'C'", False),
        ("categories excludes 'A'", True),
        ("nom is empty", False),
        ("nom is not empty", True),
        ("(motif = 'perte' or motif = 'vol') and not (km < 10)", True),
        ("motif = 'perte' or motif = 'vol' and km < 10", False),
        ("not not a_permis", True),
    ],
)
def test_evaluate(source, expected):
    node = parse(source)
    assert check(node, KNOWN) == []
    assert evaluate(node, ANSWERS) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("motif = 'vol'", False),
        ("motif != 'vol'", False),  # comparisons with an empty answer are false
        ("motif in ['vol']", False),
        ("motif not in ['vol']", False),
        ("motif is empty", True),
        ("motif is not empty", False),
        ("not motif = 'vol'", True),
        ("a_permis", False),
        ("km > 0", False),
        ("categories includes 'A'", False),
    ],
)
def test_missing_answers_are_empty(source, expected):
    assert evaluate(parse(source), {}) is expected


def test_and_or_precedence_and_fields():
    node = parse("a_permis or motif = 'vol' and km > 3")
    assert fields_of(node) == {"a_permis", "motif", "km"}
    assert evaluate(node, {"a_permis": True}) is True
    assert evaluate(node, {"motif": "vol", "km": 1}) is False


@pytest.mark.parametrize(
    "source",
    [
        "",
        "   ",
        "motif =",
        "motif = 'vol",
        "(motif = 'vol'",
        "motif = 'vol')",
        "'vol'",
        "motif is",
        "motif is not",
        "motif = 'a' and",
        "__import__('os')",
        "motif.__class__",
        "motif = [",
        "motif in [motif]",
        "motif ; rm -rf",
    ],
)
def test_syntax_errors(source):
    with pytest.raises(ConditionError):
        parse(source)


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("inconnu = 'x'", "unknown field 'inconnu'"),
        ("motif = 'volé'", "'volé' is not a choice of 'motif'"),
        ("motif in ['vol', 'autre']", "'autre' is not a choice"),
        ("motif > 'a'", "has no order"),
        ("a_permis = 'oui'", "yes/no answer"),
        ("km = 'beaucoup'", "is a number"),
        ("naissance > 1950", "holds text"),
        ("naissance > '15/03/1950'", "is a date"),
        ("motif", "is not a yes/no answer"),
        ("motif includes 'vol'", "multiple-choice answers only"),
        ("categories includes 'Z'", "'Z' is not a choice"),
        ("motif in 'vol'", "'in' needs a list"),
        ("adresse = 'x'", "'is empty'"),
        ("'vol' = motif", "write the field first"),
    ],
)
def test_static_check(source, fragment):
    problems = check(parse(source), KNOWN)
    assert any(fragment in p for p in problems), problems


def test_a_condition_never_runs_code():
    # Names that would mean something to Python are just unknown fields here.
    node = parse("__class__ = 'x' or exec")
    assert evaluate(node, {}) is False
    assert any("unknown field" in p for p in check(node, KNOWN))


@pytest.mark.parametrize(
    ("source", "answers", "unknown", "expected"),
    [
        # Nothing known: the condition may hold.
        ("motif = 'perte'", {}, {"motif"}, None),
        ("not motif = 'perte'", {}, {"motif"}, None),
        # Known answers settle it, even with an unknown part.
        ("motif = 'perte'", {"motif": "vol"}, set(), False),
        ("document = 'carte' and motif in ['perte', 'vol']", {"document": "passeport"},
         {"motif"}, False),
        ("document = 'carte' or motif = 'vol'", {"document": "carte"}, {"motif"}, True),
        ("document = 'carte' and motif = 'vol'", {"document": "carte"}, {"motif"}, None),
        ("not (document = 'carte' or motif = 'vol')", {"document": "carte"}, {"motif"}, False),
        # A known empty answer is not unknown.
        ("email is empty", {}, set(), True),
        ("ne_en_france", {"ne_en_france": True}, set(), True),
        ("ne_en_france", {}, {"ne_en_france"}, None),
    ],
)  # fmt: skip
def test_may_hold_is_evaluate_with_unknown_answers(source, answers, unknown, expected):
    node = parse(source)
    assert may_hold(node, answers, unknown) is expected
    if not unknown:
        assert may_hold(node, answers, unknown) == evaluate(node, answers)
