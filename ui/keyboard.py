"""The keyboard: Tab in reading order, Enter continues, Page Up/Down scroll."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QWidget

from ui.page import Page


def order_tabs(content: QWidget | None, before: QWidget, after: Sequence[QWidget]) -> None:
    """Tab goes from ``before`` (the top bar's last button) through the page's
    controls, then through ``after`` (« Retour », « Imprimer le reçu »,
    « Continuer »). A page's widgets are made after the bars, so Qt put them
    last and Tab went from the last answer back up to « J'ai besoin d'aide ».
    Run after each render (a field that adds controls later keeps them in
    its own place in the chain)."""
    last: QWidget | None = None
    if content is not None:
        tab = Qt.FocusPolicy.TabFocus.value
        # The page's widgets in chain order, from the page on: its last control.
        left = set(content.findChildren(QWidget))
        w = content.nextInFocusChain()
        while left and w is not None and w is not content:
            if w in left:
                left.discard(w)
                if w.focusPolicy().value & tab:
                    last = w
            w = w.nextInFocusChain()
    for first, second in itertools.pairwise((last or before, *after)):
        QWidget.setTabOrder(first, second)


class EnterContinues(QObject):
    """Enter continues, wherever the focus is, except in a multi-line text
    (where Enter starts a new line) and on a button (which Enter presses)."""

    def __init__(self, window: QWidget, next_button: QPushButton, page: Callable[[], Page]) -> None:
        super().__init__(window)
        self._window, self._next, self._page = window, next_button, page

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            bar = self._page().scroller.verticalScrollBar()
            step = bar.pageStep() if event.key() == Qt.Key.Key_PageDown else -bar.pageStep()
            bar.setValue(bar.value() + step)
            return True
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        focus = self._window.focusWidget()
        if isinstance(focus, QPlainTextEdit):
            return False
        if isinstance(focus, QPushButton) and focus is not self._next:
            if focus.isVisible() and focus.isEnabled():
                focus.click()
            return True
        if self._next.isVisible():
            self._next.click()
            return True
        return False
