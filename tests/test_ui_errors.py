"""An unexpected error in a slot: logged, the session wiped, home with a calm word."""

from __future__ import annotations

import gc
import logging
import sys
import threading
import weakref

from PySide6.QtWidgets import QLineEdit, QWidget

from kiosk.flow import View
from tests.test_ui_idle import person_traces, press
from tests.uihelpers import click, find, make_window, open_procedure
from ui import errors


def test_an_exception_in_a_slot_returns_home_with_the_session_wiped(
    qtbot, isolated_environment, monkeypatch, caplog
):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")  # past the introduction
    qtbot.keyClicks(window.findChild(QLineEdit, "field:nom"), "Camille Exemple")
    session = weakref.ref(window.flow.session)

    def broken(*_args):
        raise RuntimeError("a bug in a screen")

    monkeypatch.setattr(window.step, "draw", broken)
    with qtbot.capture_exceptions() as exceptions:
        errors.install_hook()  # in front of pytest-qt's capturing hook
        with qtbot.waitSignal(window.session_wiped, timeout=3000):
            click(qtbot, window, "nav:next")
    assert [str(e[1]) for e in exceptions] == ["a bug in a screen"]

    assert window.flow.view == View.HOME and window.stack.currentWidget() is window.home
    assert window.flow.session is None
    notice = find(window, "error:notice")
    assert notice.isVisible() and notice.geometry() == window.rect()
    assert find(window, "error:heading").text() == "Un problème est survenu."
    assert "vos réponses ont été effacées" in find(window, "error:message").text()
    assert find(window, "error:ok").hasFocus()
    assert person_traces(window.findChildren(QWidget)) == []
    logged = [r for r in caplog.records if r.name == "ui.errors" and r.exc_info]
    assert logged and "a bug in a screen" in caplog.text and "Traceback" in caplog.text
    gc.collect()
    assert session() is None

    # The app goes on: « D'accord », and the next person starts afresh.
    press(qtbot, window, "error:ok")
    assert not notice.isVisible()
    press(qtbot, window, "home:start")
    assert window.flow.view == View.CATEGORIES


def test_an_error_in_a_background_thread_leaves_the_person_alone(
    qtbot, isolated_environment, caplog
):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    seen = []
    previous = sys.excepthook
    sys.excepthook = lambda *exc: seen.append(exc[1])
    try:
        errors.install_hook()
        error = RuntimeError("the network is down")
        worker = threading.Thread(target=lambda: sys.excepthook(RuntimeError, error, None))
        worker.start()
        worker.join()
    finally:
        sys.excepthook = previous
    assert seen == [error]  # chained to the hook it replaced
    assert window.flow.session is not None and window.flow.view == View.STEP
    assert any(
        r.levelno == logging.ERROR and "background thread" in r.getMessage() for r in caplog.records
    )
