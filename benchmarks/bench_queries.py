"""Outbox queries with 100,000 items: list, counts, next due, next wake, get.

Target (issue 3): each under 50 ms at 100,000 items (judged on the p95 of
repeated calls, warm caches, the outbox's own connection as the app opens it).

The outbox is filled for the benchmark in one transaction through its own
connection (``Outbox.enqueue`` one by one would take minutes), with rows the
outbox itself could have written: its own sealing (AES-GCM, the same
associated data), its own columns, attempts rows, delivered items with their
content deleted as retention does. Two populations:

- **delivered history**: 95,000 sent (content deleted), 4,000 queued (half
  due, half backed off), 500 rejected and 500 in conflict (flagged for a
  person); 30 % of the waiting ones carry an attachment.
- **offline backlog**: 100,000 queued (the back-office unreachable for a
  long time), 90 % due; 10 % carry an attachment.

Besides the targets, it times the unbounded listings some callers make (the
syncer's round snapshot ``items(state="queued")``, ``kiosk queue list``), for
information.

Run: ``python -m benchmarks.bench_queries [--items N] [--repeat K] [--dir D]``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from benchmarks._common import KEY, machine_line, median, p95, templates, verdict, workdir
from kiosk.outbox import Outbox
from kiosk.submission import Submission, new_local_reference

TARGET_MS = 50.0
PAGE = 50  # a screen's page of the history
NOW = 1_800_000_000.0  # the outbox's clock during the benchmark

ITEM_INSERT = (
    "INSERT INTO items (id, procedure_id, procedure_version, local_reference, mode, created_at,"
    " enqueued_at, state, attempts, next_attempt_at, first_failure_at, last_status, last_error,"
    " server_reference, sent_at, needs_person, rejection, body_digest, payload,"
    " payload_deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
ATTACHMENT_INSERT = (
    "INSERT INTO attachments (item_id, position, sha256, size, meta, data)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
ATTEMPT_INSERT = (
    "INSERT INTO attempts (item_id, seq, at, outcome, status, error) VALUES (?, ?, ?, ?, ?, ?)"
)


# -- filling the outbox ------------------------------------------------------------------------


def plan(n: int, population: str) -> list[str]:
    """The state of each of ``n`` items, oldest first."""
    if population == "backlog":
        return ["queued"] * n
    waiting = max(4, n // 25)  # 4 %
    flagged = max(2, n // 100)  # 1 %
    states = ["sent"] * (n - waiting - flagged)
    tail = ["queued"] * waiting + ["rejected", "conflict"] * (flagged // 2)
    random.Random(1).shuffle(tail)  # the waiting ones are spread over the recent tenth
    recent = len(tail) * 2
    mixed = states[-recent:] + tail
    random.Random(2).shuffle(mixed)
    return states[:-recent] + mixed


def fill(outbox: Outbox, n: int, population: str) -> dict[str, list[str]]:
    """Insert ``n`` valid items in one transaction; their ids by state."""
    rng = random.Random(3)
    body_only = templates(0)
    with_file = templates(1)
    file_share = 0.1 if population == "backlog" else 0.3
    ids: dict[str, list[str]] = {}
    items: list[tuple[Any, ...]] = []
    files: list[tuple[Any, ...]] = []
    attempts: list[tuple[Any, ...]] = []
    for i, state in enumerate(plan(n, population)):
        item_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        ids.setdefault(state, []).append(item_id)
        enqueued = NOW - (n - i) * 600.0  # one every ten minutes
        created = datetime.fromtimestamp(enqueued - 30, UTC).isoformat(timespec="seconds")
        template: Submission = (
            rng.choice(with_file) if rng.random() < file_share else rng.choice(body_only)
        )
        body = template.body  # the exact content does not matter to the queries, its size does
        digest = outbox._digest(body)
        payload = None if state == "sent" else outbox._seal(body, outbox._aad_payload(item_id))
        n_attempts = 0
        first_failure = last_status = last_error = reference = sent_at = rejection = None
        deleted_at = None
        needs_person = 0
        next_at = enqueued
        if state == "sent":
            n_attempts = 1
            reference = f"REF-{i:08d}"
            sent_at = enqueued + 5
            last_status = 201
            deleted_at = sent_at
            attempts.append((item_id, 1, sent_at, "sent", 201, None))
        else:
            if state == "queued" and rng.random() < 0.5:
                n_attempts = rng.randint(1, 4)
                first_failure = enqueued + 1
                last_status, last_error = 503, "HTTP 503"
                backed_off = population == "history" or rng.random() < 0.1
                next_at = NOW + rng.uniform(10, 600) if backed_off else NOW - 1
                for seq in range(1, n_attempts + 1):
                    attempts.append((item_id, seq, enqueued + seq, "transient", 503, "HTTP 503"))
            elif state in ("rejected", "conflict"):
                n_attempts, needs_person = 1, 1
                last_status = 422 if state == "rejected" else 409
                last_error = f"HTTP {last_status}"
                attempts.append((item_id, 1, enqueued + 1, state, last_status, last_error))
                if state == "rejected":
                    details = [{"field": "nom", "message": "champ requis"}]
                    rejection = outbox._seal(
                        json.dumps(details).encode(), outbox._aad_rejection(item_id)
                    )
            for position, a in enumerate(template.attachments):
                meta = {"field": a.field, "media_type": a.media_type, "filename": a.filename}
                files.append(
                    (
                        item_id,
                        position,
                        a.sha256,
                        a.size,
                        outbox._seal(
                            json.dumps(meta).encode(),
                            outbox._aad_attachment_meta(item_id, position, a.sha256),
                        ),
                        outbox._seal(a.data, outbox._aad_attachment(item_id, a.sha256)),
                    )
                )
        items.append(
            (item_id, template.procedure_id, template.procedure_version, new_local_reference(),
             template.mode, created, enqueued, state, n_attempts, next_at, first_failure,
             last_status, last_error, reference, sent_at, needs_person, rejection, digest,
             payload, deleted_at)
        )  # fmt: skip
    conn = outbox.conn
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(ITEM_INSERT, items)
    conn.executemany(ATTACHMENT_INSERT, files)
    conn.executemany(ATTEMPT_INSERT, attempts)
    conn.execute("COMMIT")
    return ids


def check_valid(outbox: Outbox, ids: dict[str, list[str]], n: int) -> None:
    """The rows read back through the outbox's API as the outbox would have written them."""
    counts = outbox.counts()
    assert counts["total"] == n, counts
    for state, some in ids.items():
        assert counts[state] == len(some), (state, counts)
        item = outbox.get(some[0])
        assert item.state == state
        outbox.attempts_of(item.id)
        if state != "sent":
            outbox.payload(item.id)
            for meta in item.attachments:
                outbox.attachment_data(item.id, meta.sha256)


# -- timing ------------------------------------------------------------------------------------


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def bench_population(
    population: str, title: str, args: argparse.Namespace
) -> list[tuple[str, bool]]:
    n = args.items
    with workdir(args.dir) as work:
        path = work / "outbox.sqlite3"
        start = time.perf_counter()
        with Outbox(path, KEY, now=lambda: NOW) as outbox:
            ids = fill(outbox, n, population)
        setup_s = time.perf_counter() - start
        size_mb = path.stat().st_size / 1e6
        with Outbox(path, KEY, now=lambda: NOW) as outbox:
            check_valid(outbox, ids, n)
            print(f"\n{title}: {n:,} items ({_spread(ids)}), {size_mb:.0f} MB,", end=" ")
            print(f"filled in {setup_s:.1f} s")
            rng = random.Random(4)
            all_ids = [i for some in ids.values() for i in some]
            targets: list[tuple[str, Callable[[], Any]]] = [
                (f"items(limit={PAGE})", lambda: outbox.items(limit=PAGE)),
            ]
            for state in ("queued", "sent", "rejected"):
                if state in ids:
                    targets.append(
                        (
                            f"items(state={state!r}, limit={PAGE})",
                            lambda s=state: outbox.items(state=s, limit=PAGE),
                        )
                    )
            targets += [
                ("counts()", outbox.counts),
                ("next_due()", outbox.next_due),
                ("next_due(), nothing due yet", lambda: outbox.next_due(now=0.0)),
                ("next_wake()", outbox.next_wake),
                ("get(id)", lambda: outbox.get(rng.choice(all_ids))),
            ]
            results = []
            print(f"  {'':40}{'median ms':>10}{'p95 ms':>9}")
            for label, call in targets:
                ms = timed(call, args.repeat if label != "get(id)" else args.repeat * 10)
                ok = p95(ms) < TARGET_MS
                results.append((f"{population}: {label}", ok))
                print(f"  {label:40}{median(ms):>10.2f}{p95(ms):>9.2f}  {verdict(ok)}")
            print("  for information (unbounded listings, not a target):")
            unbounded: list[tuple[str, Callable[[], Any]]] = [
                ("items(state='queued')", lambda: outbox.items(state="queued")),
                ("items()", outbox.items),
            ]
            for label, call in unbounded:
                ms = timed(call, 3)
                print(f"  {label:40}{median(ms):>10.1f}{max(ms):>9.1f}")
    return results


def _spread(ids: dict[str, list[str]]) -> str:
    return ", ".join(f"{len(v):,} {k}" for k, v in sorted(ids.items(), key=lambda kv: -len(kv[1])))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000, help="default 100,000")
    parser.add_argument("--repeat", type=int, default=30, help="calls timed per query")
    parser.add_argument(
        "--population", choices=("history", "backlog"), action="append", help="default both"
    )
    parser.add_argument("--dir", help="where to put the files (default: the temporary folder)")
    args = parser.parse_args(argv)

    with workdir(args.dir) as probe:
        print(f"Outbox queries: {args.items:,} items, {args.repeat} timed calls each (warm)")
        print(machine_line(probe))
    populations = {"history": "Delivered history", "backlog": "Offline backlog"}
    results: list[tuple[str, bool]] = []
    for population in args.population or list(populations):
        results += bench_population(population, populations[population], args)
    failed = [label for label, ok in results if not ok]
    print(f"\nqueries: {verdict(not failed)}" + (f" ({', '.join(failed)})" if failed else ""))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
