"""A shared machine: when nobody touches the kiosk, the person's answers go.

After ``idle_s`` seconds without input during a procedure, a warning covers
the window with a large countdown (30 s by default) and one large button,
"Je suis encore là". That button, or any input at all, closes the warning
and keeps everything. At the end of the countdown the session is wiped and
the home screen returns; ``forget_traces`` then removes what a wipe leaves
outside the session (the clipboard, old pages waiting for deletion, cached
pictures, the last traceback).

Input is watched with one application-wide event filter: a key, a click, a
touch, the wheel — whatever the widget. Time is measured with ``QTimer``,
so tests shorten the delays with ``set_timeouts`` and wait for signals.
"""

from __future__ import annotations

import gc
import logging
import math
import sys
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QThread, QTimer, Signal
from PySide6.QtGui import QClipboard, QGuiApplication, QPixmapCache
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.i18n import tr

log = logging.getLogger(__name__)

DEFAULT_IDLE_S = 120.0
DEFAULT_COUNTDOWN_S = 30.0

_E = QEvent.Type
#: Input that shows someone is there (a mouse move counts only when it comes
#: from the device: Qt also synthesizes moves when widgets appear under it).
INPUT_EVENTS = frozenset(
    {
        _E.KeyPress,
        _E.ShortcutOverride,
        _E.MouseButtonPress,
        _E.MouseButtonDblClick,
        _E.MouseButtonRelease,
        _E.Wheel,
        _E.TouchBegin,
        _E.TouchUpdate,
        _E.TouchEnd,
        _E.TabletPress,
        _E.InputMethod,
        _E.Gesture,
    }
)


# -- what a wipe leaves outside the session ------------------------------------------------

_clipboard_touched = False


def _note_clipboard_change() -> None:
    global _clipboard_touched
    _clipboard_touched = True


def watch_clipboard() -> None:
    """Remember that the clipboard changed while the kiosk ran (once per application).

    Some platforms (Wayland, offscreen) cannot say who owns the clipboard; a
    change seen by the kiosk is then taken as the kiosk's own.
    """
    app = QGuiApplication.instance()
    if app is None or app.property("kiosk-clipboard-watched"):
        return
    app.setProperty("kiosk-clipboard-watched", True)
    QGuiApplication.clipboard().dataChanged.connect(_note_clipboard_change)


def forget_traces(window: QWidget, *, flush: bool = False) -> None:
    """Remove what the person's session left outside the session itself.

    ``flush`` deletes at once the pages that ``deleteLater`` is holding:
    only from a timer or a queued call, never from a slot of one of their
    own buttons (the sender would be deleted under its own feet).
    """
    global _clipboard_touched
    clipboard = QGuiApplication.clipboard()
    if clipboard.ownsClipboard() or _clipboard_touched:
        clipboard.clear(QClipboard.Mode.Clipboard)
    if clipboard.supportsSelection() and (clipboard.ownsSelection() or _clipboard_touched):
        clipboard.clear(QClipboard.Mode.Selection)
    _clipboard_touched = False
    for line in window.findChildren(QLineEdit):
        if line.isUndoAvailable() or line.isRedoAvailable():
            line.setText(line.text())  # setText() drops the undo history
    for text in window.findChildren(QPlainTextEdit):
        text.document().clearUndoRedoStacks()
    QPixmapCache.clear()  # thumbnails and page previews of attachments
    # The last unhandled exception keeps its frames, and their locals, alive.
    sys.last_type = sys.last_value = sys.last_traceback = None
    if hasattr(sys, "last_exc"):
        sys.last_exc = None
    # Inside a nested event loop (a dialog's exec()), a button of the old page
    # may still be on the stack: its deletion waits for that loop to end.
    if flush and QThread.currentThread().loopLevel() <= 1:
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        gc.collect()


def close_dialogs() -> bool:
    """Close the dialog or popup in front (a file chooser, a help box); True if there was one.

    The caller comes back later (``QTimer.singleShot(0, …)``): the code that
    opened the dialog with ``exec()`` then finishes before anything is wiped.
    """
    front = QApplication.activePopupWidget() or QApplication.activeModalWidget()
    if front is None:
        return False
    log.info("closing %s before wiping the session", front.objectName() or type(front).__name__)
    if isinstance(front, QDialog):
        front.reject()
    else:
        front.close()
    return True


# -- the warning ---------------------------------------------------------------------------


class Overlay(QFrame):
    """Covers the whole window: a dimmed backdrop, a card in the middle, one large button.

    A child of the window rather than a separate dialog: nothing of the
    screen behind can be touched, and a full-screen kiosk window manager
    cannot put it behind the window.
    """

    def __init__(self, window: QWidget, name: str) -> None:
        super().__init__(window)
        self.setObjectName(name)
        self.setProperty("role", "backdrop")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        row = QHBoxLayout()
        outer.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(1)
        self.card = QFrame()
        self.card.setProperty("role", "alert-card")
        # Minimum: as tall as its wrapped lines need (height-for-width), never clipped.
        self.card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        row.addStretch(1)
        row.addWidget(self.card, 8)
        row.addStretch(1)
        self.body = QVBoxLayout(self.card)
        self.body.setContentsMargins(40, 32, 40, 32)
        self.body.setSpacing(16)
        self.button = QPushButton()
        self.button.setProperty("role", "primary")
        self.button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.hide()
        window.installEventFilter(self)

    def label(self, name: str, role: str | None = None) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        if role:
            label.setProperty("role", role)
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        parent = self.parentWidget()
        if event.type() == QEvent.Type.Resize and parent is not None and watched is parent:
            self.setGeometry(parent.rect())
        return False

    def restyle(self, t: theme.Theme, scale: float) -> None:
        big = theme.px(theme.HEADING_PX * 2.4, min(scale, 1.6))
        self.setStyleSheet(
            f"""
QFrame[role="backdrop"] {{ background: rgba(0, 0, 0, 170); }}
QFrame[role="alert-card"] {{
    background: {t.background}; border: 6px solid {t.focus}; border-radius: 18px;
}}
QLabel[role="countdown"] {{ font-size: {big}px; font-weight: bold; }}
QLabel[role="subheading"] {{ font-size: {theme.px(28, scale)}px; }}
QFrame[role="alert-card"] QPushButton {{ font-size: {theme.px(30, scale)}px; }}
"""
        )

    def cover(self) -> None:
        """Show over everything, the button under the focus."""
        self.button.setAccessibleName(self.button.text())
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.show()
        self.raise_()
        self.button.setFocus(Qt.FocusReason.OtherFocusReason)


class IdleWarning(Overlay):
    """The countdown, a plain sentence, and "Je suis encore là"."""

    stay = Signal()

    def __init__(self, window: QWidget) -> None:
        super().__init__(window, "idle:warning")
        self.card.setObjectName("idle:card")
        self.heading = self.label("idle:heading", "heading")
        self.countdown = self.label("idle:countdown", "countdown")
        self.countdown.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = self.label("idle:text", "subheading")
        self.button.setObjectName("idle:stay")
        self.button.clicked.connect(self.stay)
        for widget in (self.heading, self.countdown, self.text):
            self.body.addWidget(widget)
        self.body.addSpacing(8)
        self.body.addWidget(self.button)

    def open(self, seconds: int) -> None:
        self.heading.setText(tr("Vous êtes encore là ?"))
        self.button.setText(tr("Je suis encore là"))
        self.show_remaining(seconds)
        self.setAccessibleName(self.heading.text())
        self.cover()

    def show_remaining(self, seconds: int) -> None:
        self.countdown.setText(str(seconds))
        unit = tr("seconde") if seconds <= 1 else tr("secondes")
        self.countdown.setAccessibleName(f"{seconds} {unit}")
        if seconds <= 1:
            sentence = tr("Dans 1 seconde, vos réponses seront effacées.")
        else:
            sentence = tr("Dans {n} secondes, vos réponses seront effacées.")
        self.text.setText(sentence.replace("{n}", str(seconds)))
        self.text.setAccessibleName(self.text.text())
        self.setAccessibleDescription(self.text.text())


# -- the watcher ---------------------------------------------------------------------------


class IdleWatcher(QObject):
    """Watches input for one main window; warns, then wipes."""

    warning_shown = Signal()
    stayed = Signal()
    #: the countdown ended: the person's session is gone, the home screen is back.
    expired = Signal()

    def __init__(
        self,
        window: QWidget,
        *,
        in_procedure: Callable[[], bool],
        look: Callable[[], tuple[theme.Theme, float]],
        expire: Callable[[], None],
        idle_s: float = DEFAULT_IDLE_S,
        countdown_s: float = DEFAULT_COUNTDOWN_S,
    ) -> None:
        """``in_procedure``: whether a person is in a procedure (the warning is
        for them); ``look``: the theme and text scale to draw the warning in;
        ``expire``: forget the person and show the home screen."""
        super().__init__(window)
        self._window = window
        self._in_procedure = in_procedure
        self._look = look
        self._expire = expire
        self.warning = IdleWarning(window)
        self.warning.stay.connect(self.keep)
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self._idle_elapsed)
        self.end_timer = QTimer(self)
        self.end_timer.setSingleShot(True)
        self.end_timer.timeout.connect(self._countdown_ended)
        self.tick_timer = QTimer(self)
        self.tick_timer.timeout.connect(self._tick)
        self._focus_before: QWidget | None = None
        self._dialogs_closed = 0
        self.idle_s = idle_s
        self.countdown_s = countdown_s
        self.set_timeouts(idle_s, countdown_s)
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        watch_clipboard()

    def set_timeouts(self, idle_s: float, countdown_s: float | None = None) -> None:
        """Seconds without input before the warning; seconds of countdown."""
        self.idle_s = idle_s
        if countdown_s is not None:
            self.countdown_s = countdown_s
        self.idle_timer.setInterval(max(1, round(self.idle_s * 1000)))
        self.end_timer.setInterval(max(1, round(self.countdown_s * 1000)))
        # One tick a second; faster when a test makes the countdown short.
        self.tick_timer.setInterval(max(10, min(1000, round(self.countdown_s * 250))))
        if self.idle_timer.isActive():
            self.idle_timer.start()

    @property
    def warning_visible(self) -> bool:
        return self.warning.isVisible()

    # -- input ----------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in INPUT_EVENTS or (kind == _E.MouseMove and event.spontaneous()):
            self.touched()
        return False

    def touched(self) -> None:
        """Someone is there: close the warning, start counting again."""
        if self.warning.isVisible():
            self.keep()
        else:
            self.idle_timer.start()

    def view_changed(self) -> None:
        """Another screen: counting starts again."""
        if not self.warning.isVisible():
            self.idle_timer.start()

    # -- warning --------------------------------------------------------------------------
    def _idle_elapsed(self) -> None:
        if not self._in_procedure():
            return
        self.show_warning()

    def show_warning(self) -> None:
        focus = QApplication.focusWidget()
        self._focus_before = None if focus is self.warning.button else focus
        self.warning.restyle(*self._look())
        self.warning.open(self._remaining_s(full=True))
        self.end_timer.start()
        self.tick_timer.start()
        log.info("idle: warning shown, %.0f s before the session is wiped", self.countdown_s)
        self.warning_shown.emit()

    def _remaining_s(self, *, full: bool = False) -> int:
        ms = self.end_timer.interval() if full else max(0, self.end_timer.remainingTime())
        return max(1, math.ceil(ms / 1000))

    def _tick(self) -> None:
        if self.warning.isVisible():
            self.warning.show_remaining(self._remaining_s())

    def keep(self) -> None:
        """ "Je suis encore là", or any input: everything stays."""
        was_visible = self.warning.isVisible()
        self.end_timer.stop()
        self.tick_timer.stop()
        self.warning.hide()
        self.idle_timer.start()
        focus, self._focus_before = self._focus_before, None
        if focus is not None and shiboken6.isValid(focus) and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        if was_visible:
            log.info("idle: the person is still there")
            self.stayed.emit()

    def _countdown_ended(self) -> None:
        self.tick_timer.stop()
        self.warning.hide()
        self._focus_before = None
        if self._dialogs_closed < 20 and close_dialogs():
            self._dialogs_closed += 1
            QTimer.singleShot(0, self._countdown_ended)
            return
        self._dialogs_closed = 0
        log.info("idle: nobody answered; the session is wiped")
        self._expire()
        forget_traces(self._window, flush=True)
        self.expired.emit()

    def reset(self) -> None:
        """Close the warning without a word (the window went home for another reason)."""
        self.end_timer.stop()
        self.tick_timer.stop()
        self.warning.hide()
        self._focus_before = None
        self.idle_timer.start()
