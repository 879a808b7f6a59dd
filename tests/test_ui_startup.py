"""Start-up as ``kiosk run`` does it: the home screen first, the rest after its
first paint, and nothing lost for a person who touches the screen at once."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from kiosk.flow import View
from tests.conftest import subprocess_env
from tests.uihelpers import click, find
from ui.app import shutdown, start_main_window

ROOT = Path(__file__).resolve().parent.parent


def _started(qtbot, data_dir: Path):
    window = start_main_window(data_dir)
    qtbot.addWidget(window)
    return window


def test_home_is_shown_before_the_procedures_and_the_outbox(qtbot, isolated_environment):
    window = _started(qtbot, isolated_environment)
    try:
        # Shown, not yet complete: nothing of the core is loaded for the home screen.
        assert window.isVisible() and not window.is_ready
        assert window.stack.currentWidget() is window.home
        assert window.flow.procedures == {}
        assert window.services is None
        start = find(window, "home:start")
        assert isinstance(start, QPushButton)
        assert start.accessibleName().startswith("Faire une démarche")

        with qtbot.waitSignal(window.ready, timeout=10_000):
            pass  # the first paint, then the rest
        assert window.is_ready
        assert len(window.flow.procedures) == 9
        assert window.services.sink.outbox is not None and window.services.sink.problem is None
        assert window.services.sync is not None
        assert window.step.field_options.scanner_folder is not None
        # The chrome learnt the procedures' languages and kept its texts.
        assert find(window, "nav:language").text() == "English"
    finally:
        shutdown(window)


def test_a_touch_quicker_than_the_start_up_is_answered(qtbot, isolated_environment):
    window = _started(qtbot, isolated_environment)
    try:
        assert not window.is_ready
        # Before any paint: the click itself completes the start-up first.
        qtbot.mouseClick(find(window, "home:start"), Qt.MouseButton.LeftButton)
        assert window.is_ready
        assert window.flow.view == View.CATEGORIES
        for category in ("permis", "vehicule", "identite", "aide"):
            assert find(window, f"category:{category}").isVisible()
        click(qtbot, window, "category:aide")
        click(qtbot, window, "procedure:etre-rappele")
        assert window.flow.view == View.PREPARE
    finally:
        shutdown(window)


def test_completing_twice_is_harmless(qtbot, isolated_environment):
    window = _started(qtbot, isolated_environment)
    try:
        with qtbot.waitSignal(window.ready, timeout=10_000):
            pass
        sync = window.services.sync
        assert window.finish_start is not None
        window.finish_start()  # the fallback timer, or a late touch
        assert window.services.sync is sync
    finally:
        shutdown(window)


def test_kiosk_run_starts_and_says_when_it_is_ready(tmp_path):
    """The real command, in a child process, on an empty data directory."""
    env = subprocess_env(QT_QPA_PLATFORM="offscreen")
    env["KIOSK_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHON_KEYRING_BACKEND"] = "tests.file_keyring.FileKeyring"
    env["KIOSK_TEST_KEYRING_FILE"] = str(tmp_path / "keyring.json")
    env["PYTHONPATH"] = str(ROOT)
    child = subprocess.Popen(
        [sys.executable, "-c", "import sys; from ui.cli import main; sys.exit(main(['run']))"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 60
        assert child.stderr is not None
        while time.monotonic() < deadline:
            line = child.stderr.readline()
            if not line:
                break
            lines.append(line)
            if "kiosk ready" in line:
                break
        ready = [line for line in lines if "kiosk ready" in line]
        assert ready, "".join(lines)
        assert "9 procedures offered" in ready[0]
        assert "cannot be stored" not in ready[0]
        assert child.poll() is None  # still running, showing the home screen
    finally:
        child.terminate()
        child.wait(timeout=30)
        if child.stderr is not None:
            child.stderr.close()


def test_kiosk_mode_is_locked_from_the_first_paint(qtbot, isolated_environment):
    """`kiosk run --kiosk-mode`: full screen and closing refused before the
    procedures and the outbox are loaded, and still after."""
    from PySide6.QtCore import Qt

    window = start_main_window(isolated_environment, kiosk_mode=True)
    qtbot.addWidget(window)
    try:
        assert not window.is_ready
        assert window.isFullScreen()
        assert window.windowFlags() & Qt.WindowType.FramelessWindowHint
        assert window.close() is False and window.isVisible()
        guard = window.kiosk_guard
        with qtbot.waitSignal(window.ready, timeout=10_000):
            pass
        assert window.kiosk_guard is guard  # the same lock, not a second one
        assert window.close() is False and window.isVisible()
    finally:
        window.kiosk_guard.exit_allowed = True
        shutdown(window)


def test_a_start_up_that_fails_is_tried_again_at_the_next_touch(
    qtbot, isolated_environment, monkeypatch, caplog
):
    """Something breaks while loading after the first paint: the home screen
    stays, the log has the traceback, the next touch tries again; if that
    fails too, the person gets the calm message, never a traceback."""
    import kiosk.procedure

    real_load_all = kiosk.procedure.load_all
    failures = [RuntimeError("disk hiccup"), RuntimeError("disk hiccup again")]

    def flaky_load_all(*args, **kwargs):
        if failures:
            raise failures.pop(0)
        return real_load_all(*args, **kwargs)

    monkeypatch.setattr(kiosk.procedure, "load_all", flaky_load_all)
    window = _started(qtbot, isolated_environment)
    try:
        qtbot.waitUntil(lambda: len(failures) == 1, timeout=10_000)
        assert not window.is_ready and window.flow.view == View.HOME
        assert "start-up could not complete" in caplog.text and "disk hiccup" in caplog.text

        # Second failure on the touch: the calm message on the home screen.
        qtbot.mouseClick(find(window, "home:start"), Qt.MouseButton.LeftButton)
        assert not failures and not window.is_ready
        assert window.flow.view == View.HOME
        qtbot.waitUntil(lambda: find(window, "error:ok").isVisible())
        qtbot.mouseClick(find(window, "error:ok"), Qt.MouseButton.LeftButton)

        # The next touch works: the procedures are there.
        qtbot.waitUntil(lambda: find(window, "home:start").isVisible())
        qtbot.mouseClick(find(window, "home:start"), Qt.MouseButton.LeftButton)
        assert window.is_ready and window.flow.view == View.CATEGORIES
        assert len(window.flow.procedures) == 9
    finally:
        shutdown(window)
