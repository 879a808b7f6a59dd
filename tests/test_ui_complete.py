"""Every shipped procedure, completed through the screens from its example answers.

By keyboard only: from the home screen, Tab/Space/Enter sent to the widget
that has the focus (``QApplication.focusWidget()``), as a person without a
mouse would. By clicks: ``qtbot.mouseClick`` on the named widgets. Both end
on the confirmation screen, whose reference is that of the submission now in
the outbox. One window per procedure walks all its examples (the window goes
home between two).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QWidget,
)

from kiosk import postal
from kiosk.flow import View
from kiosk.outbox import Outbox
from tests.conftest import EXAMPLES
from tests.uihelpers import click, find, make_window
from ui.attachments import AttachmentWidget
from ui.mainwindow import MainWindow

STOPS = {"carte-grise-duplicata--vehicule-vole"}  # ends on a screen that sends nothing
ALL = sorted(p.stem for p in EXAMPLES.glob("*.json"))
PROCEDURES = sorted({name.split("--")[0] for name in ALL})


def examples_of(procedure_id: str) -> list[str]:
    return [n for n in ALL if n.split("--")[0] == procedure_id]


def read_example(name: str) -> tuple[dict[str, Any], dict[str, Path]]:
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    files = {k: EXAMPLES / v for k, v in (data.get("attachments") or {}).items()}
    return dict(data["answers"]), files


# -- the keyboard -------------------------------------------------------------------------


def type_text(qtbot, widget: QWidget, text: str) -> None:
    """Type as a keyboard would, letters with accents included (QTest's own
    keyClicks knows ASCII only)."""
    for ch in text:
        if ch == "\n":
            qtbot.keyClick(widget, Qt.Key.Key_Return)
        elif ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            code = ord(ch.upper()) if ord(ch.upper()) < 0x100 else Qt.Key.Key_unknown.value
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(
                    widget, QKeyEvent(kind, Qt.Key(code), Qt.KeyboardModifier.NoModifier, ch)
                )


class Keyboard:
    """Keys go to the widget with the focus, as on a real kiosk."""

    def __init__(self, qtbot, window: MainWindow) -> None:
        self.qtbot = qtbot
        self.window = window

    def focused(self) -> QWidget:
        focus = QApplication.focusWidget()
        assert focus is not None, "nothing has the keyboard focus"
        assert self.window.isAncestorOf(focus) or focus is self.window, focus
        return focus

    def key(self, key: Qt.Key) -> None:
        self.qtbot.keyClick(self.focused(), key)

    def type(self, text: str) -> None:
        type_text(self.qtbot, self.focused(), text)

    def tab_to(self, wanted: Callable[[QWidget], bool], what: str, limit: int = 80) -> QWidget:
        seen = []
        for _ in range(limit):
            focus = self.focused()
            if wanted(focus):
                return focus
            seen.append(focus.objectName() or type(focus).__name__)
            self.key(Qt.Key.Key_Tab)
        raise AssertionError(f"Tab never reached {what}; went through {seen}")

    def tab_to_name(self, name: str) -> QWidget:
        return self.tab_to(lambda w: w.objectName() == name, name)

    def enter_to_continue(self) -> None:
        # Enter presses a button, and starts a new line in a long text: from
        # those, Tab on to "Continuer" first.
        focus = self.focused()
        if isinstance(focus, QPushButton | QPlainTextEdit) and focus.objectName() != "nav:next":
            self.tab_to_name("nav:next")
        self.key(Qt.Key.Key_Return)


def fill_by_keyboard(kb: Keyboard, window: MainWindow, field_id: str, value: Any) -> None:
    kind = window.flow.session.field_type(field_id).widget
    if kind in ("line", "multiline"):
        kb.tab_to_name(f"field:{field_id}")
        kb.type(str(value))
    elif kind == "date":
        for part, text in zip(("day", "month", "year"), str(value).split("/"), strict=True):
            kb.tab_to_name(f"field:{field_id}:{part}")
            kb.type(text)
    elif kind in ("choice", "yes_no", "multi_choice"):
        values = value if isinstance(value, list) else [value]
        for v in values:
            v = {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v
            kb.tab_to_name(f"field:{field_id}={v}")
            kb.key(Qt.Key.Key_Space)
    elif kind == "consent":
        box = kb.tab_to_name(f"field:{field_id}")
        if bool(value) != box.isChecked():
            kb.key(Qt.Key.Key_Space)
    elif kind in ("address", "commune"):
        for part in ("street", "complement", "postal_code"):
            if part in value:
                kb.tab_to_name(f"field:{field_id}:{part}")
                kb.type(value[part])
        communes = find(window, f"field:{field_id}:commune")
        assert isinstance(communes, QListWidget)
        if not chosen_commune(communes, value["commune"]):
            kb.tab_to_name(f"field:{field_id}:commune")
            for _ in range(communes.count()):
                kb.key(Qt.Key.Key_Down)
                if chosen_commune(communes, value["commune"]):
                    break
        assert chosen_commune(communes, value["commune"]), value
    elif kind == "attachment":
        # The file dialog is replaced (see the fixture); the keyboard opens it.
        kb.tab_to_name(f"field:{field_id}")
        kb.key(Qt.Key.Key_Space)
    else:  # pragma: no cover - a new kind of widget needs its way here
        raise AssertionError(f"no keyboard way for {kind}")


def chosen_commune(communes: QListWidget, name: str) -> bool:
    chosen = communes.selectedItems()
    return bool(chosen) and postal.fold(chosen[0].data(Qt.ItemDataRole.UserRole)) == postal.fold(
        name
    )


# -- clicks -------------------------------------------------------------------------------


def fill_by_clicks(qtbot, window: MainWindow, field_id: str, value: Any) -> None:
    kind = window.flow.session.field_type(field_id).widget
    left = Qt.MouseButton.LeftButton
    if kind in ("line", "multiline"):
        edit = find(window, f"field:{field_id}")
        assert isinstance(edit, QLineEdit | QPlainTextEdit)
        qtbot.mouseClick(edit.viewport() if isinstance(edit, QPlainTextEdit) else edit, left)
        type_text(qtbot, edit, str(value))
    elif kind == "date":
        for part, text in zip(("day", "month", "year"), str(value).split("/"), strict=True):
            box = find(window, f"field:{field_id}:{part}")
            qtbot.mouseClick(box, left)
            type_text(qtbot, box, text)
    elif kind in ("choice", "yes_no", "multi_choice"):
        values = value if isinstance(value, list) else [value]
        for v in values:
            v = {True: "yes", False: "no"}.get(v, v) if isinstance(v, bool) else v
            click(qtbot, window, f"field:{field_id}={v}")
    elif kind == "consent":
        box = find(window, f"field:{field_id}")
        assert isinstance(box, QCheckBox)
        if bool(value) != box.isChecked():
            qtbot.mouseClick(box, left, pos=QPoint(12, box.height() // 2))
        assert box.isChecked() == bool(value)
    elif kind in ("address", "commune"):
        for part in ("street", "complement", "postal_code"):
            if value.get(part):
                edit = find(window, f"field:{field_id}:{part}")
                qtbot.mouseClick(edit, left)
                type_text(qtbot, edit, value[part])
        communes = find(window, f"field:{field_id}:commune")
        assert isinstance(communes, QListWidget)
        if not chosen_commune(communes, value["commune"]):
            items = [
                communes.item(i)
                for i in range(communes.count())
                if postal.fold(communes.item(i).data(Qt.ItemDataRole.UserRole))
                == postal.fold(value["commune"])
            ]
            communes.scrollToItem(items[0])  # as the person scrolls the list
            qtbot.mouseClick(
                communes.viewport(), left, pos=communes.visualItemRect(items[0]).center()
            )
        assert chosen_commune(communes, value["commune"])
    elif kind == "attachment":
        box = find(window, f"field-box:{field_id}")
        assert isinstance(box, AttachmentWidget)
        wanted = CHOSEN[field_id].name  # what the example attaches
        offered = [b for b in box.file_buttons if b.path.name == wanted]
        # A file among the newest scans is a button; an older one is found with the dialog.
        target = offered[0] if offered else find(window, f"field:{field_id}")
        USED.append("scan" if offered else "dialog")
        assert isinstance(target, QPushButton) and target.isVisible()
        qtbot.mouseClick(target, left)
    else:  # pragma: no cover
        raise AssertionError(f"no clicking way for {kind}")


# -- one walk -------------------------------------------------------------------------------


def fields_to_fill(window: MainWindow, answers: dict[str, Any], done: set[str]) -> Iterator[str]:
    """The visible fields of the step with an answer, again after each (one
    answer may show another field of the same step)."""
    while True:
        pending = [
            f.id
            for f in window.flow.session.visible_fields()
            if f.id in answers and f.id not in done
        ]
        if not pending:
            return
        done.add(pending[0])
        yield pending[0]


def walk(
    qtbot, window: MainWindow, name: str, *, keyboard: bool, until: str | None = None
) -> str | None:
    """Complete one example; return the reference shown (None when it stops)."""
    procedure_id = name.split("--")[0]
    answers, files = read_example(name)
    answers.update({k: str(v) for k, v in files.items()})
    kb = Keyboard(qtbot, window)
    assert window.flow.view == View.HOME
    category = window.flow.procedures[procedure_id].category
    if keyboard:
        for target in ("home:start", f"category:{category}", f"procedure:{procedure_id}"):
            kb.tab_to_name(target)
            kb.key(Qt.Key.Key_Space)
        assert window.flow.view == View.PREPARE
        kb.enter_to_continue()
    else:
        for target in ("home:start", f"category:{category}", f"procedure:{procedure_id}"):
            click(qtbot, window, target)
        click(qtbot, window, "nav:next")
    done: set[str] = set()
    for _ in range(len(window.flow.procedures[procedure_id].steps) + 2):
        session = window.flow.session
        step = session.current_step
        if until is not None and until in (step.id, step.kind):
            return None
        if window.flow.view == View.CONFIRMATION:
            break
        if step.stop:
            # The procedure ends here: no "step i of n", and the one way on
            # is back to the home screen (Enter, or a click).
            leave = find(window, "nav:next")
            assert leave.isVisible() and leave.accessibleName() == "Revenir à l'accueil"
            assert not find(window, "progress:label").isVisible()
            if keyboard:
                kb.enter_to_continue()
            else:
                click(qtbot, window, "nav:next")
            assert window.flow.view == View.HOME and window.flow.session is None
            return None
        for field_id in fields_to_fill(window, answers, done):
            if keyboard:
                fill_by_keyboard(kb, window, field_id, answers[field_id])
            else:
                fill_by_clicks(qtbot, window, field_id, answers[field_id])
        before = (step.id, window.flow.view)
        if keyboard:
            kb.enter_to_continue()
        else:
            click(qtbot, window, "nav:next")
        moved = (window.flow.session.current_step.id, window.flow.view) != before
        assert moved, f"{name}: stuck on {step.id}: {window.flow.session.errors}"
    assert window.flow.view == View.CONFIRMATION, name
    reference = find(window, "confirmation:reference")
    assert isinstance(reference, QLabel) and reference.isVisible()
    return reference.text()


def queued_references(data_dir: Path) -> dict[str, str]:
    outbox = Outbox.open(data_dir)
    try:
        return {item.local_reference: item.procedure_id for item in outbox.items()}
    finally:
        outbox.close()


@pytest.fixture
def scanner(isolated_environment: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A scanner folder, and the file dialog replaced: it answers with the
    example's file for the field that opened it."""
    folder = isolated_environment.parent / "scans"
    folder.mkdir()
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", str(folder))

    def ask_for_file(widget: AttachmentWidget) -> str:
        return str(CHOSEN[widget.spec.id])

    monkeypatch.setattr(AttachmentWidget, "ask_for_file", ask_for_file)
    return folder


CHOSEN: dict[str, Path] = {}
USED: list[str] = []  # how the click walks attached each file


def prepare_files(name: str, folder: Path | None = None) -> None:
    """The example's files for the dialog; in the scanner folder too, when given
    (newest first in the order of the procedure, as if just scanned)."""
    _, files = read_example(name)
    CHOSEN.clear()
    CHOSEN.update(files)
    if folder is not None:
        for old in folder.iterdir():
            old.unlink()
        # Just scanned, newest first in the order of the procedure: after the
        # last person left (a boundary set a moment ago), never before it.
        now = time.time() + len(files) * 0.01
        for i, path in enumerate(files.values()):
            copy = folder / path.name
            shutil.copy(path, copy)
            os.utime(copy, (now - i * 0.01, now - i * 0.01))
            CHOSEN[next(k for k, v in files.items() if v == path)] = copy


# -- the tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("procedure_id", PROCEDURES)
def test_every_example_by_keyboard_only(qtbot, isolated_environment, scanner, procedure_id):
    window = make_window(qtbot, isolated_environment)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    references = []
    for name in examples_of(procedure_id):
        prepare_files(name, scanner)  # only the person's scans can be attached
        reference = walk(qtbot, window, name, keyboard=True)
        if name in STOPS:
            assert reference is None
            window.go_home()
            continue
        assert reference
        references.append(reference)
        Keyboard(qtbot, window).enter_to_continue()  # "Terminer": home again
        assert window.flow.view == View.HOME
    queued = queued_references(isolated_environment)
    assert {r: queued.get(r) for r in references} == {r: procedure_id for r in references}


@pytest.mark.parametrize("procedure_id", PROCEDURES)
def test_every_example_by_clicks(qtbot, isolated_environment, scanner, procedure_id):
    window = make_window(qtbot, isolated_environment)
    references = []
    USED.clear()
    for name in examples_of(procedure_id):
        prepare_files(name, scanner)
        reference = walk(qtbot, window, name, keyboard=False)
        if name in STOPS:
            assert reference is None
            window.go_home()
            continue
        assert reference
        references.append(reference)
        click(qtbot, window, "nav:next")  # "Terminer"
        assert window.flow.view == View.HOME
    if any(read_example(n)[1] for n in examples_of(procedure_id)):
        assert "scan" in USED  # the newest scans were offered as buttons
    queued = queued_references(isolated_environment)
    assert {r: queued.get(r) for r in references} == {r: procedure_id for r in references}


def test_review_edit_and_back_keep_answers(qtbot, isolated_environment, scanner):
    window = make_window(qtbot, isolated_environment)
    prepare_files("etre-rappele", scanner)
    walk(qtbot, window, "etre-rappele", keyboard=False, until="review")
    assert window.flow.view == View.REVIEW
    assert find(window, "review:value:nom").text() == "Camille Exemple"

    # "Modifier": the question shows the answer; a change comes back to the review.
    click(qtbot, window, "review:edit:nom")
    assert window.flow.view == View.STEP
    edit = find(window, "field:nom")
    assert edit.text() == "Camille Exemple"
    edit.clear()
    type_text(qtbot, edit, "Dominique Exemple")
    click(qtbot, window, "nav:next")
    assert window.flow.view == View.REVIEW
    assert find(window, "review:value:nom").text() == "Dominique Exemple"

    # A choice changed the same way.
    click(qtbot, window, "review:edit:moment")
    assert find(window, "field:moment=matin").isChecked()
    click(qtbot, window, "field:moment=fin_de_journee")
    click(qtbot, window, "nav:next")
    assert window.flow.view == View.REVIEW
    moment = find(window, "review:value:moment").text()
    assert moment == find_choice_label(window, "moment", "fin_de_journee")

    # "Retour" from an edit: back at the review, the change dropped.
    click(qtbot, window, "review:edit:nom")
    edit = find(window, "field:nom")
    edit.clear()
    type_text(qtbot, edit, "Quelqu'un d'autre")
    click(qtbot, window, "nav:back")
    assert window.flow.view == View.REVIEW
    assert find(window, "review:value:nom").text() == "Dominique Exemple"

    # "Retour" from the review: the last question, its answer kept; then the review again.
    click(qtbot, window, "nav:back")
    assert window.flow.view == View.STEP
    last = window.flow.session.visible_fields()[0].id
    assert window.flow.session.raw(last)
    click(qtbot, window, "nav:next")
    assert window.flow.view == View.REVIEW
    assert find(window, "review:value:nom").text() == "Dominique Exemple"


def find_choice_label(window: MainWindow, field_id: str, value: str) -> str:
    spec = window.flow.session.procedure.fields[field_id]
    return next(window.flow.session.t(c.label) for c in spec.choices if c.value == value)


def test_an_error_is_shown_at_its_field_and_focused(qtbot, isolated_environment, scanner):
    window = make_window(qtbot, isolated_environment)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    prepare_files("permis-renouvellement")
    walk(qtbot, window, "permis-renouvellement", keyboard=False, until="date_naissance")
    kb = Keyboard(qtbot, window)

    # A day that does not exist: the summary, the message, the focus in the day box.
    day = find(window, "field:date_naissance:day")
    qtbot.waitUntil(day.hasFocus)
    kb.type("31")
    kb.type("02")
    kb.type("1950")
    kb.key(Qt.Key.Key_Return)
    assert window.flow.session.current_step.id == "date_naissance"
    summary = find(window, "step:error-summary")
    message = find(window, "error:date_naissance")
    assert summary.isVisible() and message.isVisible()
    assert "jour" in message.text()
    summary_text = " ".join(lab.text() for lab in summary.findChildren(QLabel))
    assert message.text().removeprefix("⚠").strip() in summary_text
    qtbot.waitUntil(day.hasFocus)
    assert day.property("invalid") == "true"
    assert find(window, "field:date_naissance:month").property("invalid") == "false"

    # A month out of range: the focus goes to the month box.
    kb.type("28")  # the day box was selected: typing replaces it, then moves on
    kb.type("13")
    kb.key(Qt.Key.Key_Return)
    month = find(window, "field:date_naissance:month")
    qtbot.waitUntil(month.hasFocus)
    assert "mois" in find(window, "error:date_naissance").text()

    month.selectAll()
    kb.type("02")
    kb.key(Qt.Key.Key_Return)
    assert window.flow.session.current_step.id == "lieu_naissance"
    kb.type("Sedan")
    kb.key(Qt.Key.Key_Return)

    # An address: a postal code that does not exist, then no commune chosen.
    assert window.flow.session.current_step.id == "adresse"
    kb.type("1 rue de l'Exemple")
    kb.tab_to_name("field:adresse:postal_code")
    kb.type("99999")
    kb.key(Qt.Key.Key_Return)
    postal_code = find(window, "field:adresse:postal_code")
    qtbot.waitUntil(postal_code.hasFocus)
    assert "code postal" in find(window, "error:adresse").text()
    postal_code.selectAll()
    kb.type("08090")
    kb.key(Qt.Key.Key_Return)
    communes = find(window, "field:adresse:commune")
    qtbot.waitUntil(communes.hasFocus)
    assert "commune" in find(window, "error:adresse").text()
    assert communes.property("invalid") == "true"
    kb.key(Qt.Key.Key_Down)  # the first commune of the list is chosen
    kb.key(Qt.Key.Key_Return)
    assert window.flow.session.current_step.id == "telephone"
