"""A large on-screen number keypad for touch kiosks.

It sits under a number input (a phone number, a postal code, the boxes of
a date) and shows while that input has the focus. Its keys never take the
focus: they type into the input as a keyboard would, so everything the
input does with typed digits (a full day box moving on to the month, the
field type's checks) happens the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QGridLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QWidget,
)

Translate = Callable[[str], str]

# Rows as on a telephone: 1 2 3 at the top, then 0 and "Effacer".
_DIGITS = ((1, 2, 3), (4, 5, 6), (7, 8, 9))


class OnScreenKeys(QWidget):
    """Keys on the screen that type into the inputs they are attached to.

    It shows while one of its inputs has the focus and hides when another
    input takes it. Its keys never take the focus: they send the key
    events a keyboard would, so the input reacts as to physical typing."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, QPushButton] = {}
        self.inputs: list[QWidget] = []
        self._target: QWidget | None = None
        self.hide()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            # A bound method of this widget: Qt drops the connection with it.
            app.focusChanged.connect(self._focus_changed)

    #: the keys' objectNames are ``<prefix>:<name>``
    prefix = "keys"

    def make_key(self, name: str, text: str) -> QPushButton:
        """One key: named for tests and screen readers, never taking the focus."""
        button = self.key_button(text)
        button.setObjectName(f"{self.prefix}:{name}")
        button.setProperty("role", "key")
        button.setAccessibleName(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        button.clicked.connect(lambda _=False, n=name: self.press(n))
        self.keys[name] = button
        return button

    def key_button(self, text: str) -> QPushButton:
        return QPushButton(text)

    def press(self, name: str) -> None:
        raise NotImplementedError

    def attach(self, *inputs: QWidget) -> None:
        """The inputs these keys type into; they show while one has the focus."""
        self.inputs.extend(inputs)

    def _mine(self, widget: QWidget | None) -> bool:
        return widget is not None and any(widget is w for w in self.inputs)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if self._mine(new):
            self._target = new
            self.show()
        elif isinstance(new, QLineEdit | QPlainTextEdit | QAbstractItemView):
            # Another input took the focus: these keys are not for it. A
            # button (Écouter, Retour...) leaves them where they are.
            self._target = None
            self.hide()

    def target(self) -> QWidget | None:
        focus = QApplication.focusWidget()
        if self._mine(focus):
            return focus
        return self._target

    def send(self, key: Qt.Key, text: str) -> bool:
        """Type ``text`` (or press ``key``) into the input, as its keyboard would."""
        target = self.target()
        if target is None or not target.isVisible():
            return False
        if not target.hasFocus():
            target.setFocus(Qt.FocusReason.OtherFocusReason)
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(
                target, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            )
        # The date boxes move the focus on when one is full: follow it.
        focus = QApplication.focusWidget()
        if self._mine(focus):
            self._target = focus
        return True


class Keypad(OnScreenKeys):
    prefix = "keypad"

    def __init__(self, tr: Translate) -> None:
        super().__init__()
        self.setObjectName("keypad")
        self.setProperty("role", "keypad")
        # 1 2 3 from left to right, as on every telephone, in any language.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setSpacing(10)
        for row, digits in enumerate(_DIGITS):
            for column, digit in enumerate(digits):
                grid.addWidget(self.make_key(str(digit), str(digit)), row, column)
        grid.addWidget(self.make_key("0", "0"), 3, 0, 1, 2)
        grid.addWidget(self.make_key("erase", tr("Effacer")), 3, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

    def _even_keys(self) -> None:
        """Every key as wide as the widest ("Effacer"), at the text size in use."""
        for key in self.keys.values():
            key.ensurePolished()
            key.setMinimumWidth(0)
        width = max(k.sizeHint().width() for n, k in self.keys.items() if n != "0")
        for name, key in self.keys.items():
            if name != "0":
                key.setMinimumWidth(width)

    def showEvent(self, event: QShowEvent) -> None:
        self._even_keys()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self.isVisible():
            self._even_keys()

    def press(self, name: str) -> None:
        """Type a digit (or erase one) into the input, as its keyboard would."""
        if name == "erase":
            self.send(Qt.Key.Key_Backspace, "")
        else:
            self.send(Qt.Key(Qt.Key.Key_0.value + int(name)), name)
