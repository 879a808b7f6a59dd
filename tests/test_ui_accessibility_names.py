"""Every control's accessible name is its visible label (ui.accessibility)."""

import json

from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from tests.conftest import EXAMPLES
from tests.uihelpers import click, find, make_window, open_procedure
from ui.accessibility import accessible_name, name_matches, problems, visible_label


def _settle():
    for _ in range(3):
        QApplication.processEvents()


def _walk(window, procedure_id):
    """Go through the procedure with its example answers; yield at each screen."""
    answers = json.loads((EXAMPLES / f"{procedure_id}.json").read_text("utf-8"))["answers"]
    seen = []
    for _ in range(40):
        _settle()
        step = window.flow.session.current_step if window.flow.session else None
        seen.append(f"{window.flow.view}:{step.id if step else ''}")
        yield seen[-1]
        if window.flow.view == "confirmation":
            return
        for f in window.flow.session.visible_fields():
            if f.id in answers:
                window.flow.session.answer(f.id, answers[f.id])
        window.refresh()  # the widgets show the answers, as if typed
        window.go_next()
    raise AssertionError(f"never reached the confirmation: {seen}")


def test_names_equal_labels_through_a_whole_procedure(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    assert problems(window) == []
    open_procedure(qtbot, window, "etre-rappele", training=True)
    screens = []
    for screen in _walk(window, "etre-rappele"):
        screens.append(screen)
        assert problems(window) == [], screen
        if screen == "step:etape_moment":  # a choice: big buttons named as they read
            button = window.findChild(QPushButton, "field:moment=matin")
            assert accessible_name(button) == button.text()
    assert screens == [
        "step:bienvenue",
        "step:etape_nom",
        "step:etape_telephone",
        "step:etape_moment",
        "step:etape_sujet",
        "step:etape_message",
        "review:verifier",
        "step:declaration",
        "confirmation:fin",
    ]


def test_names_on_a_date_screen_with_an_error_and_in_help(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    click(qtbot, window, "nav:language")
    qtbot.waitUntil(lambda: find(window, "home:start").isVisible())  # rebuilt in English
    open_procedure(qtbot, window, "permis-premier")
    for _ in range(6):
        if window.findChild(QLineEdit, "field:date_examen:day") is not None:
            break
        click(qtbot, window, "nav:next")
    day = window.findChild(QLineEdit, "field:date_examen:day")
    assert day is not None and visible_label(day, window) == "Day"
    click(qtbot, window, "nav:next")  # empty: the error is shown and focused
    _settle()
    assert window.findChild(QLabel, "error:date_examen").isVisible()
    assert problems(window) == []

    # The help dialog, then the mediator's notice.
    found = []

    def check(dialog):
        dialog.show()
        qtbot.waitExposed(dialog)
        found.extend(problems(dialog))
        return 0

    window.exec_dialog = check
    click(qtbot, window, "nav:help")
    window.flow.mediator_id = "mediator-1"
    click(qtbot, window, "nav:help")
    assert window.findChild(QPushButton, "help:dismiss").isVisible()
    assert found == [] and problems(window) == []


def test_problems_reports_unnamed_and_misnamed_controls(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    window.help_button.setAccessibleName("Aide")
    unnamed = QLineEdit()
    unnamed.setObjectName("stray-input")
    window.home.body.addWidget(unnamed)
    icon_only = QPushButton()
    icon_only.setObjectName("stray-button")
    window.home.body.addWidget(icon_only)
    hidden = QPushButton()
    window.home.body.addWidget(hidden)
    hidden.hide()
    _settle()
    found = problems(window)
    assert found == [
        "QPushButton('nav:help'): accessible name 'Aide' is not its label \"J'ai besoin d'aide\"",
        "QLineEdit('stray-input'): no accessible name",
        "QPushButton('stray-button'): no accessible name",
    ]


def test_name_matching_rules():
    assert name_matches("Oui", "✓  Oui")  # a drawn sign is not a word
    assert name_matches("Modifier : Votre nom", "Modifier")  # label, then context
    assert name_matches("Imprimer le reçu", "&Imprimer le reçu")  # mnemonic
    assert not name_matches("Aide", "J'ai besoin d'aide")
    assert not name_matches("Modifiera", "Modifier")
