"""« Écouter »: reading aloud through QtTextToSpeech's mock engine, and the
disabled button when no engine can read."""

import logging

import pytest
from PySide6.QtCore import QLocale, QObject, Signal

from tests.uihelpers import click, find, make_window, open_procedure
from ui import speech

try:
    from PySide6.QtTextToSpeech import QTextToSpeech
except ImportError:  # libpulse0 missing: only the disabled path can be tested
    QTextToSpeech = None

needs_engine = pytest.mark.skipif(
    QTextToSpeech is None, reason="QtTextToSpeech cannot load (install libpulse0)"
)


def _speak_and_wait(qtbot, window):
    """Press « Écouter »; the mock engine goes Speaking, then Ready again."""
    engine = window.speaker.engine
    states = []
    engine.stateChanged.connect(states.append)
    with qtbot.waitSignal(
        engine.stateChanged,
        check_params_cb=lambda s: s == QTextToSpeech.State.Speaking,
        timeout=2000,
    ):
        click(qtbot, window, "nav:listen")
    qtbot.waitUntil(lambda: engine.state() == QTextToSpeech.State.Ready, timeout=15000)
    assert states[0] == QTextToSpeech.State.Speaking and states[-1] == QTextToSpeech.State.Ready


@needs_engine
def test_listen_reads_question_help_and_error(qtbot, monkeypatch, isolated_environment):
    monkeypatch.setenv(speech.ENV_VAR, speech.TEST_ENGINE)
    window = make_window(qtbot, isolated_environment)
    speaker = window.speaker
    assert speaker.available and speaker.engine.engine() == "mock"
    listen = find(window, "nav:listen")
    assert listen.isEnabled() and listen.toolTip() == ""
    speaker.engine.setRate(1.0)  # the mock takes 100 ms a word at the normal rate

    # Not a question: the heading and the text of the screen.
    click(qtbot, window, "nav:listen")
    assert speaker.last_text.startswith("Bonjour\nCette borne vous aide")
    speaker.stop()

    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")  # past the introduction: « Quel est votre nom ? »
    _speak_and_wait(qtbot, window)
    assert speaker.last_text.startswith("Quel est votre nom ?")
    assert "Écrivez votre nom de famille." in speaker.last_text

    click(qtbot, window, "nav:next")  # nothing typed: an error
    click(qtbot, window, "nav:listen")
    assert "Cette réponse est obligatoire." in speaker.last_text
    assert "⚠" not in speaker.last_text  # signs for the eye are not read out
    assert speaker.speaking
    # Leaving the screen stops the reading.
    with qtbot.waitSignal(speaker.engine.stateChanged):
        click(qtbot, window, "nav:back")
    assert not speaker.speaking

    # In English, the engine's English voice reads the English texts.
    click(qtbot, window, "nav:language")
    click(qtbot, window, "nav:listen")
    assert speaker.last_text.startswith("Get a call back")
    assert speaker.engine.locale().language() == QLocale.Language.English
    speaker.stop()
    assert not speaker.speaking


def test_no_engine_disables_listen_with_an_explanation(
    qtbot, monkeypatch, caplog, isolated_environment
):
    def no_module(name, parent):
        raise speech.EngineUnavailable(
            "the Qt speech module cannot load (libpulse.so.0: cannot open shared object file)"
        )

    monkeypatch.setattr(speech, "create_engine", no_module)
    with caplog.at_level(logging.WARNING, logger="ui.speech"):
        window = make_window(qtbot, isolated_environment)
    listen = find(window, "nav:listen")
    assert not listen.isEnabled()
    assert listen.toolTip() == listen.accessibleDescription() != ""
    assert listen.accessibleName() == listen.text() == "Écouter"
    assert any("libpulse.so.0" in r.getMessage() for r in caplog.records)
    window.listen()  # never a crash, even when called anyway
    assert window.speaker.last_text == ""
    click(qtbot, window, "nav:language")
    assert find(window, "nav:listen").toolTip().startswith("Reading aloud")


def test_import_failure_and_no_engine_become_unavailable(monkeypatch, caplog, qapp):
    def broken_import():
        raise ImportError("libpulse.so.0: cannot open shared object file: No such file")

    monkeypatch.setattr(speech, "_engine_class", broken_import)
    with caplog.at_level(logging.WARNING, logger="ui.speech"):
        speaker = speech.Speaker(engine="")
    assert not speaker.available
    assert "libpulse.so.0" in speaker.reason and "libpulse.so.0" in caplog.text

    class NoEngines:
        @staticmethod
        def availableEngines():
            return ["mock"]  # only the test engine: nothing for people

    monkeypatch.setattr(speech, "_engine_class", lambda: NoEngines)
    assert "no speech engine" in speech.Speaker(engine="").reason
    assert "not installed" in speech.Speaker(engine="sapi").reason
    assert "switched off" in speech.Speaker(engine="none").reason


@needs_engine
def test_engine_error_later_disables_listen(qtbot, monkeypatch, isolated_environment):
    class FailingEngine(QObject):
        stateChanged = Signal(object)

        def engine(self):
            return "failing"

        def state(self):
            return QTextToSpeech.State.Ready

        def errorString(self):
            return "speech-dispatcher stopped"

    monkeypatch.setattr(speech, "create_engine", lambda name, parent: FailingEngine(parent))
    window = make_window(qtbot, isolated_environment)
    assert find(window, "nav:listen").isEnabled()
    with qtbot.waitSignal(window.speaker.availability_changed):
        window.speaker.engine.stateChanged.emit(QTextToSpeech.State.Error)
    assert not find(window, "nav:listen").isEnabled()
    assert "speech-dispatcher stopped" in window.speaker.reason
