import itertools
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.answers_file import play
from kiosk.procedure import find_procedure
from kiosk.session import FinalizeRefused, Mode, Session, SessionError
from kiosk.submission import Submission, TrainingSubmission, canonical_json
from tests.helpers import EXAMPLES, example, example_files, play_example, procedure_id_of

PARIS = timezone(timedelta(hours=1))
FIXED = datetime(2026, 11, 29, 10, 15, 2, tzinfo=PARIS)


@pytest.fixture
def perte_vol():
    return find_procedure("permis-perte-vol")


def new_session(procedure, **kwargs):
    return Session(procedure, now=lambda: FIXED, **kwargs)


def advance_to(session, step_id, answers):
    """Answer and continue until the session stands on step_id."""
    for _ in range(40):
        if session.current_step.id == step_id:
            return
        for f in session.visible_fields():
            if f.id in answers:
                session.answer(f.id, answers[f.id])
        assert session.next(), (session.current_step.id, session.errors)
    raise AssertionError(f"never reached {step_id}")


def answers_with_files(name):
    data = example(name)
    return {**data.answers, **{k: str(v) for k, v in data.attachments.items()}}


def test_next_refuses_invalid_step_with_errors_per_field(perte_vol):
    s = new_session(perte_vol)
    assert s.current_step.id == "introduction"
    assert s.next()
    assert s.current_step.id == "motif"
    assert not s.next()
    assert set(s.errors) == {"motif"}
    assert s.error_text("motif") == "Cette réponse est obligatoire."
    s.answer("motif", "vol")
    assert "motif" not in s.errors  # answering clears the field's error
    assert s.next()
    assert s.current_step.id == "date_vol"


def test_back_keeps_answers(perte_vol):
    s = new_session(perte_vol)
    advance_to(s, "prenoms", answers_with_files("permis-perte-vol"))
    s.answer("prenoms", "Camille")
    assert s.back() and s.current_step.id == "nom_usage"
    assert s.back() and s.current_step.id == "nom"
    assert s.raw("nom") == "Exemple"
    assert s.next() and s.next()
    assert s.raw("prenoms") == "Camille"
    s.back()
    while s.back():
        pass
    assert s.current_step.id == "introduction"
    assert not s.can_go_back


def test_progress_counts_visible_steps(perte_vol):
    s = new_session(perte_vol)
    assert s.progress[0] == 1
    advance_to(s, "date_perte", {"motif": "perte"})
    i_perte, n_perte = s.progress
    assert i_perte == 3
    s.back()
    s.answer("motif", "deterioration")
    s.next()
    i_det, n_det = s.progress
    # Damage: no loss date, but a "hand in the licence" question; no medical step.
    assert s.current_step.id == "nom"
    assert i_det == 3
    assert n_det <= n_perte  # the steps of a loss no longer count


class _Watched(Session):
    """A session noting "Étape i sur n" at every step it reaches."""

    seen: list[tuple[int, int]]

    def next(self) -> bool:
        moved = super().next()
        self.seen.append(self.progress)
        return moved


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
def test_the_step_total_never_grows_as_the_person_answers(path):
    """A total that rose ("1 sur 16", then "2 sur 20") read as if the
    procedure were growing: steps that may still be asked count from the
    start, and drop out once an answer rules them out."""
    session = _Watched(find_procedure(procedure_id_of(path)))
    session.seen = [session.progress]
    play(session, example(path.stem))
    totals = [n for _, n in session.seen]
    assert all(later <= earlier for earlier, later in itertools.pairwise(totals)), session.seen
    steps = [i for i, _ in session.seen]
    assert steps == sorted(steps) and steps[0] == 1
    if session.current_step.kind == "declaration":
        # At the end the count is exact: the steps the person went through.
        assert session.progress == (len(session.visible_steps()) - 1,) * 2


def test_hidden_answers_are_not_sent(perte_vol):
    s = new_session(perte_vol)
    answers = answers_with_files("permis-perte-vol--vol")
    advance_to(s, "nom", answers)
    assert s.raw("date_vol")
    # Change of mind: it was lost, not stolen.
    while s.current_step.id != "motif":
        s.back()
    s.answer("motif", "perte")
    answers = {**answers, "motif": "perte", "date_perte": "00/10/2026"}
    advance_to(s, "declaration", answers)
    s.answer("consentement", True)
    result = s.finalize()
    doc = result.document()
    assert doc["answers"]["motif"] == "perte"
    assert "date_vol" not in doc["answers"]
    assert "declaration_vol" not in {a["field"] for a in doc["attachments"]}
    assert s.raw("date_vol")  # kept in case the person switches back, but not sent


def test_edit_from_review_returns_to_review(perte_vol):
    s = new_session(perte_vol)
    answers = answers_with_files("permis-perte-vol")
    advance_to(s, "verification", answers)
    lines = {line.field.id: line.shown for line in s.review_lines()}
    assert lines["date_naissance"] == "15/03/1950"
    assert lines["telephone"] == "06 12 34 56 78"
    s.edit("telephone")
    assert s.current_step.id == "telephone" and s.editing_from_review
    s.answer("telephone", "0690 12 34 56")
    assert s.next()
    assert s.current_step.id == "verification"
    assert not s.editing_from_review
    assert s.display("telephone") == "06 90 12 34 56"


def test_back_during_edit_cancels_it(perte_vol):
    s = new_session(perte_vol)
    advance_to(s, "verification", answers_with_files("permis-perte-vol"))
    s.edit("nom")
    s.answer("nom", "Autre")
    assert s.back()
    assert s.current_step.id == "verification"
    assert s.raw("nom") == "Exemple"


def test_edit_that_opens_a_branch_asks_the_new_question_first(perte_vol):
    s = new_session(perte_vol)
    advance_to(s, "verification", answers_with_files("permis-perte-vol"))
    s.edit("motif")
    s.answer("motif", "vol")
    assert s.next()
    assert s.current_step.id == "date_vol"  # a new question, not yet answered
    s.answer("date_vol", "02/11/2026")
    assert s.next()
    # The theft declaration scan is now required.
    assert s.current_step.id == "documents"
    assert not s.next()
    assert set(s.errors) == {"declaration_vol"}
    s.answer("declaration_vol", str(EXAMPLES / "files" / "exemple-declaration-vol.pdf"))
    assert s.next()
    assert s.current_step.id == "verification"


def test_locale_switch_midway_keeps_answers_and_translates_errors(perte_vol):
    s = new_session(perte_vol)
    advance_to(s, "telephone", answers_with_files("permis-perte-vol"))
    s.answer("telephone", "12")
    assert not s.next()
    assert s.error_text("telephone").startswith("Un numéro a 10 chiffres")
    s.set_locale("en")
    assert s.error_text("telephone").startswith("A number has 10 digits")
    assert s.t(s.current_step.heading) == "What is your phone number?" or s.locale == "en"
    assert s.display("date_naissance") == "15/03/1950"
    s.answer("telephone", "06 12 34 56 78")
    assert s.next()
    with pytest.raises(SessionError):
        s.set_locale("xx")


def test_finalize_produces_protocol_document(perte_vol):
    s = new_session(perte_vol, mode=Mode.ASSISTED, mediator_id="m-042", locale="fr")
    answers = answers_with_files("permis-perte-vol")
    advance_to(s, "declaration", answers)
    s.answer("consentement", True)
    sub = s.finalize()
    assert isinstance(sub, Submission)
    doc = json.loads(sub.body)
    assert set(doc) == {
        "protocol", "id", "procedure", "created_at", "kiosk", "locale", "mode",
        "mediator", "answers", "attachments", "consent",
    }  # fmt: skip
    assert doc["protocol"] == 1
    assert doc["id"] == sub.id and re.fullmatch(r"[0-9a-f-]{36}", sub.id)
    assert doc["procedure"] == {"id": "permis-perte-vol", "version": perte_vol.version}
    assert doc["created_at"] == "2026-11-29T10:15:02+01:00"
    assert doc["mode"] == "assisted" and doc["mediator"] == {"id": "m-042"}
    assert doc["consent"] == {
        "text_id": "consent-2026-11",
        "accepted_at": "2026-11-29T10:15:02+01:00",
    }
    assert doc["answers"]["date_naissance"] == "1950-03-15"
    assert doc["answers"]["telephone"] == "+33612345678"
    assert doc["answers"]["adresse"]["insee"] == "08105"
    assert doc["answers"]["avis_medical_requis"] is False
    assert "consentement" not in doc["answers"]
    assert "nom_usage" not in doc["answers"]  # left empty
    [piece] = [a for a in doc["attachments"] if a["field"] == "piece_identite"]
    assert piece["media_type"] == "image/png" and len(piece["sha256"]) == 64
    assert {a.sha256 for a in sub.attachments} == {a["sha256"] for a in doc["attachments"]}
    assert s.current_step.kind == "confirmation"
    assert s.finished and not s.can_go_back


def test_body_is_canonical_and_stable():
    _, outcome = play_example("identite-predemande")
    body = outcome.result.body
    assert canonical_json(json.loads(body)) == body
    text = body.decode("utf-8")
    assert "Charleville-Mézières" in text  # non-ASCII as itself
    assert "\\u00e9" not in text
    keys = list(json.loads(body))
    assert keys == sorted(keys)
    with pytest.raises(AttributeError):
        outcome.result.body = b"{}"  # frozen


def test_same_answers_same_moment_give_identical_bytes(monkeypatch):
    import uuid

    import kiosk.session as session_module

    fixed = uuid.UUID("6f1c0e9a-4b7d-4a8e-9a53-2f7a1c9e0d11")
    monkeypatch.setattr(session_module.uuid, "uuid4", lambda: fixed)
    bodies = set()
    for _ in range(2):
        _, outcome = play_example("vehicule-cession", now=lambda: FIXED)
        bodies.add(outcome.result.body)
    assert len(bodies) == 1


def test_training_finalizes_to_something_that_cannot_be_queued():
    _, outcome = play_example("etre-rappele", mode=Mode.TRAINING)
    result = outcome.result
    assert isinstance(result, TrainingSubmission)
    assert not isinstance(result, Submission)
    assert not hasattr(result, "body")
    assert result.answers["telephone"] == "+33612345678"


def test_modes_and_mediator(perte_vol):
    with pytest.raises(SessionError):
        Session(perte_vol, mode="assisted")
    with pytest.raises(SessionError):
        Session(perte_vol, mode="self_service", mediator_id="m-1")
    _, outcome = play_example("etre-rappele")
    doc = outcome.result.document()
    assert doc["mode"] == "self_service" and doc["mediator"] is None


def test_finalize_only_from_a_valid_declaration(perte_vol):
    s = new_session(perte_vol)
    with pytest.raises(SessionError):
        s.finalize()
    advance_to(s, "declaration", answers_with_files("permis-perte-vol"))
    with pytest.raises(FinalizeRefused) as refused:
        s.finalize()
    assert set(refused.value.errors) == {"consentement"}
    assert s.error_text("consentement") == "Pour envoyer votre demande, cochez la case."
    with pytest.raises(SessionError):
        s.next()


def test_finalize_rechecks_everything(perte_vol):
    s = new_session(perte_vol)
    advance_to(s, "declaration", answers_with_files("permis-perte-vol"))
    # An answer changed behind the screens' back is caught at finalize.
    s.answer("neph", "12")
    s.answer("consentement", True)
    with pytest.raises(FinalizeRefused) as refused:
        s.finalize()
    assert refused.value.step.id == "neph"
    assert s.current_step.id == "neph"


def test_wipe_forgets_everything(perte_vol):
    s = new_session(perte_vol)
    advance_to(s, "verification", answers_with_files("permis-perte-vol"))
    s.wipe()
    assert s.current_step.id == "introduction"
    assert all(s.raw(f) is None for f in perte_vol.fields)
    assert "Exemple" not in repr(vars(s))


def test_stop_step_ends_the_procedure():
    s, outcome = play_example("carte-grise-duplicata--vehicule-vole")
    assert outcome.stopped and outcome.result is None
    assert s.current_step.stop
    assert not s.next()
    assert s.back()


def test_unknown_field_and_finished_session_are_program_errors(perte_vol):
    s = new_session(perte_vol)
    with pytest.raises(SessionError):
        s.answer("nope", "x")
    with pytest.raises(SessionError):
        s.edit("nom")
