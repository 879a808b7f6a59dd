"""Helpers for GUI tests: build the real main window offscreen and drive it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QWidget

from ui.app import create_main_window
from ui.mainwindow import MainWindow

#: "Être rappelé" filled in (the shortest procedure to reach a confirmation)
CALLBACK_ANSWERS = {
    "nom": "Camille Exemple",
    "telephone": "06 12 34 56 78",
    "moment": "matin",
    "sujet": "identite",
    "accord": True,
}


def make_window(qtbot, data_dir: Path, **kwargs) -> MainWindow:
    window = create_main_window(data_dir, **kwargs)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def find(window: QWidget, name: str) -> QWidget:
    widget = window.findChild(QWidget, name)
    assert widget is not None, f"no widget named {name!r}"
    return widget


def click(qtbot, window: QWidget, name: str) -> None:
    widget = find(window, name)
    assert isinstance(widget, QPushButton), name
    assert widget.isVisible() and widget.isEnabled(), name
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def open_procedure(qtbot, window: MainWindow, procedure_id: str, *, training: bool = False) -> None:
    click(qtbot, window, "home:training" if training else "home:start")
    category = window.flow.procedures[procedure_id].category
    click(qtbot, window, f"category:{category}")
    click(qtbot, window, f"procedure:{procedure_id}")
    click(qtbot, window, "nav:next")
