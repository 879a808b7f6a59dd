"""The outbox: durable, encrypted, one transaction per change, clear errors."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from kiosk.config import Settings
from kiosk.keystore import MissingKeyError
from kiosk.outbox import (
    DB_NAME,
    OUTCOMES,
    SCHEMA_MAJOR,
    STATES,
    Attempt,
    ConflictingSubmissionError,
    CorruptDatabaseError,
    DiskFullError,
    NewerSchemaError,
    Outbox,
    OutboxError,
    PayloadDeletedError,
    ReadOnlyError,
    StateError,
    WrongKeyError,
)
from kiosk.protocol import canonical_json
from kiosk.session import Mode
from kiosk.submission import AttachmentBlob, Submission
from tests.helpers import example_files, play_example

KEY = bytes(range(32))
T0 = 1_800_000_000.0


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def data_dir(isolated_environment: Path) -> Path:
    isolated_environment.mkdir(parents=True, exist_ok=True)
    return isolated_environment


@pytest.fixture
def db_path(data_dir: Path) -> Path:
    return data_dir / DB_NAME


@pytest.fixture
def box(db_path: Path, clock: Clock) -> Iterator[Outbox]:
    with Outbox(db_path, KEY, now=clock, flag_after_s=3600) as outbox:
        yield outbox


def make_submission(n_attachments: int = 1, size: int = 2000, **changes: object) -> Submission:
    """A small synthetic submission (the real ones come from the shipped examples)."""
    sub_id = str(uuid.uuid4())
    blobs = []
    for i in range(n_attachments):
        data = os.urandom(size)
        blobs.append(
            AttachmentBlob(
                f"piece_{i}", hashlib.sha256(data).hexdigest(), size, "image/png", f"p{i}.png", data
            )
        )
    document = {
        "id": sub_id,
        "answers": {"nom": "Synthétique"},
        "attachments": [{"sha256": b.sha256} for b in blobs],
    }
    sub = Submission(
        id=sub_id,
        local_reference="ABCD-EFGH-1",
        procedure_id="etre-rappele",
        procedure_version="2026.11",
        created_at="2026-11-29T10:15:02+01:00",
        mode="self_service",
        body=canonical_json(document),
        attachments=tuple(blobs),
    )
    return dataclasses.replace(sub, **changes) if changes else sub  # type: ignore[arg-type]


def real_submission(name: str = "permis-perte-vol") -> Submission:
    result = play_example(name)[1].result
    assert isinstance(result, Submission), f"the example {name} does not finalize"
    return result


@cache
def shipped_submissions() -> tuple[Submission, ...]:
    subs = []
    for path in example_files():
        result = play_example(path.stem)[1].result
        if isinstance(result, Submission):
            subs.append(result)
    return tuple(subs)


def one_sentence(text: str) -> bool:
    return text.endswith(".") and re.search(r"[.!?;]\s+[A-Z]", text) is None


# -- enqueue ---------------------------------------------------------------------------------


def test_enqueue_keeps_bytes_and_metadata(box: Outbox, clock: Clock) -> None:
    sub = real_submission()
    item = box.enqueue(sub)
    assert item.id == sub.id
    assert (item.procedure_id, item.procedure_version) == (sub.procedure_id, sub.procedure_version)
    assert (item.local_reference, item.mode, item.created_at) == (
        sub.local_reference,
        sub.mode,
        sub.created_at,
    )
    assert item.state == "queued" and item.attempts == 0 and not item.needs_person
    assert item.enqueued_at == item.next_attempt_at == T0
    assert item.server_reference is item.sent_at is item.first_failure_at is None
    assert [(a.field, a.sha256, a.size, a.media_type, a.filename) for a in item.attachments] == [
        (a.field, a.sha256, a.size, a.media_type, a.filename) for a in sub.attachments
    ]
    assert box.payload(sub.id) == sub.body
    for a in sub.attachments:
        assert box.attachment_data(sub.id, a.sha256) == a.data
    assert box.get(sub.id) == item
    assert box.counts() == {
        "queued": 1,
        "sending": 0,
        "sent": 0,
        "rejected": 0,
        "conflict": 0,
        "needs_person": 0,
        "total": 1,
    }


def test_enqueue_accepts_only_submissions(box: Outbox) -> None:
    training = play_example("etre-rappele", mode=Mode.TRAINING)[1].result
    assert training is not None and not isinstance(training, Submission)
    with pytest.raises(TypeError, match="training"):
        box.enqueue(training)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        box.enqueue({"id": "x"})  # type: ignore[arg-type]
    assert box.counts()["total"] == 0


def test_enqueue_twice_is_idempotent_but_other_bytes_are_refused(box: Outbox) -> None:
    sub = make_submission()
    first = box.enqueue(sub)
    assert box.enqueue(sub) == first
    with pytest.raises(ConflictingSubmissionError, match="different content"):
        box.enqueue(dataclasses.replace(sub, body=sub.body + b" "))
    assert box.counts()["total"] == 1
    assert box.payload(sub.id) == sub.body
    # Still idempotent after delivery, when the content itself is gone.
    box.mark_sent(sub.id, "R-1", 201)
    assert box.enqueue(sub).state == "sent"


def test_enqueue_refuses_an_attachment_that_does_not_match_its_digest(box: Outbox) -> None:
    sub = make_submission()
    bad = dataclasses.replace(sub.attachments[0], data=b"other bytes", size=11)
    with pytest.raises(ValueError, match="SHA-256"):
        box.enqueue(dataclasses.replace(sub, attachments=(bad,)))
    assert box.counts()["total"] == 0


def _rows(db_path: Path) -> dict[str, int]:
    with sqlite3.connect(db_path) as conn:
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in
                  ("items", "attachments", "attempts")}  # fmt: skip
    conn.close()
    return counts


def test_enqueue_failing_in_the_middle_leaves_nothing(box: Outbox, db_path: Path) -> None:
    kept = box.enqueue(make_submission())
    # The second attachment row fails, after the item row and the first attachment.
    box.conn.execute(
        "CREATE TRIGGER fail_second BEFORE INSERT ON attachments WHEN NEW.position = 1 "
        "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
    )
    sub = make_submission(n_attachments=3)
    with pytest.raises(OutboxError):
        box.enqueue(sub)
    box.conn.execute("DROP TRIGGER fail_second")
    with pytest.raises(KeyError):
        box.get(sub.id)
    assert _rows(db_path) == {"items": 1, "attachments": 1, "attempts": 0}
    assert box.payload(kept.id)
    assert box.enqueue(sub).state == "queued"  # and it works once the cause is gone


def test_disk_full_is_a_clear_error_and_loses_nothing(box: Outbox, db_path: Path) -> None:
    waiting = [box.enqueue(make_submission()) for _ in range(3)]
    # SQLite's own "database or disk is full" (SQLITE_FULL): the file may not grow.
    pages = box.conn.execute("PRAGMA page_count").fetchone()[0]
    box.conn.execute(f"PRAGMA max_page_count = {pages}")
    big = make_submission(n_attachments=2, size=200_000)
    with pytest.raises(DiskFullError) as caught:
        box.enqueue(big)
    message = str(caught.value)
    assert "disk is full" in message and "nothing already waiting was lost" in message
    assert one_sentence(message)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    with pytest.raises(KeyError):
        box.get(big.id)
    assert [i.id for i in box.items()] == sorted(i.id for i in waiting)
    for item in waiting:
        assert box.payload(item.id)
    box.conn.execute("PRAGMA max_page_count = 1073741823")
    assert box.enqueue(big).state == "queued"


def test_read_only_database_is_a_clear_error_and_loses_nothing(box: Outbox) -> None:
    # Tests run as root, which ignores file modes: query_only gives SQLite's own
    # "attempt to write a readonly database" (SQLITE_READONLY) on this connection.
    waiting = box.enqueue(make_submission())
    box.conn.execute("PRAGMA query_only = ON")
    sub = make_submission()
    with pytest.raises(ReadOnlyError, match="read-only") as caught:
        box.enqueue(sub)
    assert one_sentence(str(caught.value))
    with pytest.raises(ReadOnlyError):
        box.mark_sending(waiting.id)
    assert box.get(waiting.id).state == "queued"
    assert box.payload(waiting.id)
    box.conn.execute("PRAGMA query_only = OFF")
    with pytest.raises(KeyError):
        box.get(sub.id)


def test_a_data_directory_that_cannot_be_created_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(OutboxError, match="queue folder"):
        Outbox.open(blocker / "data")


# -- ordering and due items -------------------------------------------------------------------


def test_items_are_oldest_first_then_by_id(box: Outbox, clock: Clock) -> None:
    same_time = [box.enqueue(make_submission()) for _ in range(3)]
    clock.advance(1)
    later = box.enqueue(make_submission())
    clock.advance(-10)  # a clock that went back
    earlier = box.enqueue(make_submission())
    expected = [earlier.id, *sorted(i.id for i in same_time), later.id]
    assert [i.id for i in box.items()] == expected
    assert [i.id for i in box.items(limit=2)] == expected[:2]
    assert box.items(state="sent") == []
    with pytest.raises(ValueError, match="unknown state"):
        box.items(state="lost")


def test_next_due_and_next_wake(box: Outbox, clock: Clock) -> None:
    assert box.next_due() is None and box.next_wake() is None
    a = box.enqueue(make_submission())
    clock.advance(1)
    b = box.enqueue(make_submission())
    assert box.next_due().id == a.id  # type: ignore[union-attr]
    box.mark_sending(a.id)
    assert box.next_due().id == b.id  # type: ignore[union-attr]
    box.record_failure(a.id, status=503, error="HTTP 503", retry_at=T0 + 100)
    box.mark_sending(b.id)
    box.record_failure(b.id, status=None, error="timeout", retry_at=T0 + 50)
    assert box.next_due() is None
    assert box.next_wake() == T0 + 50
    assert box.next_due(now=T0 + 50).id == b.id  # type: ignore[union-attr]
    assert box.next_due(now=T0 + 100).id == a.id  # type: ignore[union-attr]
    assert box.make_all_due() == 2
    assert box.next_wake() == clock()
    assert box.next_due().id == a.id  # type: ignore[union-attr]
    assert box.make_all_due() == 0


# -- transitions ------------------------------------------------------------------------------


def test_sent_keeps_the_receipt_and_deletes_the_content(box: Outbox, clock: Clock) -> None:
    sub = real_submission()
    box.enqueue(sub)
    box.mark_sending(sub.id)
    assert box.get(sub.id).state == "sending"
    assert box.next_due() is None
    clock.advance(2)
    box.mark_sent(sub.id, "BO-2026-0001", 201)
    item = box.get(sub.id)
    assert item.state == "sent" and item.server_reference == "BO-2026-0001"
    assert item.sent_at == T0 + 2 and item.attempts == 1 and item.last_status == 201
    assert item.local_reference == sub.local_reference and item.attachments == ()
    assert box.attempts_of(sub.id) == [Attempt(T0 + 2, "sent", 201, None)]
    with pytest.raises(PayloadDeletedError):
        box.payload(sub.id)
    with pytest.raises(PayloadDeletedError):
        box.attachment_data(sub.id, sub.attachments[0].sha256)
    box.mark_sent(sub.id, "BO-other", 200)  # a late replay changes nothing
    assert box.get(sub.id).server_reference == "BO-2026-0001"
    with pytest.raises(StateError):
        box.record_failure(sub.id, status=503, error="HTTP 503", retry_at=T0)
    with pytest.raises(StateError):
        box.retry(sub.id)
    with pytest.raises(StateError):
        box.mark_sending(sub.id)


def test_unknown_items_raise_key_error(box: Outbox) -> None:
    calls = [
        lambda: box.get("nope"),
        lambda: box.payload("nope"),
        lambda: box.attachment_data("nope", "0" * 64),
        lambda: box.attempts_of("nope"),
        lambda: box.mark_sending("nope"),
        lambda: box.mark_sent("nope", "R", 201),
        lambda: box.record_failure("nope", status=None, error="x", retry_at=0),
        lambda: box.mark_rejected("nope", status=422, error="x"),
        lambda: box.mark_conflict("nope", status=409),
        lambda: box.record_auth_failure("nope", status=401),
        lambda: box.retry("nope"),
    ]
    for call in calls:
        with pytest.raises(KeyError):
            call()


def test_failures_back_off_and_flag_after_flag_after_s(box: Outbox, clock: Clock) -> None:
    sub = make_submission()
    box.enqueue(sub)
    for n in range(1, 4):
        box.mark_sending(sub.id)
        box.record_failure(sub.id, status=503, error="HTTP 503", retry_at=clock() + 10)
        item = box.get(sub.id)
        assert item.state == "queued" and item.attempts == n
        assert item.first_failure_at == T0 and item.next_attempt_at == clock() + 10
        assert not item.needs_person
        clock.advance(1000)
    # The 4th failure comes 3000 s after the first: not yet flag_after_s (3600).
    box.mark_sending(sub.id)
    box.record_failure(sub.id, status=503, error="HTTP 503", retry_at=clock() + 10)
    assert not box.get(sub.id).needs_person
    clock.advance(600)
    box.mark_sending(sub.id)
    box.record_failure(
        sub.id,
        status=None,
        error="unreachable",
        retry_at=clock() + 5,
        outcome="missing_attachments",
    )
    item = box.get(sub.id)
    assert item.needs_person and item.state == "queued"  # flagged, still retried
    assert item.last_status is None and item.last_error == "unreachable"
    assert box.counts()["needs_person"] == 1
    assert [a.outcome for a in box.attempts_of(sub.id)] == ["transient"] * 4 + [
        "missing_attachments"
    ]
    assert box.next_due(now=clock() + 5).id == sub.id  # type: ignore[union-attr]
    with pytest.raises(ValueError):
        box.record_failure(sub.id, status=None, error="x", retry_at=0, outcome="sent")


def test_error_texts_are_one_short_line(box: Outbox) -> None:
    sub = make_submission()
    box.enqueue(sub)
    box.record_failure(sub.id, status=502, error="HTTP 502\n" + "<html>" * 500, retry_at=T0)
    item = box.get(sub.id)
    assert item.last_error is not None and len(item.last_error) <= 200
    assert "\n" not in item.last_error
    assert box.attempts_of(sub.id)[0].error == item.last_error


def test_rejected_needs_a_person_and_can_be_retried(box: Outbox, clock: Clock) -> None:
    sub = make_submission()
    box.enqueue(sub)
    box.mark_sending(sub.id)
    details = [{"field": "nom", "message": "trop long"}]
    box.mark_rejected(sub.id, status=422, error="HTTP 422 invalid", details=details)
    item = box.get(sub.id)
    assert item.state == "rejected" and item.needs_person and item.rejection == details
    assert item.last_status == 422 and item.attempts == 1
    assert box.next_due(now=T0 + 10**9) is None
    assert box.payload(sub.id) == sub.body  # kept until delivered
    assert box.purge(now=T0 + 10**9) == 0  # a person must see it: never purged
    clock.advance(60)
    box.retry(sub.id)
    item = box.get(sub.id)
    assert item.state == "queued" and not item.needs_person and item.rejection is None
    assert item.next_attempt_at == T0 + 60 and item.first_failure_at is None
    assert box.next_due().id == sub.id  # type: ignore[union-attr]


def test_conflict_is_never_retried_automatically(box: Outbox, clock: Clock) -> None:
    sub = make_submission()
    box.enqueue(sub)
    box.mark_sending(sub.id)
    box.mark_conflict(sub.id, status=409)
    item = box.get(sub.id)
    assert item.state == "conflict" and item.needs_person and item.last_status == 409
    assert box.make_all_due(now=T0 + 10**6) == 0
    assert box.recover_interrupted() == 0
    assert box.next_due(now=T0 + 10**9) is None and box.next_wake() is None
    assert box.counts()["conflict"] == 1
    box.retry(sub.id)
    assert box.get(sub.id).state == "queued" and not box.get(sub.id).needs_person


def test_auth_failure_keeps_the_item_as_it_was(box: Outbox, clock: Clock) -> None:
    sub = make_submission()
    box.enqueue(sub)
    box.mark_sending(sub.id)
    box.record_failure(sub.id, status=503, error="HTTP 503", retry_at=T0 + 30)
    clock.advance(30)
    box.mark_sending(sub.id)
    box.record_auth_failure(sub.id, status=401)
    item = box.get(sub.id)
    assert item.state == "queued" and item.attempts == 1 and item.next_attempt_at == T0 + 30
    assert item.last_status == 401 and not item.needs_person
    assert box.attempts_of(sub.id)[-1] == Attempt(T0 + 30, "auth", 401, item.last_error)


def test_pause_is_queue_wide_and_stored(box: Outbox, db_path: Path) -> None:
    assert box.paused() is None
    box.set_paused("auth: the back-office refused the device token (HTTP 401)")
    with Outbox(db_path, KEY) as other:
        assert other.paused() == "auth: the back-office refused the device token (HTTP 401)"
        other.set_paused(None)
    assert box.paused() is None


def test_recover_interrupted_requeues_sending_items(db_path: Path, clock: Clock) -> None:
    with Outbox(db_path, KEY, now=clock) as box:
        a = box.enqueue(make_submission())
        clock.advance(1)
        b = box.enqueue(make_submission())
        box.mark_sending(a.id)
    # The process died mid-send; at the next start-up:
    clock.advance(100)
    with Outbox(db_path, KEY, now=clock) as box:
        assert box.get(a.id).state == "sending"
        assert box.recover_interrupted() == 1
        assert box.get(a.id).state == "queued" and box.get(b.id).state == "queued"
        assert box.next_due().id == a.id  # type: ignore[union-attr]
        assert box.recover_interrupted() == 0


def test_retry_all(box: Outbox, clock: Clock) -> None:
    subs = [make_submission() for _ in range(4)]
    for s in subs:
        box.enqueue(s)
    box.mark_rejected(subs[0].id, status=400, error="HTTP 400")
    box.mark_conflict(subs[1].id, status=409)
    box.record_failure(subs[2].id, status=503, error="HTTP 503", retry_at=T0 + 500)
    box.mark_sent(subs[3].id, "R-3", 201)
    clock.advance(10)
    assert box.retry_all() == 3
    assert [i.id for i in box.items(state="queued")] == sorted(s.id for s in subs[:3])
    assert all(i.next_attempt_at <= clock() and not i.needs_person for i in box.items("queued"))
    assert box.get(subs[3].id).state == "sent"


def test_outcomes_and_states_are_the_protocol_ones() -> None:
    assert STATES == ("queued", "sending", "sent", "rejected", "conflict")
    assert set(OUTCOMES) == {"sent", "transient", "rejected", "conflict", "auth",
                             "missing_attachments"}  # fmt: skip


# -- retention ---------------------------------------------------------------------------------


def test_retention_of_content_and_history(db_path: Path, clock: Clock) -> None:
    with Outbox(
        db_path, KEY, now=clock, retention_payload_s=3600, retention_history_s=90 * 86400
    ) as box:
        sub, other = make_submission(), make_submission()
        box.enqueue(sub)
        box.enqueue(other)
        box.mark_sent(sub.id, "R-1", 201)
        assert box.payload(sub.id) == sub.body  # kept for an hour
        assert box.get(sub.id).attachments
        assert box.purge(now=T0 + 3599) == 0
        assert box.payload(sub.id) == sub.body
        assert box.purge(now=T0 + 3600) == 0  # content goes, the receipt stays
        with pytest.raises(PayloadDeletedError):
            box.payload(sub.id)
        item = box.get(sub.id)
        assert item.server_reference == "R-1" and item.attachments == ()
        assert box.purge(now=T0 + 90 * 86400 - 1) == 0
        assert box.purge(now=T0 + 90 * 86400) == 1
        with pytest.raises(KeyError):
            box.get(sub.id)
        assert box.payload(other.id) == other.body  # queued items are never purged
        assert _rows(db_path) == {"items": 1, "attachments": 1, "attempts": 0}


def test_open_applies_settings(data_dir: Path, clock: Clock) -> None:
    settings = Settings(flag_after_h=2, retention_payload_s=60, retention_history_days=1)
    with Outbox.open(data_dir, settings, now=clock) as box:
        assert (box.flag_after_s, box.retention_payload_s, box.retention_history_s) == (
            7200,
            60,
            86400,
        )
        assert box.db_path == data_dir / DB_NAME


def test_open_applies_retention(data_dir: Path, clock: Clock) -> None:
    with Outbox.open(data_dir, now=clock) as box:
        sent, waiting = make_submission(), make_submission()
        box.enqueue(sent)
        box.enqueue(waiting)
        box.mark_sent(sent.id, "R-1", 201)
    clock.advance(90 * 86400)
    with Outbox.open(data_dir, now=clock) as box:
        assert [i.id for i in box.items()] == [waiting.id]


# -- encryption -------------------------------------------------------------------------------


def test_nothing_personal_is_readable_in_the_data_directory(data_dir: Path) -> None:
    subs = shipped_submissions()
    assert len(subs) >= len(example_files()) - 2, "most shipped examples should finalize"
    blobs = {a.sha256: a.data for s in subs for a in s.attachments}
    assert blobs
    needles = [b"Exemple", b"exemple", b"Camille", b"+33612345678", b"1234567890123456",
               "Mézières".encode(), b"06 12 34 56 78"]  # fmt: skip
    # The needles are really in the plain content, so finding none below means something.
    for needle in (b"Exemple", b"Camille", b"+33612345678", b"1234567890123456"):
        assert any(needle in s.body for s in subs), needle
    # Distinctive slices of each attachment (its first bytes are a common file header).
    needles += [data[len(data) // 2 : len(data) // 2 + 32] for data in blobs.values()]

    def leaks() -> list[tuple[str, bytes]]:
        found = []
        for path in sorted(data_dir.rglob("*")):
            if path.is_file():
                content = path.read_bytes()
                found += [(path.name, n[:20]) for n in needles if n in content]
        return found

    with Outbox.open(data_dir) as box:
        for s in subs:
            box.enqueue(s)
        files = {p.name for p in data_dir.iterdir()}
        assert {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"} <= files
        assert (data_dir / f"{DB_NAME}-wal").stat().st_size > 0
        assert leaks() == []
        assert box.payload(subs[0].id) == subs[0].body
    assert leaks() == []  # after the checkpoint into the main file too


def test_blobs_cannot_be_swapped_between_rows(box: Outbox, db_path: Path) -> None:
    a, b = make_submission(), make_submission()
    box.enqueue(a)
    box.enqueue(b)
    box.conn.execute(
        "UPDATE items SET payload = (SELECT payload FROM items WHERE id = ?) WHERE id = ?",
        (a.id, b.id),
    )
    with pytest.raises(WrongKeyError):
        box.payload(b.id)
    assert box.payload(a.id) == a.body


def test_a_wrong_key_is_refused_clearly(db_path: Path) -> None:
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
    with pytest.raises(WrongKeyError) as caught:
        Outbox(db_path, bytes(32))
    assert "does not open" in str(caught.value) and "untouched" in str(caught.value)
    with pytest.raises(ValueError):
        Outbox(db_path, b"short")


def test_a_key_missing_from_the_key_store_is_not_replaced(data_dir: Path) -> None:
    import keyring

    from kiosk.keystore import SERVICE, data_key_name

    with Outbox.open(data_dir) as box:
        sub = box.enqueue(make_submission())
    keyring.delete_password(SERVICE, data_key_name(data_dir))
    with pytest.raises(MissingKeyError, match="missing"):
        Outbox.open(data_dir)
    assert keyring.get_password(SERVICE, data_key_name(data_dir)) is None
    assert sub.id


# -- the file itself -------------------------------------------------------------------------


def test_sqlite_settings(box: Outbox) -> None:
    pragma = lambda name: box.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("secure_delete") == 1
    assert pragma("foreign_keys") == 1
    assert pragma("busy_timeout") >= 1000
    assert pragma("user_version") == SCHEMA_MAJOR
    applied = box.conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id").fetchall()
    assert applied == [("0001_initial",), ("0002_query_indexes",), ("0003_counters_and_lookups",)]


def test_only_the_sending_mark_skips_waiting_for_the_disk(box: Outbox) -> None:
    """Lost in a power cut, 'sending' is harmless (the item is still queued); the rest is synced."""
    pragmas: list[str] = []
    box.conn.set_trace_callback(lambda sql: pragmas.append(sql) if "synchronous" in sql else None)
    sub = box.enqueue(make_submission())
    box.mark_sending(sub.id)
    box.mark_sent(sub.id, "BO-2026-0001", 201)
    with pytest.raises(StateError):
        box.mark_sending(sub.id)
    box.conn.set_trace_callback(None)
    assert pragmas == ["PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"] * 2
    assert box.conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_reopening_keeps_everything(db_path: Path) -> None:
    count = "SELECT COUNT(*) FROM _sqlite_migrations"
    with Outbox(db_path, KEY) as box:
        sub = make_submission()
        box.enqueue(sub)
        applied = box.conn.execute(count).fetchone()[0]
    with Outbox(db_path, KEY) as box:
        assert box.payload(sub.id) == sub.body
        assert box.conn.execute(count).fetchone()[0] == applied  # nothing applied twice


def test_a_newer_database_is_refused_untouched(db_path: Path) -> None:
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_MAJOR + 1}")
    conn.close()
    before = db_path.read_bytes()
    with pytest.raises(NewerSchemaError) as caught:
        Outbox(db_path, KEY)
    assert "newer version" in str(caught.value) and str(db_path) in str(caught.value)
    assert db_path.read_bytes() == before


def test_closed_outbox_says_so(db_path: Path) -> None:
    box = Outbox(db_path, KEY)
    box.close()
    box.close()
    with pytest.raises(OutboxError, match="closed"):
        box.counts()


@pytest.mark.parametrize("damage", ["header", "pages"])
def test_a_damaged_file_is_set_aside_never_overwritten(
    data_dir: Path, db_path: Path, clock: Clock, damage: str
) -> None:
    with Outbox(db_path, KEY, now=clock) as box:
        for _ in range(3):
            box.enqueue(make_submission(size=20_000))
    content = bytearray(db_path.read_bytes())
    if damage == "header":
        content[:100] = b"garbage!" * 12 + b"junk"  # "file is not a database"
    else:
        page = 4096
        for start in range(page, len(content), page):  # keep the header page
            content[start : start + 64] = os.urandom(64)  # "disk image is malformed"
    db_path.write_bytes(bytes(content))
    damaged = bytes(content)

    with Outbox(db_path, KEY, now=clock) as box:
        assert box.set_aside is not None
        assert box.set_aside.parent == data_dir
        assert box.set_aside.name.startswith(f"{DB_NAME}.damaged-")
        assert box.set_aside.read_bytes() == damaged
        assert box.counts()["total"] == 0  # a fresh queue, working
        box.enqueue(make_submission())
        notice = box.notice()
        assert notice is not None and str(box.set_aside) in notice
    with Outbox(db_path, KEY, now=clock) as box:  # the notice stays until cleared
        assert box.set_aside is None and box.notice() is not None
        box.clear_notice()
        assert box.notice() is None
        assert box.counts()["total"] == 1


def test_a_damaged_file_found_while_running_says_restart() -> None:
    from kiosk.outbox import _translate

    error = sqlite3.DatabaseError("database disk image is malformed")
    translated = _translate(error, Path("/x/outbox.sqlite3"))
    assert isinstance(translated, CorruptDatabaseError)
    assert "restart" in str(translated) and "set the damaged file aside" in str(translated)
    full = _translate(sqlite3.OperationalError("database or disk is full"), Path("/x/o"))
    assert isinstance(full, DiskFullError)
    ro = _translate(sqlite3.OperationalError("attempt to write a readonly database"), Path("/x"))
    assert isinstance(ro, ReadOnlyError)


def test_two_connections_share_the_file(db_path: Path) -> None:
    """The screens enqueue while the syncer's own Outbox, in its thread, sends."""
    with Outbox(db_path, KEY) as ui:
        total = 40
        queued = threading.Semaphore(0)
        errors: list[BaseException] = []
        sent: list[str] = []

        def syncer() -> None:
            try:
                with Outbox(db_path, KEY) as mine:
                    while len(sent) < total:
                        queued.acquire()
                        item = mine.next_due(now=float("inf"))
                        assert item is not None
                        mine.mark_sending(item.id)
                        assert mine.payload(item.id)
                        mine.mark_sent(item.id, f"R-{len(sent)}", 201)
                        sent.append(item.id)
            except BaseException as e:  # reported below
                errors.append(e)

        thread = threading.Thread(target=syncer)
        thread.start()
        ids = []
        for _ in range(total):
            ids.append(ui.enqueue(make_submission(size=500)).id)
            queued.release()
            ui.counts()
        thread.join(timeout=60)
        assert not thread.is_alive()
        assert errors == []
        assert sorted(sent) == sorted(ids)
        assert ui.counts()["sent"] == total


def test_copy_of_a_live_database_is_readable(box: Outbox, db_path: Path, tmp_path: Path) -> None:
    """WAL + synchronous=FULL: what enqueue returned is on disk (db + wal) at once."""
    sub = make_submission()
    box.enqueue(sub)
    copy = tmp_path / "copy"
    copy.mkdir()
    for suffix in ("", "-wal"):
        shutil.copyfile(f"{db_path}{suffix}", copy / f"{DB_NAME}{suffix}")
    with Outbox(copy / DB_NAME, KEY) as other:
        assert other.payload(sub.id) == sub.body


# -- a real full disk and a real read-only disk ---------------------------------------------

_REAL_DISK_SCENARIO = r"""
import json, subprocess, sys
from pathlib import Path
from kiosk.outbox import Outbox, OutboxError
from tests.test_outbox import KEY, make_submission

where = Path(sys.argv[1])
db = where / "outbox.sqlite3"
report = {}
ballast = where / "ballast"
ballast.write_bytes(bytes(150_000))  # what an administrator deletes to make room
with Outbox(db, KEY) as box:
    kept = []
    try:
        for _ in range(100):
            sub = make_submission(size=50_000)
            box.enqueue(sub)
            kept.append(sub.id)
        report["full"] = None
    except OutboxError as e:
        report["full"] = type(e).__name__
        report["failed_id_present"] = bool(box.items()) and sub.id in {i.id for i in box.items()}
    report["kept"] = len(kept)
with Outbox(db, KEY) as box:
    report["readable_after_full"] = all(box.payload(i) for i in kept) and (
        box.counts()["total"] == len(kept)
    )
    ballast.unlink()
    report["enqueue_after_room"] = box.enqueue(make_submission(size=1000)).state
subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
try:
    with Outbox(db, KEY) as box:
        report["ro_open"] = "opened"
        box.enqueue(make_submission())
        report["ro"] = None
except OutboxError as e:
    report["ro"] = type(e).__name__
    report["ro_message"] = str(e)
print(json.dumps(report))
"""


def test_real_full_disk_and_read_only_disk(tmp_path: Path) -> None:
    """A 600 KB tmpfs in a private mount namespace (Linux, as root), gone with the process."""
    import json
    import subprocess
    import sys

    from tests.conftest import subprocess_env

    if not sys.platform.startswith("linux") or shutil.which("unshare") is None:
        pytest.skip("needs Linux and unshare(1) for a private mount namespace")
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    script = tmp_path / "scenario.py"
    script.write_text(_REAL_DISK_SCENARIO)
    probe = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f"mount -t tmpfs -o size=600k tmpfs '{mount_point}'"],
        capture_output=True,
        check=False,
    )
    if probe.returncode != 0:
        pytest.skip("cannot mount a tmpfs in a private mount namespace (needs root)")
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c",
         f"mount -t tmpfs -o size=600k tmpfs '{mount_point}' && "
         f"exec '{sys.executable}' '{script}' '{mount_point}'"],
        capture_output=True, text=True, env=subprocess_env(), timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["full"] == "DiskFullError" and report["kept"] >= 3
    assert report["failed_id_present"] is False
    assert report["readable_after_full"] is True
    assert report["enqueue_after_room"] == "queued"
    assert report["ro"] == "ReadOnlyError" and "read-only" in report["ro_message"]


class _PragmaFailsOnce:
    """The outbox's connection, with one failing ``PRAGMA synchronous = FULL``
    (a disk error at the worst moment)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.real = conn
        self.failed = False

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql == "PRAGMA synchronous = FULL" and not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("disk I/O error")
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_write_never_goes_ahead_without_waiting_for_the_disk(box: Outbox) -> None:
    """mark_sending alone commits without an fsync; if setting the connection
    back to synchronous=FULL fails, the next enqueue sets it before writing:
    "saved" must survive a power cut."""
    first = box.enqueue(make_submission())
    flaky = _PragmaFailsOnce(box._conn)  # type: ignore[arg-type]
    box._conn = flaky  # type: ignore[assignment]
    with pytest.raises(OutboxError):
        box.mark_sending(first.id)
    assert flaky.failed
    assert flaky.real.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL, left behind
    box.enqueue(make_submission())
    assert flaky.real.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL again
    box._conn = flaky.real
