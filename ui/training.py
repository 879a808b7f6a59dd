"""Training mode: the same procedures, an unmistakable banner, the example person's answers.

On each question of a training session, every field shows what the example
person (the procedure's example answers file) would write, with a button
that fills it in through the same path as typing: ``MainWindow.on_answered``
and then the session. A training session ends in a ``TrainingSubmission``,
which the window never hands to the outbox.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.resources import examples_dir
from ui import theme
from ui.i18n import tr
from ui.pictures import icon

if TYPE_CHECKING:
    from kiosk.session import Session
    from ui.mainwindow import MainWindow

log = logging.getLogger(__name__)

#: Fields whose example is not worth copying: the person ticks them themselves.
NO_HINT_WIDGETS = {"consent"}
HINT_ABOVE_WIDGETS = {"choice", "multi_choice", "yes_no"}


@cache
def example_answers(procedure_id: str) -> dict[str, Any]:
    """The example person's raw answers for this procedure ({} without a file)."""
    from kiosk.answers_file import AnswersFileError, read_answers_file

    path = examples_dir() / f"{procedure_id}.json"
    if not path.is_file():
        return {}
    try:
        found = read_answers_file(path)
    except AnswersFileError as e:
        log.error("training hints unavailable: %s", e)
        return {}
    return {**found.answers, **{k: str(v) for k, v in found.attachments.items()}}


def shown_example(session: Session, field_id: str, raw: Any) -> str:
    """The example as the review would show it ("15 mars 1950", "Le matin")."""
    from kiosk.fields import FieldError

    ftype = session.field_type(field_id)
    try:
        value = ftype.clean(raw)
    except FieldError:
        value = None
    if value is not None:
        text = ftype.display(value, session.locale)
        if text:
            return text
    if isinstance(raw, dict):
        return ", ".join(str(v) for v in raw.values() if v)
    if isinstance(raw, list):
        return ", ".join(str(v) for v in raw)
    return str(raw)


# -- the banner ----------------------------------------------------------------------------


def decorate_banner(window: MainWindow) -> None:
    """A pictogram in front of the banner's words (once)."""
    if window.banner.findChild(QLabel, "training-banner:picture") is not None:
        return
    picture = QLabel()
    picture.setObjectName("training-banner:picture")
    picture.setAccessibleName("")
    row = window.banner.layout()
    if isinstance(row, QHBoxLayout):
        row.insertWidget(0, picture, 0, Qt.AlignmentFlag.AlignVCenter)
        row.setContentsMargins(24, 8, 24, 8)
        row.setSpacing(16)


def update_banner(window: MainWindow) -> None:
    """Shown on every screen of a training session, in words and with a pictogram."""
    decorate_banner(window)
    t, scale = window.theme, window.scale
    window.banner.setVisible(window.training)
    text = tr("Entraînement — rien n'est envoyé")
    window.banner_label.setText(text)
    window.banner.setAccessibleName(text)
    picture = window.banner.findChild(QLabel, "training-banner:picture")
    side = round(theme.BODY_PX * min(scale, 1.5) * 1.8)
    if picture is not None:
        picture.setPixmap(icon("entrainement").pixmap(side, side))
        picture.setFixedSize(side, side)
    # Larger than body text at 100 %, never smaller than it at 200 %.
    size = max(theme.px(28, min(scale, 1.5)), theme.px(theme.BODY_PX, scale))
    window.banner.setStyleSheet(
        f"""
QFrame#training-banner {{
    background: {t.banner}; border: 0; border-bottom: 4px solid {t.on_banner};
}}
QFrame#training-banner QLabel {{ color: {t.on_banner}; font-weight: bold; font-size: {size}px; }}
"""
    )


# -- the hints -----------------------------------------------------------------------------


def _layout_holding(layout: QLayout, widget: QWidget) -> QLayout | None:
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        child = layout.itemAt(i).layout()
        if child is not None:
            found = _layout_holding(child, widget)
            if found is not None:
                return found
    return None


def add_hints(window: MainWindow) -> None:
    """On each question of a training session: the example, and a button to copy it."""
    session = window.session
    if not window.training or session is None or session.finished:
        return
    examples = example_answers(session.procedure.id)
    step = window.step
    for field_id, widget in step.widgets.items():
        if field_id not in examples or session.field_type(field_id).widget in NO_HINT_WIDGETS:
            continue
        holder = _layout_holding(step.body, widget)
        if holder is None:
            continue
        # Under a box to type in, which stays where it always is; above a
        # list of answers, which may run below the screen's edge.
        below = session.field_type(field_id).widget not in HINT_ABOVE_WIDGETS
        hint = _hint(window, session, field_id, examples[field_id])
        holder.insertWidget(holder.indexOf(widget) + (1 if below else 0), hint)


def _hint(window: MainWindow, session: Session, field_id: str, raw: Any) -> QFrame:
    box = QFrame()
    box.setObjectName(f"training:hint:{field_id}")
    box.setProperty("role", "card")
    row = QVBoxLayout(box)
    row.setContentsMargins(20, 12, 20, 12)
    row.setSpacing(10)
    text = tr("Exemple à recopier : {exemple}").replace(
        "{exemple}", shown_example(session, field_id, raw)
    )
    words = QLabel(text)
    words.setObjectName(f"training:example:{field_id}")
    words.setWordWrap(True)
    words.setTextFormat(Qt.TextFormat.PlainText)
    words.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    row.addWidget(words)
    fill = QPushButton(tr("Remplir avec l'exemple"))
    fill.setObjectName(f"training:fill:{field_id}")
    fill.setAccessibleName(fill.text())
    fill.setAccessibleDescription(text)
    fill.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    fill.clicked.connect(lambda _=False: fill_with_example(window, field_id))
    row.addWidget(fill)
    return box


def fill_with_example(window: MainWindow, field_id: str) -> None:
    """Answer as the example person would, through the window, as typing does."""
    session = window.session
    if session is None:
        return
    raw = example_answers(session.procedure.id).get(field_id)
    if raw is None:
        return
    window.on_answered(field_id, raw)
    window.refresh()  # the widgets show the session's answer
    widget = window.step.widgets.get(field_id)
    if widget is not None:
        widget.focus_input()
