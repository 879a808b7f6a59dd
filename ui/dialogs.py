"""Dialogs that stay inside the kiosk's window.

Under a window manager a plain dialog gets a title bar with minimise,
maximise and close buttons: minimising the mediator's PIN dialog left a
black screen, and dragging a dialog off the screen left the kiosk stuck
behind a modal window nobody could see. Every dialog of the kiosk is
frameless (nothing to minimise or drag), modal, placed inside its window,
put back if anything moves or minimises it, and drawn with a border of its
own instead of the window manager's.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, Qt, QTimer
from PySide6.QtGui import QMoveEvent, QShowEvent
from PySide6.QtWidgets import QDialog, QWidget

FLAGS = Qt.WindowType.Dialog | Qt.WindowType.FramelessWindowHint


class KioskDialog(QDialog):
    def __init__(self, parent: QWidget | None) -> None:
        super().__init__(parent, FLAGS)
        self.setModal(True)
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setProperty("role", "dialog")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)

    def room(self) -> QRect:
        """Where the dialog may stand: its window, in screen coordinates."""
        parent = self.parentWidget()
        if parent is not None:
            window = parent.window()
            return QRect(window.mapToGlobal(window.rect().topLeft()), window.size())
        screen = self.screen()
        return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)

    def keep_inside(self) -> None:
        """Centred in its window, never larger than it."""
        room = self.room()
        width = min(self.width(), max(room.width() - 24, 200))
        height = min(self.height(), max(room.height() - 24, 200))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
        x = room.x() + (room.width() - width) // 2
        y = room.y() + (room.height() - height) // 2
        if (self.x(), self.y()) != (x, y):
            self.move(x, y)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.keep_inside()

    def moveEvent(self, event: QMoveEvent) -> None:
        super().moveEvent(event)
        if self.isVisible():  # a window manager's Alt+drag: back to the middle
            QTimer.singleShot(0, self, self.keep_inside)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if (
            event.type() == QEvent.Type.WindowStateChange
            and self.windowState() & Qt.WindowState.WindowMinimized
        ):
            # Nothing in the kiosk offers it, but a window manager's shortcut might.
            QTimer.singleShot(0, self, self.showNormal)
