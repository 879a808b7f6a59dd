"""Kiosk mode: full screen, frameless, no way out but the mediator's PIN."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QLabel

from kiosk import pin
from kiosk.pin import set_pin
from tests.uihelpers import find, make_window
from ui.pin import PinDialog

T0 = 1_800_000_000.0
PIN = "482913"


@pytest.fixture
def kiosk_window(qtbot, isolated_environment, monkeypatch):
    # The hash's cost is tested in test_pin.py; here, a cheap one keeps tries fast.
    monkeypatch.setattr(pin, "SCRYPT_N", 2**10)
    monkeypatch.setattr(pin, "SCRYPT_P", 1)
    window = make_window(qtbot, isolated_environment, kiosk_mode=True)
    clock = [T0]
    window.kiosk_guard.clock = lambda: clock[0]
    window.clock = clock
    yield window
    window.kiosk_guard.exit_allowed = True  # let pytest-qt close it


def open_pin_dialog(qtbot, window) -> PinDialog:
    qtbot.keyClick(
        window, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    )
    dialog = window.kiosk_guard.dialog
    assert isinstance(dialog, PinDialog)
    qtbot.waitExposed(dialog)
    return dialog


def type_pin(qtbot, dialog: PinDialog, digits: str) -> None:
    qtbot.keyClicks(dialog.input, digits)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)


def message(dialog: PinDialog) -> str:
    return dialog.findChild(QLabel, "pin:message").text()


def test_full_screen_frameless_and_closing_refused(qtbot, kiosk_window):
    window = kiosk_window
    flags = window.windowFlags()
    assert flags & Qt.WindowType.FramelessWindowHint
    assert flags & Qt.WindowType.WindowStaysOnTopHint
    assert window.isFullScreen()
    assert window.close() is False and window.isVisible()
    event = QCloseEvent()
    QApplication.sendEvent(window, event)
    assert not event.isAccepted() and window.isVisible()
    fired = []
    for keys in ("Ctrl+Q", "Ctrl+W"):
        QShortcut(QKeySequence(keys), window).activated.connect(lambda k=keys: fired.append(k))
    ctrl, alt = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.AltModifier
    for key, mods in (
        (Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier),
        (Qt.Key.Key_F4, alt),
        (Qt.Key.Key_Q, ctrl),
        (Qt.Key.Key_W, ctrl),
    ):
        qtbot.keyClick(window.focusWidget() or window, key, mods)
    assert fired == [] and window.isVisible() and window.isFullScreen()


def test_without_a_pin_the_dialog_says_how_to_set_one(qtbot, kiosk_window):
    dialog = open_pin_dialog(qtbot, kiosk_window)
    text = find(dialog, "pin:text").text()
    assert "kiosk mediator set-pin" in text and "Aucun code" in text
    assert not find(dialog, "pin:input").isVisible()
    cancel = find(dialog, "pin:cancel")
    assert cancel.text() == "Fermer"
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert kiosk_window.isVisible()


def test_wrong_pins_lock_for_five_minutes_then_the_right_one_closes(
    qtbot, kiosk_window, isolated_environment
):
    window = kiosk_window
    set_pin(isolated_environment, PIN)
    dialog = open_pin_dialog(qtbot, window)
    assert dialog.input.echoMode() == dialog.input.EchoMode.Password
    assert dialog.focusWidget() is dialog.input
    for left in (4, 3, 2):
        type_pin(qtbot, dialog, "1111")
        assert f"Il reste {left} essais" in message(dialog) and dialog.input.text() == ""
    type_pin(qtbot, dialog, "1111")
    assert "Il reste 1 essai." in message(dialog)
    type_pin(qtbot, dialog, "1111")
    assert "Réessayez dans 5 minutes" in message(dialog)
    # Locked: the right PIN is refused too, for five minutes, even in a new dialog.
    qtbot.mouseClick(find(dialog, "pin:cancel"), Qt.MouseButton.LeftButton)
    dialog = open_pin_dialog(qtbot, window)
    window.clock[0] = T0 + 240
    type_pin(qtbot, dialog, PIN)
    assert "Réessayez dans 1 minute" in message(dialog) and window.isVisible()
    # Five minutes later, the right PIN, typed on the keypad, closes the kiosk.
    window.clock[0] = T0 + 301
    for digit in PIN:
        qtbot.mouseClick(find(dialog, f"pin:digit:{digit}"), Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(dialog.unlocked, timeout=2000):
        qtbot.mouseClick(find(dialog, "pin:ok"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.isVisible())


def test_long_press_on_the_top_left_corner_opens_the_pin_dialog(qtbot, kiosk_window, monkeypatch):
    window = kiosk_window
    monkeypatch.setattr(window, "exec_dialog", lambda dialog: 0)  # the help's dialog
    window.kiosk_guard.long_press.setInterval(20)
    help_clicks = []
    window.help_button.clicked.connect(lambda: help_clicks.append(1))
    corner = window.help_button.mapTo(window, QPoint(4, 4))
    assert corner.x() < 64 and corner.y() < 64  # the help button sits in the corner
    qtbot.mousePress(window.help_button, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    qtbot.waitUntil(lambda: window.kiosk_guard.dialog is not None)
    qtbot.mouseRelease(window.help_button, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    assert help_clicks == [] and not window.help_button.isDown()
    dialog = window.kiosk_guard.dialog
    qtbot.waitExposed(dialog)
    # A short press does nothing special: the button works as usual.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.kiosk_guard.dialog is None)
    window.kiosk_guard.long_press.setInterval(60_000)
    qtbot.mouseClick(window.help_button, Qt.MouseButton.LeftButton, pos=QPoint(4, 4))
    assert help_clicks == [1] and window.kiosk_guard.dialog is None
