"""Interface texts through Qt's translation tools: every text translated,
the compiled file up to date, the language switched live without losing
answers, and layouts that mirror right to left."""

import re

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPushButton

from tests.uihelpers import click, find, make_window, open_procedure
from tools import update_translations as ut
from ui import i18n

PLACEHOLDER = re.compile(r"\{\w+\}")


def test_every_interface_text_has_a_finished_english_translation():
    collected = ut.collect()
    assert not collected.not_literal, "tr() must be given a literal text"
    assert "Continuer" in collected.texts and "Jour" in collected.texts
    messages = ut.read_ts(ut.ts_path("en"))
    missing = [s for s in collected.texts if s not in messages or not messages[s].finished]
    assert not missing, f"run tools/update_translations.py and translate: {missing}"
    for source in collected.texts:
        english = messages[source].translation
        assert english.strip(), source  # the same word is fine ("Photo"), nothing is not
        assert set(PLACEHOLDER.findall(english)) == set(PLACEHOLDER.findall(source)), source


def test_ts_and_qm_files_are_up_to_date():
    assert ut.problems("en") == []
    qm = ut.qm_path("en")
    assert qm.read_bytes() == ut.compiled_bytes(ut.ts_path("en"))
    assert qm == i18n.translation_file("en")  # where the app looks for it


def test_language_switch_mid_procedure_keeps_answers(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    # Arabic is ready (named in itself, right to left) but not offered untranslated.
    assert i18n.LANGUAGE_NAMES["ar"] == "العربية"
    assert i18n.layout_direction("ar") == Qt.LayoutDirection.RightToLeft
    assert window.languages == ["fr", "en"]
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")
    qtbot.keyClicks(window.findChild(QLineEdit, "field:nom"), "Camille Exemple")
    click(qtbot, window, "nav:next")  # second question, so « Retour » has somewhere to go

    def chrome():
        names = ["nav:help", "nav:listen", "nav:text-size", "nav:contrast", "nav:back", "nav:next"]
        return {n: find(window, n).text() for n in names} | {
            "nav:language": find(window, "nav:language").text(),
            "heading": window.findChild(QLabel, "step:heading").text(),
            "progress": find(window, "progress:label").text(),
        }

    french = chrome()
    click(qtbot, window, "nav:language")
    english = chrome()
    assert english == {
        "nav:help": "I need help",
        "nav:listen": "Listen",
        "nav:text-size": "Text size: 100 %",
        "nav:contrast": "High contrast",
        "nav:back": "Back",
        "nav:next": "Continue",
        "nav:language": "Français",
        "heading": window.flow.session.t(window.flow.session.current_step.heading),
        "progress": "Step 3 of 8",
    }
    assert english["heading"] != french["heading"]
    for name in ("nav:help", "nav:listen", "nav:back", "nav:next", "nav:language"):
        assert find(window, name).accessibleName() == english[name]
    click(qtbot, window, "nav:back")
    assert window.findChild(QLineEdit, "field:nom").text() == "Camille Exemple"
    click(qtbot, window, "nav:next")

    click(qtbot, window, "nav:language")
    assert chrome() == french
    assert french["nav:language"] == "English" and french["nav:next"] == "Continuer"
    assert window.flow.session.raw("nom") == "Camille Exemple"


def test_more_than_two_languages_open_a_chooser(qtbot, monkeypatch, isolated_environment):
    monkeypatch.setattr("ui.mainwindow.available_languages", lambda procs: ["fr", "en", "ar"])
    window = make_window(qtbot, isolated_environment)
    seen = []

    def choose_english(dialog):
        seen.append({b.objectName(): b.text() for b in dialog.findChildren(QPushButton)})
        dialog.show()
        qtbot.mouseClick(dialog.findChild(QPushButton, "language:en"), Qt.MouseButton.LeftButton)
        return dialog.result()

    window.exec_dialog = choose_english
    click(qtbot, window, "nav:language")
    assert seen == [{"language:fr": "Français", "language:en": "English", "language:ar": "العربية"}]
    assert window.flow.locale == "en"


def _centre_x(window, name):
    widget = find(window, name)
    return widget.mapTo(window, QPoint(widget.width() // 2, 0)).x()


def _settle():
    for _ in range(3):
        QApplication.processEvents()


def test_right_to_left_mirrors_the_layouts(qtbot, isolated_environment, tmp_path):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    middle = window.width() // 2
    _settle()
    assert _centre_x(window, "nav:back") < middle < _centre_x(window, "nav:next")
    assert _centre_x(window, "nav:help") < _centre_x(window, "nav:listen")
    next_button = find(window, "nav:next")
    assert next_button.layoutDirection() == Qt.LayoutDirection.RightToLeft  # picture after

    window.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    _settle()
    window.grab().save(str(tmp_path / "rtl.png"))
    assert _centre_x(window, "nav:next") < middle < _centre_x(window, "nav:back")
    # The top bar reads from the right: « J'ai besoin d'aide » comes first.
    assert _centre_x(window, "nav:listen") < _centre_x(window, "nav:help")
    assert find(window, "nav:help").geometry().right() > window.width() - 40
    heading = window.findChild(QLabel, "step:heading")
    assert heading.layoutDirection() == Qt.LayoutDirection.RightToLeft
    # « Continuer » keeps its picture after its word: on its left, pointing left.
    assert next_button.layoutDirection() == Qt.LayoutDirection.LeftToRight

    window.setLayoutDirection(Qt.LayoutDirection.LeftToRight)
    _settle()
    assert _centre_x(window, "nav:back") < middle < _centre_x(window, "nav:next")
    assert next_button.layoutDirection() == Qt.LayoutDirection.RightToLeft
