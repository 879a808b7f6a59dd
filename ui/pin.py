"""The mediator's PIN, asked on the screen to leave kiosk mode.

A large digit keypad for a touch screen, and a masked box that also takes
the keyboard. The checking, counting and locking are ``kiosk.pin``'s; this
dialog only shows what it says. It opens with ``open()`` (never a blocking
``exec()``) and reports a right PIN with ``unlocked``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QRegularExpression, Qt, Signal
from PySide6.QtGui import QRegularExpressionValidator
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.pin import MAX_DIGITS, PinResult, PinStatus, check_pin, pin_is_set
from ui import theme
from ui.dialogs import KioskDialog
from ui.i18n import tr

Clock = Callable[[], float]


def _label(text: str, name: str, role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if role:
        label.setProperty("role", role)
    return label


class PinDialog(KioskDialog):
    unlocked = Signal()

    def __init__(
        self,
        parent: QWidget | None,
        data_dir: Path,
        *,
        now: Clock = time.time,
        t: theme.Theme = theme.DEFAULT,
        scale: float = 1.0,
    ) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.now = now
        self.setObjectName("pin:dialog")
        self.scale = scale
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint)
        self.setWindowTitle(tr("Code du médiateur"))
        self.setStyleSheet(theme.stylesheet(t, scale) + self._extra_style(t, scale))

        root = QVBoxLayout(self)
        root.setContentsMargins(40, 32, 40, 32)
        root.setSpacing(16)
        self.heading = _label(tr("Sortir du mode borne"), "pin:heading", "heading")
        root.addWidget(self.heading)
        columns = QHBoxLayout()
        columns.setSpacing(40)
        root.addLayout(columns)

        left = QVBoxLayout()
        left.setSpacing(16)
        self.text = _label("", "pin:text")
        self.input = QLineEdit()
        self.input.setObjectName("pin:input")
        self.input.setEchoMode(QLineEdit.EchoMode.Password)
        self.input.setMaxLength(MAX_DIGITS)
        self.input.setValidator(
            QRegularExpressionValidator(QRegularExpression(f"[0-9]{{0,{MAX_DIGITS}}}"), self)
        )
        self.input.setInputMethodHints(
            Qt.InputMethodHint.ImhDigitsOnly | Qt.InputMethodHint.ImhSensitiveData
        )
        self.input.setAccessibleName(tr("Code du médiateur"))
        self.input.returnPressed.connect(self.submit)
        self.message = _label("", "pin:message", "error")
        self.message.hide()
        self.cancel_button = QPushButton(tr("Annuler"))
        self.cancel_button.setObjectName("pin:cancel")
        self.cancel_button.setAccessibleName(self.cancel_button.text())
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.cancel_button.clicked.connect(self.reject)
        for widget in (self.text, self.input, self.message):
            left.addWidget(widget)
        left.addStretch(1)
        left.addWidget(self.cancel_button)
        columns.addLayout(left, 1)

        self.keypad = QWidget()
        self.keypad.setObjectName("pin:keypad")
        grid = QGridLayout(self.keypad)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(12)
        self.digit_buttons: list[QPushButton] = []
        for i, digit in enumerate("123456789"):
            grid.addWidget(self._digit(digit), i // 3, i % 3)
        self.erase_button = self._key(tr("Effacer"), "pin:erase", digit=False)
        self.erase_button.clicked.connect(self.input.backspace)
        grid.addWidget(self.erase_button, 3, 0)
        grid.addWidget(self._digit("0"), 3, 1)
        self.ok_button = self._key(tr("Valider"), "pin:ok", digit=False)
        self.ok_button.setProperty("role", "primary")
        self.ok_button.clicked.connect(self.submit)
        grid.addWidget(self.ok_button, 3, 2)
        # The keypad keeps the width its words need; the text takes the rest.
        self.keypad.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        columns.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignTop)
        self._prepare()

    @staticmethod
    def _extra_style(t: theme.Theme, scale: float) -> str:
        # Keys and digits stop growing at 150 %: four rows must fit 800 px at 200 %.
        digit = theme.px(32, min(scale, 1.5))
        key = theme.px(80, min(scale, 1.5))
        return f"""
QDialog {{ border: 6px solid {t.focus}; }}
QPushButton[role="key"] {{ font-size: {digit}px; min-width: {key}px; min-height: {key}px; }}
QPushButton#pin\\:erase, QPushButton#pin\\:ok {{ min-height: {key}px; }}
QLineEdit#pin\\:input {{ font-size: {digit}px; letter-spacing: 8px; }}
"""

    def _key(self, text: str, name: str, *, digit: bool = True) -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        if digit:
            button.setProperty("role", "key")
        button.setAccessibleName(text)
        button.setAutoDefault(False)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        return button

    def _digit(self, digit: str) -> QPushButton:
        button = self._key(digit, f"pin:digit:{digit}")
        button.clicked.connect(lambda _=False, d=digit: self.press(d))
        self.digit_buttons.append(button)
        return button

    def _prepare(self) -> None:
        """What the dialog says before any try: locked, not set, or "type the code"."""
        if not pin_is_set(self.data_dir):
            self._cannot(
                tr(
                    "Aucun code de médiateur n'est enregistré sur cette borne. "
                    "On ne peut donc pas sortir du mode borne depuis l'écran."
                )
                + "\n"
                + tr("L'administrateur peut enregistrer un code avec la commande : ")
                + "kiosk mediator set-pin"
            )
            return
        self.text.setText(
            tr("Réservé au médiateur. Tapez votre code, puis touchez «\u00a0Valider\u00a0».")
        )

    def _cannot(self, text: str) -> None:
        self.text.setText(text)
        for widget in (self.input, self.keypad):
            widget.hide()
        self.cancel_button.setText(tr("Fermer"))
        self.cancel_button.setAccessibleName(self.cancel_button.text())
        self.cancel_button.setDefault(True)

    def open(self) -> None:
        self._fit()
        super().open()
        self.activateWindow()
        if self.input.isVisible():
            self.input.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.cancel_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def _fit(self) -> None:
        """Wide enough for the words, as tall as they need, centred on the window.

        A window does not follow the height-for-width of its wrapped labels
        by itself: ask the layout, then place the dialog."""
        parent = self.parentWidget()
        room = parent.size() if parent is not None else self.screen().availableSize()
        width = min(room.width() - 48, theme.px(820, self.scale))
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else -1
        height = max(height, layout.totalSizeHint().height())
        self.resize(width, min(height, room.height() - 24))
        if parent is not None:
            centre = parent.mapToGlobal(parent.rect().center())
            self.move(centre.x() - self.width() // 2, centre.y() - self.height() // 2)

    def press(self, digit: str) -> None:
        self.input.insert(digit)
        self.input.setFocus(Qt.FocusReason.OtherFocusReason)

    def submit(self) -> None:
        if not self.input.isVisible():
            return
        if len(self.input.text()) < 4:
            self._say(tr("Le code a au moins 4 chiffres."))
            return
        result = check_pin(self.data_dir, self.input.text(), now=self.now())
        self.input.clear()
        self.show_result(result)
        if result.ok:
            self.unlocked.emit()
            self.accept()

    def show_result(self, result: PinResult) -> None:
        text = ""
        if result.status is PinStatus.WRONG:
            text = tr("Ce n'est pas le bon code.") + " "
            if result.tries_left == 1:
                text += tr("Il reste 1 essai.")
            else:
                text += tr("Il reste {n} essais.").replace("{n}", str(result.tries_left))
        elif result.status is PinStatus.LOCKED:
            minutes = max(1, math.ceil(result.retry_in_s / 60))
            text = tr("Trop d'essais. Le code est bloqué.") + " "
            if minutes == 1:
                text += tr("Réessayez dans 1 minute.")
            else:
                text += tr("Réessayez dans {n} minutes.").replace("{n}", str(minutes))
        elif result.status is PinStatus.NOT_SET:
            self._prepare()
        elif result.status is PinStatus.UNAVAILABLE:
            text = tr(
                "Le code ne peut pas être vérifié sur cette borne. "
                "L'administrateur peut l'enregistrer de nouveau : "
            )
            text += "kiosk mediator set-pin"
        self._say(text)

    def _say(self, text: str) -> None:
        self.message.setText(("⚠  " + text) if text else "")
        self.message.setAccessibleName(text)
        self.message.setVisible(bool(text))
        if self.isVisible():
            self._fit()
        if text and self.input.isVisible():
            self.input.setFocus(Qt.FocusReason.OtherFocusReason)
