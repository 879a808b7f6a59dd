"""Telling systemd how the kiosk is doing (sd_notify), and why it (re)started.

The unit (deploy/linux/kiosk.service) is ``Type=notify`` with a watchdog:
the app sends ``READY=1`` once its start-up is complete, then ``WATCHDOG=1``
at half of ``$WATCHDOG_USEC`` from the GUI thread's event loop (ui.watchdog),
so a frozen app is restarted too, not only a dead one.

The protocol is one datagram per message to the AF_UNIX socket named in
``$NOTIFY_SOCKET`` (a path, or ``@name`` for the abstract namespace), as
described in sd_notify(3); it is a few lines, so no library is needed. Without
``$NOTIFY_SOCKET`` (not under systemd) every call does nothing. Nothing here
raises: a kiosk must not stop because its supervisor cannot be told.

The run record (``kiosk-run.json`` in the data directory) says at the next
start why the kiosk started: first start, after the mediator left kiosk mode,
after a crash or a freeze, or after the machine restarted (a power cut).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "LEAVE_KIOSK_MODE_EXIT",
    "RUN_RECORD",
    "end_run",
    "notify",
    "ping",
    "ready",
    "start_run",
    "status",
    "stopping",
    "watchdog_interval_s",
]

log = logging.getLogger(__name__)

#: The exit code of "the mediator left kiosk mode": the unit's
#: RestartPreventExitStatus=, so systemd does not start the kiosk again.
LEAVE_KIOSK_MODE_EXIT = 10

RUN_RECORD = "kiosk-run.json"
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _address(value: str) -> str | None:
    if value.startswith("@"):
        return "\0" + value[1:]  # the abstract namespace (Linux)
    if value.startswith("/"):
        return value
    return None  # vsock: addresses are for virtual machines, not a kiosk


def notify(message: str, environ: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` to systemd; True if it was sent, False if not under systemd."""
    env = os.environ if environ is None else environ
    where = env.get("NOTIFY_SOCKET", "")
    if not where:
        return False
    address = _address(where)
    if address is None or not hasattr(socket, "AF_UNIX"):
        log.warning("NOTIFY_SOCKET %r is not a Unix socket; systemd is not told", where)
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
    except OSError as e:
        log.warning("systemd could not be told %s: %s", message.split("=")[0], e)
        return False
    return True


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def ready(text: str = "ready", environ: Mapping[str, str] | None = None) -> bool:
    """Start-up is complete (``READY=1``), with a status line for ``systemctl status``."""
    return notify(f"READY=1\nSTATUS={_one_line(text)}\nMAINPID={os.getpid()}", environ)


def ping(environ: Mapping[str, str] | None = None) -> bool:
    """The app is alive (``WATCHDOG=1``)."""
    return notify("WATCHDOG=1", environ)


def status(text: str, environ: Mapping[str, str] | None = None) -> bool:
    return notify(f"STATUS={_one_line(text)}", environ)


def stopping(environ: Mapping[str, str] | None = None) -> bool:
    return notify("STOPPING=1", environ)


def watchdog_interval_s(environ: Mapping[str, str] | None = None) -> float | None:
    """Half the watchdog's timeout, in seconds (None: no watchdog for this process).

    ``$WATCHDOG_PID``, when set, names the process the watchdog is for; a
    child the kiosk starts must not ping for it.
    """
    env = os.environ if environ is None else environ
    pid = env.get("WATCHDOG_PID", "").strip()
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(env.get("WATCHDOG_USEC", "").strip())
    except ValueError:
        return None
    if usec <= 0:
        return None
    return usec / 2 / 1_000_000


# -- why the kiosk (re)started -----------------------------------------------------------


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def _read_record(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_record(path: Path, record: dict[str, object]) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(record), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        log.warning("the run record could not be written: %s", e)


def start_run(data_dir: Path) -> str:
    """Why this start happened (one sentence, also logged); records that the kiosk runs."""
    path = Path(data_dir) / RUN_RECORD
    before = _read_record(path)
    boot = _boot_id()
    if before is None:
        reason = "first start on this data directory"
    elif before.get("state") == "exited":
        code = before.get("code")
        if code == LEAVE_KIOSK_MODE_EXIT:
            reason = "started again after the mediator left kiosk mode"
        else:
            reason = f"started again after a normal exit (code {code})"
    elif boot and before.get("boot") and before.get("boot") != boot:
        reason = (
            "started after the machine restarted while the kiosk was running "
            "(a power cut or a forced restart)"
        )
    else:
        reason = (
            "restarted after the previous run ended without closing "
            "(a crash, a freeze stopped by the watchdog, or the process was killed)"
        )
    _write_record(
        path, {"state": "running", "pid": os.getpid(), "boot": boot, "started": time.time()}
    )
    log.info("kiosk start: %s", reason)
    return reason


def end_run(data_dir: Path, code: int, why: str = "") -> None:
    """Record a clean exit with its code, so the next start knows it was not a crash."""
    path = Path(data_dir) / RUN_RECORD
    _write_record(path, {"state": "exited", "code": code, "boot": _boot_id(), "ended": time.time()})
    log.info("kiosk exit with code %d%s", code, f": {why}" if why else "")
