"""The kiosk under systemd: READY=1 and WATCHDOG=1 on the notify socket, pings
that stop when the GUI thread freezes, why it (re)started, how it leaves."""

from __future__ import annotations

import base64
import os
import secrets
import shlex
import socket
import subprocess
import sys
import time

import pytest

from kiosk import watchdog
from tests.conftest import ROOT, subprocess_env

UNIT = ROOT / "deploy" / "linux" / "kiosk.service"
BUNDLE_EXE = "/opt/kiosk/kiosk"

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")


def _listener(name: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(name)
    return sock


def _abstract() -> tuple[socket.socket, str]:
    """A datagram socket in the abstract namespace, as systemd may use; its NOTIFY_SOCKET."""
    name = f"kiosk-test-{secrets.token_hex(6)}"
    return _listener("\0" + name), "@" + name


def _receive_until(sock: socket.socket, wanted: str, timeout: float) -> list[str]:
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            got.append(sock.recv(4096).decode())
        except TimeoutError:
            break
        if any(wanted in line.split("\n") for line in got):
            return got
    raise AssertionError(f"{wanted} never arrived; got {got}")


def test_notify_reaches_a_path_socket(tmp_path):
    path = tmp_path / "n.sock"
    with _listener(str(path)) as sock:
        assert watchdog.ready("ready: 9 procedures", {"NOTIFY_SOCKET": str(path)})
        message = sock.recv(4096).decode().split("\n")
    assert message[0] == "READY=1"
    assert "STATUS=ready: 9 procedures" in message


def test_notify_reaches_an_abstract_socket():
    sock, where = _abstract()
    with sock:
        assert watchdog.ping({"NOTIFY_SOCKET": where})
        assert sock.recv(4096) == b"WATCHDOG=1"


def test_without_systemd_nothing_is_sent_and_nothing_fails(tmp_path):
    assert not watchdog.ping({})
    assert not watchdog.ping({"NOTIFY_SOCKET": str(tmp_path / "nobody-listens")})
    assert not watchdog.ping({"NOTIFY_SOCKET": "vsock:2:1234"})


def test_watchdog_interval_is_half_the_timeout_and_for_this_process_only():
    assert watchdog.watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) == 15.0
    mine = {"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog.watchdog_interval_s(mine) == 15.0
    assert watchdog.watchdog_interval_s({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    assert watchdog.watchdog_interval_s({"WATCHDOG_USEC": "soon"}) is None
    assert watchdog.watchdog_interval_s({}) is None


def test_the_run_record_says_why_the_kiosk_started(tmp_path, monkeypatch):
    boot = tmp_path / "boot_id"
    boot.write_text("boot-1\n")
    monkeypatch.setattr(watchdog, "_BOOT_ID", boot)
    data = tmp_path / "data"
    assert watchdog.start_run(data) == "first start on this data directory"
    assert "ended without closing" in watchdog.start_run(data)  # no end_run: a crash
    watchdog.end_run(data, watchdog.LEAVE_KIOSK_MODE_EXIT, "the mediator left kiosk mode")
    assert "mediator left kiosk mode" in watchdog.start_run(data)
    boot.write_text("boot-2\n")
    assert "machine restarted" in watchdog.start_run(data)
    (data / watchdog.RUN_RECORD).write_text("{not json")
    assert "ended without closing" in watchdog.start_run(data)


def _unit_values(key: str) -> list[str]:
    return [
        line.split("=", 1)[1]
        for line in UNIT.read_text().splitlines()
        if line.startswith(key + "=")
    ]


def test_the_unit_restarts_on_everything_but_leaving_kiosk_mode():
    assert _unit_values("Type") == ["notify"]
    assert _unit_values("Restart") == ["always"]
    assert _unit_values("RestartPreventExitStatus") == [str(watchdog.LEAVE_KIOSK_MODE_EXIT)]
    assert int(_unit_values("WatchdogSec")[0]) > 0
    names = {v.split(":")[0] for v in _unit_values("LoadCredentialEncrypted")}
    from kiosk import keystore

    assert names == {keystore.DATA_KEY_CREDENTIAL, keystore.DEVICE_TOKEN_CREDENTIAL}


@pytest.mark.slow
def test_the_units_command_line_notifies_ready_then_pings(tmp_path):
    """The unit's ExecStart as cage would run it (cage itself and systemd are not
    started): systemd's environment, the key from $CREDENTIALS_DIRECTORY."""
    [exec_start] = _unit_values("ExecStart")
    argv = shlex.split(exec_start)
    assert argv[0].endswith("cage")
    app = argv[argv.index("--") + 1 :]
    assert BUNDLE_EXE in app
    at = app.index(BUNDLE_EXE)
    app[at : at + 1] = [sys.executable, "-m", "ui"]  # the installed package, not the bundle

    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "kiosk-data-key").write_text(base64.b64encode(os.urandom(32)).decode())
    env = subprocess_env()
    for item in _unit_values("Environment"):
        name, value = item.split("=", 1)
        env[name] = value
    data = tmp_path / "data"
    sock, where = _abstract()
    env.update(
        KIOSK_DATA_DIR=str(data),
        QT_QPA_PLATFORM="offscreen",  # cage gives Wayland on the terminal
        CREDENTIALS_DIRECTORY=str(credentials),
        NOTIFY_SOCKET=where,
        WATCHDOG_USEC="1000000",
        WATCHDOG_PID="1",  # systemd names cage, the service's main process
    )
    with sock:
        child = subprocess.Popen(
            app, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            got = _receive_until(sock, "READY=1", timeout=60)
            got += _receive_until(sock, "WATCHDOG=1", timeout=10)
            assert child.poll() is None
        finally:
            child.terminate()
            _, err = child.communicate(timeout=30)
    lines = [line for message in got for line in message.split("\n")]
    from ui.watchdog import FIRST_PAINT_STATUS

    assert lines.index(f"STATUS={FIRST_PAINT_STATUS}") < lines.index("READY=1")
    assert lines.index("READY=1") < lines.index("WATCHDOG=1")
    log = (data / "logs" / "kiosk.log").read_text(encoding="utf-8")
    assert "kiosk start: first start on this data directory" in log, err.decode()
    assert "requests cannot be stored" not in log  # the key came from the credential


def test_a_frozen_event_loop_stops_the_pings(qtbot, tmp_path):
    from PySide6.QtCore import QObject

    from ui.watchdog import Pinger

    sock, where = _abstract()
    owner = QObject()
    pinger = Pinger(owner, environ={"NOTIFY_SOCKET": where, "WATCHDOG_USEC": "100000"})
    with sock:
        sock.setblocking(False)
        received: list[bytes] = []

        def drain() -> int:
            while True:
                try:
                    received.append(sock.recv(64))
                except BlockingIOError:
                    return len(received)

        assert pinger.start()
        qtbot.waitUntil(lambda: drain() >= 3, timeout=5000)
        # The GUI thread is busy (frozen) for ten ping intervals: nothing is sent.
        drain()
        before = len(received)
        sock.settimeout(0.5)
        with pytest.raises(TimeoutError):
            sock.recv(64)
        assert len(received) == before
        # The loop runs again: so do the pings.
        sock.setblocking(False)
        qtbot.waitUntil(lambda: drain() > before, timeout=5000)
        assert set(received) == {b"WATCHDOG=1"}
        pinger.stop()
    owner.deleteLater()


def test_no_watchdog_no_timer():
    from ui.watchdog import Pinger

    pinger = Pinger(environ={})
    assert not pinger.start()
    assert not pinger.active


def test_leaving_kiosk_mode_exits_with_the_code_the_unit_does_not_restart_on(
    qtbot, isolated_environment
):
    from ui import watchdog as ui_watchdog
    from ui.app import shutdown, start_main_window

    window = start_main_window(isolated_environment, kiosk_mode=True)
    qtbot.addWidget(window)
    try:
        assert ui_watchdog.exit_code(window, 0) == 0  # closed some other way: restart
        window.kiosk_guard.leave()
        assert ui_watchdog.exit_code(window, 0) == watchdog.LEAVE_KIOSK_MODE_EXIT
        assert ui_watchdog.exit_code(window, 1) == 1
    finally:
        shutdown(window)
