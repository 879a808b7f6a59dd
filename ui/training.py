"""Training mode: the same procedures, an unmistakable banner, the example person's answers.

On each question of a training session, every field shows what the example
person (the procedure's example answers file) would write, with a button
that fills it in through the same path as typing: the window's
``fill_with_example``, then the flow and the session. The banner is
``ui.chrome.TrainingBanner``. A training session ends in a ``TrainingSubmission``,
which the window never hands to the outbox.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.resources import examples_dir
from ui.i18n import tr

if TYPE_CHECKING:
    from kiosk.session import Session
    from ui.screens import StepScreen

log = logging.getLogger(__name__)

HINT_ABOVE_WIDGETS = {"choice", "multi_choice", "yes_no"}


@cache
def example_answers(procedure_id: str) -> dict[str, Any]:
    """The example person's raw answers for this procedure ({} without a file)."""
    # Start-up seam: the answers-file reader brings the session and the field
    # types, which the home screen is painted without.
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
    from kiosk.fields import FieldError  # start-up seam, as above

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


# -- the hints -----------------------------------------------------------------------------


def _layout_holding(layout: QBoxLayout, widget: QWidget) -> QBoxLayout | None:
    if layout.indexOf(widget) >= 0:
        return layout
    for i in range(layout.count()):
        item = layout.itemAt(i)
        child = item.layout() if item is not None else None
        if isinstance(child, QBoxLayout):
            found = _layout_holding(child, widget)
            if found is not None:
                return found
    return None


def add_hints(step: StepScreen, session: Session, fill: Callable[[str], None]) -> None:
    """On each question of a training session: the example, and a button to copy it
    (``fill`` answers the field as the example person would, as typing does)."""
    if session.finished:
        return
    examples = example_answers(session.procedure.id)
    for field_id, widget in step.widgets.items():
        if field_id not in examples or not session.field_type(field_id).copies_example:
            continue
        holder = _layout_holding(step.body, widget)
        if holder is None:
            continue
        # Under a box to type in, which stays where it always is; above a
        # list of answers, which may run below the screen's edge.
        below = session.field_type(field_id).widget not in HINT_ABOVE_WIDGETS
        hint = _hint(session, field_id, examples[field_id], fill)
        holder.insertWidget(holder.indexOf(widget) + (1 if below else 0), hint)


def _hint(session: Session, field_id: str, raw: Any, fill: Callable[[str], None]) -> QFrame:
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
    button = QPushButton(tr("Remplir avec l'exemple"))
    button.setObjectName(f"training:fill:{field_id}")
    button.setAccessibleName(button.text())
    button.setAccessibleDescription(text)
    button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    button.clicked.connect(lambda _=False: fill(field_id))
    row.addWidget(button)
    return box
