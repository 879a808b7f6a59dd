"""The guided flow, driven through the real widgets offscreen."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit

from tests.uihelpers import click, find, make_window, open_procedure


def test_home_to_first_question(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    assert find(window, "home:start").isVisible()
    open_procedure(qtbot, window, "etre-rappele")
    assert window.session is not None
    assert "Étape 1 sur" in find(window, "progress:label").text()


def test_error_is_shown_and_focused_then_fixed(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    for _ in range(5):
        fields = [f.id for f in window.session.visible_fields()]
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
    assert [f.id for f in window.session.visible_fields()] != ["telephone"]


def test_text_size_and_language_switch_keep_answers(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")  # past the introduction
    edit = find(window, f"field:{window.session.visible_fields()[0].id}")
    qtbot.keyClicks(edit, "Camille Exemple")
    click(qtbot, window, "nav:text-size")
    click(qtbot, window, "nav:language")
    assert window.locale == "en"
    edit = find(window, f"field:{window.session.visible_fields()[0].id}")
    assert edit.text() == "Camille Exemple"


def test_no_screen_gives_a_sentence_not_a_qt_abort():
    from ui.cli import no_screen_problem

    assert "no screen" in no_screen_problem({}, "linux")
    assert no_screen_problem({"DISPLAY": ":0"}, "linux") is None
    assert no_screen_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert no_screen_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert no_screen_problem({}, "win32") is None
