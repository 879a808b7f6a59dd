"""Kiosk mode on a real X server (Xvfb): without a window manager, and under
one (openbox), the kiosk fills the screen and its dialogs stay inside it.

The offscreen platform of the other tests has no window manager and no
screen to fill, so these run the real ``kiosk run --kiosk-mode`` on Xvfb
and look at it with the X tools (xdotool, xwininfo, xprop). They are
skipped where Xvfb is not installed, but never in CI (``.ci/run`` installs it).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import subprocess_env

TOOLS = ("Xvfb", "xdotool", "xwininfo", "xprop", "openbox")
MISSING = [t for t in TOOLS if shutil.which(t) is None]
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"CI must install the X tools: {', '.join(MISSING)} are missing")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}")

WIDTH, HEIGHT = 1280, 800


def until(what: Callable[[], object], timeout_s: float = 30.0) -> object:
    """Ask again until ``what`` answers something true (each ask is a real X round trip)."""
    deadline = time.monotonic() + timeout_s
    while True:
        answer = what()
        if answer or time.monotonic() > deadline:
            return answer


def x(display: str, *args: str) -> str:
    result = subprocess.run(
        args, capture_output=True, text=True, timeout=10, env={**os.environ, "DISPLAY": display}
    )
    return result.stdout


def open_pin(display: str) -> str | None:
    """Ctrl+Alt+M until the PIN dialog shows (the first keys may come before
    the kiosk has the keyboard's focus)."""

    def press_and_look() -> str | None:
        found = window_id(display, "Code du")
        if found is None:
            x(display, "xdotool", "key", "ctrl+alt+m")
            found = window_id(display, "Code du")
        return found

    return until(press_and_look)  # type: ignore[return-value]


def window_id(display: str, name: str) -> str | None:
    """The mapped window of that name (Qt may also have unmapped ones of the same name)."""
    for wid in x(display, "xdotool", "search", "--name", name).split():
        if "IsViewable" in x(display, "xwininfo", "-id", wid):
            return wid
    return None


def geometry(display: str, wid: str) -> tuple[int, int, int, int]:
    info = x(display, "xwininfo", "-id", wid)
    number = {
        key: int(re.search(rf"{key}:\s+(-?\d+)", info).group(1))  # type: ignore[union-attr]
        for key in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height")
    }
    return (
        number["Absolute upper-left X"],
        number["Absolute upper-left Y"],
        number["Width"],
        number["Height"],
    )


@pytest.fixture
def display(tmp_path: Path) -> Iterator[str]:
    """A fresh Xvfb of 1280×800, on a display number nobody uses."""
    read, write = os.pipe()
    server = subprocess.Popen(
        [
            "Xvfb",
            "-displayfd",
            str(write),
            "-screen",
            "0",
            f"{WIDTH}x{HEIGHT}x24",
            "-nolisten",
            "tcp",
        ],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def kiosk(display: str, tmp_path: Path) -> Iterator[Callable[[], subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    log = (tmp_path / "kiosk.log").open("wb")  # what went wrong, if a test fails

    def start() -> subprocess.Popen[bytes]:
        env = subprocess_env(
            DISPLAY=display,
            KIOSK_TTS_ENGINE="none",
            PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring",
        )
        env.pop("QT_QPA_PLATFORM", None)
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import sys; from ui.cli import main; sys.exit(main())",
                "--data-dir",
                str(tmp_path / "data"),
                "run",
                "--kiosk-mode",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()  # kiosk mode refuses to close without the PIN
        process.wait(timeout=10)
    log.close()


def test_kiosk_mode_fills_the_screen_without_a_window_manager(display, kiosk) -> None:
    kiosk()
    wid = until(lambda: window_id(display, "Borne"))
    assert wid, "the kiosk's window never showed"
    assert until(lambda: geometry(display, wid) == (0, 0, WIDTH, HEIGHT)), geometry(display, wid)
    # The PIN dialog: inside the window, in its middle.
    pin = open_pin(display)
    assert pin, "Ctrl+Alt+M opened no PIN dialog"
    left, top, width, height = geometry(display, pin)
    assert left >= 0 and top >= 0 and left + width <= WIDTH and top + height <= HEIGHT
    assert abs(left + width // 2 - WIDTH // 2) <= 2 and abs(top + height // 2 - HEIGHT // 2) <= 2


def test_under_a_window_manager_dialogs_cannot_be_minimised_or_moved(display, kiosk) -> None:
    managers: list[subprocess.Popen[bytes]] = []

    def manager_running() -> bool:
        """Start openbox (again, if it gave up on a busy machine) until it runs the screen."""
        if not managers or managers[-1].poll() is not None:
            managers.append(
                subprocess.Popen(
                    ["openbox", "--sm-disable"],
                    env={**os.environ, "DISPLAY": display},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        return "_NET_SUPPORTING_WM_CHECK(WINDOW)" in x(display, "xprop", "-root")

    try:
        assert until(manager_running, timeout_s=60)
        kiosk()
        wid = until(lambda: window_id(display, "Borne"))
        assert wid and until(lambda: geometry(display, wid) == (0, 0, WIDTH, HEIGHT))
        pin = open_pin(display)
        assert pin
        # No title bar: nothing to minimise, maximise or drag.
        extents = x(display, "xprop", "-id", pin, "_NET_FRAME_EXTENTS")
        assert "= 0, 0, 0, 0" in extents, extents
        centred = geometry(display, pin)
        # A window manager's own gestures: the dialog comes back.
        x(display, "xdotool", "windowmove", pin, "0", "0")
        assert until(lambda: geometry(display, pin) == centred), geometry(display, pin)
        x(display, "xdotool", "windowminimize", pin)
        assert until(lambda: "IsViewable" in x(display, "xwininfo", "-id", pin))
        # Nor the kiosk behind it.
        x(display, "xdotool", "windowminimize", wid)
        assert until(lambda: "IsViewable" in x(display, "xwininfo", "-id", wid))
        assert until(lambda: geometry(display, wid) == (0, 0, WIDTH, HEIGHT))
    finally:
        for manager in managers:
            manager.terminate()
            manager.wait(timeout=10)
