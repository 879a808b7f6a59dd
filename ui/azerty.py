"""A large on-screen AZERTY keyboard for touch kiosks.

It sits under a box one types words in (a name, a street, a few
sentences) and shows while that box has the focus, as the number keypad
(``ui.keypad``) does under number boxes. Its rows are the French layout's,
with the digits above and the accented letters a French name or address
needs on the right; « Majuscule » makes the next letter a capital, as on a
telephone. Its keys never take the focus: they send the key events a
keyboard would, so the box and its field type see ordinary typing.

Key names (``keyboard:<character>``, ``keyboard:space``, ``keyboard:erase``,
``keyboard:shift``) stay the same whatever the case shown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QGridLayout, QPushButton, QSizePolicy

from ui.keypad import OnScreenKeys, Translate

# Ten columns of the French layout, then four of punctuation and accents.
_ROWS = (
    ("1234567890", "'-.@"),
    ("azertyuiop", "éèêë"),
    ("qsdfghjklm", "àâçù"),
    ("wxcvbnœæ,/", "ûôîï"),
)
COLUMNS = 14
# The row under them: (key, first column, columns spanned).
_BOTTOM = (("shift", 0, 4), ("space", 4, 6), ("erase", 10, 4))

# Qt's key codes for Latin letters and digits are their capital's code point.
_QT_KEYS = {c: Qt.Key(ord(c.upper())) for c in "abcdefghijklmnopqrstuvwxyz0123456789"}
_QT_KEYS.update({" ": Qt.Key.Key_Space, "'": Qt.Key.Key_Apostrophe, "-": Qt.Key.Key_Minus})
_QT_KEYS.update({".": Qt.Key.Key_Period, "@": Qt.Key.Key_At, ",": Qt.Key.Key_Comma})
_QT_KEYS.update({"/": Qt.Key.Key_Slash})


def _qt_key(character: str) -> Qt.Key:
    latin1 = ord(character.upper())
    if character in _QT_KEYS:
        return _QT_KEYS[character]
    return Qt.Key(latin1) if 0xC0 <= latin1 <= 0xFF else Qt.Key.Key_unknown


class Key(QPushButton):
    """A key as wide as its label needs, not the 80 px Qt gives any button:
    fourteen keys a row fit a 1280 px screen at 200 % text."""

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        self.ensurePolished()
        # The stylesheet's 6 px padding, 3 px border and a pixel of air a side.
        width = self.fontMetrics().horizontalAdvance(self.text()) + 2 * (6 + 3 + 1)
        return QSize(max(48, width), hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()


class Keyboard(OnScreenKeys):
    def __init__(self, tr: Translate) -> None:
        super().__init__()
        self.setObjectName("keyboard")
        self.setProperty("role", "keyboard")
        # A, Z, E from left to right in any language of the interface.
        self.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 4, 0, 4)
        grid.setSpacing(8)  # the floor between two targets: room for 14 keys
        self.characters: list[str] = []
        for row, (letters, extra) in enumerate(_ROWS):
            for column, character in enumerate(letters + extra):
                grid.addWidget(self.make_key(character, character), row, column)
                self.characters.append(character)
        labels = {"shift": tr("Majuscule"), "space": tr("Espace"), "erase": tr("Effacer")}
        for name, column, span in _BOTTOM:
            grid.addWidget(self.make_key(name, labels[name]), len(_ROWS), column, 1, span)
        self.shift = self.keys["shift"]
        self.shift.setCheckable(True)
        self.shift.toggled.connect(self._show_case)
        for column in range(COLUMNS):
            grid.setColumnStretch(column, 1)
        self.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)

    prefix = "keyboard"

    def key_button(self, text: str) -> QPushButton:
        return Key(text)

    def _show_case(self, capitals: bool) -> None:
        for character in self.characters:
            text = character.upper() if capitals else character
            self.keys[character].setText(text)
            self.keys[character].setAccessibleName(text)

    def _even_keys(self) -> None:
        """Every character key as wide as the widest, at the text size in use."""
        for key in self.keys.values():
            key.ensurePolished()
            key.setMinimumWidth(0)
        # The widest of the letters in either case (W, Æ), so no key grows
        # when « Majuscule » shows the capitals.
        fm = self.keys["a"].fontMetrics()
        wide = max(fm.horizontalAdvance(c.upper()) for c in self.characters)
        width = max(48, *(self.keys[c].sizeHint().width() for c in self.characters))
        width = max(width, wide + 2 * (6 + 3 + 1))
        for character in self.characters:
            self.keys[character].setMinimumWidth(width)

    def showEvent(self, event: QShowEvent) -> None:
        self._even_keys()
        super().showEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange) and self.isVisible():
            self._even_keys()

    def press(self, name: str) -> None:
        """Type a character (or a space, or erase one) into the box."""
        if name == "shift":
            return  # the key toggles itself: the next letter is a capital
        if name == "erase":
            self.send(Qt.Key.Key_Backspace, "")
            return
        character = " " if name == "space" else name
        if self.shift.isChecked():
            character = character.upper()
        if self.send(_qt_key(character), character) and character.isalpha():
            self.shift.setChecked(False)  # one capital, as on a telephone
