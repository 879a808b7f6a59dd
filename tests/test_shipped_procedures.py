"""Every shipped procedure, walked end to end with its example answers."""

import json
import re
from collections import defaultdict

import pytest

from kiosk.i18n import pick
from kiosk.kinds import CATEGORIES
from kiosk.procedure import load_all
from kiosk.submission import Submission, canonical_json
from tests.helpers import example_files, play_example, procedure_id_of

REQUIRED_PROCEDURES = {
    "permis-perte-vol",
    "permis-renouvellement",
    "permis-premier",
    "carte-grise-changement-adresse",
    "vehicule-cession",
    "vehicule-changement-titulaire",
    "carte-grise-duplicata",
    "identite-predemande",
    "etre-rappele",
}

# Example files whose answers lead, by design, to a step that ends the procedure.
STOPPING_EXAMPLES = {"carte-grise-duplicata--vehicule-vole"}


@pytest.fixture(scope="module")
def shipped():
    procedures, problems = load_all()
    assert problems == []
    return {p.id: p for p in procedures}


def test_all_shipped_procedures_are_valid_and_present(shipped):
    assert set(shipped) >= REQUIRED_PROCEDURES
    for proc in shipped.values():
        assert proc.category in CATEGORIES
        assert {"fr", "en"} <= set(proc.locales)
        assert proc.sources and re.fullmatch(r"\d{4}-\d{2}-\d{2}", proc.checked)


def test_every_procedure_has_its_example(shipped):
    ids = {procedure_id_of(p) for p in example_files()}
    assert set(shipped) <= ids


@pytest.mark.parametrize("example", example_files(), ids=lambda p: p.stem)
def test_example_walks_end_to_end(example, shipped):
    name = example.stem
    session, outcome = play_example(name)
    assert outcome.unknown == []
    if name in STOPPING_EXAMPLES:
        assert outcome.stopped
        return
    assert outcome.errors == [], outcome.errors
    assert outcome.ignored == [], f"answers for questions never asked: {outcome.ignored}"
    sub = outcome.result
    assert isinstance(sub, Submission)
    doc = json.loads(sub.body)
    assert canonical_json(doc) == sub.body
    assert doc["procedure"]["id"] == procedure_id_of(example)
    visible = {f.id for step in session.visible_steps() for f in session.visible_fields(step)}
    assert set(doc["answers"]) <= visible
    assert {a["field"] for a in doc["attachments"]} <= visible
    # The example person is visibly an example.
    assert "Exemple" in sub.body.decode("utf-8")
    assert session.current_step.kind == "confirmation"


@pytest.mark.parametrize("example", example_files(), ids=lambda p: p.stem)
def test_example_walks_in_english(example):
    if example.stem in STOPPING_EXAMPLES:
        return
    _, outcome = play_example(example.stem, locale="en")
    assert outcome.result is not None and outcome.result.document()["locale"] == "en"


def test_examples_cover_every_branch(shipped):
    """Every conditional step or field is shown by some example and hidden by another."""
    shown: dict[str, set[str]] = defaultdict(set)
    for example in example_files():
        session, _ = play_example(example.stem)
        for step in session.visible_steps():
            shown[procedure_id_of(example)].add(f"step:{step.id}")
            shown[procedure_id_of(example)].update(
                f"field:{f.id}" for f in session.visible_fields(step)
            )
    counts: dict[str, int] = defaultdict(int)
    for example in example_files():
        counts[procedure_id_of(example)] += 1
    missing = []
    for proc in shipped.values():
        for step in proc.steps:
            if step.when and f"step:{step.id}" not in shown[proc.id]:
                missing.append(f"{proc.id}: step {step.id} ({step.when}) never shown")
            for f in step.fields:
                if f.when and f"field:{f.id}" not in shown[proc.id]:
                    missing.append(f"{proc.id}: field {f.id} ({f.when}) never shown")
    assert missing == []


def test_branching_procedures_have_several_examples(shipped):
    counts: dict[str, int] = defaultdict(int)
    for example in example_files():
        counts[procedure_id_of(example)] += 1
    for proc in shipped.values():
        branches = any(s.when for s in proc.steps) or any(f.when for f in proc.fields.values())
        if branches:
            assert counts[proc.id] >= 2, proc.id


def test_unconfirmed_fees_are_never_enforced(shipped):
    # An unconfirmed fee is information: it comes with words saying so.
    unconfirmed = [fee for proc in shipped.values() for fee in proc.fees if not fee.confirmed]
    assert unconfirmed
    assert all(fee.note for fee in unconfirmed)
    # The code de cession's length is unconfirmed: no length rule on it.
    for proc in shipped.values():
        for f in proc.fields.values():
            if "cession" in f.id and f.type == "text":
                assert not {"min_length", "max_length", "pattern"} & set(f.constraints), f.id


def test_french_texts_are_short_sentences(shipped):
    """Easy-to-read French: most sentences of about 12 words or fewer."""
    long_sentences = []
    total = 0

    def sentences(text: str) -> list[str]:
        return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]

    for proc in shipped.values():
        texts = [pick(s.text, "fr") for s in proc.steps if s.text]
        texts += [pick(f.label, "fr") for f in proc.fields.values()]
        texts += [pick(f.help, "fr") for f in proc.fields.values() if f.help]
        for text in texts:
            for sentence in sentences(text):
                total += 1
                if len(sentence.split()) > 16:
                    long_sentences.append(f"{proc.id}: {sentence}")
    assert total > 300
    assert len(long_sentences) <= total * 0.03, long_sentences


def test_formatted_questions_have_examples(shipped):
    for proc in shipped.values():
        for f in proc.fields.values():
            ftype = proc.field_types[f.id]
            if ftype.has_format:
                assert f.example and f.example.get("fr") and f.example.get("en"), (proc.id, f.id)
