"""The outbox's query indexes (migration 0002): an existing file is upgraded in
place, and lists, next due and counts come from an index, never from sorting
or reading the whole table (benchmarks/bench_queries.py times them at 100,000)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.outbox import SCHEMA_MAJOR, Outbox
from tests.test_outbox import KEY, T0, Clock, make_submission

NEW_INDEXES = {"items_state_order", "items_flagged"}
#: Migration 0003: the counters and their triggers, and the lookup indexes.
LOOKUP_INDEXES = {"items_reference", "items_sent_content", "items_sent_history",
                  "items_flagged_order"}  # fmt: skip
COUNT_TRIGGERS = ("items_counted_in", "items_counted_out", "items_counted_again")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "outbox.sqlite3"


@pytest.fixture
def box(db_path: Path, clock: Clock) -> Iterator[Outbox]:
    with Outbox(db_path, KEY, now=clock) as outbox:
        yield outbox


def indexes(conn: sqlite3.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items'"
    )
    return {name for (name,) in rows}


def due_id(box: Outbox) -> str | None:
    item = box.next_due()
    return None if item is None else item.id


def fill(box: Outbox, clock: Clock) -> list[str]:
    """Four items a second apart: queued, backed off, rejected (flagged), sent."""
    ids = []
    for _ in range(4):
        ids.append(box.enqueue(make_submission(n_attachments=1)).id)
        clock.advance(1)
    box.record_failure(ids[1], status=503, error="HTTP 503", retry_at=T0 + 3600)
    box.mark_rejected(ids[2], status=422, error="HTTP 422 invalid")
    box.mark_sent(ids[3], "BO-2026-000001", 201)
    return ids


def test_a_new_outbox_has_the_query_indexes(box: Outbox) -> None:
    assert indexes(box.conn) >= NEW_INDEXES
    assert box.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_MAJOR


def test_a_file_from_before_the_indexes_is_upgraded_in_place(db_path: Path, clock: Clock) -> None:
    with Outbox(db_path, KEY, now=clock) as box:
        ids = fill(box, clock)
        before = [box.get(i) for i in ids]
    # The file as the previous version left it: migration 0001 only.
    conn = sqlite3.connect(db_path, isolation_level=None)
    for name in NEW_INDEXES | LOOKUP_INDEXES:
        conn.execute(f"DROP INDEX {name}")
    for name in COUNT_TRIGGERS:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute("DROP TABLE counts")
    conn.execute("ALTER TABLE items DROP COLUMN attachment_count")
    conn.execute(
        "DELETE FROM _sqlite_migrations"
        " WHERE name IN ('0002_query_indexes', '0003_counters_and_lookups')"
    )
    assert not (NEW_INDEXES | LOOKUP_INDEXES) & indexes(conn)
    conn.close()

    with Outbox(db_path, KEY, now=clock) as box:
        assert indexes(box.conn) >= NEW_INDEXES | LOOKUP_INDEXES
        assert [box.get(i) for i in ids] == before
        # The counters and attachment counts start from the rows already there.
        lines = {line.id: line.attachment_count for line in box.page()}
        assert lines == {i: len(box.get(i).attachments) for i in ids}
        assert sorted(lines.values()) == [0, 1, 1, 1]
        assert box.counts() == {"queued": 2, "sending": 0, "sent": 1, "rejected": 1,
                                "conflict": 0, "needs_person": 1, "total": 4}  # fmt: skip
        assert box.payload(ids[0])
        assert box.counts()["needs_person"] == 1
        assert due_id(box) == ids[0]
        # Indexes only: a kiosk of the previous version still opens the file.
        assert box.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_MAJOR
        names = [r[0] for r in box.conn.execute("SELECT name FROM _sqlite_migrations")]
        assert sorted(names) == ["0001_initial", "0002_query_indexes", "0003_counters_and_lookups"]


def test_lists_next_due_and_counts_never_sort_or_read_the_whole_table(
    box: Outbox, clock: Clock
) -> None:
    fill(box, clock)
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("items", lambda: box.items(limit=50)),
        ("items queued", lambda: box.items(state="queued", limit=50)),
        ("items sent", lambda: box.items(state="sent", limit=50)),
        ("next_due", box.next_due),
        ("next_due, none due", lambda: box.next_due(now=0.0)),
        ("next_wake", box.next_wake),
        ("counts", box.counts),
    ]
    for label, call in calls:
        statements: list[str] = []
        box.conn.set_trace_callback(statements.append)
        try:
            call()
        finally:
            box.conn.set_trace_callback(None)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert selects, label
        for sql in selects:
            plan = [row[3] for row in box.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
            assert not [p for p in plan if "TEMP B-TREE" in p], (label, sql, plan)
            assert not [p for p in plan if p.startswith("SCAN") and "INDEX" not in p], (
                label,
                sql,
                plan,
            )


def test_next_due_walks_past_an_older_item_still_backed_off(box: Outbox, clock: Clock) -> None:
    ids = []
    for _ in range(3):
        ids.append(box.enqueue(make_submission(n_attachments=0)).id)
        clock.advance(1)
    first, second = ids[:2]
    assert due_id(box) == first
    box.record_failure(first, status=503, error="HTTP 503", retry_at=T0 + 60)
    assert due_id(box) == second
    assert [i.id for i in box.items(state="queued", limit=3)] == ids  # still in queue order
    clock.advance(60)
    assert due_id(box) == first
    assert box.next_due(now=T0 - 1) is None


def test_items_enqueued_at_the_same_moment_come_in_id_order(box: Outbox) -> None:
    ids = [box.enqueue(make_submission(n_attachments=0)).id for _ in range(3)]
    assert [i.id for i in box.items(state="queued", limit=3)] == sorted(ids)
    assert due_id(box) == min(ids)


def test_flagged_items_are_counted_and_uncounted(box: Outbox, clock: Clock) -> None:
    ids = fill(box, clock)
    assert box.counts()["needs_person"] == 1
    box.retry(ids[2])
    assert box.counts()["needs_person"] == 0
    box.mark_conflict(ids[0], status=409)
    assert box.counts()["needs_person"] == 1
