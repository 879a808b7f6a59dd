"""The receiver's store on its own: transactions, references, export, schema."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.protocol import canonical_json
from receiver.engines import open_store
from receiver.store import (
    SCHEMA_VERSION,
    Conflict,
    SqliteStore,
    Store,
    StoreError,
    UnknownSubmission,
)
from tests.receiver_db import db, rows
from tests.test_receiver import submission

__all__ = ["db"]  # a fixture, used by name


class FakeClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))


@pytest.fixture
def store(db: str | Path, clock: FakeClock) -> Iterator[Store]:
    with open_store(db, clock=clock) as opened:
        yield opened


def test_database_is_wal_and_versioned(store: Store) -> None:
    if not isinstance(store, SqliteStore):
        (row,) = rows(store, "SELECT version FROM schema_version")
        assert row["version"] == SCHEMA_VERSION
        return
    with store.connect() as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_schema_or_another_file_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer receiver"):
        SqliteStore(newer)
    other = tmp_path / "notes.txt"
    other.write_text("not a database, just text long enough to have a header" * 3)
    with pytest.raises(StoreError, match="not a receiver database"):
        SqliteStore(other)
    foreign = tmp_path / "outbox.db"
    with closing(sqlite3.connect(foreign)) as conn:
        conn.execute("CREATE TABLE items (id TEXT)")
    with pytest.raises(StoreError, match="other tables"):
        SqliteStore(foreign)
    with pytest.raises(StoreError, match="no receiver database"):
        SqliteStore(tmp_path / "absent.db", create=False)


def test_opening_twice_keeps_the_data(store: Store, db: str | Path) -> None:
    token = store.create_token("k1")
    with open_store(db, create=False) as again:
        device = again.device_for_token(token)
    assert device is not None
    assert device.kiosk_id == "k1"


@pytest.mark.parametrize("kiosk_id", ["", "a b", "é", "x" * 65, "-leading"])
def test_kiosk_ids_are_checked(store: Store, kiosk_id: str) -> None:
    with pytest.raises(StoreError, match="invalid kiosk id"):
        store.create_token(kiosk_id)


def test_concurrent_identical_puts_create_one_row(store: Store) -> None:
    # Straight at the store, past the app's early replay check: the
    # transaction alone must make one winner.
    submission_id, document = submission()
    body = canonical_json(document)
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []

    def put() -> None:
        barrier.wait(timeout=10)
        _, created = store.put_submission(submission_id, body, "k1")
        outcomes.append(created)

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == [False] * 7 + [True]
    assert store.count_submissions() == 1


def test_conflict_and_replay(store: Store) -> None:
    submission_id, document = submission()
    first, created = store.put_submission(submission_id, canonical_json(document), "k1")
    assert created
    replay, created = store.put_submission(submission_id, canonical_json(document), "k2")
    assert not created
    assert replay == first
    with pytest.raises(Conflict):
        store.put_submission(submission_id, canonical_json({**document, "locale": "en"}), "k1")


def test_references_count_per_year(store: Store, clock: FakeClock) -> None:
    references = []
    for moment in ("2026-06-01T12:00:00+00:00", "2026-06-02T12:00:00+00:00"):
        clock.now = datetime.fromisoformat(moment)
        references.append(store.put_submission(*_body(), "k1")[0].reference)
    clock.now = datetime(2027, 6, 1, 12, tzinfo=UTC)
    references.append(store.put_submission(*_body(), "k1")[0].reference)
    assert references == ["BO-2026-000001", "BO-2026-000002", "BO-2027-000001"]


def _body() -> tuple[str, bytes]:
    submission_id, document = submission()
    return submission_id, canonical_json(document)


def test_status_changes(store: Store, clock: FakeClock) -> None:
    submission_id, body = _body()
    record, _ = store.put_submission(submission_id, body, "k1")
    clock.now += timedelta(hours=2)
    changed = store.set_status(submission_id, "accepted")
    assert changed.status == "accepted"
    assert changed.received_at == record.received_at
    assert changed.updated_at == "2026-11-29T11:00:00+00:00"
    with pytest.raises(StoreError, match="unknown status"):
        store.set_status(submission_id, "lost")
    with pytest.raises(UnknownSubmission):
        store.set_status("6f1c0e9a-4b7d-4a8e-9a53-2f7a1c9e0d11", "accepted")


def test_export_since(store: Store, clock: FakeClock) -> None:
    ids = []
    for day in (1, 2, 3):
        clock.now = datetime(2026, 11, day, 8, tzinfo=UTC)
        submission_id, body = _body()
        store.put_submission(submission_id, body, "k1", skew_seconds=1.5)
        ids.append(submission_id)
    assert [line["id"] for line in store.export()] == ids
    since = datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(hours=-1)  # exactly day 2
    exported = list(store.export(since))
    assert [line["id"] for line in exported] == ids[1:]
    line = exported[0]
    assert set(line) == {
        "id", "reference", "received_at", "status", "updated_at",
        "kiosk_id", "skew_seconds", "document",
    }  # fmt: skip
    assert line["document"]["id"] == ids[1]
    assert line["kiosk_id"] == "k1"
    assert line["skew_seconds"] == 1.5


def test_a_version_1_file_is_migrated_and_keeps_its_attachments(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as conn:
        from receiver.store import MIGRATIONS

        for statement in MIGRATIONS[1]:
            conn.execute(statement.format(blob="BLOB", real="REAL"))
        conn.execute(
            "INSERT INTO attachments VALUES ('a', 'application/pdf', 1, x'00', "
            "'2020-01-01T00:00:00+00:00', 'k1')"
        )
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
    with SqliteStore(path) as store:
        assert store.expire_unreferenced() == 0  # taken as referenced: nothing old is lost
        assert store.has_attachment("a")
        assert rows(store, "PRAGMA user_version")[0]["user_version"] == SCHEMA_VERSION


def test_a_newer_postgres_schema_is_refused(db: str | Path) -> None:
    with open_store(db) as store:
        if isinstance(store, SqliteStore):
            pytest.skip("the SQLite case is test_a_newer_schema_or_another_file_is_refused")
        with store.connect() as conn:
            conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(StoreError, match="newer receiver"):
        open_store(db)


def test_postgres_without_tables_is_refused_unless_creating(db: str | Path) -> None:
    if not isinstance(db, str):
        pytest.skip("PostgreSQL only")
    with pytest.raises(StoreError, match="no receiver tables"):
        open_store(db, create=False)
    with open_store(db) as store:
        assert store.count_submissions() == 0
