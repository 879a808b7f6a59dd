"""« J'ai besoin d'aide »: the mediator's call in an assisted session; whom to
call and the call-back request on a self-service kiosk."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit, QPushButton

from tests.uihelpers import click, find, make_window, open_procedure
from ui import help


def answer_with(qtbot, button_name, seen=None):
    """An ``exec_dialog`` stand-in: show the dialog, click one of its buttons."""

    def run(dialog):
        if seen is not None:
            seen.append(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        button = dialog.findChild(QPushButton, button_name)
        assert button is not None and button.isVisible(), button_name
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        return dialog.result()

    return run


def test_assisted_help_calls_the_mediator_until_the_screen_changes(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    window.flow.mediator_id = "mediator-1"
    window.exec_dialog = lambda dialog: pytest.fail(f"no dialog expected: {dialog}")
    open_procedure(qtbot, window, "permis-perte-vol")
    with qtbot.waitSignal(window.help_requested) as called:
        click(qtbot, window, "nav:help")
    assert called.args == ["permis-perte-vol"]
    assert notice_text(window) == "Un médiateur a été appelé. Il arrive."
    # It stays on this screen, in the other language too…
    click(qtbot, window, "nav:language")
    assert notice_text(window) == "A helper has been called. They are coming."
    click(qtbot, window, "nav:language")
    # …until the person closes it…
    click(qtbot, window, "help:dismiss")
    assert notice_text(window) is None
    click(qtbot, window, "nav:language")
    assert notice_text(window) is None
    # …or goes to another screen.
    click(qtbot, window, "nav:help")
    assert notice_text(window) is not None
    click(qtbot, window, "nav:next")
    assert notice_text(window) is None
    click(qtbot, window, "nav:back")
    assert notice_text(window) is None


def notice_text(window):
    """The text of the visible mediator notice, or None."""
    shown = [
        lab.text() for lab in window.findChildren(QLabel, "help:notice-text") if lab.isVisible()
    ]
    assert len(shown) <= 1
    return shown[0] if shown else None


def test_self_service_help_explains_closes_and_calls_back(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    seen = []
    window.exec_dialog = answer_with(qtbot, "help:close", seen)
    emitted = []
    window.help_requested.connect(emitted.append)
    click(qtbot, window, "nav:help")
    (dialog,) = seen
    assert dialog.findChild(QLabel, "help:dialog:heading").text() == "Besoin d'aide ?"
    shown = " ".join(lab.text() for lab in dialog.findChildren(QLabel))
    assert "34\u00a000" in shown and "Agence nationale des titres sécurisés" in shown
    assert window.flow.view == "home" and emitted == []
    assert notice_text(window) is None

    # In a procedure with no answer typed yet, « Être rappelé » asks nothing more.
    open_procedure(qtbot, window, "permis-perte-vol", training=True)
    window.exec_dialog = answer_with(qtbot, "help:callback", seen)
    click(qtbot, window, "nav:help")
    assert len(seen) == 2  # no « Vos réponses seront effacées » question
    assert window.flow.view == "prepare" and window.flow.procedure.id == help.CALLBACK_PROCEDURE
    assert not window.flow.training  # a real request, not a practice one


def test_call_back_from_the_middle_of_a_procedure(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")
    qtbot.keyClicks(window.findChild(QLineEdit, "field:nom"), "Camille Exemple")

    # « Être rappelé », then « Non »: nothing is lost.
    answers = iter(["help:callback", "confirm:no"])
    window.exec_dialog = lambda d: answer_with(qtbot, next(answers))(d)
    click(qtbot, window, "nav:help")
    assert window.flow.session is not None and window.flow.session.raw("nom") == "Camille Exemple"

    # « Être rappelé », then « Oui »: answers gone, the call-back's first screen.
    answers = iter(["help:callback", "confirm:yes"])
    wiped = []
    window.session_wiped.connect(lambda: wiped.append(True))
    click(qtbot, window, "nav:help")
    assert wiped
    assert window.flow.session is None and window.flow.view == "prepare"
    assert window.flow.procedure.id == help.CALLBACK_PROCEDURE
    assert not window.flow.training
    assert find(window, "nav:next").text() == "Commencer"
    # « Retour » leads home, not back to the abandoned procedure.
    click(qtbot, window, "nav:back")
    assert window.flow.view == "home"
