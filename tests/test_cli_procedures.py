import json
import subprocess
import sys

import pytest

from kiosk.cli import main
from tests.helpers import EXAMPLES, ROOT


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_list(capsys):
    code, out, _ = run(capsys, "procedures", "list")
    assert code == 0
    assert "permis-perte-vol" in out and "Permis de conduire" in out
    assert "9 procedures." in out or "procedures." in out


def test_list_json(capsys):
    code, out, _ = run(capsys, "procedures", "list", "--json")
    assert code == 0
    items = json.loads(out)
    by_id = {i["id"]: i for i in items}
    assert by_id["etre-rappele"]["category"] == "aide"
    assert set(by_id["permis-perte-vol"]["title"]) == {"fr", "en"}
    assert by_id["permis-perte-vol"]["version"]


def test_check_shipped(capsys):
    code, _, err = run(capsys, "procedures", "check")
    assert code == 0
    assert "0 with problems" in err


def test_check_reports_path_line_messages(capsys, tmp_path):
    good = ROOT / "resources" / "procedures" / "etre-rappele.yaml"
    bad = tmp_path / "etre-rappele.yaml"
    bad.write_text(good.read_text("utf-8").replace("type: phone", "type: telephone", 1), "utf-8")
    code, out, _ = run(capsys, "procedures", "check", str(bad), str(tmp_path / "missing.yaml"))
    assert code == 1
    [line] = out.splitlines()
    assert line.startswith(f"{bad}:") and "unknown field type 'telephone'" in line
    assert "Traceback" not in out


def test_try_prints_canonical_submission(capsys):
    code, out, _ = run(
        capsys,
        "procedures",
        "try",
        "etre-rappele",
        "--answers",
        str(EXAMPLES / "etre-rappele.json"),
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["procedure"]["id"] == "etre-rappele"
    assert out.strip() == json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def test_try_reports_field_errors(capsys, tmp_path):
    answers = json.loads((EXAMPLES / "etre-rappele.json").read_text("utf-8"))
    answers["answers"]["telephone"] = "12 34"
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(answers), "utf-8")
    code, out, err = run(capsys, "procedures", "try", "etre-rappele", "--answers", str(path))
    assert code == 1 and out == ""
    assert "telephone: Un numéro a 10 chiffres" in err
    code, _, err = run(
        capsys, "procedures", "try", "etre-rappele", "--answers", str(path), "--locale", "en"
    )
    assert "telephone: A number has 10 digits" in err


def test_try_with_attach_option(capsys, tmp_path):
    example = json.loads((EXAMPLES / "permis-premier.json").read_text("utf-8"))
    field, rel = next(iter(example["attachments"].items()))
    path = tmp_path / "answers.json"
    example["attachments"] = {k: str(EXAMPLES / v) for k, v in example["attachments"].items()}
    del example["attachments"][field]
    path.write_text(json.dumps(example), "utf-8")
    code, out, _ = run(
        capsys,
        "procedures", "try", "permis-premier", "--answers", str(path),
        "--attach", f"{field}={EXAMPLES / rel}",
    )  # fmt: skip
    assert code == 0, out
    assert field in {a["field"] for a in json.loads(out)["attachments"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["procedures", "try", "nope", "--answers", "x.json"], "No procedure with the id 'nope'"),
        (["procedures", "try", "etre-rappele", "--answers", "/nonexistent.json"], "file not found"),
        (
            ["procedures", "try", "etre-rappele", "--answers", str(EXAMPLES / "etre-rappele.json"),
             "--attach", "broken"],
            "--attach takes FIELD=PATH",
        ),
    ],
)  # fmt: skip
def test_try_errors_are_sentences(capsys, args, message):
    code, _, err = run(capsys, *args)
    assert code == 1
    assert message in err and "Traceback" not in err


def test_bad_json_answers_file(capsys, tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"answers": {', "utf-8")
    code, _, err = run(capsys, "procedures", "try", "etre-rappele", "--answers", str(path))
    assert code == 1 and f"{path}:1: not valid JSON" in err


def test_console_script_runs_in_a_child_process():
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "procedures", "list", "--json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT.parent,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) >= 9
