"""What every field widget shares: the base class, the kiosk's options for
them, and small helpers. The widgets themselves are in ``ui.fieldwidgets``
(and ``ui.attachments``); this module exists so both can import the base
without importing each other."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QWidget,
)

from kiosk.config import Settings
from kiosk.fields import FieldSpec, FieldType
from kiosk.i18n import pick
from kiosk.scanner import ScannerFolder

Translate = Callable[[str], str]


@dataclass(frozen=True)
class FieldOptions:
    """How this kiosk is set up, as far as the field widgets care."""

    #: a large on-screen number keypad under number inputs (touch kiosk)
    keypad: bool = False
    #: the folder where the scanner saves its files, with whose scans they are;
    #: one per window, shared by its attachment widgets. None: no folder is offered
    scanner: ScannerFolder | None = None

    @property
    def scanner_folder(self) -> Path | None:
        return self.scanner.path if self.scanner is not None else None

    @classmethod
    def from_settings(cls, settings: Settings, *, kiosk_mode: bool) -> FieldOptions:
        return cls(
            keypad=kiosk_mode or settings.touch_keypad,
            scanner=ScannerFolder.from_settings(settings),
        )


def text_label(text: str, buddy: QWidget | None = None, role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    if buddy is not None:
        label.setBuddy(buddy)
    if role:
        label.setProperty("role", role)
    return label


def mark_invalid(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", "true" if invalid else "false")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def reveal(widget: QWidget) -> None:
    """Scroll the page so ``widget`` shows, now and once the layout has settled
    (a screen that was just built has no geometry yet)."""

    def scroll() -> None:
        parent = widget.parentWidget()
        while parent is not None and not isinstance(parent, QScrollArea):
            parent = parent.parentWidget()
        if isinstance(parent, QScrollArea) and widget.isVisible():
            parent.ensureWidgetVisible(widget, 0, 24)

    scroll()
    QTimer.singleShot(0, widget, scroll)


class ArrowKeysMoveFocus(QObject):
    """Up/Down (and Left/Right) move the focus between a group of buttons,
    without pressing them: a person browses the answers, then presses one."""

    def __init__(self, parent: QWidget, buttons: list[QWidget]) -> None:
        super().__init__(parent)
        self.buttons = buttons
        for b in buttons:
            b.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return False
        key = event.key()
        mirrored = isinstance(watched, QWidget) and watched.isRightToLeft()
        backward = {Qt.Key.Key_Up, Qt.Key.Key_Right if mirrored else Qt.Key.Key_Left}
        forward = {Qt.Key.Key_Down, Qt.Key.Key_Left if mirrored else Qt.Key.Key_Right}
        if key not in backward | forward:
            return False
        index = next((i for i, b in enumerate(self.buttons) if b is watched), None)
        if index is None:
            return False
        target = index - 1 if key in backward else index + 1
        if 0 <= target < len(self.buttons):
            self.buttons[target].setFocus(Qt.FocusReason.TabFocusReason)
            reveal(self.buttons[target])
        return True  # at either end: stay, rather than leave the question


class FieldWidget(QWidget):
    """Base: ``edited(field_id, raw)`` whenever the input changes."""

    edited = Signal(str, object)
    #: the person picked an answer with one gesture (a choice button, a
    #: document): the screen may move the focus on.
    picked = Signal()

    def __init__(
        self,
        spec: FieldSpec,
        ftype: FieldType,
        locale: str,
        tr: Translate,
        options: FieldOptions | None = None,
    ) -> None:
        super().__init__()
        self.spec = spec
        self.ftype = ftype
        self.lang = locale
        self.tr_ = tr
        self.options = options or FieldOptions()
        self.setObjectName(f"field:{spec.id}")
        self._loading = False
        self._build()

    def _build(self) -> None:
        """Make the inputs (each kind of widget its own): the one place a
        subclass adds to construction, so no constructor is repeated."""

    @property
    def label_text(self) -> str:
        return pick(self.spec.label, self.lang)

    def set_raw(self, raw: Any) -> None:
        self._loading = True
        try:
            self._set_raw(raw)
        finally:
            self._loading = False

    def _set_raw(self, raw: Any) -> None:
        raise NotImplementedError

    def raw(self) -> Any:
        raise NotImplementedError

    def _emit(self) -> None:
        if not self._loading:
            self.edited.emit(self.spec.id, self.raw())

    def focus_input(self, part: str | None = None) -> None:
        """Give the focus to the input (or the named part of it) and show it."""
        target: QWidget | None = None
        if part:
            named = self.findChild(QWidget, f"field:{self.spec.id}:{part}")
            if named is not None and named.isVisibleTo(self):
                target = named
        if target is None:
            targets = self.focus_targets()
            # Back on an answered question: the focus on the answer given,
            # not on the first choice (at 200 % the answer may be out of view).
            checked = [
                t
                for t in targets
                if isinstance(t, QAbstractButton) and t.isCheckable() and t.isChecked()
            ]
            target = checked[0] if checked else (targets[0] if targets else None)
        if target is not None:
            target.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(target, QLineEdit) and target.property("invalid") == "true":
                # A wrong answer: typing replaces it (as after Tab). Not otherwise:
                # a screen drawn again (text size, language) keeps the cursor at the end.
                target.selectAll()
            reveal(target)

    def focus_targets(self) -> list[QWidget]:
        """The widgets the Tab key stops on, in their order."""
        # The whole ring from the window: a field's controls need not follow
        # the field itself in it (see AttachmentWidget._order_tabs).
        found: list[QWidget] = []
        start = self.window()
        w = start.nextInFocusChain()
        while w is not None and w is not start:
            if (
                self.isAncestorOf(w)
                and w.focusPolicy() & Qt.FocusPolicy.TabFocus
                and w.isVisibleTo(self)
                and w.isEnabled()
            ):
                found.append(w)
            w = w.nextInFocusChain()
        return found

    def set_invalid(self, invalid: bool, part: str | None = None) -> None:
        inputs: list[QWidget] = [
            *self.findChildren(QLineEdit),
            *self.findChildren(QPlainTextEdit),
            *self.findChildren(QAbstractItemView),
        ]
        for w in inputs:
            mark_invalid(w, invalid and (part is None or w.objectName().endswith(f":{part}")))
