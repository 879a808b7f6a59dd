"""The log files: one line per event, size-capped, and nothing personal in them."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest

from kiosk import logs
from kiosk.cli import main
from tests.helpers import example_files, play_example, procedure_id_of


@pytest.fixture
def log_file(isolated_environment):
    path = logs.setup(isolated_environment, level=logging.DEBUG)
    assert path is not None
    yield path
    logs.close_all()


def _leaves(value: object) -> list[str]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value] if isinstance(value, str) else []


def _personal_values(example: Path) -> set[str]:
    data = json.loads(example.read_text(encoding="utf-8"))
    values = set(_leaves(data.get("answers", {})))
    values |= {Path(p).name for p in _leaves(data.get("attachments", {}))}
    # Choice codes ("perte", "matin") are the procedure's words, not the person's.
    return {v.strip() for v in values if len(v.strip()) >= 4 and not re.fullmatch(r"[a-z_-]+", v)}


def test_no_answer_name_token_or_scan_file_name_reaches_the_log(log_file, capsys, monkeypatch):
    token = "tok_" + "Z9" * 20
    monkeypatch.setenv("KIOSK_DEVICE_TOKEN", token)
    monkeypatch.setenv("KIOSK_SERVER_URL", "http://127.0.0.1:9")  # nobody answers
    monkeypatch.setenv("KIOSK_KEY_STORE", f"file:{log_file.parent.parent.parent / 'k' / 'key'}")
    personal: set[str] = {token}
    for example in example_files():
        personal |= _personal_values(example)
        play_example(example.stem)  # the screens' Qt-free session
        logging.getLogger("kiosk.test").info("example played: %s", example.stem)
        main(["-v", "queue", "add", "--procedure", procedure_id_of(example),
              "--answers", str(example)])  # fmt: skip
    main(["-v", "queue", "list"])
    capsys.readouterr()
    text = log_file.read_text(encoding="utf-8")
    assert "example played: permis-perte-vol" in text  # the log was written
    assert "queued" in text or "enqueue" in text.lower() or "outbox" in text
    leaked = sorted(v for v in personal if v in text)
    assert not leaked, leaked


def test_one_line_per_event_with_level_component_and_traceback(log_file):
    try:
        raise RuntimeError("the disk went away")
    except RuntimeError:
        logging.getLogger("kiosk.outbox").exception("could not queue")
    [line] = [x for x in log_file.read_text().splitlines() if "could not queue" in x]
    assert " ERROR kiosk.outbox: could not queue | Traceback" in line
    assert "RuntimeError: the disk went away" in line


def test_the_logs_are_size_capped(isolated_environment, monkeypatch):
    monkeypatch.setattr(logs, "LOG_BYTES", 20_000)  # the same rotation, sooner
    log_file = logs.setup(isolated_environment)
    assert log_file is not None
    big = "x" * 1000
    for _ in range(logs.LOG_BYTES * (logs.LOG_BACKUPS + 2) // 1000):
        logging.getLogger("kiosk.test").info(big)
    files = list(log_file.parent.glob("kiosk.log*"))
    assert len(files) == logs.LOG_BACKUPS + 1
    assert sum(f.stat().st_size for f in files) <= (logs.LOG_BACKUPS + 1) * (logs.LOG_BYTES + 2000)
    logs.close_all()


def test_the_filter_blanks_what_looks_personal():
    text = logs.redact(
        "mail camille.exemple@example.org tel 06 12 34 56 78 scan IMG_2031.JPG token "
        + "a" * 40
        + " request 3 of 12"
    )
    assert "example.org" not in text and "56 78" not in text and "IMG_2031" not in text
    assert "a1" * 20 not in text
    assert "15/03/1950" not in logs.redact("born 15/03/1950")
    assert "request 3 of 12" in text


def test_a_log_folder_that_cannot_be_written_is_not_fatal(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert logs.setup(blocker) is None
