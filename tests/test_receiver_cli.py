"""``python -m receiver`` in child processes, as an administrator would run it."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.protocol import canonical_json
from receiver.server import ReceiverServer, start_in_thread
from receiver.store import SqliteStore
from tests.conftest import subprocess_env
from tests.receiver_db import rows
from tests.test_receiver import KIOSK_ID, Kiosk, submission


def receiver(*args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "receiver", *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=subprocess_env(),
        timeout=60,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> None:
    assert result.returncode == code
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "backoffice" / "receiver.db"


@pytest.fixture
def server(db_path: Path) -> Iterator[ReceiverServer]:
    with start_in_thread(db_path) as running:
        yield running


def test_token_create_prints_the_token_once_and_keeps_its_hash(
    db_path: Path, server: ReceiverServer
) -> None:
    result = receiver("token", "create", KIOSK_ID, "--db", db_path)
    token = result.stdout.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{40,}", token)
    assert token not in result.stderr
    assert "only this once" in result.stderr
    response = requests.get(f"{server.url}/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    for path in db_path.parent.iterdir():
        assert token.encode() not in path.read_bytes(), path.name
    listing = receiver("token", "list", "--db", db_path).stdout
    assert KIOSK_ID in listing
    assert "valid" in listing
    assert token not in listing


def test_token_revoke_makes_the_server_answer_403(db_path: Path, server: ReceiverServer) -> None:
    token = receiver("token", "create", KIOSK_ID, "--db", db_path).stdout.strip()
    result = receiver("token", "revoke", KIOSK_ID, "--db", db_path)
    assert KIOSK_ID in result.stdout
    response = requests.get(f"{server.url}/v1/health", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert_one_line_error(receiver("token", "revoke", KIOSK_ID, "--db", db_path, check=False))
    assert "revoked" in receiver("token", "list", "--db", db_path).stdout


def test_status_then_export(db_path: Path, server: ReceiverServer) -> None:
    token = SqliteStore(db_path).create_token(KIOSK_ID)
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        kiosk = Kiosk(server.url, http)
        submission_id, document = submission(answers={"nom": "Lefèvre"})
        ack = kiosk.put_submission(submission_id, document).json()
        result = receiver("status", submission_id, "accepted", "--db", db_path)
        assert result.stdout.strip() == f"{ack['reference']} ({submission_id}): accepted"
        assert kiosk.get_submission(submission_id).json()["status"] == "accepted"

    exported = receiver("export", "--db", db_path).stdout.splitlines()
    assert len(exported) == 1
    line = json.loads(exported[0])
    assert line["id"] == submission_id
    assert line["reference"] == ack["reference"]
    assert line["received_at"] == ack["received_at"]
    assert line["status"] == "accepted"
    assert line["kiosk_id"] == KIOSK_ID
    assert line["document"] == document
    assert "Lefèvre" in exported[0]  # UTF-8 as itself, not \u escapes

    assert receiver("export", "--db", db_path, "--since", "2999-01-01").stdout == ""
    since = receiver("export", "--db", db_path, "--since", ack["received_at"]).stdout
    assert since.splitlines() == exported


def test_command_errors_are_one_line(db_path: Path, tmp_path: Path) -> None:
    SqliteStore(db_path)
    assert_one_line_error(
        receiver("status", "6f1c0e9a-4b7d-4a8e-9a53-2f7a1c9e0d11", "accepted", "--db", db_path,
                 check=False)
    )  # fmt: skip
    assert_one_line_error(receiver("export", "--db", tmp_path / "absent.db", check=False))
    assert not (tmp_path / "absent.db").exists()
    assert_one_line_error(receiver("token", "create", "bad id", "--db", db_path, check=False))
    assert_one_line_error(
        receiver("export", "--db", db_path, "--since", "last week", check=False), code=2
    )
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_bytes(b"plain text, not SQLite" * 10)
    assert_one_line_error(receiver("token", "list", "--db", not_a_db, check=False))
    usage = receiver("status", "x", "lost", "--db", db_path, check=False)
    assert usage.returncode == 2
    assert "invalid choice" in usage.stderr


def test_serve_prints_its_url_serves_and_stops_on_sigterm(db_path: Path) -> None:
    token = SqliteStore(db_path).create_token(KIOSK_ID)
    with subprocess.Popen(
        [sys.executable, "-m", "receiver", "serve", "--db", str(db_path), "--port", "0",
         "--max-body-bytes", "4096"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=subprocess_env(),
    ) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            first_line = process.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:(\d+)", first_line)
            assert match, first_line
            assert int(match.group(1)) > 0
            response = requests.get(
                f"{match.group(0)}/v1/health", headers={"Authorization": f"Bearer {token}"}
            )
            assert response.json()["max_body_bytes"] == 4096
            submission_id, document = submission()
            response = requests.put(
                f"{match.group(0)}/v1/submissions/{submission_id}",
                data=canonical_json(document),
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert f"PUT /v1/submissions/{submission_id} 201" in stderr
    assert token not in stderr
    log = db_path.with_suffix(".log").read_text(encoding="utf-8")
    assert "listening on" in log
    assert token not in log
    with SqliteStore(db_path) as store:
        assert len(rows(store, "SELECT id FROM submissions")) == 1


def test_serve_on_a_busy_port_or_a_bad_host_is_a_one_line_error(db_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        started = time.monotonic()
        result = receiver("serve", "--db", db_path, "--port", str(port), check=False)
    assert_one_line_error(result)
    assert str(port) in result.stderr
    assert time.monotonic() - started < 30
    assert_one_line_error(receiver("serve", "--db", db_path, "--host", "999.1.1.1", check=False))
