"""Heartbeats from real kiosks to the real receiver, and the fleet view that shows a silent one."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from kiosk import __version__
from kiosk.config import Settings
from kiosk.heartbeat import Heartbeat
from kiosk.outbox import Outbox
from kiosk.syncer import Syncer, SyncLoop, SyncThread
from receiver.engines import open_store
from receiver.fleet import fleet
from receiver.server import ReceiverServer, start_in_thread
from receiver.store import SqliteStore, Store
from tests.conftest import subprocess_env
from tests.faultserver import FaultServer
from tests.receiver_db import db

__all__ = ["db"]  # a fixture, used by name

KEY = bytes(range(32))
KIOSK = "mairie-fleet-01"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(db: str | Path, clock: Clock) -> Iterator[Store]:
    with open_store(db, clock=clock) as opened:
        yield opened


@pytest.fixture
def server(store: Store) -> Iterator[ReceiverServer]:
    with start_in_thread(None, store=store) as running:
        yield running


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.sqlite3", KEY) as opened:
        yield opened


def settings(url: str) -> Settings:
    return Settings(server_url=url, kiosk_id=KIOSK, connect_timeout_s=2.0, read_timeout_s=5.0)


def test_a_kiosk_going_silent_is_a_line_in_the_fleet(
    server: ReceiverServer, store: Store, clock: Clock, outbox: Outbox
) -> None:
    token = store.create_token(KIOSK)
    store.create_token("mairie-fleet-02")  # given a token, never called in
    beat = Heartbeat(extra=lambda: {"printer": "ok", "read_aloud": "unavailable"})
    with Syncer(outbox, settings(server.url), token) as syncer:
        assert beat.send(syncer, outbox)
    entries = {e["kiosk_id"]: e for e in fleet(store)}
    seen = entries[KIOSK]
    assert seen["last_seen"] == "2026-12-01T09:00:00+00:00"
    assert seen["app_version"] == __version__
    assert seen["queue_depth"] == 0
    assert seen["printer"] == "ok"
    assert seen["read_aloud"] == "unavailable"
    assert seen["disk_free_bytes"] > 0
    assert seen["attention"] == [] or all("disk" in a for a in seen["attention"])
    assert entries["mairie-fleet-02"]["attention"] == ["never seen"]

    clock.now += timedelta(hours=2)  # the kiosk says nothing for two hours
    (silent,) = [e for e in fleet(store) if e["kiosk_id"] == KIOSK]
    assert "not seen for 2 h" in silent["attention"]


def test_the_sync_loop_sends_a_heartbeat_with_its_round(
    server: ReceiverServer, store: Store, tmp_path: Path
) -> None:
    token = store.create_token(KIOSK)
    reports = []
    thread = SyncThread(
        SyncLoop(tmp_path / "data", settings(server.url), token, on_report=reports.append)
    )
    thread.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=30)
        while not [k for k in store.kiosks() if k.last_seen] and datetime.now(UTC) < deadline:
            thread.loop._woken.wait(0.05)  # wait on the condition, waking often
    finally:
        thread.stop()
        thread.join(timeout=10)
    (kiosk,) = [k for k in store.kiosks() if k.kiosk_id == KIOSK]
    assert kiosk.last_seen is not None
    assert kiosk.queue_depth == 0


def test_a_back_office_without_heartbeats_gets_no_more_after_its_404(
    outbox: Outbox,
) -> None:
    with FaultServer(token="test-token") as old:
        beat = Heartbeat(interval_s=0.0)
        with Syncer(outbox, settings(old.url), "test-token") as syncer:
            assert not beat.send(syncer, outbox)
            assert beat.unsupported
            report = syncer.run_once()
            assert not beat.after_round(syncer, outbox, report)
        assert beat.seconds_to_next() is None
        beats = [r for r in old.requests if r.path.endswith("/heartbeat")]
        assert len(beats) == 1
        assert beats[0].status == 404


def test_heartbeats_are_checked(server: ReceiverServer, store: Store) -> None:
    token = store.create_token(KIOSK)
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{server.url}/v1/kiosks/{KIOSK}/heartbeat"
    other = requests.put(f"{server.url}/v1/kiosks/someone-else/heartbeat", json={}, headers=headers)
    assert other.status_code == 403
    bad = requests.put(url, json={"queue_depth": "many", "disk_free_bytes": -1}, headers=headers)
    assert bad.status_code == 422
    assert {d["field"] for d in bad.json()["details"]} == {"queue_depth", "disk_free_bytes"}
    ok = requests.put(url, json={"queue_depth": 3, "unknown": [1]}, headers=headers)
    assert ok.status_code == 200
    assert ok.json()["kiosk_id"] == KIOSK
    assert requests.get(url, headers=headers).status_code == 405


def test_fleet_command_lists_kiosks_and_what_needs_attention(tmp_path: Path) -> None:
    db_path = tmp_path / "receiver.db"
    long_ago = Clock()
    with SqliteStore(db_path, clock=long_ago) as store:
        store.create_token(KIOSK)
        store.record_heartbeat(
            KIOSK,
            {"app_version": "0.1.0", "queue_depth": 4, "oldest_waiting_s": 2 * 86400,
             "needs_person": 1, "disk_free_bytes": 10 * 1024**2},
        )  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "receiver", "fleet", "--db", str(db_path), *args],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=60,
            check=False,
        )

    as_json = run("--json")
    assert as_json.returncode == 0, as_json.stderr
    (entry,) = json.loads(as_json.stdout)
    assert entry["kiosk_id"] == KIOSK
    assert entry["queue_depth"] == 4
    assert entry["app_version"] == "0.1.0"
    reasons = " | ".join(entry["attention"])
    for words in ("not seen for", "queue stuck", "need a person", "disk nearly full"):
        assert words in reasons
    text = run()
    assert text.returncode == 0
    assert text.stdout.startswith(KIOSK)
    assert "queue 4" in text.stdout
