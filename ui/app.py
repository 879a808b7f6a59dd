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

from ui import theme
from ui.mainwindow import MainWindow

if TYPE_CHECKING:
    from kiosk.config import Settings
    from ui.services import Services

log = logging.getLogger(__name__)

#: if the home screen is never painted (a window started minimised), the rest
#: of the start-up runs after this delay anyway
COMPLETE_AFTER_MS = 1500


def ensure_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(argv or [sys.argv[0]])
    app.setApplicationName("kiosk")
    app.setOrganizationName("kiosk")
    theme.load_fonts()
    return app


def _build_window(kiosk_mode: bool, data_dir: Path) -> MainWindow:
    """The chrome and the home screen: what the first paint needs, nothing more."""
    ensure_application()
    return MainWindow(kiosk_mode=kiosk_mode, data_dir=data_dir)


def make_services(
    data_dir: Path,
    *,
    kiosk_mode: bool = False,
    settings: Settings | None = None,
    device_token: str | None = None,
) -> Services:
    """Settings, procedures, outbox, sending: the rest of start-up, Qt's screens aside."""
    # The one start-up seam: these load after the home screen is painted.
    from kiosk.bundles import BUNDLES_FOLDER, BundleFolder
    from kiosk.config import Settings, SettingsError, load_settings
    from kiosk.kinds import KioskIdentity
    from kiosk.procedure import load_all
    from kiosk.store import OutboxStore
    from ui.fieldbase import FieldOptions
    from ui.services import Services, procedure_source
    from ui.syncworker import start_sync

    data_dir = Path(data_dir)
    if settings is None:
        try:
            settings = load_settings(data_dir)
        except SettingsError as e:
            log.error("settings refused, using defaults: %s", e)
            settings = Settings()
    bundles = BundleFolder(data_dir / BUNDLES_FOLDER)
    procedures, problems = load_all(procedure_source(bundles))
    for problem in problems:
        log.error("procedure not offered: %s", problem)
    sink = OutboxStore(data_dir, settings)
    sync = start_sync(data_dir, settings, token=device_token, waiting=sink.waiting)
    return Services(
        settings=settings,
        data_dir=data_dir,
        procedures=tuple(procedures),
        kiosk=KioskIdentity(kiosk_id=settings.kiosk_id),
        sink=sink,
        sync=sync,
        # The keypad on a touch kiosk, the scanner's folder.
        field_options=FieldOptions.from_settings(settings, kiosk_mode=kiosk_mode),
        bundles=bundles,
    )


def complete_main_window(
    window: MainWindow,
    data_dir: Path,
    *,
    settings: Settings | None = None,
    device_token: str | None = None,
) -> None:
    """The rest of start-up, handed to the window in one object; ``window.ready`` follows."""
    services = make_services(
        data_dir, kiosk_mode=window.kiosk_mode, settings=settings, device_token=device_token
    )
    window.destroyed.connect(services.sync.stop)
    window.destroyed.connect(services.sink.close)
    window.attach(services)

    def describe() -> None:
        """For the fleet view: what the screens know of this kiosk."""
        from ui.receipt import default_printer  # Qt's print support: after the first paint

        printer = default_printer()
        speaker = window.speaker
        services.sync.set_device_status(
            {
                "printer": printer.printerName() if printer is not None else "none",
                "read_aloud": "ok" if speaker.available else f"unavailable: {speaker.reason}",
            }
        )

    QTimer.singleShot(0, window, describe)
    window.speaker.availability_changed.connect(lambda _ok: describe())


def create_main_window(
    data_dir: Path,
    *,
    kiosk_mode: bool = False,
    settings: Settings | None = None,
    device_token: str | None = None,
) -> MainWindow:
    """The main window on this data directory (not shown, no event loop started).

    With a back-office configured, sending starts at once in its own thread
    (``window.services.sync``); its ``stop()`` ends it, and so does quitting.
    ``settings`` and ``device_token`` replace the data directory's (the demo).
    """
    window = _build_window(kiosk_mode, Path(data_dir))
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
    data_dir = Path(data_dir)
    window = _build_window(kiosk_mode, data_dir)  # in kiosk mode, locked already
    if kiosk_mode:
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
        problem = window.services.sink.problem if window.services else None
        log.info(
            "kiosk ready in %.0f ms after the window showed: %d procedures offered%s",
            (time.perf_counter() - started) * 1000,
            len(window.flow.procedures),
            "" if problem is None else f"; requests cannot be stored ({problem})",
        )

    window.finish_start = _FirstPaint(window.home, complete).fire
    return window


def shutdown(window: MainWindow) -> None:
    """Stop sending and close the outbox (both exist once the window is complete)."""
    if window.services is not None:
        window.services.sync.stop()
        window.services.sink.close()


def run(data_dir: Path, *, kiosk_mode: bool = False) -> int:
    """``kiosk run``, with what a supervisor needs: why it started (logged),
    READY=1 and the GUI thread's watchdog pings for systemd, and the
    mediator's leaving kiosk mode as the exit code the unit does not
    restart on."""
    from kiosk import watchdog
    from ui import watchdog as ui_watchdog

    watchdog.start_run(data_dir)
    app = ensure_application(sys.argv[:1])
    window = start_main_window(data_dir, kiosk_mode=kiosk_mode)
    ui_watchdog.attach(window)
    code = ui_watchdog.exit_code(window, app.exec())
    watchdog.stopping()
    shutdown(window)
    left = code == watchdog.LEAVE_KIOSK_MODE_EXIT
    watchdog.end_run(data_dir, code, "the mediator left kiosk mode" if left else "")
    return code
