"""Building and starting the kiosk application.

Start-up shows the home screen first. ``start_main_window`` (what ``kiosk
run`` does) builds the window's chrome and home screen, which need only Qt
and the typeface, shows them, and once they are painted reads the settings
and the procedures, opens the outbox and starts sending
(``complete_main_window``). A person sees the welcome about three times
sooner; a touch in between waits in Qt's queue and is answered once
everything is loaded. ``create_main_window`` does both halves at once and
returns a complete window (tests, the demo, the screenshots).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from ui import errors, theme
from ui.mainwindow import MainWindow, SubmitFailed

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.outbox import Outbox
    from kiosk.submission import Submission

log = logging.getLogger(__name__)

#: if the home screen is never painted (a window started minimised), the rest
#: of the start-up runs after this delay anyway
COMPLETE_AFTER_MS = 1500


class OutboxSink:
    """Puts finalized submissions in the outbox, opened once for the screens' thread.

    When the outbox cannot be opened (no keyring, a full or read-only disk),
    the kiosk still starts: training works, the mediator sees why requests
    cannot be stored, and a person who finishes keeps their answers.
    """

    def __init__(self, data_dir: Path, settings: Settings) -> None:
        self.data_dir = data_dir
        self.settings = settings
        self.outbox: Outbox | None = None
        self.problem: str | None = None
        self._open()

    def _open(self) -> None:
        from kiosk.keystore import KeyStoreError
        from kiosk.outbox import Outbox, OutboxError

        try:
            self.outbox = Outbox.open(self.data_dir, self.settings)
            self.problem = None
        except (OutboxError, KeyStoreError) as e:
            log.error("outbox unavailable: %s", e)
            self.outbox = None
            self.problem = str(e)

    def __call__(self, submission: Submission) -> None:
        from kiosk.outbox import OutboxError

        if self.outbox is None:
            self._open()
        if self.outbox is None:
            raise SubmitFailed(self.problem or "outbox unavailable")
        try:
            self.outbox.enqueue(submission)
        except OutboxError as e:
            log.error("could not queue %s: %s", submission.id, e)
            raise SubmitFailed(str(e)) from e

    def waiting(self) -> int | None:
        from kiosk.outbox import OutboxError

        if self.outbox is None:
            return None
        try:
            return self.outbox.counts().get("queued", 0)
        except OutboxError:
            log.exception("outbox count failed")
            return None

    def close(self) -> None:
        if self.outbox is not None:
            self.outbox.close()
            self.outbox = None


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("kiosk")
    app.setOrganizationName("kiosk")
    theme.load_fonts()
    return app


def _build_window(kiosk_mode: bool) -> MainWindow:
    """The chrome and the home screen: what the first paint needs, nothing more."""
    ensure_application()
    window = MainWindow(kiosk_mode=kiosk_mode)
    errors.install(window)
    window.kiosk_guard = None
    return window


def complete_main_window(
    window: MainWindow,
    data_dir: Path,
    *,
    settings: Settings | None = None,
    device_token: str | None = None,
) -> None:
    """Settings, procedures, outbox, sending, idle delays: the rest of start-up.

    Sets ``window.settings``, ``window.sink``, ``window.sync`` and
    ``window.data_dir``, then emits ``window.ready``.
    """
    from kiosk.config import Settings, SettingsError, load_settings
    from kiosk.procedure import load_all
    from kiosk.session import KioskIdentity
    from ui.attachments import forget_person
    from ui.fieldbase import FieldOptions
    from ui.syncworker import start_sync

    data_dir = Path(data_dir)
    if settings is None:
        try:
            settings = load_settings(data_dir)
        except SettingsError as e:
            log.error("settings refused, using defaults: %s", e)
            settings = Settings()
    procedures, problems = load_all()
    for problem in problems:
        log.error("procedure not offered: %s", problem)
    window.set_procedures(procedures)
    sink = OutboxSink(data_dir, settings)
    window.set_submit(sink)
    window.kiosk = KioskIdentity(kiosk_id=settings.kiosk_id)
    window.sink = sink
    window.settings = settings
    window.data_dir = data_dir
    # Field widgets: the keypad on a touch kiosk, the scanner's folder; thumbnails
    # of documents are forgotten with the person.
    window.step.field_options = FieldOptions.from_settings(settings, kiosk_mode=window.kiosk_mode)
    window.session_wiped.connect(
        lambda: forget_person(window.step.field_options, person_left=window.procedure is None)
    )
    window.sync = start_sync(
        window,
        data_dir,
        settings,
        token=device_token,
        waiting=sink.waiting,
        problem=lambda: sink.problem,
    )
    window.destroyed.connect(window.sync.stop)
    window.destroyed.connect(sink.close)
    # A shared machine: idle delays from the settings, kiosk mode locked.
    window.idle.set_timeouts(settings.idle_timeout_s, getattr(settings, "idle_warning_s", None))
    if window.kiosk_mode and window.kiosk_guard is None:
        _guard_kiosk_mode(window, data_dir)
    window.mark_ready()


def _guard_kiosk_mode(window: MainWindow, data_dir: Path) -> None:
    from ui import kioskmode

    window.kiosk_guard = kioskmode.install(window, data_dir)


def create_main_window(
    data_dir: Path,
    *,
    kiosk_mode: bool = False,
    settings: Settings | None = None,
    device_token: str | None = None,
) -> MainWindow:
    """The main window on this data directory (not shown, no event loop started).

    With a back-office configured, sending starts at once in its own thread
    (``window.sync``); ``window.sync.stop()`` ends it, and so does quitting.
    ``settings`` and ``device_token`` replace the data directory's (the demo).
    """
    window = _build_window(kiosk_mode)
    complete_main_window(window, Path(data_dir), settings=settings, device_token=device_token)
    return window


class _FirstPaint(QObject):
    """Calls ``then`` once, after the first paint of ``page`` or of a widget in it
    (a screen is covered by its children, which paint), or after a delay."""

    def __init__(self, page: QWidget, then: Callable[[], None]) -> None:
        super().__init__(page)
        self.page = page
        self.then: Callable[[], None] | None = then
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        QTimer.singleShot(COMPLETE_AFTER_MS, self.page, self.fire)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            self.then is not None
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and (watched is self.page or self.page.isAncestorOf(watched))
        ):
            # After the paint has reached the screen, not inside it.
            QTimer.singleShot(0, self.page, self.fire)
        return False

    def fire(self) -> None:
        then, self.then = self.then, None
        if then is None:
            return
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        then()


def start_main_window(data_dir: Path, *, kiosk_mode: bool = False) -> MainWindow:
    """Show the home screen at once, then complete the window once it is painted."""
    window = _build_window(kiosk_mode)
    data_dir = Path(data_dir)
    if kiosk_mode:
        _guard_kiosk_mode(window, data_dir)  # never a moment without the lock
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()
    started = time.perf_counter()

    def complete() -> None:
        if window.is_ready:
            return
        try:
            complete_main_window(window, data_dir)
        except Exception:
            # The home screen stays; the next touch tries again (and says why
            # it cannot go on if it fails again). The log has the traceback.
            log.exception("start-up could not complete; it is tried again at the next touch")
            window.finish_start = complete
            return
        log.info(
            "kiosk ready in %.0f ms after the window showed: %d procedures offered%s",
            (time.perf_counter() - started) * 1000,
            len(window.procedures),
            ""
            if window.sink.problem is None
            else f"; requests cannot be stored ({window.sink.problem})",
        )

    window.finish_start = _FirstPaint(window.home, complete).fire
    return window


def shutdown(window: MainWindow) -> None:
    """Stop sending and close the outbox (both exist once the window is complete)."""
    sync = getattr(window, "sync", None)
    if sync is not None:
        sync.stop()
    sink = getattr(window, "sink", None)
    if sink is not None:
        sink.close()


def run(data_dir: Path, *, kiosk_mode: bool = False) -> int:
    app = ensure_application(sys.argv[:1])
    window = start_main_window(data_dir, kiosk_mode=kiosk_mode)
    code = app.exec()
    shutdown(window)
    return code
