"""The guided flow, driven through the real widgets offscreen."""

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from kiosk.flow import Sending
from tests.uihelpers import click, find, make_window, open_procedure


def test_home_to_first_question(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    assert find(window, "home:start").isVisible()
    open_procedure(qtbot, window, "etre-rappele")
    assert window.flow.session is not None
    assert "Étape 1 sur" in find(window, "progress:label").text()


def test_error_is_shown_and_focused_then_fixed(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    for _ in range(5):
        fields = [f.id for f in window.flow.session.visible_fields()]
        if fields == ["telephone"]:
            break
        if fields:
            qtbot.keyClicks(window.findChild(QLineEdit, f"field:{fields[0]}"), "Camille Exemple")
        click(qtbot, window, "nav:next")
    edit = find(window, "field:telephone")
    qtbot.keyClicks(edit, "12")
    click(qtbot, window, "nav:next")
    summary = find(window, "step:error-summary")
    assert summary.isVisible()
    message = window.findChild(QLabel, "error:telephone")
    assert message.isVisible() and "10 chiffres" in message.text()
    qtbot.waitUntil(lambda: edit.hasFocus())
    edit.clear()
    qtbot.keyClicks(edit, "06 12 34 56 78")
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert [f.id for f in window.flow.session.visible_fields()] != ["telephone"]


def test_text_size_and_language_switch_keep_answers(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")  # past the introduction
    edit = find(window, f"field:{window.flow.session.visible_fields()[0].id}")
    qtbot.keyClicks(edit, "Camille Exemple")
    click(qtbot, window, "nav:text-size")
    click(qtbot, window, "nav:language")
    assert window.flow.locale == "en"
    edit = find(window, f"field:{window.flow.session.visible_fields()[0].id}")
    assert edit.text() == "Camille Exemple"


def test_no_screen_gives_a_sentence_not_a_qt_abort():
    from ui.cli import no_screen_problem

    assert "no screen" in no_screen_problem({}, "linux")
    assert no_screen_problem({"DISPLAY": ":0"}, "linux") is None
    assert no_screen_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_screen_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_screen_problem({}, "win32") is None


@pytest.mark.parametrize("locale", ["fr", "en"])
def test_home_tiles_and_their_texts_are_in_view_at_200_percent(qtbot, isolated_environment, locale):
    from ui import theme

    window = make_window(qtbot, isolated_environment)
    window.set_locale(locale)
    window.flow.text_size = theme.SCALES.index(2.0)
    window.apply_style()
    window.refresh()
    window.go_home()
    viewport = window.home.scroller.viewport()
    qtbot.waitUntil(lambda: find(window, "home:training").isVisible())
    assert not window.bottom.isVisible()  # nothing in it at home: its room is the tiles'
    for name in ("home:start", "home:training"):
        for text in find(window, name).findChildren(QLabel):
            rect = text.rect()
            assert viewport.rect().contains(text.mapTo(viewport, rect.topLeft())), name
            assert viewport.rect().contains(text.mapTo(viewport, rect.bottomRight())), name


def test_back_on_an_answered_choice_focuses_the_answer_given(qtbot, isolated_environment):
    """At 200 % the first choice may be all that shows: coming back to a
    question, the focus (and the view) is on the answer already given."""
    from PySide6.QtWidgets import QApplication

    from tests.uihelpers import CALLBACK_ANSWERS
    from ui import theme
    from ui.audit import fill

    window = make_window(qtbot, isolated_environment)
    window.flow.text_size = theme.SCALES.index(2.0)
    window.apply_style()
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")
    while window.flow.session.current_step.id != "etape_moment":
        fill(window, CALLBACK_ANSWERS)
        click(qtbot, window, "nav:next")
    click(qtbot, window, "field:moment=apres_midi")
    click(qtbot, window, "nav:next")
    click(qtbot, window, "nav:back")
    assert window.flow.session.current_step.id == "etape_moment"
    chosen = find(window, "field:moment=apres_midi")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is chosen)
    viewport = window.step.scroller.viewport()
    assert viewport.rect().intersects(QRect(chosen.mapTo(viewport, QPoint(0, 0)), chosen.size()))


def test_tab_follows_the_reading_order(qtbot, isolated_environment):
    """Top bar, then the question's controls, then « Retour » and « Continuer »;
    from the last answer Tab goes down to the bottom bar, not back up."""
    from PySide6.QtWidgets import QApplication

    from tests.uihelpers import CALLBACK_ANSWERS
    from ui.audit import fill

    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")
    while window.flow.session.current_step.id != "etape_message":
        fill(window, CALLBACK_ANSWERS)
        click(qtbot, window, "nav:next")
    message = find(window, "field:message")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is message)

    def tab(backward: bool = False) -> str:
        key = Qt.Key.Key_Backtab if backward else Qt.Key.Key_Tab
        qtbot.keyClick(QApplication.focusWidget(), key)
        return QApplication.focusWidget().objectName()

    assert [tab(), tab()] == ["nav:back", "nav:next"]
    assert tab() == "nav:help"  # round again, from the top
    for _ in range(10):
        if QApplication.focusWidget() is message:
            break
        tab()
    assert QApplication.focusWidget() is message  # the top bar, then the page
    assert tab(backward=True) == "nav:stop"  # the top bar's last button


def test_a_declaration_is_read_before_it_is_ticked(qtbot, isolated_environment):
    """At 200 % the agreement box sat at the bottom with the focus, and the
    text agreed to was scrolled away. The page opens at its top; Enter on
    « Envoyer » without ticking says so and takes the focus to the box."""
    from PySide6.QtWidgets import QApplication, QCheckBox

    from kiosk.flow import View
    from tests.uihelpers import CALLBACK_ANSWERS
    from ui import theme
    from ui.audit import fill

    window = make_window(qtbot, isolated_environment)
    window.flow.text_size = theme.SCALES.index(2.0)
    window.apply_style()
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")
    answers = {k: v for k, v in CALLBACK_ANSWERS.items() if k != "accord"}
    while window.flow.session.current_step.kind != "declaration":
        fill(window, answers)
        click(qtbot, window, "nav:next")
    page = window.step
    assert page.scroller.verticalScrollBar().value() == 0
    text = find(window, "step:text")
    assert (
        page.scroller.viewport().rect().contains(text.mapTo(page.scroller.viewport(), QPoint(0, 0)))
    )
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.next_button)

    qtbot.keyClick(window.next_button, Qt.Key.Key_Return)
    box = window.findChild(QCheckBox)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is box)
    assert find(window, "error:accord").isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Space)
    assert box.isChecked()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert window.flow.view == View.CONFIRMATION


def test_the_sending_line_shows_at_home_and_at_the_end_only(qtbot, isolated_environment):
    """It is for the mediator and for the end of a request; on the screens a
    person reads, at 200 % it took their room."""
    window = make_window(qtbot, isolated_environment)
    window.show_sending(Sending(connected=True, waiting=0))
    status = find(window, "status:line")
    assert status.isVisible() and "oui" in status.text()
    open_procedure(qtbot, window, "etre-rappele")  # what to prepare
    assert not status.isVisible()
    for _ in range(4):
        if window.flow.view.name == "HOME":
            break
        click(qtbot, window, "nav:back")
    assert window.flow.view.name == "HOME" and status.isVisible()
