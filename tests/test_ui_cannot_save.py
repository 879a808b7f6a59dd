"""A kiosk that cannot keep a request says so at once, offers training only,
and never leaves a person on a screen with no way out."""

from __future__ import annotations

import keyring
import keyring.backends.fail
from PySide6.QtWidgets import QWidget

from kiosk.flow import View
from tests.uihelpers import CALLBACK_ANSWERS, click, find, make_window, open_procedure


def fill(window, answers) -> None:
    for f in window.flow.session.visible_fields():
        if f.id in answers:
            window.on_answered(f.id, answers[f.id])


def to_confirmation(qtbot, window) -> None:
    open_procedure(qtbot, window, "etre-rappele")
    for _ in range(20):
        if window.flow.view == View.CONFIRMATION:
            return
        if window.flow.view == View.STEP:
            fill(window, CALLBACK_ANSWERS)
            window.refresh()
        click(qtbot, window, "nav:next")
    raise AssertionError("never reached the confirmation")


def test_no_key_store_home_says_so_and_offers_training_only(qtbot, isolated_environment):
    keyring.set_keyring(keyring.backends.fail.Keyring())
    window = make_window(qtbot, isolated_environment)
    assert window.services.sink.problem is not None
    notice = find(window, "home:cannot-save")
    assert notice.isVisible()
    assert window.findChild(QWidget, "home:start") is None  # no real request offered
    status = find(window, "status:line").text()
    assert "ne peut pas enregistrer" in status and "restent ici" not in status
    # The help offers whom to call, not a call-back request that cannot be kept.
    seen = []

    def answer(dialog):
        seen.append(sorted(dialog.buttons))
        return 0

    window.exec_dialog = answer
    click(qtbot, window, "nav:help")
    assert seen == [["close"]]
    # Training still works.
    click(qtbot, window, "home:training")
    assert window.flow.view == View.CATEGORIES and window.flow.training


def test_a_save_that_keeps_failing_can_be_left(qtbot, isolated_environment, monkeypatch):
    window = make_window(qtbot, isolated_environment)
    from kiosk.flow import StoreFailed

    def full_disk(_submission):
        raise StoreFailed("database or disk is full")

    monkeypatch.setattr(window.services.sink, "store", full_disk)
    to_confirmation(qtbot, window)
    assert not window.flow.saved
    assert find(window, "nav:next").text() == "Réessayer"
    click(qtbot, window, "nav:next")  # fails again, kindly
    assert window.flow.view == View.CONFIRMATION and not window.flow.saved
    leave = find(window, "nav:abandon")
    assert leave.isVisible()
    window.exec_dialog = lambda dialog: dialog.buttons["no"].click() or 0
    click(qtbot, window, "nav:abandon")
    assert window.flow.view == View.CONFIRMATION  # « Non, rester ici »
    window.exec_dialog = lambda dialog: dialog.buttons["yes"].click() or 0
    with qtbot.waitSignal(window.session_wiped):
        click(qtbot, window, "nav:abandon")
    assert window.flow.view == View.HOME and window.flow.session is None


def test_a_set_aside_queue_file_is_said_on_the_status_line(qtbot, isolated_environment):
    from kiosk.flow import Sending

    window = make_window(qtbot, isolated_environment)
    window.show_sending(Sending(connected=True, waiting=0, set_aside=1))
    assert "abîmé" in find(window, "status:line").text()
    window.services.sync._on_set_aside(1)  # what a round reports
    assert window.services.sync.sending().set_aside == 1
