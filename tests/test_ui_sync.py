"""Sending from the screens: the sync worker's thread, its status line, a hanging back-office."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from kiosk.answers_file import read_answers_file
from kiosk.flow import View
from kiosk.outbox import Outbox
from receiver.server import start_in_thread
from tests.faultserver import FaultServer
from tests.helpers import EXAMPLES
from tests.uihelpers import click, find, make_window, open_procedure
from ui.mainwindow import MainWindow
from ui.screenshots import fill_step

TOKEN = "test-token"


def complete(qtbot, window: MainWindow, procedure_id: str = "etre-rappele") -> None:
    """Through the screens with clicks, answers from the procedure's example."""
    data = read_answers_file(EXAMPLES / f"{procedure_id}.json")
    answers = {**data.answers, **{k: str(v) for k, v in data.attachments.items()}}
    open_procedure(qtbot, window, procedure_id)
    for _ in range(30):
        if window.flow.view == View.CONFIRMATION:
            return
        if window.flow.view == View.STEP:
            fill_step(window, answers)
        click(qtbot, window, "nav:next")
    raise AssertionError(f"never reached the confirmation (at {window.flow.view})")


@pytest.fixture
def windows(qtbot) -> Iterator[list[MainWindow]]:
    """Windows whose sending thread is stopped (quit, then wait) after the test."""
    made: list[MainWindow] = []
    yield made
    for window in made:
        window.services.sync.stop()
        assert not window.services.sync.running
        window.go_home()  # nothing of the example person stays in memory


def status_text(window: MainWindow) -> str:
    return find(window, "status:line").text()


def test_no_back_office_no_thread_and_requests_wait_here(
    qtbot, isolated_environment: Path, windows
) -> None:
    window = make_window(qtbot, isolated_environment)
    windows.append(window)
    assert window.services.sync.qthread is None
    assert "restent ici" in status_text(window)
    complete(qtbot, window)
    assert find(window, "confirmation:reference").isVisible()
    assert "Demandes en attente d'envoi : 1." in status_text(window)


def test_screens_never_wait_for_a_back_office_that_takes_30_s(
    qtbot, isolated_environment: Path, windows, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultServer(token=TOKEN, slow_s=30.0) as server:
        server.script("health", "slow")
        monkeypatch.setenv("KIOSK_SERVER_URL", server.url)
        monkeypatch.setenv("KIOSK_DEVICE_TOKEN", TOKEN)
        monkeypatch.setenv("KIOSK_SYNC_READ_TIMEOUT_S", "30")
        window = make_window(qtbot, isolated_environment)
        windows.append(window)
        assert window.services.sync.running
        # The worker's first request is in the server's hands, unanswered for 30 s.
        assert server.wait_for(lambda: ("health", "GET", "/v1/health") in server.arrived)

        started = time.monotonic()
        with qtbot.waitSignal(window.submitted, timeout=5000):
            complete(qtbot, window)
        tick = QTimer()
        tick.setSingleShot(True)
        with qtbot.waitSignal(tick.timeout, timeout=1000):
            tick.start(0)
        elapsed = time.monotonic() - started
        # A dozen screen changes and a finalized request, while the request hangs.
        assert elapsed < 5.0, elapsed
        assert server.recorded("health") == []  # still pending
        assert find(window, "confirmation:reference").isVisible()
        assert "Demandes en attente d'envoi : 1." in status_text(window)

        started = time.monotonic()
        window.services.sync.stop()  # cuts the hanging request instead of waiting 30 s for it
        assert time.monotonic() - started < 3.0
        assert not window.services.sync.running
    with Outbox.open(isolated_environment, window.services.settings) as outbox:
        assert outbox.counts().get("queued") == 1  # kept, to be sent later


def test_a_finished_procedure_reaches_the_receiver(
    qtbot, tmp_path: Path, isolated_environment: Path, windows, monkeypatch: pytest.MonkeyPatch
) -> None:
    with start_in_thread(tmp_path / "receiver.db") as receiver:
        token = receiver.store.create_token("kiosk-test")
        monkeypatch.setenv("KIOSK_SERVER_URL", receiver.url)
        monkeypatch.setenv("KIOSK_DEVICE_TOKEN", token)
        monkeypatch.setenv("KIOSK_ID", "kiosk-test")
        window = make_window(qtbot, isolated_environment)
        windows.append(window)
        complete(qtbot, window)
        submission_id = window.flow.result.id
        qtbot.waitUntil(lambda: receiver.store.find_submission(submission_id) is not None)
        qtbot.waitUntil(lambda: "Aucune demande en attente d'envoi." in status_text(window))
        assert "Connexion au service : oui." in status_text(window)
        record = receiver.store.find_submission(submission_id)
        assert record.kiosk_id == "kiosk-test"
        window.services.sync.stop()


def test_a_refused_token_is_reported_by_signal_and_shown(
    qtbot, isolated_environment: Path, windows, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FaultServer(token=TOKEN) as server:
        monkeypatch.setenv("KIOSK_SERVER_URL", server.url)
        monkeypatch.setenv("KIOSK_DEVICE_TOKEN", "not-the-token")
        window = make_window(qtbot, isolated_environment)
        windows.append(window)
        reports: list[tuple] = []
        window.services.sync.status.connect(lambda *report: reports.append(report))
        complete(qtbot, window)  # queued all the same; the worker is woken
        qtbot.waitUntil(lambda: any(report[3] is True for report in reports))
        assert "refuse cette borne" in status_text(window)
        assert find(window, "confirmation:reference").isVisible()
        window.services.sync.stop()


def test_the_screens_heartbeat_says_what_only_they_know(
    qtbot, tmp_path: Path, isolated_environment: Path, windows, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fleet view sees the kiosk's printer and read-aloud, and its procedures."""
    from receiver.fleet import fleet

    with start_in_thread(tmp_path / "receiver.db") as receiver:
        token = receiver.store.create_token("kiosk-fleet")
        monkeypatch.setenv("KIOSK_SERVER_URL", receiver.url)
        monkeypatch.setenv("KIOSK_DEVICE_TOKEN", token)
        monkeypatch.setenv("KIOSK_ID", "kiosk-fleet")
        monkeypatch.setenv("KIOSK_PROCEDURE_PUBLIC_KEY", "A" * 43 + "=")
        window = make_window(qtbot, isolated_environment)
        windows.append(window)
        qtbot.waitUntil(lambda: bool(window.services.sync.device_status))

        def seen() -> dict | None:
            kiosks = [k for k in fleet(receiver.store) if k["kiosk_id"] == "kiosk-fleet"]
            return kiosks[0] if kiosks and kiosks[0].get("read_aloud") else None

        qtbot.waitUntil(lambda: seen() is not None, timeout=10_000)
        kiosk = seen()
        assert kiosk["printer"] and kiosk["read_aloud"].startswith(("ok", "unavailable"))
        assert kiosk["procedure_set_version"] == "shipped"
        window.services.sync.stop()
