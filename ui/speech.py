"""« Écouter »: the screen read aloud through QtTextToSpeech.

Qt's speech module needs libpulse, and on Linux the speech-dispatcher
engine (libspeechd). Any of them may be missing on a kiosk: then the
``Speaker`` is *unavailable*, says why in one log line the mediator can
read, and the window disables the button with an explanation. Nothing here
may crash the app.

The engine is chosen by the ``KIOSK_TTS_ENGINE`` environment variable:
a Qt engine name (``speechd``, ``sapi``, ``mock`` for tests…), or ``none``
to switch reading off; unset, the first installed engine that starts wins.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLocale, QObject, QtMsgType, Signal, qInstallMessageHandler
from PySide6.QtWidgets import QAbstractButton

from ui.i18n import tr

if TYPE_CHECKING:
    from kiosk.session import Session
    from ui.page import Page

log = logging.getLogger(__name__)

ENV_VAR = "KIOSK_TTS_ENGINE"
OFF = ("none", "off", "0", "no")
TEST_ENGINE = "mock"

# Signs that help the eye but that an engine would read out loud.
_SILENT = str.maketrans({"⚠": " ", "•": " ", "—": ",", "«": " ", "»": " "})


class EngineUnavailable(Exception):
    """No usable speech engine; the message says why, for the log."""


@contextmanager
def _qt_messages_logged() -> Iterator[list[str]]:
    """While probing the engine, Qt's complaints (a missing pipewire or
    speechd library) go to our log instead of stderr: they are the very
    conditions we handle, and the mediator reads them in the log."""
    said: list[str] = []

    def handler(_kind: QtMsgType, _context: object, message: str) -> None:
        said.append(message)
        log.info("Qt: %s", message)

    previous = qInstallMessageHandler(handler)
    try:
        yield said
    finally:
        qInstallMessageHandler(previous)


def _engine_class() -> Any:
    """QTextToSpeech, imported on first use (its import loads libpulse)."""
    from PySide6.QtTextToSpeech import QTextToSpeech

    return QTextToSpeech


def create_engine(name: str | None, parent: QObject) -> Any:
    """A ready QTextToSpeech for ``name`` (None: the first that starts).

    Raises ``EngineUnavailable`` with the reason. Tests replace this factory.
    """
    with _qt_messages_logged() as said:
        try:
            cls = _engine_class()
        except ImportError as e:
            raise EngineUnavailable(
                f"the Qt speech module cannot load ({e}); install libpulse0 and speech-dispatcher"
            ) from e
        installed = list(cls.availableEngines())
        if name:
            if name not in installed:
                raise EngineUnavailable(
                    f"speech engine {name!r} is not installed "
                    f"(installed: {', '.join(installed) or 'none'})"
                )
            candidates = [name]
        else:
            candidates = [e for e in installed if e != TEST_ENGINE]
            if not candidates:
                raise EngineUnavailable("no speech engine is installed; install speech-dispatcher")
        problems = []
        for candidate in candidates:
            engine = cls(candidate, parent)
            if engine.state() != cls.State.Error:
                return engine
            problems.append(f"{candidate}: {engine.errorString() or 'does not start'}")
            engine.setParent(None)
            engine.deleteLater()
    detail = "; ".join(problems + said)
    raise EngineUnavailable(f"no speech engine starts ({detail})")


class Speaker(QObject):
    """Reads texts aloud in the interface's language, or says why it cannot."""

    #: the engine became usable or unusable (``available`` tells which).
    availability_changed = Signal(bool)

    def __init__(
        self, parent: QObject | None = None, *, engine: str | None = None, start: bool = True
    ) -> None:
        super().__init__(parent)
        self.engine: Any = None
        self.reason = ""
        #: what was last given to the engine (tests read it).
        self.last_text = ""
        self.locale = ""
        self._warned_locales: set[str] = set()
        self._choice = engine
        #: the engine was looked for (``start``); until then « Écouter » looks usable
        self.started = False
        if start:
            self.start()

    def start(self) -> None:
        """Find and start the engine (once). The window does it after its first
        paint: a speech engine may take a while to answer."""
        if self.started:
            return
        self.started = True
        self._start()
        self.availability_changed.emit(self.available)

    def _start(self) -> None:
        engine = self._choice
        choice = engine if engine is not None else os.environ.get(ENV_VAR, "").strip()
        if choice.lower() in OFF:
            self._unavailable(f"switched off ({ENV_VAR}={choice})")
            return
        try:
            self.engine = create_engine(choice or None, self)
        except EngineUnavailable as e:
            self._unavailable(str(e))
            return
        self.engine.stateChanged.connect(self._state_changed)
        log.info("reading aloud with the %r speech engine", self.engine.engine())

    @property
    def available(self) -> bool:
        return self.engine is not None

    @property
    def speaking(self) -> bool:
        return self.available and self.engine.state() == _engine_class().State.Speaking

    def _unavailable(self, reason: str) -> None:
        self.reason = reason
        if self.engine is not None:
            self.engine.stateChanged.disconnect(self._state_changed)
            self.engine = None
            self.availability_changed.emit(False)
        log.warning("« Écouter » is disabled: %s", reason)

    def _state_changed(self, state: Any) -> None:
        if self.engine is not None and state == _engine_class().State.Error:
            self._unavailable(f"the speech engine failed ({self.engine.errorString()})")

    def say(self, text: str, locale: str) -> bool:
        """Read ``text`` from its beginning (again, if already reading)."""
        text = " ".join(text.translate(_SILENT).split(" ")).strip()
        self.start()
        if not self.available or not text:
            return False
        self.stop()
        self.set_locale(locale)
        self.last_text = text
        self.engine.say(text)
        return True

    def stop(self) -> None:
        if self.available and self.engine.state() != _engine_class().State.Ready:
            self.engine.stop()

    def set_locale(self, locale: str) -> None:
        """Pick the engine's language matching ``locale`` (fr, en…) when it has one."""
        if not self.available or locale == self.locale:
            return
        self.locale = locale
        wanted = QLocale(locale)
        offered = [
            loc for loc in self.engine.availableLocales() if loc.language() == wanted.language()
        ]
        if not offered:
            if locale not in self._warned_locales:
                self._warned_locales.add(locale)
                log.warning(
                    "the speech engine has no %r voice; it reads with its own voice", locale
                )
            return
        same_country = [loc for loc in offered if loc.territory() == wanted.territory()]
        self.engine.setLocale((same_country or offered)[0])


def step_text(session: Session) -> str:
    """A question screen: the question, its explanation, its help and its error."""
    step = session.current_step
    t = session.t
    parts = [t(step.heading)]
    if step.text:
        parts.append(t(step.text))
    fields = session.visible_fields()
    single = len(fields) == 1 and not step.title
    for f in fields:
        if not single and not session.field_type(f.id).labels_itself:
            parts.append(t(f.label))
        if f.help:
            parts.append(t(f.help))
        if f.example:
            parts.append(t(f.example))
        error = session.error_text(f.id)
        if error:
            parts.append(error)
    return "\n".join(p.strip() for p in parts if p and p.strip())


def screen_text(session: Session | None, view: str, page: Page) -> str:
    """What « Écouter » reads: a question step from its session, any other
    screen from the words it shows."""
    if view == "step" and session is not None:
        return step_text(session)
    return page.spoken_text()


def dress_button(button: QAbstractButton, speaker: Speaker) -> None:
    """Enable « Écouter », or disable it with the reason in words."""
    usable = speaker.available or not speaker.started
    button.setEnabled(usable)
    why = "" if usable else tr("La lecture à voix haute ne marche pas sur cette borne.")
    button.setToolTip(why)
    button.setAccessibleDescription(why)
