"""Accessible names: every control is named as it is labelled on screen.

A screen-reader user (Orca, NVDA) hears a control's accessible name; a
person using voice control says what they see. Both only work when the
name is the visible label (WCAG 2.5.3, "label in name"). ``problems``
walks what a window shows and lists the controls that break the rule, so
a test or an audit can run it on every screen.

The name checked is the one Qt gives assistive technologies (through
``QAccessible``): an explicit ``accessibleName``, else what Qt derives
(a button's text, an input's buddy label).
"""

from __future__ import annotations

import re

from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTextEdit,
    QWidget,
)

#: the widgets a person operates (scroll bars belong to their area).
CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QAbstractItemView,
    QComboBox,
    QAbstractSpinBox,
    QAbstractSlider,
)
INPUTS = (QLineEdit, QPlainTextEdit, QTextEdit, QAbstractItemView, QComboBox, QAbstractSpinBox)

# Signs drawn for the eye around a label ("✓  Oui", "⚠  …", "•  …"): not words.
_DECORATION = re.compile(r"[^\w\s'’«»?!.,:;()/%€°+@-]")
# A name may add context after the label: "Modifier : Quel est votre nom ?".
_SEPARATORS = (" :", " -", " —", ",")


def accessible_name(widget: QWidget) -> str:
    """The name assistive technologies receive for ``widget``."""
    interface = QAccessible.queryAccessibleInterface(widget)
    if interface is not None and interface.isValid():
        return interface.text(QAccessible.Text.Name) or ""
    return widget.accessibleName()


def _normal(text: str) -> str:
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")  # mnemonics
    return " ".join(_DECORATION.sub(" ", text).split()).casefold()


def _shown(label: QLabel | None, root: QWidget) -> bool:
    return label is not None and bool(label.text().strip()) and label.isVisibleTo(root)


def visible_label(widget: QWidget, root: QWidget) -> str | None:
    """The text a sighted person reads as the control's name, if any."""
    if isinstance(widget, QAbstractButton):
        if widget.text().strip():
            return widget.text()
        # A tile: the title is the first text label inside the button.
        inner = [lab for lab in widget.findChildren(QLabel) if _shown(lab, widget)]
        return inner[0].text() if inner else None
    for lab in root.findChildren(QLabel):
        if lab.buddy() is widget and _shown(lab, root):
            return lab.text()
    name = widget.objectName()
    if name.startswith("field:") and ":" not in name.removeprefix("field:"):
        field_id = name.removeprefix("field:")
        own = root.findChild(QLabel, f"label:{field_id}")
        if _shown(own, root):
            return own.text() if own is not None else None
        # A screen with one question: the heading asks it.
        heading = root.findChild(QLabel, "step:heading")
        if _shown(heading, root):
            return heading.text() if heading is not None else None
    return None


def describe(widget: QWidget) -> str:
    return f"{type(widget).__name__}({widget.objectName()!r})"


def name_matches(name: str, label: str) -> bool:
    a, b = _normal(name), _normal(label)
    return bool(b) and (a == b or any(a.startswith(b + sep) for sep in _SEPARATORS))


def problems(window: QWidget) -> list[str]:
    """One line per visible control whose accessible name is missing or is
    not its visible label. Empty: every control is named as it reads."""
    found: list[str] = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or isinstance(widget, QScrollBar):
            continue
        if not widget.isVisibleTo(window) or not widget.isVisible():
            continue
        name = accessible_name(widget).strip()
        label = visible_label(widget, window)
        if not name:
            shown = f" (its label: {label!r})" if label else ""
            found.append(f"{describe(widget)}: no accessible name{shown}")
        elif label is None:
            if isinstance(widget, INPUTS):
                found.append(f"{describe(widget)}: no visible label (name {name!r})")
        elif not name_matches(name, label):
            found.append(f"{describe(widget)}: accessible name {name!r} is not its label {label!r}")
    return found
