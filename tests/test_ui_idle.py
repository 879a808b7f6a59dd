"""A shared machine: the idle warning, "Je suis encore là", then a wipe that leaves nothing."""

from __future__ import annotations

import gc
import weakref

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QWidget,
)

from kiosk.answers_file import read_answers_file
from kiosk.config import set_setting
from kiosk.flow import View
from kiosk.resources import examples_dir
from kiosk.session import Session
from tests.uihelpers import CALLBACK_ANSWERS, click, find, make_window, open_procedure
from ui.mainwindow import MainWindow

PERSON = ("Camille", "Exemple", "06 12 34 56 78", "0612345678")


def widget_texts(widget: QWidget) -> list[str]:
    texts = [widget.accessibleName(), widget.accessibleDescription(), widget.toolTip()]
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        texts.append(widget.text())
    if isinstance(widget, QPlainTextEdit):
        texts.append(widget.toPlainText())
    if isinstance(widget, QListWidget):
        texts += [widget.item(i).text() for i in range(widget.count())]
    return texts


def person_traces(widgets: list[QWidget]) -> list[str]:
    return [
        f"{type(w).__name__}({w.objectName()!r}): {text!r}"
        for w in widgets
        for text in widget_texts(w)
        if any(mark in text for mark in PERSON)
    ]


def press(qtbot, window: MainWindow, name: str) -> None:
    """Click a button of the screen's content once it is shown (a new page shows its
    widgets from the event loop)."""
    qtbot.waitUntil(lambda: find(window, name).isVisible())
    click(qtbot, window, name)


def fill_to_review(qtbot, window: MainWindow, procedure_id: str) -> None:
    """Answer every question from the example file, with the keyboard and clicks."""
    answers = read_answers_file(examples_dir() / f"{procedure_id}.json").answers
    for _ in range(20):
        if window.flow.view == View.REVIEW:
            return
        for spec in window.flow.session.visible_fields():
            raw = answers.get(spec.id)
            widget = window.step.widgets[spec.id]
            edit = widget.findChild(QLineEdit, f"field:{spec.id}") or widget.findChild(
                QPlainTextEdit, f"field:{spec.id}"
            )
            if isinstance(raw, str) and edit is not None:
                text = raw.replace("\n", " ")
                if text.isascii():
                    qtbot.keyClicks(edit, text)
                else:  # QTest types ASCII only
                    edit.setFocus()
                    edit.insertPlainText(text) if isinstance(edit, QPlainTextEdit) else edit.insert(
                        text
                    )
            elif isinstance(raw, str):
                press(qtbot, window, f"field:{spec.id}={raw}")
        click(qtbot, window, "nav:next")
    raise AssertionError("never reached the review")


def test_idle_timeout_comes_from_the_settings(qtbot, isolated_environment):
    set_setting(isolated_environment, "idle_timeout_s", "45")
    window = make_window(qtbot, isolated_environment)
    assert window.idle.idle_timer.interval() == 45_000
    assert window.idle.end_timer.interval() == 30_000  # the countdown: 30 s by default


def test_no_warning_on_the_home_screen(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    window.idle.set_timeouts(0.02, 0.2)
    window.idle.touched()
    with qtbot.waitSignal(window.idle.idle_timer.timeout, timeout=2000):
        pass
    assert not window.idle.warning_visible


def test_warning_then_stay_then_wipe_leaves_nothing_of_the_person(qtbot, isolated_environment):
    # Sessions of earlier tests in this process are not this test's business.
    earlier = weakref.WeakSet(o for o in gc.get_objects() if isinstance(o, Session))
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    fill_to_review(qtbot, window, "etre-rappele")
    assert person_traces(window.findChildren(QWidget)), "the review shows the answers"
    session_ref = weakref.ref(window.flow.session)
    QGuiApplication.clipboard().setText("Camille Exemple")  # a copied answer

    # The warning: large countdown, plain sentence, one large button.
    window.idle.set_timeouts(0.05, 30)
    with qtbot.waitSignal(window.idle.warning_shown, timeout=3000):
        pass
    warning = find(window, "idle:warning")
    stay = find(window, "idle:stay")
    assert warning.isVisible() and warning.geometry() == window.rect()
    assert stay.text() == "Je suis encore là" and stay.accessibleName() == stay.text()
    assert stay.hasFocus() and stay.height() >= 64
    assert find(window, "idle:countdown").text() == "30"
    assert find(window, "idle:text").text() == "Dans 30 secondes, vos réponses seront effacées."
    assert warning.accessibleName() == "Vous êtes encore là ?"

    # "Je suis encore là" keeps everything.
    with qtbot.waitSignal(window.idle.stayed, timeout=1000):
        qtbot.mouseClick(stay, Qt.MouseButton.LeftButton)
    assert not warning.isVisible() and window.flow.view == View.REVIEW
    assert window.flow.session.raw("nom") == "Camille Exemple"

    # Any input closes it too: a key.
    with qtbot.waitSignal(window.idle.warning_shown, timeout=3000):
        pass
    with qtbot.waitSignal(window.idle.stayed, timeout=1000):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A)
    assert window.flow.view == View.REVIEW

    # Nobody answers: the countdown runs out, the session is wiped, home returns.
    window.idle.set_timeouts(0.05, 0.3)
    with qtbot.waitSignal(window.idle.expired, timeout=3000):
        pass
    assert window.flow.view == View.HOME and window.flow.session is None
    assert find(window, "home:start").isVisible() and not warning.isVisible()
    assert person_traces(window.findChildren(QWidget)) == []
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert person_traces(QApplication.allWidgets()) == []
    assert QGuiApplication.clipboard().text() == ""
    gc.collect()
    assert session_ref() is None, gc.get_referrers(session_ref())
    alive = [o for o in gc.get_objects() if isinstance(o, Session) and o._raw and o not in earlier]
    assert alive == []


def test_a_dialog_left_open_is_closed_before_the_wipe(qtbot, isolated_environment):
    """A help box (or a file chooser) open in its own event loop: closed, then the wipe."""
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    window.idle.set_timeouts(0.05, 0.2)
    in_front = []
    window.idle.warning_shown.connect(lambda: in_front.append(QApplication.activeModalWidget()))
    with qtbot.waitSignal(window.idle.expired, timeout=5000):
        click(qtbot, window, "nav:help")  # returns when the idle wipe closes its dialog
    assert in_front and in_front[0] is not None, "the help box was open during the countdown"
    assert QApplication.activeModalWidget() is None
    assert window.flow.view == View.HOME and window.flow.session is None


def test_the_next_person_finds_french_normal_size_and_contrast(qtbot, isolated_environment):
    """Whoever comes next must not meet the last person's English, 200 % or
    high contrast: « Terminer » and the idle wipe both reset them."""
    from ui import theme
    from ui.screenshots import walk

    window = make_window(qtbot, isolated_environment)

    def personalise() -> None:
        window.set_locale("en")
        window.flow.text_size = theme.SCALES.index(2.0)
        window.toggle_contrast()
        window.apply_style()
        window.refresh()
        qtbot.waitUntil(lambda: find(window, "home:start").isVisible())

    def assert_defaults() -> None:
        assert window.flow.view == View.HOME
        assert window.flow.locale == "fr" and window.flow.text_size == 0
        assert window.theme is theme.DEFAULT
        assert find(window, "nav:language").text() == "English"
        # Enter starts again: the focus is on the first tile, not on the help.
        qtbot.waitUntil(lambda: QGuiApplication.focusObject() is find(window, "home:start"))

    personalise()
    assert (
        walk(window, "etre-rappele", CALLBACK_ANSWERS, lambda *_: None, before_steps=False) is None
    )
    assert window.flow.view == View.CONFIRMATION and window.flow.locale == "en"
    qtbot.mouseClick(window.next_button, Qt.MouseButton.LeftButton)  # « Finish »
    assert_defaults()

    personalise()
    open_procedure(qtbot, window, "etre-rappele")
    window.idle.set_timeouts(0.05, 0.2)
    with qtbot.waitSignal(window.idle.expired, timeout=5000):
        pass
    assert_defaults()

    # Going back home by one's own « Retour » keeps one's choices.
    personalise()
    open_procedure(qtbot, window, "etre-rappele")
    while window.flow.view != View.HOME:
        qtbot.mouseClick(window.back_button, Qt.MouseButton.LeftButton)
    assert window.flow.locale == "en" and window.flow.text_size == theme.SCALES.index(2.0)
