"""The background sync thread, and exactly-once delivery under a 30 % fault rate."""

from __future__ import annotations

import queue
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import Settings
from kiosk.outbox import Outbox
from kiosk.syncer import EXIT_IDLE, Syncer, SyncLoop, SyncReport, SyncThread
from tests.faultserver import RECOVERABLE, FaultServer, make_submission

TOKEN = "test-token"


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "server_url": url,
        "kiosk_id": "test-kiosk",
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(token=TOKEN) as s:
        yield s


class Reports:
    """Collects ``on_report`` calls from the sync thread; waits on them without sleeping."""

    def __init__(self) -> None:
        self.queue: queue.Queue[SyncReport] = queue.Queue()
        self.seen: list[SyncReport] = []

    def __call__(self, report: SyncReport) -> None:
        self.queue.put(report)

    def wait_for(self, predicate: Any, timeout: float = 10.0) -> SyncReport:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"no such report; seen: {self.seen}"
            report = self.queue.get(timeout=remaining)
            self.seen.append(report)
            if predicate(report):
                return report


@pytest.fixture
def run_thread(tmp_path: Path) -> Iterator[Any]:
    threads: list[SyncThread] = []

    def start(settings: Settings, token: str | None = TOKEN, **kwargs: Any) -> SyncThread:
        thread = SyncThread(SyncLoop(tmp_path / "data", settings, token, **kwargs))
        threads.append(thread)
        thread.start()
        return thread

    yield start
    for thread in threads:
        thread.stop()
        thread.join(timeout=5)
        assert not thread.is_alive()


def test_thread_sends_what_is_queued_when_woken(tmp_path, server, run_thread):
    settings = settings_for(server.url)
    reports = Reports()
    with Outbox.open(tmp_path / "data", settings) as ui_outbox:  # the screens' own connection
        thread = run_thread(settings, on_report=reports)
        first = reports.wait_for(lambda r: True)
        assert (first.connected, first.sent, first.exit_code()) == (True, 0, EXIT_IDLE)

        item = ui_outbox.enqueue(make_submission(1))
        thread.wake()
        reports.wait_for(lambda r: r.sent == 1)

        assert ui_outbox.get(item.id).server_reference == server.submissions[item.id].reference


def test_thread_retries_by_itself_after_failures(tmp_path, server, run_thread):
    settings = settings_for(server.url)
    with Outbox.open(tmp_path / "data", settings) as ui_outbox:
        item = ui_outbox.enqueue(make_submission())
    server.script("submission", "500_before", "drop", "portal")
    reports = Reports()
    run_thread(settings, on_report=reports)
    reports.wait_for(lambda r: r.sent == 1)
    assert len(server.recorded("submission")) == 4
    assert item.id in server.submissions


def test_stop_is_prompt_while_backing_off(tmp_path, server, run_thread):
    settings = settings_for(server.url, backoff_base_s=300, backoff_cap_s=600)
    with Outbox.open(tmp_path / "data", settings) as ui_outbox:
        ui_outbox.enqueue(make_submission())
    server.script("submission", "500_before")
    reports = Reports()
    thread = run_thread(settings, on_report=reports)
    reports.wait_for(lambda r: r.transient == 1)

    started = time.monotonic()
    thread.stop()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 0.5


def test_stop_during_a_slow_answer_ends_within_the_read_timeout(tmp_path, run_thread):
    with FaultServer(token=TOKEN, slow_s=10) as server:
        settings = settings_for(server.url, read_timeout_s=0.5)
        with Outbox.open(tmp_path / "data", settings) as ui_outbox:
            ui_outbox.enqueue(make_submission())
        server.script("submission", "slow")
        thread = run_thread(settings)
        # The kiosk is now waiting for the answer.
        assert server.wait_for(lambda: ("submission", "PUT") in {a[:2] for a in server.arrived})

        started = time.monotonic()
        thread.stop()
        thread.join(timeout=5)
        assert not thread.is_alive()
        assert time.monotonic() - started < 0.5 + 0.5


def test_a_new_token_lifts_the_pause(tmp_path, server, run_thread):
    settings = settings_for(server.url)
    with Outbox.open(tmp_path / "data", settings) as ui_outbox:
        ui_outbox.enqueue(make_submission())
    reports = Reports()
    thread = run_thread(settings, token="revoked", on_report=reports)
    reports.wait_for(lambda r: r.auth_failed)
    thread.set_token(TOKEN)
    report = reports.wait_for(lambda r: r.sent == 1)
    assert not report.auth_failed and report.paused is None


def test_a_thread_that_cannot_open_the_outbox_says_so(tmp_path, server):
    (tmp_path / "data").write_text("not a folder")
    reports = Reports()
    thread = SyncThread(
        SyncLoop(tmp_path / "data", settings_for(server.url), TOKEN, on_report=reports)
    )
    thread.start()
    thread.join(timeout=5)
    report = reports.wait_for(lambda r: True)
    assert report.error and "outbox" in report.error


def test_a_failing_callback_does_not_kill_the_thread(tmp_path, server, run_thread):
    calls: queue.Queue[SyncReport] = queue.Queue()

    def callback(report: SyncReport) -> None:
        calls.put(report)
        raise RuntimeError("a broken screen")

    thread = run_thread(settings_for(server.url), on_report=callback)
    calls.get(timeout=5)
    thread.wake()
    calls.get(timeout=5)
    assert thread.is_alive()


# -- exactly once, at a 30 % fault rate --------------------------------------------------------


@pytest.mark.slow
def test_hundreds_of_submissions_arrive_exactly_once_at_a_30_percent_fault_rate(tmp_path):
    n = 300
    faults = (*RECOVERABLE, "slow")
    with FaultServer(
        token=TOKEN, fault_rate=0.3, seed=20261129, random_faults=faults,
        retry_after="0", slow_s=0.15,
    ) as server:  # fmt: skip
        # A spurious timeout on a loaded machine only means one more retry.
        settings = settings_for(server.url, read_timeout_s=0.1)
        with Outbox.open(tmp_path / "data", settings) as outbox:
            # One in four has two attachments.
            submissions = [make_submission(2 if i % 4 == 0 else 0) for i in range(n)]
            items = [outbox.enqueue(s) for s in submissions]
            started = time.monotonic()
            with Syncer(outbox, settings, TOKEN) as syncer:
                report = syncer.run_until_idle(timeout_s=90)
            elapsed = time.monotonic() - started

            assert report.exit_code() == EXIT_IDLE, report
            assert report.sent == n
            assert len(server.submissions) == n
            assert server.stored_count == n  # none stored twice
            for item, submission in zip(items, submissions, strict=True):
                done = outbox.get(item.id)
                assert done.state == "sent"
                assert done.server_reference == server.submissions[item.id].reference
                assert server.submissions[item.id].body == submission.body
            references = [outbox.get(i.id).server_reference for i in items]
            assert len(set(references)) == n

        injected = Counter(r.fault for r in server.requests if r.fault)
        total = len(server.requests)
        share = sum(injected.values()) / total
        print(
            f"\n{n} submissions, {total} requests, {sum(injected.values())} faults "
            f"({share:.0%}), {report.transient} transient failures, {elapsed:.1f} s: "
            + ", ".join(f"{k} {v}" for k, v in sorted(injected.items()))
        )
        assert 0.2 < share < 0.4
        assert set(injected) >= {"500_after", "drop_after", "portal", "wrong_id", "422_missing"}
