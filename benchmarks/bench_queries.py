"""The outbox at a million items: every call a caller makes, opening, and ``kiosk queue list``.

Targets (issue 15), at 1,000,000 items, each population in turn:

- every call a caller makes (a console's pages, newest first and by state,
  deep in the list too; counts; next due; the sync round's choice of ids;
  ``queue show`` by local reference; the flagged items; get) < 50 ms, judged
  on the p95 of repeated warm calls through the outbox's own connection;
- opening the outbox (clean) < 50 ms, and about as long as opening a file of
  1,000 items (constant time), with the retention purge it runs;
- ``kiosk queue list --limit 0`` (every line, newest first, streamed) at most
  1.5x a bare sqlite3 SELECT-and-print of the same columns in the same order,
  each a child process writing to a pipe that is read and thrown away; its
  peak memory about the same as listing 50 lines (flat).

The file is filled in one transaction through the outbox's own connection
(``Outbox.enqueue`` one by one would take hours), with rows the outbox
itself could have written: its sealing (AES-GCM, the same associated data),
its columns, attempts rows, delivered items with their content deleted as
retention does. It is kept between runs in the temporary folder
(``kiosk-bench-cache``; ``--fresh`` rebuilds it), keyed by size, population
and the schema's migrations. Two populations:

- **delivered history**: 95 % sent (content deleted), 4 % queued (half due,
  half backed off), 1 % rejected or in conflict (flagged for a person); 30 %
  of the waiting ones carry an attachment;
- **offline backlog**: every item queued (the back-office unreachable for a
  long time), 90 % due; 2 % carry an attachment.

Run: ``python -m benchmarks.bench_queries [--items N] [--repeat K] [--population P] [--dir D]``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks._common import KEY, machine_line, median, p95, templates, verdict, workdir
from kiosk.outbox import Outbox
from kiosk.outbox.schema import MIGRATIONS
from kiosk.submission import Submission, new_local_reference

TARGET_MS = 50.0
TARGET_LIST = 1.5  # kiosk queue list / bare SELECT-and-print
FILL_VERSION = 2
LIST_ROUNDS = 3  # bump when fill() writes other rows
PAGE = 50  # a screen's page of the history
NOW = 1_800_000_000.0  # the outbox's clock during the benchmark

ITEM_INSERT = (
    "INSERT INTO items (id, procedure_id, procedure_version, local_reference, mode, created_at,"
    " enqueued_at, state, attempts, next_attempt_at, first_failure_at, last_status, last_error,"
    " server_reference, sent_at, needs_person, rejection, body_digest, payload,"
    " payload_deleted_at, attachment_count)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
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
    file_share = 0.02 if population == "backlog" else 0.3
    ids: dict[str, list[str]] = {}
    items: list[tuple[Any, ...]] = []
    files: list[tuple[Any, ...]] = []
    attempts: list[tuple[Any, ...]] = []
    for i, state in enumerate(plan(n, population)):
        item_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        ids.setdefault(state, []).append(item_id)
        enqueued = NOW - (n - i) * 5.0  # one every 5 s: all within the history's 90 days
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
             payload, deleted_at, 0 if state == "sent" else len(template.attachments))
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


# -- the file, kept between runs ---------------------------------------------------------------


def schema_tag() -> str:
    names = "|".join(name for name, _ in MIGRATIONS)
    return hashlib.sha256(names.encode()).hexdigest()[:10]


def cached_file(n: int, population: str, base: str | None, fresh: bool) -> tuple[Path, float]:
    """The filled outbox file for ``n`` items (made if missing); seconds it took to make."""
    folder = Path(base or tempfile.gettempdir()) / "kiosk-bench-cache"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"queries-{population}-{n}-v{FILL_VERSION}-{schema_tag()}" / "outbox.sqlite3"
    if fresh and path.parent.exists():
        shutil.rmtree(path.parent)
    if path.exists():
        return path, 0.0
    building = path.parent.with_name(path.parent.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    start = time.perf_counter()
    with Outbox(building / "outbox.sqlite3", KEY, now=lambda: NOW) as outbox:
        ids = fill(outbox, n, population)
        check_valid(outbox, ids, n)
    counts = {k: len(v) for k, v in ids.items()}
    some = {k: v[:2000] for k, v in ids.items()}
    (building / "ids.json").write_text(json.dumps({"counts": counts, "ids": some}))
    os.replace(building, path.parent)
    return path, time.perf_counter() - start


# -- timing ------------------------------------------------------------------------------------


def timed(call: Callable[[], Any], repeat: int) -> list[float]:
    call()  # warm
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        out.append((time.perf_counter() - start) * 1000)
    return out


def open_ms(path: Path, repeat: int) -> list[float]:
    def once() -> None:
        with Outbox(path, KEY, now=lambda: NOW) as outbox:
            outbox.purge()

    return timed(once, repeat)


#: Runs a module or a script, then reports its own peak memory (VmHWM: this
#: process's, not the parent's it was forked from, as ru_maxrss would be).
LAUNCHER = """
import atexit, runpy, sys
def report():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            sys.stderr.write("peak-kB " + line.split()[1] + "\\n")
atexit.register(report)
kind, target, *sys.argv[1:] = sys.argv[1:]
sys.argv[0] = target
if kind == "module":
    runpy.run_module(target, run_name="__main__", alter_sys=True)
else:
    exec(compile(target, "<bare>", "exec"), {"__name__": "__main__"})
"""


def child(argv: list[str], env: dict[str, str]) -> tuple[float, int, int]:
    """Seconds, peak memory (kB) and output bytes of a child process; output read and dropped."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    size = 0
    while chunk := process.stdout.read(1 << 16):
        size += len(chunk)
    error = process.stderr.read().decode()
    code = process.wait()
    elapsed = time.perf_counter() - start
    assert code == 0, error
    peak = [int(line.split()[1]) for line in error.splitlines() if line.startswith("peak-kB ")]
    return elapsed, peak[-1] if peak else 0, size


#: The baseline: the same columns, in the same order, printed the same way.
BARE = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
limit = int(sys.argv[2])
sql = ("SELECT needs_person, local_reference, state, procedure_id, attempts, created_at,"
       " server_reference, last_error FROM items ORDER BY enqueued_at DESC, id DESC")
if limit:
    sql += f" LIMIT {limit}"
write = sys.stdout.write
for flag, ref, state, proc, attempts, created, server_ref, error in conn.execute(sql):
    write(f"{'!' if flag else ' '} {ref}  {state:<9} {proc:<32} {attempts:>3} tries  {created}  "
          f"{server_ref or error or ''}".rstrip() + "\\n")
"""


def bench_listing(path: Path, n: int) -> list[tuple[str, bool]]:
    """``kiosk queue list`` against a bare SELECT-and-print, each in a child process."""
    key_file = path.parent.parent / "keys" / f"{path.parent.name}.key"  # not in the data folder
    key_file.parent.mkdir(exist_ok=True)
    key_file.write_text(base64.b64encode(KEY).decode())
    os.chmod(key_file, 0o600)
    env = {**os.environ, "KIOSK_KEY_STORE": f"file:{key_file}", "KIOSK_DATA_DIR": str(path.parent)}
    env["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH", "")])
    )
    kiosk = ["module", "kiosk", "queue", "list", "--limit"]
    bare = ["script", BARE, str(path)]
    runs: dict[str, list[tuple[float, int, int]]] = {"kiosk": [], "bare": [], "kiosk50": []}
    for r in range(LIST_ROUNDS):  # in turn, the order alternating: a passing load hits both
        pair = [("kiosk", [*kiosk, "0"]), ("bare", [*bare, "0"])]
        for name, argv in pair if r % 2 == 0 else pair[::-1]:
            runs[name].append(child(argv, env))
        runs["kiosk50"].append(child([*kiosk, "50"], env))
    bare50 = child([*bare, "50"], env)
    best = {k: min(v) for k, v in runs.items()}
    ratio = median([k[0] / b[0] for k, b in zip(runs["kiosk"], runs["bare"], strict=True)])
    growth_mb = (best["kiosk"][1] - best["kiosk50"][1]) / 1024
    print(f"  {'kiosk queue list (child processes, best)':40}{'s':>10}{'peak MB':>9}{'out MB':>8}")
    for label, (secs, rss, size) in (
        (f"kiosk queue list --limit 0 ({n:,} lines)", best["kiosk"]),
        ("bare sqlite3 SELECT-and-print, all", best["bare"]),
        ("kiosk queue list --limit 50", best["kiosk50"]),
        ("bare sqlite3 SELECT-and-print, 50", bare50),
    ):
        print(f"  {label:40}{secs:>10.2f}{rss / 1024:>9.1f}{size / 1e6:>8.1f}")
    ok_time = ratio <= TARGET_LIST
    ok_memory = growth_mb < 16
    print(
        f"  list / bare time: {ratio:.2f}x (median of {LIST_ROUNDS} rounds' ratios;"
        f" target <= {TARGET_LIST}x) {verdict(ok_time)}"
    )
    print(
        f"  list memory, all lines vs 50: +{growth_mb:.1f} MB (flat: < 16 MB) {verdict(ok_memory)}"
    )
    return [("queue list time", ok_time), ("queue list memory", ok_memory)]


def bench_population(
    population: str, title: str, args: argparse.Namespace
) -> list[tuple[str, bool]]:
    n = args.items
    path, setup_s = cached_file(n, population, args.dir, args.fresh)
    kept = json.loads((path.parent / "ids.json").read_text())
    ids: dict[str, list[str]] = kept["ids"]
    size_mb = path.stat().st_size / 1e6
    made = f"filled in {setup_s:.0f} s" if setup_s else "kept from an earlier run"
    print(f"\n{title}: {n:,} items ({_spread(kept['counts'])}), {size_mb:,.0f} MB, {made}")
    results: list[tuple[str, bool]] = []

    with workdir(args.dir) as work:
        small_path = work / "small" / "outbox.sqlite3"
        small_path.parent.mkdir()
        with Outbox(small_path, KEY, now=lambda: NOW) as small:
            fill(small, 1000, population)
        big_open, small_open = open_ms(path, 10), open_ms(small_path, 10)
    ok = p95(big_open) < TARGET_MS
    print(f"  {'':40}{'median ms':>10}{'p95 ms':>9}")
    print(f"  {'open + purge, 1,000 items':40}{median(small_open):>10.2f}{p95(small_open):>9.2f}")
    print(
        f"  {f'open + purge, {n:,} items':40}{median(big_open):>10.2f}{p95(big_open):>9.2f}"
        f"  {verdict(ok)}"
    )
    results.append((f"{population}: open", ok))

    with Outbox(path, KEY, now=lambda: NOW) as outbox:
        rng = random.Random(4)
        all_ids = [i for some in ids.values() for i in some]
        references = [outbox.get(i).local_reference for i in rng.sample(all_ids, 50)]
        middle = outbox.page(limit=1)[0]
        deep = (middle.enqueued_at - n * 2.5, "")  # halfway down the list
        queued_first = ids.get("queued", [""])[0]
        targets: list[tuple[str, Callable[[], Any]]] = [
            (f"page(limit={PAGE}), newest first", lambda: outbox.page(limit=PAGE)),
            ("page(after=halfway down)", lambda: outbox.page(after=deep, limit=PAGE)),
            ("page(oldest first)", lambda: outbox.page(limit=PAGE, newest_first=False)),
        ]
        for states in (("queued",), ("sent",), ("rejected", "conflict")):
            if any(s in ids for s in states):
                targets.append(
                    (f"page(states={list(states)})", lambda s=states: outbox.page(states=s))
                )
        targets += [
            ("counts()", outbox.counts),
            ("next_due()", outbox.next_due),
            ("next_due(), nothing due yet", lambda: outbox.next_due(now=0.0)),
            ("due_ids(limit=100): a round's batch", lambda: outbox.due_ids(limit=100)),
            ("due_ids(after=...): the next batch", lambda: outbox.due_ids(after=queued_first)),
            ("next_wake()", outbox.next_wake),
            ("needing_person()", outbox.needing_person),
            ("find_by_reference(ref): queue show", lambda: outbox.find_by_reference(
                rng.choice(references))),
            ("get(id)", lambda: outbox.get(rng.choice(all_ids))),
        ]  # fmt: skip
        for label, call in targets:
            ms = timed(call, args.repeat if label != "get(id)" else args.repeat * 10)
            ok = p95(ms) < TARGET_MS
            results.append((f"{population}: {label}", ok))
            print(f"  {label:40}{median(ms):>10.2f}{p95(ms):>9.2f}  {verdict(ok)}")
    if not args.no_list:
        results += [(f"{population}: {k}", ok) for k, ok in bench_listing(path, n)]
    if args.full_check:
        marker = path.with_name(f"{path.name}.open-benchmark")
        marker.write_bytes(b"")  # a mark nobody holds: as after a power cut
        start = time.perf_counter()
        Outbox(path, KEY, now=lambda: NOW).close()
        print(f"  for information: opening after an unclean shutdown (full check) "
              f"{time.perf_counter() - start:.1f} s")  # fmt: skip
    return results


def _spread(counts: dict[str, int]) -> str:
    return ", ".join(f"{v:,} {k}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000, help="default 1,000,000")
    parser.add_argument("--repeat", type=int, default=30, help="calls timed per query")
    parser.add_argument(
        "--population", choices=("history", "backlog"), action="append", help="default both"
    )
    parser.add_argument("--dir", help="where to keep the files (default: the temporary folder)")
    parser.add_argument("--fresh", action="store_true", help="fill the files again")
    parser.add_argument("--no-list", action="store_true", help="skip kiosk queue list")
    parser.add_argument(
        "--full-check", action="store_true", help="also time opening after an unclean shutdown"
    )
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
