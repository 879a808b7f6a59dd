"""An unexpected error must not leave a person stuck, or their answers on screen.

PySide6 hands an exception raised in a slot or an event handler to
``sys.excepthook`` and carries on. The hook installed here logs it with its
traceback, passes it on to the hook it replaced, and asks every
``ErrorGuard`` (one per main window) to recover: the window wipes the
session, shows the home screen, and says calmly what happened. The
recovery runs from the event loop (a queued signal), never inside the
code that just failed.

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

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import QWidget

from ui import theme
from ui.i18n import tr
from ui.idle import Overlay, close_dialogs

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
    """Lives in the screens' thread; the hook reaches the window through its signal.

    ``recover`` closes whatever dialog is in front first (its ``exec()``
    returns), then calls ``forget``: the window wipes the person and shows
    the home screen with a calm word.
    """

    failed = Signal()

    def __init__(self, parent: QObject, forget: Callable[[], None]) -> None:
        super().__init__(parent)
        self._forget = forget
        self._recent: list[float] = []
        self._dialogs_closed = 0
        self.failed.connect(self._failed, Qt.ConnectionType.QueuedConnection)
        install_hook()
        _guards.add(self)

    def _failed(self) -> None:
        now = time.monotonic()
        self._recent = [t for t in self._recent if now - t < RECOVERY_WINDOW_S] + [now]
        if len(self._recent) > MAX_RECOVERIES:
            log.error("errors keep coming back; not recovering again for a while")
            return
        self.recover()

    def recover(self) -> None:
        """Forget the person and show the home screen with a calm message, whatever broke."""
        if self._dialogs_closed < 20 and close_dialogs():
            self._dialogs_closed += 1
            QTimer.singleShot(0, self, self.recover)
            return
        self._dialogs_closed = 0
        self._forget()


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

    def say(self, heading: str, text: str, t: theme.Theme, scale: float) -> None:
        self.heading.setText(heading)
        self.text.setText(text)
        self.text.setAccessibleName(text)
        self.button.setText(tr("D'accord"))
        self.setAccessibleName(heading)
        self.setAccessibleDescription(text)
        self.restyle(t, scale)
        self.cover()
