"""Where the person is on the kiosk, without any screen.

The kiosk's screens follow one another in a fixed shape: the home screen,
the categories, the procedures of a category, what to prepare, the steps
of a procedure, the review, the declaration, the confirmation. ``Flow``
holds where the person is in that shape (the view and the way back), the
mode (self-service, assisted, training), the person's session, the result
of finalizing and whether it was saved, and the person's reading choices
(language, text size, contrast). Its actions are the person's gestures.

What a screen shows that is not a widget detail is computed here as plain
data (``Flow.screen``): which main button is offered and what it does,
whether « Retour » is offered, "Étape i sur n", the sending status and
whether the kiosk can save at all. The window draws it; tests drive a
``Flow`` directly, with no display.

Storing a finalized submission goes through a ``Store`` handed in: the
outbox in the kiosk, a real outbox or a failing one in tests.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from kiosk.i18n import DEFAULT_LOCALE
from kiosk.kinds import CATEGORIES, KioskIdentity, Mode, StepKind

if TYPE_CHECKING:
    # The home screen is drawn from a Flow before the procedures, the field
    # types and the sessions are loaded (start-up time): ``start`` and
    # ``_finalize`` import them when a person first needs them.
    from kiosk.procedure import Procedure
    from kiosk.session import Session
    from kiosk.submission import Submission, TrainingSubmission

log = logging.getLogger(__name__)

#: the text sizes a person can choose, as scales of the default
TEXT_SIZES = (1.0, 1.5, 2.0)


class View(StrEnum):
    HOME = "home"
    CATEGORIES = "categories"
    PROCEDURES = "procedures"
    PREPARE = "prepare"
    STEP = "step"
    REVIEW = "review"
    CONFIRMATION = "confirmation"


class NextAction(StrEnum):
    """What the main button of the screen does (and so what it says)."""

    START = "start"  # « Commencer »
    CONTINUE = "continue"  # « Continuer »
    SEND = "send"  # « Envoyer ma demande »
    PRACTISE_SEND = "practise_send"  # « M'entraîner : envoyer »
    HOME = "home"  # « Revenir à l'accueil »: the procedure stops here
    FINISH = "finish"  # « Terminer »
    RETRY = "retry"  # « Réessayer »: the request is not saved yet


class Outcome(StrEnum):
    """What a gesture did, so that the window knows what to draw."""

    MOVED = "moved"  # another screen or step: draw it
    INVALID = "invalid"  # the step's answers need fixing: show the errors
    REFUSED = "refused"  # finalizing went back to a step with errors: draw it, show them
    RETRIED = "retried"  # saving was tried again (``Flow.saved`` says how it went)
    NOTHING = "nothing"


class StoreFailed(Exception):
    """The submission could not be stored; the person's answers are kept."""


class Store(Protocol):
    """Where finalized submissions go."""

    @property
    def problem(self) -> str | None:
        """Why nothing can be stored now (None: it can)."""

    def store(self, submission: Submission) -> None:
        """Keep the submission for sending; raise ``StoreFailed`` if it cannot."""


T = TypeVar("T")


class Notifier(Generic[T]):
    """A list of callbacks: the Qt shell turns these into signals."""

    def __init__(self) -> None:
        self._callbacks: list[Callable[[T], None]] = []

    def connect(self, callback: Callable[[T], None]) -> None:
        self._callbacks.append(callback)

    def emit(self, value: T) -> None:
        for callback in list(self._callbacks):
            callback(value)


class StatusKind(StrEnum):
    """The sending status line, in words the window translates."""

    UNKNOWN = "unknown"  # nothing said yet
    CANNOT_SAVE = "cannot_save"  # requests cannot be stored on this kiosk
    NOT_LINKED = "not_linked"  # no back-office configured: requests stay here
    TOKEN_REFUSED = "token_refused"  # the back-office refuses this kiosk
    FAILING = "failing"  # sending does not work for now
    CONNECTED = "connected"
    OFFLINE = "offline"


@dataclass(frozen=True)
class Sending:
    """What the sending side last said (from the sync thread's reports)."""

    enabled: bool = True  # a back-office is configured
    connected: bool | None = None
    waiting: int | None = None
    needs_person: int = 0
    token_refused: bool = False
    failure: str | None = None
    #: damaged queue files set aside, waiting for ``kiosk queue recover``
    set_aside: int = 0


@dataclass(frozen=True)
class StatusLine:
    kind: StatusKind
    waiting: int | None
    needs_person: int
    set_aside: int
    #: shown on this screen (the home screen and the confirmation, outside training)
    shown: bool


@dataclass(frozen=True)
class Screen:
    """What the current screen shows, apart from its widgets."""

    view: View
    next_action: NextAction | None
    back_offered: bool
    print_offered: bool
    #: the request could not be saved: the person may leave without it (never stuck)
    abandon_offered: bool
    #: the kiosk cannot keep a request now: only training is offered
    can_save: bool
    #: « Arrêter »: the person may stop the procedure here (every step, the review)
    stop_offered: bool
    #: (i, n) for "Étape i sur n", None where it is not shown
    progress: tuple[int, int] | None
    training: bool
    status: StatusLine


class Flow:
    """One kiosk's screens, for one person at a time."""

    def __init__(
        self,
        procedures: Iterable[Procedure] = (),
        *,
        store: Store | None = None,
        kiosk: KioskIdentity | None = None,
    ) -> None:
        self.procedures: dict[str, Procedure] = {p.id: p for p in procedures}
        self.store = store
        self.kiosk = kiosk or KioskIdentity()
        self.view = View.HOME
        self.history: list[View] = []
        self.training = False
        self.mediator_id: str | None = None
        self.category: str | None = None
        self.procedure: Procedure | None = None
        self.session: Session | None = None
        self.result: Submission | TrainingSubmission | None = None
        #: the result shown is safe in the store
        self.saved = True
        self.locale = DEFAULT_LOCALE
        self.text_size = 0  # an index in TEXT_SIZES
        self.high_contrast = False
        self.sending = Sending()
        #: everything of the last person is gone
        self.wiped: Notifier[None] = Notifier()
        #: a finalized submission was stored (its id)
        self.stored: Notifier[str] = Notifier()

    # -- what the kiosk offers ---------------------------------------------------------------
    def set_procedures(self, procedures: Iterable[Procedure]) -> None:
        self.procedures = {p.id: p for p in procedures}

    def set_store(self, store: Store | None) -> None:
        self.store = store

    def set_kiosk(self, kiosk: KioskIdentity) -> None:
        self.kiosk = kiosk

    def categories(self) -> list[str]:
        """The categories that hold at least one procedure, in their fixed order."""
        return [c for c in CATEGORIES if any(p.category == c for p in self.procedures.values())]

    def procedures_in(self, category: str) -> list[Procedure]:
        return [p for p in self.procedures.values() if p.category == category]

    @property
    def can_save(self) -> bool:
        """Whether a finished request can be kept on this kiosk now."""
        return self.store is not None and self.store.problem is None

    @property
    def mode(self) -> Mode:
        if self.training:
            return Mode.TRAINING
        return Mode.ASSISTED if self.mediator_id else Mode.SELF_SERVICE

    # -- the person's reading choices ------------------------------------------------------
    @property
    def scale(self) -> float:
        return TEXT_SIZES[self.text_size]

    def cycle_text_size(self) -> None:
        self.text_size = (self.text_size + 1) % len(TEXT_SIZES)

    def toggle_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def set_locale(self, locale: str) -> None:
        self.locale = locale
        if self.session is not None:
            self.session.set_locale(locale)

    # -- moving between screens ------------------------------------------------------------
    def _show(self, view: View, *, remember: bool = True) -> None:
        if remember and self.view != view and view not in (View.STEP, View.REVIEW):
            self.history.append(self.view)
        self.view = view

    def open_categories(self, *, training: bool) -> bool:
        """« Faire une démarche » or « M'entraîner »; a real request is refused
        (False) while the kiosk cannot keep one: twenty steps for nothing."""
        if not training and not self.can_save:
            return False
        self.training = training
        self._show(View.CATEGORIES)
        return True

    def open_category(self, category: str) -> None:
        self.category = category
        self._show(View.PROCEDURES)

    def open_procedure(self, procedure_id: str) -> None:
        self.procedure = self.procedures[procedure_id]
        self.category = self.procedure.category
        self._show(View.PREPARE)

    def start(self) -> None:
        """« Commencer »: a new session of the chosen procedure, in the current mode."""
        from kiosk.session import Session  # start-up seam: loaded at the first « Commencer »

        if self.procedure is None:
            raise RuntimeError("start() needs a chosen procedure")
        self.session = Session(
            self.procedure,
            locale=self.locale,
            mode=self.mode,
            mediator_id=self.mediator_id if self.mode is Mode.ASSISTED else None,
            kiosk=self.kiosk,
        )
        self.result = None
        self.saved = True
        self.follow_session()

    def follow_session(self) -> None:
        """Show the session's current step (also after a tool moved the session itself)."""
        assert self.session is not None
        kind = self.session.current_step.kind
        view = {StepKind.REVIEW: View.REVIEW, StepKind.CONFIRMATION: View.CONFIRMATION}
        self._show(view.get(kind, View.STEP), remember=False)

    def answer(self, field_id: str, raw: Any) -> None:
        if self.session is not None and not self.session.finished:
            self.session.answer(field_id, raw)

    def next(self) -> Outcome:
        """The main button: start, continue, send, retry, finish or leave."""
        if self.view == View.PREPARE:
            self.start()
            return Outcome.MOVED
        if self.view == View.CONFIRMATION:
            if not self.saved:
                self.retry()
                return Outcome.RETRIED
            self.next_person()
            return Outcome.MOVED
        session = self.session
        if session is None or self.view not in (View.STEP, View.REVIEW):
            return Outcome.NOTHING
        step = session.current_step
        if step.stop:
            # The procedure ends here (a stolen vehicle gets no duplicate):
            # this person may want another one, in their language and size.
            self.go_home()
            return Outcome.MOVED
        if step.kind == StepKind.DECLARATION:
            return self._finalize(session)
        if session.next():
            self.follow_session()
            return Outcome.MOVED
        return Outcome.INVALID

    def _finalize(self, session: Session) -> Outcome:
        # Start-up seam (see the imports above): a session exists, so these are loaded.
        from kiosk.session import FinalizeRefused
        from kiosk.submission import Submission

        try:
            result = session.finalize()
        except FinalizeRefused:
            self.follow_session()
            return Outcome.REFUSED
        self.result = result
        self.saved = True
        if isinstance(result, Submission):
            self._store(result)
        self.follow_session()
        return Outcome.MOVED

    def _store(self, submission: Submission) -> None:
        try:
            if self.store is None:
                raise StoreFailed("no outbox")
            self.store.store(submission)
        except StoreFailed as e:
            log.error("submission %s not stored: %s", submission.id, e)
            self.saved = False
            return
        self.saved = True
        self.stored.emit(submission.id)

    def retry(self) -> bool:
        """« Réessayer »: store the finalized submission again; True once it is saved."""
        from kiosk.submission import Submission  # start-up seam, as in _finalize

        if not self.saved and isinstance(self.result, Submission):
            self._store(self.result)
        return self.saved

    def abandon(self) -> None:
        """The request could not be saved and the person leaves without it."""
        if self.view == View.CONFIRMATION and not self.saved:
            log.warning("a finished request was left unsaved (the store failed)")
        self.next_person()

    def back(self) -> Outcome:
        """« Retour »: the previous step (answers kept), else the previous screen."""
        if self.view in (View.STEP, View.REVIEW) and self.session is not None:
            if self.session.back():
                self.follow_session()
                return Outcome.MOVED
            # Before the first question: back to "what to prepare", answers dropped.
            self.wipe(keep_choice=True)
            self.view = View.PREPARE
            return Outcome.MOVED
        if self.history:
            self.view = self.history.pop()
            return Outcome.MOVED
        return Outcome.NOTHING

    def edit(self, field_id: str) -> None:
        """« Modifier » on the review: that question, then back to the review."""
        if self.session is not None:
            self.session.edit(field_id)
            self.follow_session()

    def go_home(self) -> None:
        """The home screen; the person's answers are forgotten, their choices kept."""
        self.wipe()
        self.history = []
        self.view = View.HOME

    def next_person(self) -> None:
        """The person is done (« Terminer », or gone idle): the home screen as the
        next person expects it, in French, normal size and contrast."""
        self.set_locale(DEFAULT_LOCALE)
        self.text_size = 0
        self.high_contrast = False
        self.go_home()

    def wipe(self, *, keep_choice: bool = False) -> None:
        """Forget the person: answers, the result shown; with ``keep_choice``
        the chosen procedure and mode stay (« Retour » before the first question)."""
        if self.session is not None:
            self.session.wipe()
        self.session = None
        self.result = None
        self.saved = True
        if not keep_choice:
            self.procedure = None
            self.category = None
            self.training = False
        self.wiped.emit(None)

    # -- what the screen shows -------------------------------------------------------------
    def has_answers(self) -> bool:
        """The person typed or picked something that leaving would lose."""
        session = self.session
        if session is None or session.finished:
            return False
        return any(_filled(session.raw(f)) for f in session.procedure.fields)

    def where(self) -> tuple[str, str | None]:
        """The screen and step the person is on (a help call is about this place)."""
        step = self.session.current_step.id if self.session is not None else None
        return str(self.view), step

    def set_sending(self, sending: Sending) -> None:
        self.sending = sending

    def status_line(self) -> StatusLine:
        s = self.sending
        problem = self.store.problem if self.store is not None else None
        if problem:
            kind = StatusKind.CANNOT_SAVE
        elif not s.enabled:
            kind = StatusKind.NOT_LINKED
        elif s.token_refused:
            kind = StatusKind.TOKEN_REFUSED
        elif s.failure:
            kind = StatusKind.FAILING
        elif s.connected is None:
            kind = StatusKind.UNKNOWN
        else:
            kind = StatusKind.CONNECTED if s.connected else StatusKind.OFFLINE
        # For the mediator and the end of a request: on the screens a person
        # reads and answers, at 200 % text it took the room of the question.
        shown = not self.training and self.view in (View.HOME, View.CONFIRMATION)
        return StatusLine(kind, s.waiting, s.needs_person, s.set_aside, shown)

    def next_action(self) -> NextAction | None:
        if self.view in (View.HOME, View.CATEGORIES, View.PROCEDURES):
            return None
        if self.view == View.PREPARE:
            return NextAction.START
        if self.view == View.CONFIRMATION:
            return NextAction.FINISH if self.saved else NextAction.RETRY
        if self.session is not None:
            step = self.session.current_step
            if step.stop:
                return NextAction.HOME
            if step.kind == StepKind.DECLARATION:
                return NextAction.PRACTISE_SEND if self.training else NextAction.SEND
        return NextAction.CONTINUE

    def screen(self) -> Screen:
        in_session = (
            self.session is not None
            and self.view in (View.STEP, View.REVIEW)
            and not self.session.current_step.stop  # no "step 3 of 5" where it ends
        )
        progress = self.session.progress if in_session and self.session is not None else None
        confirmation = self.view == View.CONFIRMATION
        return Screen(
            view=self.view,
            next_action=self.next_action(),
            back_offered=self.view != View.HOME and not confirmation,
            print_offered=confirmation and self.saved and self.result is not None,
            abandon_offered=confirmation and not self.saved,
            stop_offered=self.session is not None and self.view in (View.STEP, View.REVIEW),
            can_save=self.can_save,
            progress=progress,
            training=self.training,
            status=self.status_line(),
        )


def _filled(raw: Any) -> bool:
    if isinstance(raw, str):
        return bool(raw.strip())
    if isinstance(raw, dict):
        return any(_filled(v) for v in raw.values())
    if isinstance(raw, list | tuple):
        return any(_filled(v) for v in raw)
    return raw is not None and raw is not False
