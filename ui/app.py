"""Building and starting the kiosk application."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from kiosk.config import Settings, SettingsError, load_settings
from kiosk.keystore import KeyStoreError
from kiosk.outbox import Outbox, OutboxError
from kiosk.procedure import load_all
from kiosk.session import KioskIdentity
from kiosk.submission import Submission
from ui import errors, kioskmode, theme
from ui.attachments import forget_previews
from ui.fieldbase import FieldOptions
from ui.mainwindow import MainWindow, SubmitFailed
from ui.syncworker import start_sync

log = logging.getLogger(__name__)


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
        try:
            self.outbox = Outbox.open(self.data_dir, self.settings)
            self.problem = None
        except (OutboxError, KeyStoreError) as e:
            log.error("outbox unavailable: %s", e)
            self.outbox = None
            self.problem = str(e)

    def __call__(self, submission: Submission) -> None:
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
    ensure_application()
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
    sink = OutboxSink(data_dir, settings)
    window = MainWindow(
        procedures,
        submit=sink,
        kiosk=KioskIdentity(kiosk_id=settings.kiosk_id),
        kiosk_mode=kiosk_mode,
    )
    window.sink = sink
    window.settings = settings
    window.data_dir = data_dir
    # Field widgets: the keypad on a touch kiosk, the scanner's folder; thumbnails
    # of documents are forgotten with the person.
    window.step.field_options = FieldOptions.from_settings(settings, kiosk_mode=kiosk_mode)
    window.session_wiped.connect(forget_previews)
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
    # A shared machine: idle delays from the settings, errors recovered, kiosk mode locked.
    window.idle.set_timeouts(settings.idle_timeout_s, getattr(settings, "idle_warning_s", None))
    errors.install(window)
    window.kiosk_guard = kioskmode.install(window, data_dir) if kiosk_mode else None
    return window


def run(data_dir: Path, *, kiosk_mode: bool = False) -> int:
    app = ensure_application(sys.argv[:1])
    window = create_main_window(data_dir, kiosk_mode=kiosk_mode)
    if kiosk_mode:
        window.showFullScreen()
    else:
        window.resize(1280, 800)
        window.show()
    code = app.exec()
    window.sync.stop()
    window.sink.close()
    return code
