"""The kiosk's screens without a display: every shipped example walked
through the Qt-free flow, as a person would go through the screens."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from kiosk.answers_file import read_answers_file
from kiosk.config import Settings
from kiosk.flow import Flow, NextAction, Outcome, Sending, StatusKind, StoreFailed, View
from kiosk.kinds import Mode
from kiosk.outbox import Outbox
from kiosk.procedure import load_all
from kiosk.store import OutboxStore
from kiosk.submission import Submission, TrainingSubmission
from tests.helpers import example_files, procedure_id_of

STOPPING = {"carte-grise-duplicata--vehicule-vole"}


@pytest.fixture(scope="module")
def procedures():
    found, problems = load_all()
    assert problems == []
    return found


class MemoryStore:
    """Keeps what it is given; fails the first ``failures`` times."""

    def __init__(self, failures: int = 0) -> None:
        self.kept: list[Submission] = []
        self.failures = failures
        self.problem: str | None = None

    def store(self, submission: Submission) -> None:
        if self.failures:
            self.failures -= 1
            raise StoreFailed("the disk is full")
        self.kept.append(submission)


def raw_answers(example: Path) -> dict[str, object]:
    found = read_answers_file(example)
    return {**found.answers, **{k: str(v) for k, v in found.attachments.items()}}


def open_to_prepare(flow: Flow, procedure_id: str, *, training: bool = False) -> None:
    """Home → « Faire une démarche » → the category → the procedure."""
    assert flow.view == View.HOME and flow.screen().next_action is None
    flow.open_categories(training=training)
    assert flow.view == View.CATEGORIES
    category = flow.procedures[procedure_id].category
    assert category in flow.categories()
    flow.open_category(category)
    assert procedure_id in {p.id for p in flow.procedures_in(category)}
    flow.open_procedure(procedure_id)
    assert flow.view == View.PREPARE and flow.screen().next_action is NextAction.START


def walk(flow: Flow, answers: dict[str, object]) -> None:
    """Answer every question shown as the example person, until the end or a stop."""
    for _ in range(200):
        session = flow.session
        assert session is not None
        if flow.view == View.CONFIRMATION or session.current_step.stop:
            return
        for f in session.visible_fields():
            if f.id in answers:
                flow.answer(f.id, answers[f.id])
        before = session.current_step
        outcome = flow.next()
        assert outcome is Outcome.MOVED, (before.id, session.errors)
    raise AssertionError("the walk never ended")


@pytest.mark.parametrize("example", example_files(), ids=lambda p: p.stem)
def test_every_example_through_the_flow(example, procedures, tmp_path) -> None:
    store = MemoryStore()
    flow = Flow(procedures, store=store)
    stored: list[str] = []
    flow.stored.connect(stored.append)
    open_to_prepare(flow, procedure_id_of(example))
    assert flow.next() is Outcome.MOVED  # « Commencer »
    assert flow.session is not None and flow.session.mode is Mode.SELF_SERVICE
    screen = flow.screen()
    assert screen.progress is not None and screen.progress[0] == 1
    walk(flow, raw_answers(example))
    if example.stem in STOPPING:
        # A step that stops the procedure: no count, and the way home.
        assert flow.screen().next_action is NextAction.HOME
        assert flow.screen().progress is None
        assert flow.next() is Outcome.MOVED
        assert flow.view == View.HOME and flow.session is None and store.kept == []
        return
    assert isinstance(flow.result, Submission) and flow.saved
    assert [s.id for s in store.kept] == [flow.result.id] == stored
    screen = flow.screen()
    assert screen.next_action is NextAction.FINISH and screen.print_offered
    assert not screen.back_offered and screen.status.shown
    assert flow.next() is Outcome.MOVED  # « Terminer »: the next person
    assert flow.view == View.HOME and flow.session is None and flow.result is None


@pytest.mark.parametrize(
    "example", [p for p in example_files() if p.stem not in STOPPING], ids=lambda p: p.stem
)
def test_every_example_in_training_sends_nothing(example, procedures) -> None:
    store = MemoryStore()
    flow = Flow(procedures, store=store)
    open_to_prepare(flow, procedure_id_of(example), training=True)
    flow.next()
    assert flow.session is not None and flow.session.mode is Mode.TRAINING
    assert flow.screen().training and not flow.screen().status.shown
    walk(flow, raw_answers(example))
    assert isinstance(flow.result, TrainingSubmission)
    assert store.kept == []
    assert flow.screen().next_action is NextAction.FINISH
    flow.next()
    assert not flow.training  # the next person starts outside training


def test_the_declaration_offers_to_send_and_training_to_practise(procedures) -> None:
    answers = raw_answers(example_named("etre-rappele"))
    for training, action in ((False, NextAction.SEND), (True, NextAction.PRACTISE_SEND)):
        flow = Flow(procedures, store=MemoryStore())
        open_to_prepare(flow, "etre-rappele", training=training)
        flow.next()
        session = flow.session
        assert session is not None
        while session.current_step.kind != "declaration":
            for f in session.visible_fields():
                if f.id in answers:
                    flow.answer(f.id, answers[f.id])
            assert flow.next() is Outcome.MOVED
        assert flow.screen().next_action is action


def example_named(stem: str) -> Path:
    return next(p for p in example_files() if p.stem == stem)


def to_review(flow: Flow, procedure_id: str) -> dict[str, object]:
    answers = raw_answers(example_named(procedure_id))
    open_to_prepare(flow, procedure_id)
    flow.next()
    session = flow.session
    assert session is not None
    while flow.view != View.REVIEW:
        for f in session.visible_fields():
            if f.id in answers:
                flow.answer(f.id, answers[f.id])
        assert flow.next() is Outcome.MOVED, session.errors
    return answers


def test_edit_from_the_review_and_back(procedures) -> None:
    flow = Flow(procedures, store=MemoryStore())
    to_review(flow, "etre-rappele")
    session = flow.session
    assert session is not None
    # « Modifier », then « Retour »: the review again, the answer as it was.
    flow.edit("nom")
    assert flow.view == View.STEP
    assert session.current_step.id == session.procedure.step_of_field["nom"].id
    flow.answer("nom", "Dominique Exemple")
    assert flow.back() is Outcome.MOVED
    assert flow.view == View.REVIEW and session.raw("nom") == "Camille Exemple"
    # « Modifier », a new answer, « Continuer »: back on the review with it.
    flow.edit("nom")
    flow.answer("nom", "Dominique Exemple")
    assert flow.next() is Outcome.MOVED
    assert flow.view == View.REVIEW and session.display("nom") == "Dominique Exemple"


def test_an_answer_to_fix_keeps_the_person_on_the_step(procedures) -> None:
    flow = Flow(procedures, store=MemoryStore())
    open_to_prepare(flow, "etre-rappele")
    flow.next()
    session = flow.session
    assert session is not None
    while not session.visible_fields():
        flow.next()  # the introduction
    step = session.current_step
    assert flow.next() is Outcome.INVALID  # nothing typed
    assert session.current_step is step and session.errors


def test_a_failed_save_then_retry(procedures) -> None:
    store = MemoryStore(failures=2)
    flow = Flow(procedures, store=store)
    stored: list[str] = []
    flow.stored.connect(stored.append)
    answers = to_review(flow, "etre-rappele")
    assert flow.next() is Outcome.MOVED  # the declaration
    flow.answer("accord", answers["accord"])
    assert flow.next() is Outcome.MOVED
    assert flow.view == View.CONFIRMATION and not flow.saved and store.kept == []
    screen = flow.screen()
    assert screen.next_action is NextAction.RETRY and not screen.print_offered
    assert flow.next() is Outcome.RETRIED and not flow.saved  # fails once more
    assert flow.next() is Outcome.RETRIED and flow.saved
    assert isinstance(flow.result, Submission)
    assert [s.id for s in store.kept] == stored == [flow.result.id]
    assert flow.screen().next_action is NextAction.FINISH
    assert flow.next() is Outcome.MOVED and flow.view == View.HOME


def test_a_kiosk_that_cannot_save_offers_training_only(procedures) -> None:
    """No twenty steps for nothing: a real request is not started."""
    store = MemoryStore()
    store.problem = "no keyring"
    flow = Flow(procedures, store=store)
    assert not flow.can_save and not flow.screen().can_save
    assert flow.open_categories(training=False) is False
    assert flow.view == View.HOME
    assert flow.open_categories(training=True) is True
    assert flow.view == View.CATEGORIES and flow.training


def test_an_unsaved_request_can_be_left(procedures) -> None:
    """A save that keeps failing never leaves the person stuck on « Réessayer »."""
    flow = Flow(procedures, store=MemoryStore(failures=100))
    answers = to_review(flow, "etre-rappele")
    flow.next()
    flow.answer("accord", answers["accord"])
    flow.next()
    assert flow.view == View.CONFIRMATION and not flow.saved
    screen = flow.screen()
    assert screen.next_action is NextAction.RETRY and screen.abandon_offered
    # The answers are kept while the person may try again.
    assert flow.session is not None and flow.session.raw("nom") == "Camille Exemple"
    flow.abandon()
    assert flow.view == View.HOME and flow.session is None and flow.result is None
    assert not flow.screen().abandon_offered


def test_a_real_outbox_as_the_store(procedures, isolated_environment) -> None:
    settings = Settings()
    store = OutboxStore(isolated_environment, settings)
    assert store.problem is None
    flow = Flow(procedures, store=store)
    answers = to_review(flow, "etre-rappele")
    flow.next()
    flow.answer("accord", answers["accord"])
    flow.next()
    assert flow.saved and store.waiting() == 1
    store.close()
    with Outbox.open(isolated_environment, settings) as outbox:
        assert outbox.counts().get("queued") == 1


def test_back_before_the_first_question_forgets_and_keeps_the_choice(procedures) -> None:
    flow = Flow(procedures, store=MemoryStore())
    wiped: list[None] = []
    flow.wiped.connect(wiped.append)
    open_to_prepare(flow, "etre-rappele")
    flow.next()
    assert flow.back() is Outcome.MOVED
    assert flow.view == View.PREPARE and flow.session is None and wiped
    assert flow.procedure is not None and flow.procedure.id == "etre-rappele"
    # « Retour » again and again: the way the person came.
    views = []
    while flow.back() is Outcome.MOVED:
        views.append(flow.view)
    assert views == [View.PROCEDURES, View.CATEGORIES, View.HOME]


def test_the_next_person_finds_french_at_100_percent(procedures) -> None:
    flow = Flow(procedures, store=MemoryStore())
    flow.set_locale("en")
    flow.cycle_text_size()
    flow.cycle_text_size()
    flow.toggle_contrast()
    open_to_prepare(flow, "etre-rappele")
    flow.next()
    assert flow.session is not None and flow.session.locale == "en"
    flow.go_home()  # « Revenir à l'accueil »: the same person keeps their choices
    assert (flow.locale, flow.scale, flow.high_contrast) == ("en", 2.0, True)
    flow.next_person()
    assert (flow.locale, flow.scale, flow.high_contrast) == ("fr", 1.0, False)


def test_an_assisted_session_names_its_mediator(procedures) -> None:
    flow = Flow(procedures, store=MemoryStore())
    flow.mediator_id = "m-042"
    open_to_prepare(flow, "etre-rappele")
    flow.next()
    assert flow.session is not None and flow.session.mode is Mode.ASSISTED
    assert flow.session.mediator_id == "m-042"


def test_the_status_line(procedures) -> None:
    store = MemoryStore()
    flow = Flow(procedures, store=store)
    assert flow.status_line().kind is StatusKind.UNKNOWN and flow.status_line().shown
    flow.set_sending(Sending(connected=True, waiting=0))
    assert flow.status_line().kind is StatusKind.CONNECTED
    flow.set_sending(Sending(enabled=False, waiting=2))
    assert flow.status_line().kind is StatusKind.NOT_LINKED
    assert flow.status_line().waiting == 2
    flow.set_sending(Sending(token_refused=True, needs_person=1))
    assert flow.status_line().kind is StatusKind.TOKEN_REFUSED
    store.problem = "no keyring"
    # Cannot save wins: "requests stay here" would contradict it.
    assert flow.status_line().kind is StatusKind.CANNOT_SAVE and not flow.can_save
    store.problem = None
    open_to_prepare(flow, "etre-rappele")
    assert not flow.status_line().shown  # for the mediator, not over what to prepare


def test_the_flow_imports_no_qt_and_little_else() -> None:
    """It is drawn before procedures load: importing it must stay cheap."""
    import subprocess

    code = (
        "import sys, kiosk.flow; "
        "heavy = [m for m in ('PySide6', 'kiosk.session', 'kiosk.procedure', 'yaml') "
        "if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
