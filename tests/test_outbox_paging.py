"""The outbox's bounded reads: pages, lookups by reference, the ids due, counters.

What a console, ``kiosk queue list/show`` and the sync round call, at any
size: each walks an index and never decrypts a payload (benchmarks/
bench_queries.py times them at a million items).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.outbox import PAGE_MAX, STATES, ItemSummary, Outbox
from kiosk.submission import new_local_reference
from tests.test_outbox import KEY, T0, Clock, make_submission


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def box(tmp_path: Path, clock: Clock) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.sqlite3", KEY, now=clock, flag_after_s=3600) as outbox:
        yield outbox


def enqueue(box: Outbox, clock: Clock, n: int, attachments: int = 0) -> list[str]:
    ids = []
    for _ in range(n):
        sub = make_submission(n_attachments=attachments, local_reference=new_local_reference())
        ids.append(box.enqueue(sub).id)
        clock.advance(1)
    return ids


def mixed(box: Outbox, clock: Clock) -> dict[str, list[str]]:
    """Ten items: 4 queued (one backed off), 3 sent, 2 rejected, 1 in conflict."""
    ids = enqueue(box, clock, 10, attachments=1)
    for i in ids[4:7]:
        box.mark_sent(i, f"BO-{i[:8]}", 201)
    for i in ids[7:9]:
        box.mark_rejected(i, status=422, error="HTTP 422 invalid")
    box.mark_conflict(ids[9], status=409)
    box.record_failure(ids[1], status=503, error="HTTP 503", retry_at=clock.t + 3600)
    return {"queued": ids[:4], "sent": ids[4:7], "rejected": ids[7:9], "conflict": ids[9:]}


def selects_of(box: Outbox, call: Callable[[], Any]) -> list[str]:
    statements: list[str] = []
    box.conn.set_trace_callback(statements.append)
    try:
        call()
    finally:
        box.conn.set_trace_callback(None)
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def assert_on_indexes(box: Outbox, call: Callable[[], Any], label: str) -> None:
    selects = selects_of(box, call)
    assert selects, label
    for sql in selects:
        plan = [row[3] for row in box.conn.execute(f"EXPLAIN QUERY PLAN {sql}")]
        assert not [p for p in plan if "TEMP B-TREE" in p], (label, sql, plan)
        assert not [p for p in plan if p.startswith("SCAN") and "INDEX" not in p], (
            label,
            sql,
            plan,
        )


# -- pages -------------------------------------------------------------------------------------


def test_pages_are_newest_first_and_follow_each_other(box: Outbox, clock: Clock) -> None:
    ids = enqueue(box, clock, 7)
    first = box.page(limit=3)
    assert [i.id for i in first] == ids[::-1][:3]
    assert all(isinstance(i, ItemSummary) for i in first)
    second = box.page(after=first[-1].key, limit=3)
    third = box.page(after=second[-1].key, limit=3)
    assert [i.id for i in first + second + third] == ids[::-1]
    assert box.page(after=third[-1].key) == []
    oldest = box.page(limit=4, newest_first=False)
    assert [i.id for i in oldest] == ids[:4]
    assert [i.id for i in box.page(after=oldest[-1].key, newest_first=False)] == ids[4:]


def test_pages_by_state_merge_states_in_order(box: Outbox, clock: Clock) -> None:
    by_state = mixed(box, clock)
    assert [i.id for i in box.page(states=["rejected"])] == by_state["rejected"][::-1]
    refused = box.page(states=("rejected", "conflict"), limit=2)
    assert [i.id for i in refused] == [by_state["conflict"][0], by_state["rejected"][1]]
    rest = box.page(after=refused[-1].key, states=("rejected", "conflict"))
    assert [i.id for i in rest] == [by_state["rejected"][0]]
    assert box.page(states="sent", limit=1)[0].id == by_state["sent"][-1]
    with pytest.raises(ValueError, match="unknown state"):
        box.page(states=["lost"])


def test_a_page_holds_the_clear_columns_and_decrypts_nothing(box: Outbox, clock: Clock) -> None:
    by_state = mixed(box, clock)
    lines = {i.id: i for i in box.page(limit=PAGE_MAX)}
    for state, some in by_state.items():
        for item_id in some:
            line, item = lines[item_id], box.get(item_id)
            assert line.state == state
            for name in ("procedure_id", "local_reference", "attempts", "server_reference",
                         "last_error", "needs_person", "enqueued_at", "created_at"):  # fmt: skip
                assert getattr(line, name) == getattr(item, name), name
            assert line.attachment_count == len(item.attachments)
    assert lines[by_state["sent"][0]].attachment_count == 0  # delivered: content deleted
    assert lines[by_state["queued"][0]].attachment_count == 1
    selects = " ".join(selects_of(box, lambda: box.page(limit=50)))
    assert "payload" not in selects and "meta" not in selects and "rejection" not in selects
    assert "attachments" not in selects  # the count is a column: no subquery per line


def test_page_sizes_are_bounded(box: Outbox, clock: Clock) -> None:
    enqueue(box, clock, 3)
    assert box.page(limit=0) == []
    assert len(box.page(limit=10**9)) == 3  # capped at PAGE_MAX, not refused
    assert len(box.page(limit=-5)) == 0


def test_streaming_every_line_in_batches(box: Outbox, clock: Clock) -> None:
    ids = enqueue(box, clock, 11)
    assert [i.id for i in box.iter_summaries(batch=3)] == ids[::-1]
    assert [i.id for i in box.iter_summaries(batch=4, limit=6)] == ids[::-1][:6]
    assert [i.id for i in box.iter_summaries(batch=5, newest_first=False)] == ids
    assert [i.id for i in box.iter_summaries(batch=2, after=(T0 + 2.5, ""))] == ids[:3][::-1]


def test_pages_and_lookups_stay_on_indexes(box: Outbox, clock: Clock) -> None:
    by_state = mixed(box, clock)
    last = box.page(limit=2)[-1]
    reference = box.get(by_state["rejected"][0]).local_reference
    calls: list[tuple[str, Callable[[], Any]]] = [
        ("page", lambda: box.page(limit=5)),
        ("page after", lambda: box.page(after=last.key, limit=5)),
        ("page oldest first", lambda: box.page(limit=5, newest_first=False)),
        ("page by states", lambda: box.page(states=("queued", "sent"), after=last.key)),
        ("find_by_reference", lambda: box.find_by_reference(reference)),
        ("needing_person", lambda: box.needing_person(limit=5)),
        ("needing_person after", lambda: box.needing_person(after=last.key)),
        ("due_ids", lambda: box.due_ids(limit=5)),
        ("due_ids after", lambda: box.due_ids(limit=5, after=by_state["queued"][0])),
        ("due_ids, none due", lambda: box.due_ids(now=0.0)),
        ("counts", box.counts),
        ("purge", box.purge),
    ]
    for label, call in calls:
        assert_on_indexes(box, call, label)


# -- lookups -----------------------------------------------------------------------------------


def test_find_by_reference(box: Outbox, clock: Clock) -> None:
    ids = enqueue(box, clock, 3, attachments=1)
    item = box.get(ids[1])
    found = box.find_by_reference(item.local_reference)
    assert found == item and found.attachments  # the whole item, decrypted
    assert box.find_by_reference("ZZZZ-ZZZZ-9") is None
    # Two items sharing a reference (unlikely, not impossible): the newest.
    twin = box.enqueue(make_submission(local_reference=item.local_reference)).id
    found = box.find_by_reference(item.local_reference)
    assert found is not None and found.id == twin


def test_needing_person_in_queue_order(box: Outbox, clock: Clock) -> None:
    by_state = mixed(box, clock)
    flagged = by_state["rejected"] + by_state["conflict"]
    assert [i.id for i in box.needing_person()] == flagged
    first = box.needing_person(limit=1)
    assert [i.id for i in box.needing_person(after=first[0].key)] == flagged[1:]
    box.retry(flagged[0])
    assert [i.id for i in box.needing_person()] == flagged[1:]


def test_due_ids_in_queue_order_and_after(box: Outbox, clock: Clock) -> None:
    ids = enqueue(box, clock, 6)
    box.record_failure(ids[0], status=503, error="HTTP 503", retry_at=clock.t + 60)
    box.mark_sending(ids[2])
    assert box.due_ids() == [ids[1], *ids[3:]]
    assert box.due_ids(limit=2) == [ids[1], ids[3]]
    assert box.due_ids(after=ids[3]) == ids[4:]
    assert box.due_ids(after=ids[0]) == [ids[1], *ids[3:]]  # after a backed-off one
    assert box.due_ids(now=T0 - 1) == []
    assert box.due_ids(limit=0) == []
    clock.advance(60)
    assert box.due_ids() == [ids[0], ids[1], *ids[3:]]
    assert box.next_due() is not None and box.next_due().id == ids[0]  # type: ignore[union-attr]


# -- counters ----------------------------------------------------------------------------------


def counted(box: Outbox) -> dict[str, int]:
    """counts() the slow way, from the rows."""
    counts = dict.fromkeys(STATES, 0)
    for state, n in box.conn.execute("SELECT state, COUNT(*) FROM items GROUP BY state"):
        counts[state] = n
    counts["needs_person"] = box.conn.execute(
        "SELECT COUNT(*) FROM items WHERE needs_person"
    ).fetchone()[0]
    counts["total"] = sum(counts[s] for s in STATES)
    return counts


def test_counters_follow_every_transition(tmp_path: Path, clock: Clock) -> None:
    rng = random.Random(15)
    with Outbox(
        tmp_path / "outbox.sqlite3", KEY, now=clock, flag_after_s=10, retention_history_s=50
    ) as box:
        ids: list[str] = []
        for step in range(300):
            action = rng.choice(
                ["enqueue", "enqueue", "sending", "sent", "fail", "reject", "conflict", "auth",
                 "retry", "retry_all", "recover", "purge", "make_due"]
            )  # fmt: skip
            clock.advance(rng.uniform(0, 5))
            target = rng.choice(ids) if ids else None
            try:
                if action == "enqueue" or target is None:
                    ids.append(box.enqueue(make_submission(n_attachments=0)).id)
                elif action == "sending":
                    box.mark_sending(target)
                elif action == "sent":
                    box.mark_sent(target, f"BO-{step}", 201)
                elif action == "fail":
                    box.record_failure(
                        target, status=503, error="HTTP 503", retry_at=clock.t + rng.uniform(0, 9)
                    )
                elif action == "reject":
                    box.mark_rejected(target, status=422, error="HTTP 422")
                elif action == "conflict":
                    box.mark_conflict(target, status=409)
                elif action == "auth":
                    box.record_auth_failure(target, status=401)
                elif action == "retry":
                    box.retry(target)
                elif action == "retry_all":
                    box.retry_all()
                elif action == "recover":
                    box.recover_interrupted()
                elif action == "purge":
                    box.purge()
                else:
                    box.make_all_due()
            except Exception as e:  # a transition refused from the item's state
                assert type(e).__name__ in ("StateError", "KeyError"), e
                if isinstance(e, KeyError):
                    ids.remove(target)  # purged meanwhile
            assert box.counts() == counted(box), (step, action)
        assert box.counts()["total"] > 0


def test_counters_roll_back_with_their_transaction(box: Outbox, clock: Clock) -> None:
    enqueue(box, clock, 2)
    before = box.counts()
    conn = box.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE items SET state = 'rejected', needs_person = 1")
    assert conn.execute("SELECT n FROM counts WHERE key = 'rejected'").fetchone()[0] == 2
    conn.execute("ROLLBACK")
    assert box.counts() == before == counted(box)


def test_purge_reads_only_what_retention_removes(tmp_path: Path, clock: Clock) -> None:
    with Outbox(
        tmp_path / "outbox.sqlite3", KEY, now=clock, retention_payload_s=100,
        retention_history_s=1000,
    ) as box:  # fmt: skip
        ids = enqueue(box, clock, 4, attachments=1)
        for i in ids[:3]:
            box.mark_sent(i, f"BO-{i[:6]}", 201)
            clock.advance(200)
        # ids[0] sent 600 s ago, ids[1] 400 s, ids[2] 200 s: all past the content's retention.
        assert box.purge() == 0
        assert [a.attachments for a in map(box.get, ids[:3])] == [(), (), ()]
        assert box.get(ids[3]).attachments  # still waiting: kept
        clock.advance(500)  # ids[0] 1100 s ago, ids[1] 900 s
        assert box.purge() == 1
        with pytest.raises(KeyError):
            box.get(ids[0])
        assert box.counts() == counted(box)


def test_purge_walks_the_retention_indexes(box: Outbox, clock: Clock) -> None:
    """Without table statistics the planner would take items_state_due and read
    every delivered item of the history at each start."""
    by_state = mixed(box, clock)
    assert by_state["sent"]
    plans = [
        " ".join(row[3] for row in box.conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
        for sql in selects_of(box, box.purge)
    ]
    assert any("items_sent_content" in p for p in plans), plans
    assert any("items_sent_history" in p for p in plans), plans
