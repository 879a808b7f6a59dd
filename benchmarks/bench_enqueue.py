"""Durable enqueue rate: ``Outbox.enqueue`` against raw sqlite3 and persist-queue.

Targets (issue 15): enqueue within 1.3× of raw ``sqlite3`` with the same pragmas,
and faster than persist-queue's ``SQLiteAckQueue`` at the same durability
(its ``synchronous`` level is printed, and set to FULL when SQLite's build
default differs). All three run in the same
process, round after round in a rotating order, each round in fresh files.

- **Outbox.enqueue**: real submissions (the shipped examples played through a
  session, each renewed with its own id), encrypted with AES-GCM, one
  ``BEGIN IMMEDIATE`` transaction each, WAL + ``synchronous=FULL``, then read
  back (``enqueue`` returns the stored item).
- **raw sqlite3**: the same pragmas, one transaction per item, inserting the
  very rows the outbox wrote (same clear columns, same encrypted blobs, read
  back from an outbox file), into tables with the same columns and primary
  keys but no secondary index: the floor for durably writing those bytes.
  Encryption is not in it; its cost is measured on its own and shown beside.
- **persist-queue**: ``SQLiteAckQueue(path, multithreading=True)`` with its
  default ``auto_commit=True``, ``put(submission)`` (pickled, in clear).

Run: ``python -m benchmarks.bench_enqueue [--items N] [--rounds R] [--dir D]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

from benchmarks._common import KEY, describe, machine_line, median, submissions, verdict, workdir
from kiosk.outbox import Outbox
from kiosk.submission import Submission

TARGET_VS_RAW = 1.3
PRAGMAS = (
    "PRAGMA busy_timeout = 10000",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = FULL",
    "PRAGMA secure_delete = ON",
    "PRAGMA foreign_keys = ON",
)
ITEM_COLUMNS = (
    "id, procedure_id, procedure_version, local_reference, mode, created_at, enqueued_at, "
    "state, attempts, next_attempt_at, needs_person, body_digest, payload, attachment_count"
)
ATTACHMENT_COLUMNS = "item_id, position, sha256, size, meta, data"

Rows = list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]


# -- the contenders ----------------------------------------------------------------------------


def run_outbox(folder: Path, subs: Sequence[Submission]) -> float:
    folder.mkdir(parents=True, exist_ok=True)
    with Outbox(folder / "outbox.sqlite3", KEY) as outbox:
        start = time.perf_counter()
        for s in subs:
            outbox.enqueue(s)
        elapsed = time.perf_counter() - start
        assert outbox.counts()["queued"] == len(subs)
    return elapsed


def outbox_rows(folder: Path, subs: Sequence[Submission]) -> Rows:
    """The rows the outbox writes for ``subs``: enqueue them once, read them back."""
    run_outbox(folder, subs)
    conn = sqlite3.connect(folder / "outbox.sqlite3")
    try:
        rows: Rows = []
        for item in conn.execute(f"SELECT {ITEM_COLUMNS} FROM items ORDER BY enqueued_at, id"):
            files = conn.execute(
                f"SELECT {ATTACHMENT_COLUMNS} FROM attachments WHERE item_id = ? ORDER BY position",
                (item[0],),
            ).fetchall()
            rows.append((item, files))
    finally:
        conn.close()
    return rows


def run_raw(folder: Path, rows: Rows) -> float:
    conn = sqlite3.connect(folder / "raw.sqlite3", isolation_level=None)
    try:
        for pragma in PRAGMAS:
            conn.execute(pragma)
        conn.execute(
            "CREATE TABLE items (id TEXT PRIMARY KEY, procedure_id TEXT, procedure_version TEXT,"
            " local_reference TEXT, mode TEXT, created_at TEXT, enqueued_at REAL, state TEXT,"
            " attempts INTEGER, next_attempt_at REAL, needs_person INTEGER, body_digest BLOB,"
            " payload BLOB, attachment_count INTEGER)"
        )
        conn.execute(
            "CREATE TABLE attachments (item_id TEXT, position INTEGER, sha256 TEXT,"
            " size INTEGER, meta BLOB, data BLOB, PRIMARY KEY (item_id, position))"
        )
        insert_item = f"INSERT INTO items ({ITEM_COLUMNS}) VALUES ({', '.join('?' * 14)})"
        insert_file = f"INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
        start = time.perf_counter()
        for item, files in rows:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(insert_item, item)
            if files:
                conn.executemany(insert_file, files)
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
    finally:
        conn.close()
    return elapsed


def run_persist_queue(folder: Path, subs: Sequence[Submission]) -> float:
    from persistqueue import SQLiteAckQueue

    queue = SQLiteAckQueue(str(folder / "pq"), multithreading=True, auto_commit=True)
    try:
        equalise(queue)
        start = time.perf_counter()
        for s in subs:
            queue.put(s)
        elapsed = time.perf_counter() - start
        assert queue.qsize() == len(subs)
    finally:
        queue.close()
    return elapsed


def equalise(queue: Any) -> None:
    """Each put() waits for the disk, as an enqueue does (a no-op where that is the default)."""
    for conn in {id(c): c for c in (queue._putter, getattr(queue, "_getter", None)) if c}.values():
        conn.execute("PRAGMA synchronous = FULL")


def persist_queue_durability(folder: Path) -> str:
    """What persist-queue's connections actually run with (it sets WAL, nothing else)."""
    from persistqueue import SQLiteAckQueue

    queue = SQLiteAckQueue(str(folder / "pq-probe"), multithreading=True, auto_commit=True)
    try:
        conn = queue._putter
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        sync = conn.execute("PRAGMA synchronous").fetchone()[0]
    finally:
        queue.close()
    names = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
    same = "same as the outbox" if sync == 2 else "set to FULL for the comparison"
    return (
        f"persist-queue {version('persist-queue')} SQLiteAckQueue(multithreading=True, "
        f"auto_commit=True): journal_mode={mode}, synchronous={names.get(sync, sync)} "
        f"(SQLite's build default; persist-queue does not set it): {same}, so each put() "
        "is fsynced like an enqueue. Outbox and raw sqlite3: WAL, synchronous=FULL."
    )


def encryption_seconds(subs: Sequence[Submission], folder: Path) -> float:
    """What enqueue does before its transaction: checks, HMAC digest, AES-GCM seals."""
    folder.mkdir(parents=True, exist_ok=True)
    with Outbox(folder / "seal.sqlite3", KEY) as outbox:
        start = time.perf_counter()
        for s in subs:
            for a in s.attachments:
                assert hashlib.sha256(a.data).hexdigest() == a.sha256
            outbox._digest(s.body)
            outbox._seal(s.body, outbox._aad_payload(s.id))
            for position, a in enumerate(s.attachments):
                meta = {"field": a.field, "media_type": a.media_type, "filename": a.filename}
                outbox._seal(
                    json.dumps(meta).encode(),
                    outbox._aad_attachment_meta(s.id, position, a.sha256),
                )
                outbox._seal(a.data, outbox._aad_attachment(s.id, a.sha256))
        return time.perf_counter() - start


# -- one shape ---------------------------------------------------------------------------------


def bench_shape(
    label: str, subs: list[Submission], rounds: int, base: str | None
) -> tuple[bool, bool]:
    n = len(subs)
    with workdir(base) as work:
        rows = outbox_rows(work / "setup", subs)  # also a warm-up
        contenders: list[tuple[str, Callable[[Path], float]]] = [
            ("outbox", lambda f: run_outbox(f, subs)),
            ("raw", lambda f: run_raw(f, rows)),
            ("persist-queue", lambda f: run_persist_queue(f, subs)),
        ]
        times: dict[str, list[float]] = {name: [] for name, _ in contenders}
        sealing: list[float] = []
        for r in range(rounds):
            order = contenders[r % 3 :] + contenders[: r % 3]
            for name, run in order:
                folder = work / f"{name}-{r}"
                folder.mkdir()
                times[name].append(run(folder))
            sealing.append(encryption_seconds(subs, work / f"seal-{r}"))

    def rate(name: str, pick: Callable[[list[float]], float]) -> float:
        return n / pick(times[name])

    ratio_raw = median([o / w for o, w in zip(times["outbox"], times["raw"], strict=True)])
    ratio_pq = median([o / p for o, p in zip(times["outbox"], times["persist-queue"], strict=True)])
    seal_s = median(sealing)
    enqueue_s = median(times["outbox"])
    print(f"\n{label} ({describe(subs)})")
    print(f"  {'':34}{'items/s median':>15}{'best':>9}{'ms/item':>9}")
    for name, title in (
        ("outbox", "Outbox.enqueue"),
        ("raw", "raw sqlite3, same bytes"),
        ("persist-queue", "persist-queue SQLiteAckQueue.put"),
    ):
        print(
            f"  {title:34}{rate(name, median):>15,.0f}{rate(name, min):>9,.0f}"
            f"{median(times[name]) / n * 1000:>9.3f}"
        )
    for name, title in (("raw", "raw sqlite3"), ("persist-queue", "persist-queue")):
        with_seal = median(times[name]) + seal_s
        print(
            f"  {title + ' + encryption (sum)':34}{n / with_seal:>15,.0f}{'':>9}"
            f"{with_seal / n * 1000:>9.3f}"
        )
    print(
        f"  encryption alone (HMAC + AES-GCM, as in enqueue): {seal_s / n * 1e6:.0f} µs/item, "
        f"{seal_s / enqueue_s:.0%} of an enqueue"
    )
    ok_raw = ratio_raw <= TARGET_VS_RAW
    ok_pq = ratio_pq < 1.0
    print(
        f"  Outbox / raw sqlite3 time: {ratio_raw:.2f}× (median of per-round ratios; "
        f"target ≤ {TARGET_VS_RAW}×) {verdict(ok_raw)}"
    )
    print(
        f"  Outbox / persist-queue time: {ratio_pq:.2f}× (target < 1×, i.e. faster) "
        f"{verdict(ok_pq)}"
    )
    return ok_raw, ok_pq


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="items per run (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--dir", help="where to put the files (default: the temporary folder)")
    args = parser.parse_args(argv)

    with workdir(args.dir) as probe:
        print(f"Durable enqueue: {args.items} items per run, {args.rounds} rounds")
        print(machine_line(probe))
        print(persist_queue_durability(probe))
    ok = True
    for label, n_attachments in (("Without attachment", 0), ("With one attachment", 1)):
        subs = submissions(args.items, n_attachments)
        ok_raw, ok_pq = bench_shape(label, subs, args.rounds, args.dir)
        ok = ok and ok_raw and ok_pq
    print(f"\nenqueue: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
