"""Kiosk mode: full screen, frameless, and no way out without the mediator's PIN.

Closing the window (the window manager's close, Alt+F4) is refused, and
Escape, Ctrl+W, Ctrl+Q, Ctrl+F4 and F11 are swallowed before any widget or
shortcut sees them. If the window stops being full screen, it goes back.

The way out, for the mediator (documented in docs/, never shown to the
person): press Ctrl+Alt+M, or hold a finger 3 seconds on the top-left
corner of the screen. Either opens the PIN dialog; the right PIN closes the
kiosk. Without a PIN set, the dialog says that the administrator sets one
with ``kiosk mediator set-pin``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractButton, QWidget

from kiosk.datadir import resolve_data_dir
from ui.pin import PinDialog

if TYPE_CHECKING:
    from ui.theme import Theme

log = logging.getLogger(__name__)

#: The hidden corner: a square this many pixels wide at the window's top left.
CORNER_PX = 64
LONG_PRESS_MS = 3000

_K = Qt.Key
_M = Qt.KeyboardModifier
_BLOCKED_ALONE = {_K.Key_Escape, _K.Key_F11, _K.Key_Meta, _K.Key_Super_L, _K.Key_Super_R}
_BLOCKED_WITH_CTRL = {_K.Key_W, _K.Key_Q, _K.Key_F4}
_BLOCKED_WITH_ALT = {_K.Key_F4, _K.Key_Space, _K.Key_Tab}


def is_mediator_gesture(event: QKeyEvent) -> bool:
    mods = event.modifiers()
    both = _M.ControlModifier | _M.AltModifier
    return event.key() == _K.Key_M and (mods & both) == both


def is_escape_key(event: QKeyEvent) -> bool:
    key, mods = event.key(), event.modifiers()
    if key in _BLOCKED_ALONE:
        return True
    if mods & _M.ControlModifier and key in _BLOCKED_WITH_CTRL:
        return True
    return bool(mods & _M.AltModifier) and key in _BLOCKED_WITH_ALT


class KioskGuard(QObject):
    def __init__(
        self,
        window: QWidget,
        data_dir: Path | None,
        *,
        look: Callable[[], tuple[Theme, float]],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """``look``: the theme and text scale the PIN dialog is drawn in."""
        super().__init__(window)
        self.window = window
        if data_dir is None:
            data_dir = resolve_data_dir()
        self.data_dir = Path(data_dir)
        self._look = look
        self.clock = clock
        self.exit_allowed = False
        self.dialog: PinDialog | None = None
        self.long_press = QTimer(self)
        self.long_press.setSingleShot(True)
        self.long_press.setInterval(LONG_PRESS_MS)
        self.long_press.timeout.connect(self._long_press_done)
        self._pressed_on: QWidget | None = None
        self._swallow_release = False
        window.setWindowFlags(
            window.windowFlags()
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
        )
        window.setWindowState(window.windowState() | Qt.WindowState.WindowFullScreen)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # -- the way out ----------------------------------------------------------------------
    def ask_pin(self) -> PinDialog:
        """Open the PIN dialog (non-blocking); a test may replace or drive it."""
        if self.dialog is not None and shiboken6.isValid(self.dialog) and self.dialog.isVisible():
            self.dialog.raise_()
            self.dialog.activateWindow()
            return self.dialog
        t, scale = self._look()
        dialog = PinDialog(self.window, self.data_dir, now=self.clock, t=t, scale=scale)
        dialog.unlocked.connect(self.leave)
        dialog.finished.connect(lambda _result: self._closed(dialog))
        self.dialog = dialog
        log.info("kiosk mode: the mediator's PIN is asked")
        dialog.open()
        return dialog

    def close_dialog(self) -> None:
        """The person's session was wiped: an open PIN dialog goes with it."""
        if self.dialog is not None and shiboken6.isValid(self.dialog):
            self.dialog.reject()

    def _closed(self, dialog: PinDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None
        dialog.deleteLater()

    def leave(self) -> None:
        """The right PIN: the kiosk closes."""
        log.info("kiosk mode: left with the mediator's PIN")
        self.exit_allowed = True
        self.window.close()

    # -- what is refused ------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Close:
            if watched is self.window and not self.exit_allowed:
                event.ignore()
                log.info("kiosk mode: closing refused (the mediator's PIN is needed)")
                return True
            return False
        if (
            kind in (QEvent.Type.Show, QEvent.Type.Resize, QEvent.Type.Move)
            and watched is self.window
            and not self.exit_allowed
        ):
            QTimer.singleShot(0, self, self._fill_screen)
        if kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride):
            return self._key(watched, event)  # type: ignore[arg-type]
        if kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
            return self._mouse(watched, event)  # type: ignore[arg-type]
        if kind == QEvent.Type.MouseMove and self.long_press.isActive():
            assert isinstance(event, QMouseEvent)
            if not self._in_corner(event):
                self.long_press.stop()
            return False
        if (
            kind == QEvent.Type.WindowStateChange
            and watched is self.window
            and not self.exit_allowed
            and not self.window.isFullScreen()
        ):
            QTimer.singleShot(0, self._back_to_full_screen)
        return False

    def _key(self, watched: QObject, event: QKeyEvent) -> bool:
        if is_mediator_gesture(event):
            if event.type() == QEvent.Type.KeyPress:
                self.ask_pin()
            event.accept()
            return True
        if self.exit_allowed or not is_escape_key(event):
            return False
        if not isinstance(watched, QWidget) or watched.window() is not self.window:
            return False  # in a dialog, Escape closes the dialog, not the kiosk
        # ShortcutOverride accepted: no shortcut fires; the key press is then swallowed.
        event.accept()
        return True

    def _in_corner(self, event: QMouseEvent) -> bool:
        point = self.window.mapFromGlobal(event.globalPosition().toPoint())
        return 0 <= point.x() < CORNER_PX and 0 <= point.y() < CORNER_PX

    def _mouse(self, watched: QObject, event: QMouseEvent) -> bool:
        if not isinstance(watched, QWidget) or watched.window() is not self.window:
            return False
        if event.type() == QEvent.Type.MouseButtonPress:
            if self._in_corner(event):
                self._pressed_on = watched
                self._swallow_release = False
                self.long_press.start()
            return False
        # A release: the end of a press, long enough or not.
        self.long_press.stop()
        if self._swallow_release:
            # The long press opened the PIN dialog: the button under the
            # finger must not also be clicked.
            self._swallow_release = False
            pressed, self._pressed_on = self._pressed_on, None
            if isinstance(pressed, QAbstractButton) and shiboken6.isValid(pressed):
                pressed.setDown(False)
            return True
        return False

    def _long_press_done(self) -> None:
        self._swallow_release = True
        self.ask_pin()

    def _fill_screen(self) -> None:
        """Without a window manager, X has nobody to honour "full screen": the
        window opened as a small window in a corner. There, the kiosk sizes
        itself to its screen. (Elsewhere the platform or the window manager
        does it, and the offscreen platform of the tests has no screen to fill.)"""
        if self.exit_allowed or not shiboken6.isValid(self.window):
            return
        if QGuiApplication.platformName() != "xcb" or not self.window.isVisible():
            return
        screen = self.window.screen()
        if screen is not None and self.window.geometry() != screen.geometry():
            self.window.setGeometry(screen.geometry())

    def _back_to_full_screen(self) -> None:
        if not self.exit_allowed and shiboken6.isValid(self.window) and self.window.isVisible():
            self.window.showFullScreen()
