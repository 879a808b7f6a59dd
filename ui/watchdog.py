"""The watchdog's pings from the GUI thread, and the kiosk's exit code.

``Pinger`` is a QTimer on the GUI thread: a frozen event loop stops the
pings, and systemd restarts the kiosk after ``WatchdogSec=``. ``attach``
connects a main window: ``READY=1`` when its start-up is complete, then the
pings. ``exit_code`` turns "the mediator left kiosk mode" into the code the
unit does not restart on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

from kiosk import watchdog

log = logging.getLogger(__name__)


class Pinger(QObject):
    def __init__(
        self, parent: QObject | None = None, *, environ: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(parent)
        self.environ = environ
        self.interval_s = watchdog.watchdog_interval_s(environ)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.ping)
        self.pings = 0

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def start(self) -> bool:
        """Ping now, then at half the watchdog's timeout; False when there is no watchdog."""
        if self.interval_s is None:
            return False
        self.timer.start(max(1, round(self.interval_s * 1000)))
        self.ping()
        log.info("watchdog: pinging systemd every %.1f s", self.interval_s)
        return True

    def ping(self) -> None:
        if watchdog.ping(self.environ):
            self.pings += 1

    def stop(self) -> None:
        self.timer.stop()


def announce_ready(
    parent: QObject, text: str = "ready", environ: Mapping[str, str] | None = None
) -> Pinger:
    """``READY=1`` now and the GUI-thread pinger started (kept as a child of ``parent``)."""
    watchdog.ready(text, environ)
    pinger = Pinger(parent, environ=environ)
    pinger.start()
    return pinger


FIRST_PAINT_STATUS = "home screen shown; loading the procedures and the queue"


class _FirstPaintStatus(QObject):
    """``STATUS=home screen shown`` once the window (or a widget in it) has painted,
    for ``systemctl status`` and the start-up figures (benchmarks/bench_bundle.py)."""

    def __init__(self, window: QWidget, environ: Mapping[str, str] | None) -> None:
        super().__init__(window)
        self.window = window
        self.environ = environ
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and (watched is self.window or self.window.isAncestorOf(watched))
        ):
            app = QCoreApplication.instance()
            if app is not None:
                app.removeEventFilter(self)
            if not getattr(self.window, "is_ready", False):
                watchdog.status(FIRST_PAINT_STATUS, self.environ)
        return False


def attach(window: Any, environ: Mapping[str, str] | None = None) -> None:
    """Announce readiness once ``window`` has completed its start-up (its ``ready`` signal)."""
    if isinstance(window, QWidget) and not getattr(window, "is_ready", False):
        holder: Any = window  # keeps the filter's Python side alive with the window
        holder._watchdog_first_paint = _FirstPaintStatus(window, environ)

    def on_ready() -> None:
        if getattr(window, "_watchdog_pinger", None) is None:
            window._watchdog_pinger = announce_ready(window, "ready", environ)

    if getattr(window, "is_ready", False):
        on_ready()
    else:
        window.ready.connect(on_ready)


def left_kiosk_mode(window: Any) -> bool:
    guard = getattr(window, "kiosk_guard", None)
    return bool(guard is not None and getattr(guard, "exit_allowed", False))


def exit_code(window: Any, code: int) -> int:
    """The process's exit code: the mediator leaving kiosk mode is not a reason to restart."""
    if code == 0 and left_kiosk_mode(window):
        return watchdog.LEAVE_KIOSK_MODE_EXIT
    return code
