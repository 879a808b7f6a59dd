"""The on-screen AZERTY keyboard under word boxes on a touch kiosk: typing by
touch reaches the session as typing on a keyboard does, the focus stays in
the box, number boxes keep the number keypad, and it passes the audit."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from tests.test_ui_fields import set_scale, show_step, touch_window, window
from tests.uihelpers import click, find
from ui import audit
from ui.azerty import COLUMNS

__all__ = ["touch_window", "window"]  # the fixtures, shared with the field tests

NAME = "Camille Exemple-d'Été"


def visible_keyboards(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget, "keyboard") if w.isVisible()]


def type_by_touch(qtbot, keyboard: QWidget, text: str) -> None:
    """Press the keys a person would: « Majuscule » before each capital."""
    for character in text:
        if character != character.lower():
            click(qtbot, keyboard, "keyboard:shift")
            character = character.lower()
        click(qtbot, keyboard, "keyboard:space" if character == " " else f"keyboard:{character}")


def test_a_name_typed_by_touch_reaches_the_session(touch_window, qtbot):
    window = touch_window
    show_step(window, "etre-rappele", "etape_nom")
    edit = find(window, "field:nom")
    qtbot.waitUntil(edit.hasFocus)
    (keyboard,) = visible_keyboards(window)
    assert keyboard.y() > edit.y()  # under the box
    assert window.findChildren(QWidget, "keypad") == []  # no number keypad for a name
    type_by_touch(qtbot, keyboard, NAME + "x")
    click(qtbot, keyboard, "keyboard:erase")
    assert edit.text() == NAME and edit.hasFocus()
    assert window.flow.session.raw("nom") == NAME
    # One capital at a time, as on a telephone: the letters show lower case again.
    assert not find(keyboard, "keyboard:shift").isChecked()
    assert find(keyboard, "keyboard:e").text() == "e"
    assert not QApplication.focusWidget().objectName().startswith("keyboard:")
    # The answer is a name the field type accepts: on to the next step.
    click(qtbot, window, "nav:next")
    assert window.flow.session.current_step.id != "etape_nom"
    assert window.flow.session.value("nom") == NAME


def test_keys_are_large_named_and_never_take_the_focus(touch_window, qtbot):
    window = touch_window
    show_step(window, "etre-rappele", "etape_nom")
    qtbot.waitUntil(find(window, "field:nom").hasFocus)
    (keyboard,) = visible_keyboards(window)
    keys = keyboard.findChildren(QPushButton)
    names = {k.objectName() for k in keys}
    for character in "azertyuiopqsdfghjklmwxcvbn0123456789éèêëàâçùûôîïœæ'-":
        assert f"keyboard:{character}" in names, character
        assert find(keyboard, f"keyboard:{character}").accessibleName() == character
    assert find(keyboard, "keyboard:space").accessibleName().casefold() == "espace"
    assert find(keyboard, "keyboard:erase").accessibleName() == "Effacer"
    for key in keys:
        assert key.focusPolicy() == Qt.FocusPolicy.NoFocus
        assert key.width() >= 48 and key.height() >= 48
        assert key.width() >= key.sizeHint().width()  # « Majuscule » is not cut
    # Capitals are shown (and named) while « Majuscule » is on.
    click(qtbot, keyboard, "keyboard:shift")
    assert find(keyboard, "keyboard:é").text() == "É"
    assert find(keyboard, "keyboard:é").accessibleName() == "É"
    click(qtbot, keyboard, "keyboard:shift")
    assert find(keyboard, "keyboard:é").text() == "é"
    # Tab goes from the box to the next control, never to a key.
    edit = find(window, "field:nom")
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert not QApplication.focusWidget().objectName().startswith("keyboard:")


def test_street_and_multiline_boxes_get_the_keyboard_numbers_the_keypad(touch_window, qtbot):
    window = touch_window
    show_step(window, "permis-renouvellement", "adresse")
    street = find(window, "field:adresse:street")
    qtbot.waitUntil(street.hasFocus)
    (keyboard,) = visible_keyboards(window)
    assert keyboard.y() > street.y()
    type_by_touch(qtbot, keyboard, "3 rue de l'Été")
    assert window.flow.session.raw("adresse")["street"] == "3 rue de l'Été"
    complement = find(window, "field:adresse:complement")
    complement.setFocus()
    assert visible_keyboards(window) == [keyboard]
    type_by_touch(qtbot, keyboard, "Bât B")
    assert window.flow.session.raw("adresse")["complement"] == "Bât B"
    find(window, "field:adresse:postal_code").setFocus()
    assert visible_keyboards(window) == []  # the number keypad instead
    assert [w.isVisible() for w in window.findChildren(QWidget, "keypad")] == [True]
    # A phone number keeps the number keypad alone.
    show_step(window, "etre-rappele", "etape_telephone")
    qtbot.waitUntil(find(window, "field:telephone").hasFocus)
    assert window.findChildren(QWidget, "keyboard") == []
    # A few sentences: the keyboard types into the box, Effacer erases.
    show_step(window, "etre-rappele", "etape_message")
    box = find(window, "field:message")
    box.setFocus()
    (keyboard,) = visible_keyboards(window)
    type_by_touch(qtbot, keyboard, "Merci, à demain")
    click(qtbot, keyboard, "keyboard:erase")
    assert box.toPlainText() == "Merci, à demai" and box.hasFocus()
    assert window.flow.session.raw("message") == "Merci, à demai"


def test_no_keyboard_without_the_touch_setting(window, qtbot):
    show_step(window, "etre-rappele", "etape_nom")
    assert window.findChildren(QWidget, "keyboard") == []


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_a_name_step_with_the_keyboard_passes_the_audit(touch_window, qtbot, tmp_path, scale):
    window = touch_window
    set_scale(window, scale)
    show_step(window, "etre-rappele", "etape_nom")
    qtbot.waitUntil(find(window, "field:nom").hasFocus)
    (keyboard,) = visible_keyboards(window)
    audit.settle(window)
    assert audit.audit(window) == []
    # Whole in the window's width: no key cut, no scrolling sideways.
    left = keyboard.mapTo(window, keyboard.rect().topLeft()).x()
    assert left >= 0 and left + keyboard.width() <= window.width()
    assert keyboard.layout().columnCount() == COLUMNS
    picture = Path(tmp_path) / f"keyboard-{int(scale * 100)}.png"
    assert window.grab().save(str(picture)) and picture.stat().st_size > 0
