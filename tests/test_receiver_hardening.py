"""The receiver as an internet-facing server (issue 9, §4): each fix, shown failing without it."""

from __future__ import annotations

import logging
import select
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from kiosk.protocol import attachment_digests, canonical_json
from receiver.app import MAX_ATTACHMENTS
from receiver.engines import open_store
from receiver.server import ReceiverServer, start_in_thread
from receiver.store import SqliteStore, Store
from tests.conftest import subprocess_env
from tests.receiver_db import db
from tests.test_receiver import KIOSK_ID, Kiosk, json_of, sha, submission

__all__ = ["db"]  # a fixture, used by name


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db: str | Path, clock: Clock) -> Iterator[Store]:
    with open_store(db, clock=clock, max_unreferenced_bytes=1000) as opened:
        yield opened


@pytest.fixture
def server(store: Store) -> Iterator[ReceiverServer]:
    with start_in_thread(None, store=store, header_timeout=1.0) as running:
        yield running


@pytest.fixture
def kiosk(server: ReceiverServer, store: Store) -> Iterator[Kiosk]:
    token = store.create_token(KIOSK_ID)
    with requests.Session() as http:
        http.headers["Authorization"] = f"Bearer {token}"
        yield Kiosk(server.url, http)


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    return socket.create_connection((parts.hostname, parts.port), timeout=10)


def _answer(sock: socket.socket, within: float) -> bytes:
    """What the server sends until it closes the connection or ``within`` seconds pass."""
    received = b""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], deadline - time.monotonic())
        if not readable:
            break
        chunk = sock.recv(65536)
        if not chunk:
            break
        received += chunk
    return received


# -- the token before the body -------------------------------------------------------------
@pytest.mark.parametrize("authorization", ["", "Authorization: Bearer not-a-known-token\r\n"])
def test_a_large_body_without_a_valid_token_is_refused_before_it_is_sent(
    server: ReceiverServer, authorization: str
) -> None:
    # 10 MB announced, none of it sent: the answer must come from the headers alone.
    with _connect(server.url) as sock:
        sock.sendall(
            (
                f"PUT /v1/attachments/{'0' * 64} HTTP/1.1\r\nHost: x\r\n{authorization}"
                "Content-Length: 10000000\r\n\r\n"
            ).encode()
        )
        answer = _answer(sock, within=5)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]
    assert b"Connection: close" in answer
    assert b'"protocol": 1' in answer


def test_a_refused_body_is_not_read_as_the_next_request(server: ReceiverServer) -> None:
    smuggled = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"
    with _connect(server.url) as sock:
        sock.sendall(
            b"PUT /v1/submissions/x HTTP/1.1\r\nHost: x\r\n"
            + f"Content-Length: {len(smuggled)}\r\n\r\n".encode()
            + smuggled
        )
        answer = _answer(sock, within=5)
    assert answer.count(b"HTTP/1.1 ") == 1, answer


# -- a slow client cannot hold a connection by dripping -------------------------------------
def test_headers_dripped_byte_by_byte_do_not_keep_the_connection(server: ReceiverServer) -> None:
    # The idle timeout (60 s) is reset by every byte; the header deadline (1 s here) is not.
    request = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 1000
    started = time.monotonic()
    closed = False
    with _connect(server.url) as sock:
        for byte in request:
            # Wait for the server to close, a fifth of a second at most, then drip one byte.
            readable, _, _ = select.select([sock], [], [], 0.2)
            if readable and not sock.recv(1024):
                closed = True
                break
            try:
                sock.send(bytes([byte]))
            except OSError:
                closed = True
                break
    assert closed, "the server kept a dripping client"
    assert time.monotonic() - started < 5


# -- attachments ---------------------------------------------------------------------------
def test_a_submission_naming_too_many_attachments_is_refused(kiosk: Kiosk) -> None:
    files = [f"%PDF-1.4 piece {i}".encode() for i in range(MAX_ATTACHMENTS + 1)]
    submission_id, document = submission(files)
    response = kiosk.put_submission(submission_id, document)
    assert response.status_code == 422
    assert json_of(response)["details"] == [
        {"field": "attachments", "message": f"at most {MAX_ATTACHMENTS}"}
    ]


def test_attachment_digests_keep_the_first_of_each_in_order() -> None:
    items = [{"sha256": str(i % 1000)} for i in range(50_000)]
    assert attachment_digests({"attachments": items}) == [str(i) for i in range(1000)]


def test_unreferenced_uploads_are_capped_per_device_until_a_submission_names_them(
    kiosk: Kiosk, store: Store
) -> None:
    pieces = [bytes([65 + i]) * 400 for i in range(3)]  # the cap is 1,000 bytes
    assert kiosk.put_attachment(pieces[0]).status_code == 201
    assert kiosk.put_attachment(pieces[1]).status_code == 201
    refused = kiosk.put_attachment(pieces[2])
    assert refused.status_code == 413
    assert json_of(refused)["error"] == "quota_exceeded"
    submission_id, document = submission(pieces[:2])
    assert kiosk.put_submission(submission_id, document).status_code == 201
    assert store.unreferenced_bytes(KIOSK_ID) == 0
    assert kiosk.put_attachment(pieces[2]).status_code == 201


def test_unreferenced_uploads_expire_and_referenced_ones_stay(
    kiosk: Kiosk, store: Store, clock: Clock
) -> None:
    kept, orphan = b"%PDF-1.4 kept", b"%PDF-1.4 orphan"
    assert kiosk.put_attachment(kept).status_code == 201
    assert kiosk.put_attachment(orphan).status_code == 201
    submission_id, document = submission([kept])
    assert kiosk.put_submission(submission_id, document).status_code == 201
    clock.now += timedelta(days=6)
    assert store.expire_unreferenced() == 0
    clock.now += timedelta(days=2)
    assert store.expire_unreferenced() == 1
    assert store.has_attachment(sha(kept))
    assert not store.has_attachment(sha(orphan))


# -- bodies and logs -----------------------------------------------------------------------
def test_deeply_nested_json_is_a_400(kiosk: Kiosk, caplog: pytest.LogCaptureFixture) -> None:
    submission_id, _ = submission()
    with caplog.at_level(logging.INFO, logger="receiver"):
        response = kiosk.put_submission(submission_id, b"[" * 200_000 + b"]" * 200_000)
    assert response.status_code == 400
    assert json_of(response)["error"] == "malformed"
    assert not [r for r in caplog.records if r.exc_info]


def test_a_newline_in_the_path_cannot_forge_a_log_line(
    kiosk: Kiosk, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="receiver"):
        response = kiosk.http.get(f"{kiosk.url}/v1/x%0a2026-12-01 INFO receiver: forged%0d")
    assert response.status_code == 404
    messages = [r.getMessage() for r in caplog.records]
    assert any("\\nforged" in m or "\\n2026-12-01" in m for m in messages), messages
    assert not any("\n" in m or "\r" in m for m in messages)


# -- status reads ----------------------------------------------------------------------------
def test_a_device_cannot_read_another_devices_submission(kiosk: Kiosk, store: Store) -> None:
    submission_id, document = submission()
    assert kiosk.put_submission(submission_id, document).status_code == 201
    assert kiosk.get_submission(submission_id).status_code == 200
    other = store.create_token("mairie-test-02")
    response = requests.get(
        f"{kiosk.url}/v1/submissions/{submission_id}",
        headers={"Authorization": f"Bearer {other}"},
    )
    assert response.status_code == 404
    assert json_of(response) == {"error": "not_found"}


# -- files on disk ---------------------------------------------------------------------------
def test_database_and_log_are_private_to_their_owner(tmp_path: Path) -> None:
    db_path = tmp_path / "srv" / "backoffice" / "receiver.db"
    result = subprocess.run(
        [sys.executable, "-m", "receiver", "token", "create", KIOSK_ID, "--db", str(db_path)],
        capture_output=True,
        text=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    with SqliteStore(db_path) as store:  # traffic, so the WAL and shared-memory files exist
        store.put_submission(*submission()[:1], canonical_json(submission()[1]), KIOSK_ID)
        created = sorted(p.name for p in db_path.parent.iterdir())
        assert "receiver.log" in created
        for name in created:
            mode = stat.S_IMODE((db_path.parent / name).stat().st_mode)
            assert mode == 0o600, (name, oct(mode))
    for folder in (db_path.parent, db_path.parent.parent):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
