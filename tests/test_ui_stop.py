"""« Arrêter » on every step: a plain question when answers would be lost."""

from __future__ import annotations

from kiosk.flow import View
from tests.uihelpers import CALLBACK_ANSWERS, click, find, make_window, open_procedure


def answer_with(window, name: str):
    def answer(dialog) -> int:
        dialog.buttons[name].click()
        return 0

    return answer


def test_stop_is_on_every_step_and_asks_before_losing_answers(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    assert window.flow.view == View.STEP
    stop = find(window, "nav:stop")
    assert stop.isVisible() and stop.text() == "Arrêter"
    # Nothing typed yet: nothing to lose, no question.
    asked = []
    window.exec_dialog = lambda dialog: asked.append(dialog) or 0
    click(qtbot, window, "nav:stop")
    assert asked == [] and window.flow.view == View.HOME

    open_procedure(qtbot, window, "etre-rappele")
    while not window.flow.session.visible_fields():
        click(qtbot, window, "nav:next")
    for f in window.flow.session.visible_fields():
        window.on_answered(f.id, CALLBACK_ANSWERS[f.id])
    seen = []

    def cancel(dialog) -> int:
        seen.append(dialog.objectName())
        assert {b.objectName() for b in dialog.buttons.values()} == {"stop:confirm", "stop:cancel"}
        dialog.buttons["stay"].click()
        return 0

    window.exec_dialog = cancel
    click(qtbot, window, "nav:stop")
    assert seen == ["stop:dialog"] and window.flow.view == View.STEP
    assert window.flow.session.raw("nom") == "Camille Exemple"  # « Non »: all kept
    window.exec_dialog = answer_with(window, "stop")
    with qtbot.waitSignal(window.session_wiped):
        click(qtbot, window, "nav:stop")
    assert window.flow.view == View.HOME and window.flow.session is None


def test_stop_is_offered_on_steps_and_the_review_only(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    assert not find(window, "nav:stop").isVisible()  # home
    click(qtbot, window, "home:start")
    assert not find(window, "nav:stop").isVisible()  # categories: « Retour » is enough
