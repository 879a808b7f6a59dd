"""One input widget per kind of field, large and simple.

A widget only collects what the person types or picks (the *raw* input)
and reports it with ``edited``; the field type in ``kiosk.fields`` decides
whether it is valid. Object names follow the test contract:
``field:<id>``, ``field:<id>:<part>`` and ``field:<id>=<value>``.

Keyboard: Tab goes through the inputs in reading order; arrow keys move
between the answers of a question and through the list of communes; Enter
continues (the main window does that). On a touch kiosk, number inputs get
a large on-screen keypad (``ui.keypad``), word inputs an AZERTY keyboard
(``ui.azerty``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk import postal
from kiosk.fields import FieldSpec, FieldType
from kiosk.i18n import pick
from ui.attachments import AttachmentWidget
from ui.azerty import Keyboard
from ui.fieldbase import (
    ArrowKeysMoveFocus,
    FieldOptions,
    FieldWidget,
    Translate,
    text_label,
)
from ui.keypad import Keypad, OnScreenKeys

__all__ = [
    "WIDGETS",
    "AddressWidget",
    "AttachmentWidget",
    "ChoiceWidget",
    "CommuneWidget",
    "ConsentWidget",
    "DateWidget",
    "FieldOptions",
    "FieldWidget",
    "LineWidget",
    "MultiChoiceWidget",
    "MultilineWidget",
    "YesNoWidget",
    "make_field_widget",
    "register_widget",
]

K = TypeVar("K", bound=OnScreenKeys)
CHECK = "✓  "  # a chosen answer is marked by a sign, not by its colour alone


class DigitsEdit(QLineEdit):
    """A box sized for a few digits, at whatever text size the kiosk shows.

    Typing a separator ("/", ".", "-", a space) asks to move to the next
    box, and Backspace in an empty box to the previous one, as people do
    when they type "15/03/1950" in one go."""

    next_box = Signal()
    previous_box = Signal()

    def __init__(self, chars: int) -> None:
        super().__init__()
        self.chars = chars
        self.setMaxLength(chars)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def sizeHint(self) -> QSize:
        # Qt's hint is 17 "x" plus the frame, padding and margins: keep
        # those, and make room for the digits (and the cursor) instead.
        hint = super().sizeHint()
        fm = self.fontMetrics()
        room = hint.width() - fm.horizontalAdvance("x") * 17
        width = room + fm.horizontalAdvance("0" * (self.chars + 1))
        return QSize(max(width, hint.height() + 16), hint.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.text() in ("/", ".", "-", " "):
            self.next_box.emit()
            return
        if event.key() == Qt.Key.Key_Backspace and not self.text():
            self.previous_box.emit()
            return
        super().keyPressEvent(event)


class TextBox(QPlainTextEdit):
    """A box for a few sentences: five lines high at whatever text size."""

    LINES = 5

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        frame = self.height() - self.viewport().height() if self.height() > 0 else 0
        margins = self.contentsMargins().top() + self.contentsMargins().bottom()
        height = self.fontMetrics().lineSpacing() * self.LINES + max(frame, margins) + 16
        return QSize(hint.width(), height)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.updateGeometry()  # the stylesheet sets the text size late


def _with_keys(
    kind: Callable[[Translate], K], options: FieldOptions, tr: Translate, *inputs: QWidget
) -> K | None:
    """Keys on the screen of a touch kiosk (a number keypad, a keyboard)."""
    if not options.keypad:
        return None
    keypad = kind(tr)
    keypad.attach(*inputs)
    return keypad


class LineWidget(FieldWidget):
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"field:{self.spec.id}")
        self.setObjectName(f"field-box:{self.spec.id}")
        self.edit.setAccessibleName(self.label_text)
        max_length = self.spec.constraints.get("max_length")
        if isinstance(max_length, int):
            self.edit.setMaxLength(max_length + 20)  # room to type, the field type says the limit
        self.edit.textEdited.connect(lambda _text: self._emit())
        layout.addWidget(self.edit)
        self.reveal_button: QPushButton | None = None
        if self.spec.secret:
            self._make_secret(layout)
        self.keypad: Keypad | None = None
        if self.ftype.numeric_keypad:
            self.edit.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
            self.keypad = _with_keys(Keypad, self.options, self.tr_, self.edit)
        self.keyboard = (
            None if self.keypad else _with_keys(Keyboard, self.options, self.tr_, self.edit)
        )
        for keys in (self.keypad, self.keyboard):
            if keys is not None:
                layout.addWidget(keys, 0, Qt.AlignmentFlag.AlignLeading)

    def _make_secret(self, layout: QVBoxLayout) -> None:
        """Masked on a public screen, with a large « Afficher » to check it."""
        self.edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.edit.setInputMethodHints(
            Qt.InputMethodHint.ImhSensitiveData | Qt.InputMethodHint.ImhNoPredictiveText
        )
        self.reveal_button = QPushButton()
        self.reveal_button.setObjectName(f"field:{self.spec.id}:show")
        self.reveal_button.setCheckable(True)
        self.reveal_button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        self.reveal_button.toggled.connect(self._show_secret)
        self._show_secret(False)
        layout.addWidget(self.reveal_button, 0, Qt.AlignmentFlag.AlignLeading)

    def _show_secret(self, shown: bool) -> None:
        assert self.reveal_button is not None
        self.edit.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        text = self.tr_("Cacher le code") if shown else self.tr_("Afficher le code")
        self.reveal_button.setText(text)
        self.reveal_button.setAccessibleName(text)

    def _set_raw(self, raw: Any) -> None:
        self.edit.setText("" if raw is None else str(raw))

    def raw(self) -> str:
        return self.edit.text()


class MultilineWidget(FieldWidget):
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setObjectName(f"field-box:{self.spec.id}")
        self.edit = TextBox()
        self.edit.setObjectName(f"field:{self.spec.id}")
        self.edit.setAccessibleName(self.label_text)
        self.edit.setTabChangesFocus(True)
        self.edit.textChanged.connect(self._emit)
        layout.addWidget(self.edit)
        self.keyboard = _with_keys(Keyboard, self.options, self.tr_, self.edit)
        if self.keyboard is not None:
            layout.addWidget(self.keyboard, 0, Qt.AlignmentFlag.AlignLeading)

    def _set_raw(self, raw: Any) -> None:
        self.edit.setPlainText("" if raw is None else str(raw))

    def raw(self) -> str:
        return self.edit.toPlainText()


class DateWidget(FieldWidget):
    """Three large boxes, day, month and year; never a tiny calendar."""

    PARTS = (("day", 2), ("month", 2), ("year", 4))

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(12)
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(6)
        names = {"day": self.tr_("Jour"), "month": self.tr_("Mois"), "year": self.tr_("Année")}
        self.boxes: dict[str, DigitsEdit] = {}
        for column, (part, length) in enumerate(self.PARTS):
            box = DigitsEdit(length)
            box.setObjectName(f"field:{self.spec.id}:{part}")
            box.setAccessibleName(names[part])
            box.setAccessibleDescription(self.label_text)
            box.textEdited.connect(lambda text, p=part, n=length: self._typed(p, text, n))
            box.next_box.connect(lambda p=part: self._move(p, +1))
            box.previous_box.connect(lambda p=part: self._move(p, -1))
            grid.addWidget(text_label(names[part], box), 0, column)
            grid.addWidget(box, 1, column)
            self.boxes[part] = box
        grid.setColumnStretch(len(self.PARTS), 1)
        outer.addLayout(grid)
        self.keypad = _with_keys(Keypad, self.options, self.tr_, *self.boxes.values())
        if self.keypad is not None:
            outer.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignLeading)

    def _move(self, part: str, step: int) -> None:
        order = [p for p, _ in self.PARTS]
        i = order.index(part) + step
        if 0 <= i < len(order):
            box = self.boxes[order[i]]
            box.setFocus(Qt.FocusReason.TabFocusReason)
            if step > 0:
                box.selectAll()
            else:
                box.end(False)

    def _typed(self, part: str, text: str, length: int) -> None:
        self._emit()
        # A full box moves on to the next, as on paper forms.
        if len(text) == length and text.isdigit() and part != "year":
            self._move(part, +1)

    def _set_raw(self, raw: Any) -> None:
        if isinstance(raw, dict):
            for part, box in self.boxes.items():
                box.setText(str(raw.get(part) or ""))
        elif isinstance(raw, str) and raw.count("/") == 2:
            for box, value in zip(self.boxes.values(), raw.split("/"), strict=True):
                box.setText(value.strip())
        else:
            for box in self.boxes.values():
                box.clear()

    def raw(self) -> dict[str, str]:
        return {part: box.text() for part, box in self.boxes.items()}


class _ButtonsWidget(FieldWidget):
    """Big buttons, one per answer: easier than tiny radio dots."""

    exclusive = True

    def _build(self) -> None:
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(12)
        # Not an exclusive QButtonGroup: Tab would then stop on one button of
        # the group only (as for radio buttons); here Tab reaches every answer.
        self.buttons: dict[str, QPushButton] = {}
        for value, text in self.options_():
            button = QPushButton(text)
            button.setProperty("role", "choice")
            button.setObjectName(f"field:{self.spec.id}={value}")
            button.setAccessibleName(text)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.clicked.connect(lambda _=False, b=button: self._clicked(b))
            button.toggled.connect(lambda on, b=button, t=text: b.setText(CHECK + t if on else t))
            self.layout_.addWidget(button)
            self.buttons[value] = button
        # Qt's own arrow keys in a button group press the next button: here
        # they only move, the person presses with Space or Enter.
        self._arrows = ArrowKeysMoveFocus(self, list(self.buttons.values()))

    def options_(self) -> list[tuple[str, str]]:
        return [(c.value, pick(c.label, self.lang)) for c in self.spec.choices]

    def _clicked(self, button: QPushButton) -> None:
        if self.exclusive:
            button.setChecked(True)  # pressing the chosen answer again keeps it
            for other in self.buttons.values():
                if other is not button:
                    other.setChecked(False)
        self._emit()
        if self.exclusive:
            self.picked.emit()

    def _set_raw(self, raw: Any) -> None:
        chosen = set(raw) if isinstance(raw, list) else {self._normal(raw)}
        for value, button in self.buttons.items():
            button.setChecked(value in chosen)

    def _normal(self, raw: Any) -> Any:
        return raw

    def raw(self) -> Any:
        chosen = [v for v, b in self.buttons.items() if b.isChecked()]
        if self.exclusive:
            return chosen[0] if chosen else None
        return chosen


class ChoiceWidget(_ButtonsWidget):
    pass


class MultiChoiceWidget(_ButtonsWidget):
    exclusive = False


class YesNoWidget(_ButtonsWidget):
    def _build(self) -> None:
        super()._build()
        self.layout_.setDirection(QVBoxLayout.Direction.LeftToRight)
        self.layout_.setSpacing(24)

    def options_(self) -> list[tuple[str, str]]:
        return [("yes", self.tr_("Oui")), ("no", self.tr_("Non"))]

    def _normal(self, raw: Any) -> Any:
        if raw is True or raw == "yes":
            return "yes"
        if raw is False or raw == "no":
            return "no"
        return raw


class ConsentWidget(FieldWidget):
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setObjectName(f"field-box:{self.spec.id}")
        self.box = QCheckBox(self.label_text)
        self.box.setObjectName(f"field:{self.spec.id}")
        self.box.setAccessibleName(self.label_text)
        self.box.toggled.connect(lambda _on: self._emit())
        layout.addWidget(self.box)

    def _set_raw(self, raw: Any) -> None:
        self.box.setChecked(raw is True or raw == "yes" or raw == "true")

    def raw(self) -> bool:
        return self.box.isChecked()


NAME_ROLE = Qt.ItemDataRole.UserRole
INSEE_ROLE = Qt.ItemDataRole.UserRole + 1


class CommuneList(QListWidget):
    """The communes of a postal code: every one shown up to five, then a
    scroll bar inside the list; long names wrap instead of being cut."""

    VISIBLE_ROWS = 5

    def __init__(self) -> None:
        super().__init__()
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def fit(self) -> None:
        rows = min(self.count(), self.VISIBLE_ROWS)
        if rows == 0:
            return
        self.doItemsLayout()
        needed = sum(self.sizeHintForRow(i) for i in range(rows)) + self.spacing() * 2 * rows
        if self.viewport().height() > 0 and self.isVisible():
            chrome = self.height() - self.viewport().height()
        else:
            chrome = 2 * self.frameWidth() + 12
        if self.height() != needed + chrome:
            self.setFixedHeight(needed + chrome)
        if self.currentItem() is not None:
            self.scrollToItem(self.currentItem())

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self.fit()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            self.fit()  # wrapped names take more or fewer lines

    def keyPressEvent(self, event: QKeyEvent) -> None:
        # Tab put the cursor on the first commune without choosing it: the
        # first arrow, Space or Enter chooses the commune under the cursor.
        current = self.currentItem()
        if current is not None and not self.selectedItems():
            if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_Space):
                current.setSelected(True)
                return
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                current.setSelected(True)
        super().keyPressEvent(event)


class CommuneWidget(FieldWidget):
    """A postal code, then the person picks their commune from an offline list."""

    with_street = False

    def _build(self) -> None:
        self.setObjectName(f"field-box:{self.spec.id}")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.street: QLineEdit | None = None
        self.complement: QLineEdit | None = None
        if self.with_street:
            self.street = self._line("street", self.tr_("Numéro et rue"), layout)
            self.complement = self._line(
                "complement", self.tr_("Complément d'adresse (si besoin)"), layout
            )
            self.keyboard = _with_keys(
                Keyboard, self.options, self.tr_, self.street, self.complement
            )
            if self.keyboard is not None:
                layout.addWidget(self.keyboard, 0, Qt.AlignmentFlag.AlignLeading)
        self.postal = DigitsEdit(5)
        self.postal.setAlignment(Qt.AlignmentFlag.AlignLeading | Qt.AlignmentFlag.AlignVCenter)
        self.postal.setObjectName(f"field:{self.spec.id}:postal_code")
        self.postal.setAccessibleName(self.tr_("Code postal"))
        self.postal.textEdited.connect(self._postal_typed)
        layout.addWidget(text_label(self.tr_("Code postal"), self.postal))
        layout.addWidget(self.postal)
        self.keypad = _with_keys(Keypad, self.options, self.tr_, self.postal)
        if self.keypad is not None:
            layout.addWidget(self.keypad, 0, Qt.AlignmentFlag.AlignLeading)
        self.waiting = text_label(
            self.tr_("La liste des communes apparaît quand le code postal a 5 chiffres."),
            role="muted",
        )
        layout.addWidget(self.waiting)
        self.communes = CommuneList()
        self.communes.setObjectName(f"field:{self.spec.id}:commune")
        self.commune_label = text_label(self.tr_("Commune"), self.communes)
        self.communes.setAccessibleName(self.tr_("Commune"))
        self.communes.itemSelectionChanged.connect(self._commune_chosen)
        self.communes.itemClicked.connect(lambda _item: self.picked.emit())
        layout.addWidget(self.commune_label)
        layout.addWidget(self.communes)
        self._fill_communes("")

    def _line(self, part: str, text: str, layout: QVBoxLayout) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"field:{self.spec.id}:{part}")
        edit.setAccessibleName(text)
        layout.addWidget(text_label(text, edit))
        layout.addWidget(edit)
        edit.textEdited.connect(lambda _t: self._emit())
        return edit

    def _postal_typed(self, text: str) -> None:
        self._fill_communes(text.strip())
        self._emit()

    def _commune_chosen(self) -> None:
        for i in range(self.communes.count()):
            item = self.communes.item(i)
            name = str(item.data(NAME_ROLE))
            item.setText(CHECK + name if item.isSelected() else name)
        self._emit()

    def _fill_communes(
        self, code: str, selected: str | None = None, insee: str | None = None
    ) -> None:
        self.communes.blockSignals(True)
        self.communes.clear()
        found = postal.communes_for(code) if len(code) == 5 else ()
        match = None
        if len(found) == 1:
            match = found[0]
        elif insee:
            match = next((c for c in found if c.insee == insee), None)
        elif selected:
            match = postal.find_commune(code, selected)
        for commune in found:
            item = QListWidgetItem(commune.name)
            item.setData(NAME_ROLE, commune.name)
            item.setData(INSEE_ROLE, commune.insee)  # two communes may share a name
            self.communes.addItem(item)
            if match is not None and commune.insee == match.insee:
                item.setText(CHECK + commune.name)
                self.communes.setCurrentItem(item)
                item.setSelected(True)
        self.communes.scrollToTop()  # a new code: its list from the start
        self.communes.setVisible(bool(found))
        self.commune_label.setVisible(bool(found))
        self.waiting.setVisible(len(code) < 5)
        self.communes.fit()
        self.communes.blockSignals(False)

    def _set_raw(self, raw: Any) -> None:
        raw = raw if isinstance(raw, dict) else {}
        if self.street is not None and self.complement is not None:
            self.street.setText(str(raw.get("street") or ""))
            self.complement.setText(str(raw.get("complement") or ""))
        code = str(raw.get("postal_code") or "")
        self.postal.setText(code)
        self._fill_communes(
            code.strip(), str(raw.get("commune") or "") or None, str(raw.get("insee") or "") or None
        )

    def raw(self) -> dict[str, str]:
        chosen = self.communes.selectedItems()
        value = {
            "postal_code": self.postal.text(),
            "commune": str(chosen[0].data(NAME_ROLE)) if chosen else "",
            "insee": str(chosen[0].data(INSEE_ROLE)) if chosen else "",
        }
        if self.street is not None and self.complement is not None:
            value = {"street": self.street.text(), "complement": self.complement.text(), **value}
        return value


class AddressWidget(CommuneWidget):
    with_street = True


WIDGETS: dict[str, type[FieldWidget]] = {
    "line": LineWidget,
    "multiline": MultilineWidget,
    "date": DateWidget,
    "choice": ChoiceWidget,
    "multi_choice": MultiChoiceWidget,
    "yes_no": YesNoWidget,
    "consent": ConsentWidget,
    "commune": CommuneWidget,
    "address": AddressWidget,
    "attachment": AttachmentWidget,
}


def register_widget(kind: str, cls: type[FieldWidget]) -> None:
    WIDGETS[kind] = cls


def make_field_widget(
    spec: FieldSpec,
    ftype: FieldType,
    locale: str,
    tr: Translate,
    options: FieldOptions | None = None,
) -> FieldWidget:
    return WIDGETS[ftype.widget](spec, ftype, locale, tr, options)


def horizontal(*widgets: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return box
