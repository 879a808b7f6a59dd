"""Hostile procedure and answers files: one ``path:line: message`` each, fast, bounded.

Every file here once ended in a traceback, ran for minutes or took
gigabytes. Resource use is bounded by construction (a size cap, no YAML
aliases, depth limits); the tests check the message and its line, and that
each case comes back at all under the per-test timeout.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from kiosk import conditions
from kiosk.cli import main
from kiosk.procedure import MAX_FILE_BYTES, ProcedureError, load_procedure
from tests.conftest import subprocess_env
from tests.helpers import ROOT
from tests.test_procedure_loading import VALID, line_of, write

BILLION_LAUGHS = "\n".join(
    ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 12)]
)


def one_problem(path: Path) -> tuple[int, str]:
    with pytest.raises(ProcedureError) as info:
        load_procedure(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 1, lines
    m = re.fullmatch(rf"{re.escape(str(path))}:(\d+): (.+)", lines[0])
    assert m, lines[0]
    return int(m.group(1)), m.group(2)


def test_an_alias_bomb_is_refused_quickly_in_little_memory(tmp_path):
    path = write(tmp_path, VALID + BILLION_LAUGHS + "\n")
    tracemalloc.start()
    try:
        line, message = one_problem(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "alias" in message
    assert line == line_of(VALID + BILLION_LAUGHS, "a1: &a1")
    assert peak < 20 << 20  # without the refusal: gigabytes


def test_a_self_referencing_alias_is_refused(tmp_path):
    source = VALID + "loop: &loop [*loop]\n"
    line, message = one_problem(write(tmp_path, source))
    assert "alias" in message and line == line_of(source, "loop: &loop")


def test_a_list_as_a_mapping_key_is_refused(tmp_path):
    source = VALID + "? [a, b]\n: c\n"
    line, message = one_problem(write(tmp_path, source))
    assert "key" in message and line == line_of(source, "? [a, b]")


def test_a_5000_digit_integer_is_refused(tmp_path):
    source = VALID.replace("duration_minutes: 5", "duration_minutes: " + "9" * 5000)
    line, message = one_problem(write(tmp_path, source))
    assert "digits" in message and line == line_of(source, "duration_minutes")


def test_deep_yaml_nesting_is_refused(tmp_path):
    source = VALID + "deep: " + "[" * 5000 + "]" * 5000 + "\n"
    line, message = one_problem(write(tmp_path, source))
    # Our own limit, or (PyYAML 6.0.3 and newer) the parser's: one line, at the place.
    assert ("deep" in message or "nesting depth" in message) and line == line_of(source, "deep: ")


def test_a_nul_byte_is_reported_once_at_its_line(tmp_path):
    source = VALID.replace("summary: {fr: Résumé", "summary: {fr: Rés\x00umé")
    line, message = one_problem(write(tmp_path, source))
    assert line == line_of(source, "summary:")
    assert "U+0000" in message


def test_a_file_over_the_size_cap_is_refused_unread(tmp_path):
    path = write(tmp_path, VALID + "#" + "x" * MAX_FILE_BYTES + "\n")
    line, message = one_problem(path)
    assert line == 1 and "too large" in message


def test_a_condition_with_5000_nested_parentheses(tmp_path):
    condition = "(" * 5000 + "motif = 'vol'" + ")" * 5000
    source = VALID.replace("when: \"motif = 'vol'\"", f'when: "{condition}"')
    line, message = one_problem(write(tmp_path, source))
    assert "characters long" in message and line == line_of(source, 'when: "(((')
    # Short enough to be read, too deep to be parsed.
    condition = "(" * 900 + "motif = 'vol'" + ")" * 900
    source = VALID.replace("when: \"motif = 'vol'\"", f'when: "{condition}"')
    line, message = one_problem(write(tmp_path, source))
    assert "nested too deeply" in message and line == line_of(source, 'when: "(((')


@pytest.mark.parametrize(
    "source",
    [
        "(" * 5000 + "a" + ")" * 5000,
        "(" * 500 + "a" + ")" * 500,
        "not " * 5000 + "a",
        "not " * 400 + "a",
        "a in " + "[" * 500,
        "a in " + "[" * 5000,
        "a = " + "9" * 5000,
        "a" + " and a" * 10_000,
    ],
)
def test_conditions_out_of_bounds_are_condition_errors(source):
    with pytest.raises(conditions.ConditionError):
        conditions.parse(source)


# -- constraints of the wrong type, and impossible ones ------------------------------


def with_field(field_yaml: str) -> str:
    return VALID.replace(
        "        type: name\n",
        "        type: name\n",
    ).replace(
        "  - id: review\n",
        "  - id: extra\n    kind: question\n    fields:\n" + field_yaml + "  - id: review\n",
    )


@pytest.mark.parametrize(
    ("field_yaml", "needle", "words"),
    [
        (
            "      - id: n\n        type: integer\n        label: {fr: N, en: N}\n"
            "        example: {fr: '3', en: '3'}\n"
            '        constraints: {min: "un"}\n',
            "constraints: {min",
            "'min' must be a number",
        ),
        (
            "      - id: t\n        type: text\n        label: {fr: T, en: T}\n"
            "        constraints:\n"
            '          max_length: "soixante"\n',
            "max_length:",
            "'max_length' must be a whole number",
        ),
        (
            "      - id: n\n        type: integer\n        label: {fr: N, en: N}\n"
            "        example: {fr: '3', en: '3'}\n"
            "        constraints:\n          min: 10\n          max: 2\n",
            "min: 10",
            "'min' (10) is above 'max' (2)",
        ),
        (
            "      - id: t\n        type: text\n        label: {fr: T, en: T}\n"
            "        constraints:\n          min_length: 9\n          max_length: 3\n",
            "min_length: 9",
            "'min_length' (9) is above 'max_length' (3)",
        ),
        (
            "      - id: m\n        type: multi_choice\n        label: {fr: M, en: M}\n"
            "        constraints:\n          min_count: 3\n"
            "        choices:\n"
            "          - {value: a, label: {fr: A, en: A}}\n"
            "          - {value: b, label: {fr: B, en: B}}\n",
            "min_count: 3",
            "'min_count' (3) is above the number of choices (2)",
        ),
        (
            "      - id: d\n        type: date\n        label: {fr: D, en: D}\n"
            "        example: {fr: '01/02/2000', en: '01/02/2000'}\n"
            "        constraints:\n          not_future: true\n          not_past: true\n",
            "not_future: true",
            "'not_future' and 'not_past' together leave only today",
        ),
        (
            "      - id: d\n        type: date\n        label: {fr: D, en: D}\n"
            "        example: {fr: '01/02/2000', en: '01/02/2000'}\n"
            "        constraints:\n          not_future: oui\n",
            "not_future: oui",
            "'not_future' must be true or false",
        ),
    ],
)
def test_bad_constraints_are_refused_at_their_line(tmp_path, field_yaml, needle, words):
    source = with_field(field_yaml)
    line, message = one_problem(write(tmp_path, source))
    assert words in message
    assert line == line_of(source, needle)


# -- answers files and the command line -----------------------------------------------


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('{"answers": {"nom": ' + "9" * 5000 + "}}", ":1: a number has more than"),
        ('{"answers": {"nom": ' + "[" * 3000 + "]" * 3000 + "}}", ":1: nested too deeply"),
        ('{"answers": {"nom": ' + "[" * 50 + "]" * 50 + "}}", ": nested too deeply"),
    ],
)
def test_try_with_a_hostile_answers_file_says_so(capsys, tmp_path, text, words):
    path = tmp_path / "a.json"
    path.write_text(text, "utf-8")
    code, _, err = run(capsys, "procedures", "try", "etre-rappele", "--answers", str(path))
    assert code == 1
    assert words in err and "Traceback" not in err
    assert err.startswith(str(path))


def test_an_internal_error_prints_no_traceback_without_verbose(tmp_path):
    # A procedures folder that is a file makes find_procedure fail inside, not on input.
    script = (
        "import sys, kiosk.cli as c\n"
        "def boom(*a, **k):\n    raise RuntimeError('secret detail')\n"
        "c.find_procedure = boom\n"
        "sys.exit(c.main(sys.argv[1:]))\n"
    )
    args = ["procedures", "try", "etre-rappele", "--answers", "x.json"]
    quiet = subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True, text=True, env=subprocess_env(), cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert quiet.returncode == 70
    assert "Traceback" not in quiet.stderr and "secret detail" not in quiet.stderr
    assert "--verbose" in quiet.stderr
    loud = subprocess.run(
        [sys.executable, "-c", script, "--verbose", *args],
        capture_output=True, text=True, env=subprocess_env(), cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert loud.returncode == 70 and "Traceback" in loud.stderr


def test_check_of_an_alias_bomb_in_a_child_process_is_one_line(tmp_path):
    good = ROOT / "resources" / "procedures" / "etre-rappele.yaml"
    bad = tmp_path / "etre-rappele.yaml"
    bad.write_text(good.read_text("utf-8") + BILLION_LAUGHS + "\n", "utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "procedures", "check", str(bad)],
        capture_output=True, text=True, env=subprocess_env(), timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{bad}:") and "alias" in line
    assert "Traceback" not in result.stderr
