"""Power cuts: ``kiosk sync`` killed (SIGKILL) at random moments, many times.

A seeded random picks each moment: after the n-th request reaches the
back-office (so mid-request, before the answer), plus a small random extra
delay (so sometimes just after an answer, mid-transaction). Then a clean run.
Nothing may be lost, nothing stored twice, and every item must hold the
reference the back-office gave it.
"""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kiosk.config import load_settings
from kiosk.outbox import Outbox
from tests.conftest import subprocess_env
from tests.faultserver import RECOVERABLE, FaultServer, make_submission

TOKEN = "test-token"
SEED = 20261129
KILLS = 20
SUBMISSIONS = 60


def _start(data_dir: Path, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "kiosk", "-v", "--data-dir", str(data_dir),
             "sync", "--until-idle", "--timeout", "60"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
        )  # fmt: skip


def _wait_for_requests(server: FaultServer, process: subprocess.Popen[bytes], n: int) -> None:
    """Until the server has seen ``n`` requests in all, or the process ended."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and process.poll() is None:
        if server.wait_for(lambda: len(server.arrived) >= n, timeout=0.05):
            return


@pytest.mark.slow
def test_killed_sync_processes_lose_nothing_and_duplicate_nothing(tmp_path, monkeypatch):
    rng = random.Random(SEED)
    data_dir = tmp_path / "data"
    with FaultServer(
        token=TOKEN, fault_rate=0.15, seed=SEED, random_faults=RECOVERABLE, retry_after="0"
    ) as server:
        env = subprocess_env(
            KIOSK_SERVER_URL=server.url,
            KIOSK_DEVICE_TOKEN=TOKEN,
            KIOSK_KEY_STORE=f"file:{tmp_path / 'keys' / 'outbox.key'}",
            KIOSK_SYNC_BACKOFF_BASE_S="0.01",
            KIOSK_SYNC_BACKOFF_CAP_S="0.05",
            KIOSK_SYNC_READ_TIMEOUT_S="2",
        )
        monkeypatch.setenv("KIOSK_KEY_STORE", env["KIOSK_KEY_STORE"])
        settings = load_settings(data_dir)
        submissions = [make_submission(1 if i % 3 == 0 else 0) for i in range(SUBMISSIONS)]
        with Outbox.open(data_dir, settings) as outbox:
            ids = [outbox.enqueue(s).id for s in submissions]

        log = tmp_path / "sync.log"
        kills = 0
        pause = threading.Event()  # never set: a timed wait that is not a sleep
        started = time.monotonic()
        for _ in range(KILLS):
            process = _start(data_dir, env, log)
            _wait_for_requests(server, process, len(server.arrived) + rng.randint(1, 6))
            pause.wait(rng.uniform(0, 0.02))
            if process.poll() is None:
                process.kill()
                kills += 1
            process.wait()
        killed_phase = time.monotonic() - started
        stored_before_clean_run = len(server.submissions)

        final = _start(data_dir, env, log)
        assert final.wait(timeout=60) == 0, log.read_text(encoding="utf-8")[-3000:]

        with Outbox.open(data_dir, settings) as outbox:
            items = {i: outbox.get(i) for i in ids}
        assert len(server.submissions) == SUBMISSIONS  # nothing lost
        assert server.stored_count == SUBMISSIONS  # nothing stored twice
        for sub_id, item in items.items():
            assert item.state == "sent", item
            assert item.server_reference == server.submissions[sub_id].reference
        for submission in submissions:
            assert server.submissions[submission.id].body == submission.body

        text = log.read_text(encoding="utf-8")
        recovered = text.count("interrupted mid-send are queued again")
        replays = sum(1 for r in server.recorded("submission") if r.status == 200)
        print(
            f"\n{kills} kills in {killed_phase:.1f} s, {stored_before_clean_run}/{SUBMISSIONS} "
            f"stored before the clean run; {recovered} start-ups found items mid-send; "
            f"{replays} replays answered 200; {len(server.requests)} requests in all"
        )
        assert kills >= KILLS * 3 // 4  # most runs really were killed mid-work
        assert "Traceback" not in text
