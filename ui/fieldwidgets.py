"""One input widget per kind of field, large and simple.

A widget only collects what the person types or picks (the *raw* input)
and reports it with ``edited``; the field type in ``kiosk.fields`` decides
whether it is valid. Object names follow the test contract:
``field:<id>``, ``field:<id>:<part>`` and ``field:<id>=<value>``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
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

Translate = Callable[[str], str]


def _label(text: str, buddy: QWidget | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    if buddy is not None:
        label.setBuddy(buddy)
    return label


def _mark_invalid(widget: QWidget, invalid: bool) -> None:
    widget.setProperty("invalid", "true" if invalid else "false")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


class FieldWidget(QWidget):
    """Base: ``edited(field_id, raw)`` whenever the input changes."""

    edited = Signal(str, object)
    #: the person picked an answer with one gesture (a choice button):
    #: the screen may move the focus on to "Continuer".
    picked = Signal()

    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__()
        self.spec = spec
        self.ftype = ftype
        self.locale = locale
        self.tr_ = tr
        self.setObjectName(f"field:{spec.id}")
        self._loading = False

    @property
    def label_text(self) -> str:
        return pick(self.spec.label, self.locale)

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
        targets = self.focus_targets()
        if part:
            named = self.findChild(QWidget, f"field:{self.spec.id}:{part}")
            if named is not None:
                named.setFocus(Qt.FocusReason.OtherFocusReason)
                return
        if targets:
            targets[0].setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_targets(self) -> list[QWidget]:
        return [
            w
            for w in self.findChildren(QWidget)
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(self)
        ]

    def set_invalid(self, invalid: bool, part: str | None = None) -> None:
        for w in self.findChildren(QLineEdit) + self.findChildren(QPlainTextEdit):
            _mark_invalid(w, invalid and (part is None or w.objectName().endswith(f":{part}")))


class LineWidget(FieldWidget):
    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.edit = QLineEdit()
        self.edit.setObjectName(f"field:{spec.id}")
        self.setObjectName(f"field-box:{spec.id}")
        self.edit.setAccessibleName(self.label_text)
        if ftype.numeric_keypad:
            self.edit.setInputMethodHints(Qt.InputMethodHint.ImhPreferNumbers)
        max_length = spec.constraints.get("max_length")
        if isinstance(max_length, int):
            self.edit.setMaxLength(max_length + 20)  # room to type, the field type says the limit
        self.edit.textEdited.connect(lambda _text: self._emit())
        layout.addWidget(self.edit)

    def _set_raw(self, raw: Any) -> None:
        self.edit.setText("" if raw is None else str(raw))

    def raw(self) -> str:
        return self.edit.text()


class MultilineWidget(FieldWidget):
    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setObjectName(f"field-box:{spec.id}")
        self.edit = QPlainTextEdit()
        self.edit.setObjectName(f"field:{spec.id}")
        self.edit.setAccessibleName(self.label_text)
        self.edit.setTabChangesFocus(True)
        self.edit.setMinimumHeight(self.edit.fontMetrics().height() * 5)
        self.edit.textChanged.connect(self._emit)
        layout.addWidget(self.edit)

    def _set_raw(self, raw: Any) -> None:
        self.edit.setPlainText("" if raw is None else str(raw))

    def raw(self) -> str:
        return self.edit.toPlainText()


class DateWidget(FieldWidget):
    """Three large boxes, day, month and year; never a tiny calendar."""

    PARTS = (("day", 2), ("month", 2), ("year", 4))

    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(16)
        names = {"day": tr("Jour"), "month": tr("Mois"), "year": tr("Année")}
        hints = {"day": "JJ", "month": "MM", "year": "AAAA"}
        self.boxes: dict[str, QLineEdit] = {}
        for column, (part, length) in enumerate(self.PARTS):
            box = QLineEdit()
            box.setObjectName(f"field:{spec.id}:{part}")
            box.setMaxLength(length)
            box.setPlaceholderText(hints[part])
            box.setAccessibleName(names[part])
            box.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
            box.setAlignment(Qt.AlignmentFlag.AlignCenter)
            width = box.fontMetrics().horizontalAdvance("0" * (length + 2)) + 40
            box.setMinimumWidth(width)
            box.setMaximumWidth(width + 40)
            box.textEdited.connect(lambda text, p=part, n=length: self._typed(p, text, n))
            grid.addWidget(_label(names[part], box), 0, column)
            grid.addWidget(box, 1, column)
            self.boxes[part] = box
        grid.setColumnStretch(3, 1)

    def _typed(self, part: str, text: str, length: int) -> None:
        self._emit()
        # A full box moves on to the next, as on paper forms.
        if len(text) == length and text.isdigit() and part != "year":
            following = {"day": "month", "month": "year"}[part]
            self.boxes[following].setFocus(Qt.FocusReason.TabFocusReason)
            self.boxes[following].selectAll()

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

    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(12)
        self.group = QButtonGroup(self)
        self.group.setExclusive(self.exclusive)
        self.buttons: dict[str, QPushButton] = {}
        for value, text in self.options():
            button = QPushButton(("✓  " if not self.exclusive else "") + text)
            button.setProperty("role", "choice")
            button.setObjectName(f"field:{spec.id}={value}")
            button.setAccessibleName(text)
            button.setCheckable(True)
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
            button.clicked.connect(self._clicked)
            self.group.addButton(button)
            self.layout_.addWidget(button)
            self.buttons[value] = button

    def options(self) -> list[tuple[str, str]]:
        return [(c.value, pick(c.label, self.locale)) for c in self.spec.choices]

    def _clicked(self) -> None:
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
    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        self.layout_.setDirection(QVBoxLayout.Direction.LeftToRight)

    def options(self) -> list[tuple[str, str]]:
        return [("yes", self.tr_("Oui")), ("no", self.tr_("Non"))]

    def _normal(self, raw: Any) -> Any:
        if raw is True or raw == "yes":
            return "yes"
        if raw is False or raw == "no":
            return "no"
        return raw


class ConsentWidget(FieldWidget):
    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.setObjectName(f"field-box:{spec.id}")
        self.box = QCheckBox(self.label_text)
        self.box.setObjectName(f"field:{spec.id}")
        self.box.setAccessibleName(self.label_text)
        self.box.toggled.connect(lambda _on: self._emit())
        layout.addWidget(self.box)

    def _set_raw(self, raw: Any) -> None:
        self.box.setChecked(raw is True or raw == "yes" or raw == "true")

    def raw(self) -> bool:
        return self.box.isChecked()


class CommuneWidget(FieldWidget):
    """A postal code, then the person picks their commune from an offline list."""

    with_street = False

    def __init__(self, spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> None:
        super().__init__(spec, ftype, locale, tr)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        self.street: QLineEdit | None = None
        self.complement: QLineEdit | None = None
        if self.with_street:
            self.street = self._line("street", tr("Numéro et rue"), layout)
            self.complement = self._line(
                "complement", tr("Complément d'adresse (si besoin)"), layout
            )
        self.postal = self._line("postal_code", tr("Code postal"), layout)
        self.postal.setMaxLength(5)
        self.postal.setInputMethodHints(Qt.InputMethodHint.ImhDigitsOnly)
        self.postal.setMaximumWidth(self.postal.fontMetrics().horizontalAdvance("0" * 9) + 40)
        self.communes = QListWidget()
        self.communes.setObjectName(f"field:{spec.id}:commune")
        self.commune_label = _label(tr("Commune"), self.communes)
        self.communes.setAccessibleName(tr("Commune"))
        self.communes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.communes.currentItemChanged.connect(lambda *_: self._emit())
        self.communes.itemActivated.connect(lambda _item: self.picked.emit())
        layout.addWidget(self.commune_label)
        layout.addWidget(self.communes)
        self._fill_communes("")

    def _line(self, part: str, text: str, layout: QVBoxLayout) -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(f"field:{self.spec.id}:{part}")
        edit.setAccessibleName(text)
        layout.addWidget(_label(text, edit))
        layout.addWidget(edit)
        if part == "postal_code":
            edit.textEdited.connect(self._postal_typed)
        else:
            edit.textEdited.connect(lambda _t: self._emit())
        return edit

    def _postal_typed(self, text: str) -> None:
        self._fill_communes(text.strip())
        self._emit()

    def _fill_communes(self, code: str, selected: str | None = None) -> None:
        self.communes.blockSignals(True)
        self.communes.clear()
        found = postal.communes_for(code) if len(code) == 5 else ()
        for commune in found:
            item = QListWidgetItem(commune.name)
            item.setData(Qt.ItemDataRole.UserRole, commune.name)
            self.communes.addItem(item)
        if len(found) == 1 or (selected and postal.find_commune(code, selected)):
            match = postal.find_commune(code, selected) if selected else found[0]
            for i in range(self.communes.count()):
                if match is not None and self.communes.item(i).text() == match.name:
                    self.communes.setCurrentRow(i)
        visible_rows = max(1, min(len(found), 5))
        row = self.communes.sizeHintForRow(0) if found else self.fontMetrics().height() + 24
        self.communes.setFixedHeight(row * visible_rows + 12)
        self.communes.setVisible(bool(found))
        self.commune_label.setVisible(bool(found))
        self.communes.blockSignals(False)

    def _set_raw(self, raw: Any) -> None:
        raw = raw if isinstance(raw, dict) else {}
        if self.street is not None and self.complement is not None:
            self.street.setText(str(raw.get("street") or ""))
            self.complement.setText(str(raw.get("complement") or ""))
        code = str(raw.get("postal_code") or "")
        self.postal.setText(code)
        self._fill_communes(code, str(raw.get("commune") or "") or None)

    def raw(self) -> dict[str, str]:
        item = self.communes.currentItem()
        value = {
            "postal_code": self.postal.text(),
            "commune": item.text() if item is not None else "",
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
}


def register_widget(kind: str, cls: type[FieldWidget]) -> None:
    WIDGETS[kind] = cls


def make_field_widget(spec: FieldSpec, ftype: FieldType, locale: str, tr: Translate) -> FieldWidget:
    return WIDGETS[ftype.widget](spec, ftype, locale, tr)


def horizontal(*widgets: QWidget) -> QWidget:
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    for w in widgets:
        row.addWidget(w)
    return box
