import re
import textwrap
from pathlib import Path

import pytest

from kiosk.procedure import ProcedureError, load_all, load_procedure

VALID = """\
id: demo
version: "1"
category: aide
checked: "2026-11-29"
sources: ["test"]
title: {fr: Démo, en: Demo}
summary: {fr: Résumé, en: Summary}
duration_minutes: 5
fees: []
prepare: []
steps:
  - id: motif_step
    kind: question
    fields:
      - id: motif
        type: choice
        label: {fr: "Pourquoi ?", en: "Why?"}
        choices:
          - {value: perte, label: {fr: Perte, en: Loss}}
          - {value: vol, label: {fr: Vol, en: Theft}}
  - id: nom_step
    kind: question
    when: "motif = 'vol'"
    fields:
      - id: nom
        type: name
        label: {fr: "Votre nom ?", en: "Your name?"}
  - id: review
    kind: review
  - id: decl
    kind: declaration
    title: {fr: Déclaration, en: Declaration}
    text: {fr: Je déclare., en: I declare.}
    consent_id: c-1
    fields:
      - {id: ok, type: consent, label: {fr: "D'accord ?", en: "Agreed?"}}
  - id: end
    kind: confirmation
    title: {fr: Fin, en: End}
    text: {fr: Merci., en: Thanks.}
    next_steps: {fr: Attendez., en: Wait.}
    delay: {fr: 15 jours., en: 15 days.}
    contact: {fr: "34 00", en: "34 00"}
"""


def write(tmp_path: Path, source: str, name: str = "demo.yaml") -> Path:
    path = tmp_path / name
    path.write_text(source, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ProcedureError) as info:
        load_procedure(path)
    lines = str(info.value).splitlines()
    for line in lines:
        assert re.match(rf"{re.escape(str(path))}:\d+: \S", line), line
    return lines


def line_of(source: str, needle: str) -> int:
    for number, line in enumerate(source.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_valid_file_loads(tmp_path):
    proc = load_procedure(write(tmp_path, VALID))
    assert proc.id == "demo"
    assert [s.id for s in proc.steps] == ["motif_step", "nom_step", "review", "decl", "end"]
    assert proc.fields["motif"].choices[1].value == "vol"
    assert proc.step("nom_step").heading["en"] == "Your name?"


def test_yaml_syntax_error_has_its_line(tmp_path):
    source = VALID.replace(
        'label: {fr: "Votre nom ?", en: "Your name?"}', 'label: {fr: "Votre nom ?", en: "Your'
    )
    path = write(tmp_path, source)
    [problem] = problems_of(path)
    assert re.match(rf"{re.escape(str(path))}:(\d+): YAML syntax", problem)
    line = int(problem.split(":")[1])
    assert line >= line_of(source, 'en: "Your')


def test_unknown_field_type(tmp_path):
    source = VALID.replace("type: name", "type: nom_de_famille")
    path = write(tmp_path, source)
    [problem] = problems_of(path)
    assert (
        f":{line_of(source, 'type: nom_de_famille')}: unknown field type 'nom_de_famille'"
        in problem
    )


def test_unknown_field_in_condition(tmp_path):
    source = VALID.replace("when: \"motif = 'vol'\"", "when: \"raison = 'vol'\"")
    path = write(tmp_path, source)
    [problem] = problems_of(path)
    assert f":{line_of(source, 'raison')}: condition" in problem
    assert "unknown field 'raison'" in problem


def test_condition_on_a_later_field(tmp_path):
    source = VALID.replace(
        """    kind: question
    fields:
      - id: motif""",
        """    kind: question
    when: "nom is empty"
    fields:
      - id: motif""",
    )
    [problem] = problems_of(write(tmp_path, source))
    assert "unknown field 'nom' (or it comes later" in problem


@pytest.mark.parametrize(
    ("condition", "fragment"),
    [
        ("motif = 'volé'", "'volé' is not a choice of 'motif'"),
        ("motif > 3", "has no order"),
        ("motif = ", "expected a field name or a value"),
        ("motif", "is not a yes/no answer"),
    ],
)
def test_condition_that_can_never_be_evaluated(tmp_path, condition, fragment):
    source = VALID.replace("when: \"motif = 'vol'\"", f'when: "{condition}"')
    problems = problems_of(write(tmp_path, source))
    assert any(fragment in p for p in problems), problems


def test_duplicate_ids(tmp_path):
    source = VALID.replace("id: nom_step", "id: motif_step").replace("- id: nom\n", "- id: motif\n")
    path = write(tmp_path, source)
    problems = problems_of(path)
    assert any("duplicate step id 'motif_step'" in p for p in problems)
    assert any(
        f":{source.splitlines().index('      - id: motif', 15) + 1}: duplicate field id 'motif'"
        in p
        for p in problems
    ), problems


def test_missing_translation(tmp_path):
    source = VALID.replace("title: {fr: Fin, en: End}", "title: {fr: Fin}")
    path = write(tmp_path, source)
    [problem] = problems_of(path)
    assert problem == f"{path}:{line_of(source, 'title: {fr: Fin}')}: missing translation 'en'"


def test_french_only_procedure_may_say_so(tmp_path):
    source = VALID.replace("title: {fr: Fin, en: End}", "title: {fr: Fin}").replace(
        "duration_minutes: 5", "duration_minutes: 5\nlocales: [fr]"
    )
    assert load_procedure(write(tmp_path, source)).locales == ("fr",)


def test_duplicate_yaml_key(tmp_path):
    source = VALID.replace('version: "1"\n', 'version: "1"\nversion: "2"\n')
    [problem] = problems_of(write(tmp_path, source))
    assert ":3: duplicate key 'version'" in problem


def test_schema_errors_point_at_the_node(tmp_path):
    source = VALID.replace("duration_minutes: 5", "duration_minutes: cinq")
    path = write(tmp_path, source)
    [problem] = problems_of(path)
    assert problem.startswith(f"{path}:8: duration_minutes: 'cinq' is not of type 'integer'")


def test_missing_required_key(tmp_path):
    source = VALID.replace("category: aide\n", "")
    [problem] = problems_of(write(tmp_path, source))
    assert ":1: 'category' is a required property" in problem


def test_id_must_match_file_name(tmp_path):
    [problem] = problems_of(write(tmp_path, VALID, name="other.yaml"))
    assert "must equal the file name 'other'" in problem


def test_closing_steps_are_required_in_order(tmp_path):
    source = VALID.replace("  - id: review\n    kind: review\n", "")
    [problem] = problems_of(write(tmp_path, source))
    assert "exactly one 'review', one 'declaration' and one 'confirmation'" in problem


def test_field_rules(tmp_path):
    source = VALID.replace(
        """        type: name
        label: {fr: "Votre nom ?", en: "Your name?"}""",
        """        type: text
        label: {fr: "Votre nom ?", en: "Your name?"}
        constraints: {pattern: "[a-z", colour: red}
      - id: scan
        type: attachment
        label: {fr: "Scan ?", en: "Scan?"}
      - id: tel
        type: phone
        label: {fr: "Téléphone ?", en: "Phone?"}""",
    )
    problems = "\n".join(problems_of(write(tmp_path, source)))
    assert "unknown constraint 'colour'" in problems
    assert "pattern is not a valid regular expression" in problems
    assert "a pattern needs its own 'pattern_message'" in problems
    assert "'attachment' fields belong in a 'documents' step" in problems
    assert "field 'tel': add an 'example'" in problems


def test_declaration_needs_one_consent(tmp_path):
    source = VALID.replace("type: consent", "type: yes_no")
    problems = "\n".join(problems_of(write(tmp_path, source)))
    assert "a declaration has exactly one field, of type 'consent'" in problems


def test_not_a_mapping_and_not_utf8(tmp_path):
    [problem] = problems_of(write(tmp_path, "- just\n- a list\n"))
    assert problem.endswith(":1: a procedure file is a YAML mapping")
    path = tmp_path / "demo.yaml"
    path.write_bytes("id: démo".encode("latin-1"))
    assert problems_of(path)[0].endswith(":1: the file is not UTF-8 text")


def test_missing_picture(tmp_path):
    source = VALID.replace(
        "steps:\n",
        textwrap.dedent(
            """\
            steps:
              - id: intro
                kind: information
                title: {fr: Bonjour, en: Hello}
                text: {fr: Bienvenue., en: Welcome.}
                picture: nowhere.png
            """
        ),
    )
    [problem] = problems_of(write(tmp_path, source))
    assert "picture not found: resources/pictures/nowhere.png" in problem


def test_load_all_reports_every_file_and_keeps_the_good_ones(tmp_path):
    write(tmp_path, VALID)
    write(
        tmp_path,
        VALID.replace("id: demo", "id: broken").replace("type: name", "type: x"),
        "broken.yaml",
    )
    procedures, problems = load_all([tmp_path])
    assert [p.id for p in procedures] == ["demo"]
    assert len(problems) == 1 and "broken.yaml" in problems[0].path
