"""An unexpected error must not leave a person stuck, or their answers on screen.

PySide6 hands an exception raised in a slot or an event handler to
``sys.excepthook`` and carries on. The hook installed here logs it with its
traceback, passes it on to the hook it replaced, and asks every main window
to recover: wipe the session, show the home screen, and say calmly what
happened. The recovery runs from the event loop (a queued signal), never
inside the code that just failed.

An error in a background thread (the sync worker) is logged but does not
touch the person's session: it has nothing to do with them.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
import weakref
from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ui.i18n import tr
from ui.idle import Overlay, close_dialogs, forget_traces
from ui.views import View

if TYPE_CHECKING:
    from ui.mainwindow import MainWindow

log = logging.getLogger(__name__)

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

#: Recoveries allowed in RECOVERY_WINDOW_S; past that, an error that comes back
#: at every repaint would keep the kiosk busy recovering: log only.
MAX_RECOVERIES = 5
RECOVERY_WINDOW_S = 10.0


def calm_message() -> tuple[str, str]:
    return tr("Un problème est survenu."), tr(
        "Ce n'est pas de votre faute. "
        "Pour protéger vos données, vos réponses ont été effacées. "
        "Vous pouvez recommencer."
    )


class ErrorGuard(QObject):
    """Lives in the screens' thread; the hook reaches the window through its signal."""

    failed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._recent: list[float] = []
        self.failed.connect(self._recover, Qt.ConnectionType.QueuedConnection)

    def _recover(self) -> None:
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < RECOVERY_WINDOW_S] + [now]
        if len(self._recent) > MAX_RECOVERIES:
            log.error("errors keep coming back; not recovering again for a while")
            return
        self.window.recover_from_error()


_guards: weakref.WeakSet[ErrorGuard] = weakref.WeakSet()


class _Hook:
    def __init__(self, previous: ExceptHook) -> None:
        self.previous = previous

    def __call__(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        try:
            if issubclass(kind, Exception):
                self._handle(kind, error, tb)
        finally:
            try:
                # The default hook would print the traceback a second time.
                if self.previous is not sys.__excepthook__ or not issubclass(kind, Exception):
                    self.previous(kind, error, tb)
            finally:
                # Whoever keeps the traceback (a log record, a test) must not
                # keep the person's answers in the locals of its frames.
                if tb is not None:
                    traceback.clear_frames(tb)

    def _handle(
        self, kind: type[BaseException], error: BaseException, tb: TracebackType | None
    ) -> None:
        app = QCoreApplication.instance()
        in_screens = app is not None and QThread.currentThread() is app.thread()
        if not in_screens:
            log.error("unexpected error in a background thread", exc_info=(kind, error, tb))
            return
        log.error(
            "unexpected error; the person's session is wiped and the home screen shown",
            exc_info=(kind, error, tb),
        )
        for guard in list(_guards):
            if shiboken6.isValid(guard):
                guard.failed.emit()


def install_hook() -> None:
    """Put the hook in front of the current one (unless it is already there)."""
    if not isinstance(sys.excepthook, _Hook):
        sys.excepthook = _Hook(sys.excepthook)


def install(window: MainWindow) -> ErrorGuard:
    """Install the hook and have this window recover from unexpected errors."""
    install_hook()
    guard = ErrorGuard(window)
    _guards.add(guard)
    return guard


# -- what the person sees ------------------------------------------------------------------


class ErrorNotice(Overlay):
    """A calm word over the home screen, until the person touches « D'accord »."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window, "error:notice")
        self.heading = self.label("error:heading", "heading")
        self.text = self.label("error:message")
        self.button.setObjectName("error:ok")
        self.button.clicked.connect(self.hide)
        self.body.addWidget(self.heading)
        self.body.addWidget(self.text)
        self.body.addSpacing(8)
        self.body.addWidget(self.button)

    def say(self, heading: str, text: str) -> None:
        self.heading.setText(heading)
        self.text.setText(text)
        self.text.setAccessibleName(text)
        self.button.setText(tr("D'accord"))
        self.setAccessibleName(heading)
        self.setAccessibleDescription(text)
        window = self.parentWidget()
        self.restyle(window.theme, window.scale)
        self.cover()


def add_notice(window: MainWindow) -> ErrorNotice:
    """The notice is hidden whenever the screen changes."""
    notice = ErrorNotice(window)
    window.stack.currentChanged.connect(lambda _i: notice.hide())
    return notice


def recover(window: MainWindow) -> None:
    """Forget the person and show the home screen with a calm message, whatever broke."""

    # Whatever is open in front goes first (its exec() returns), then come back.
    tries = getattr(window, "_dialogs_closed_for_error", 0)
    if tries < 20 and close_dialogs():
        window._dialogs_closed_for_error = tries + 1
        QTimer.singleShot(0, window.recover_from_error)
        return
    window._dialogs_closed_for_error = 0
    idle = getattr(window, "idle", None)
    if idle is not None:
        idle.reset()
    try:
        window.go_home()
    except Exception:
        log.exception("the home screen failed after an error; forgetting the person directly")
        for step in (
            lambda: window.session.wipe() if window.session is not None else None,
            lambda: setattr(window, "session", None),
            lambda: setattr(window, "result", None),
            lambda: setattr(window, "view", View.HOME),
            window.step.reset,
            window.review.reset,
            window.confirmation.reset,
            lambda: window.stack.setCurrentWidget(window.home),
        ):
            try:
                step()
            except Exception:
                log.exception("recovery step failed")
    try:
        forget_traces(window, flush=True)
    except Exception:
        log.exception("could not remove every trace after an error")
    notice = getattr(window, "error_notice", None)
    if notice is not None and shiboken6.isValid(notice):
        notice.say(*calm_message())
