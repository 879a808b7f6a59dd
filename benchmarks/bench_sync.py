"""Syncing 1,000 submissions: ``Syncer.run_until_idle`` against a bare ``requests`` loop.

Target (issue 3): the syncer within 1.3× of a bare loop sending the same bytes.

Both send to the reference receiver (waitress, SQLite with ``synchronous=FULL``)
on loopback, started afresh with an empty database for every run, in a
process of its own (a back-office is another machine; ``--in-process`` runs
it in a thread of this process instead).

- **Syncer**: a copy of one outbox holding the submissions (real ones, the
  shipped examples renewed with new ids), ``Syncer(outbox, settings,
  token).run_until_idle()``: recovery, health probe, then for each item the
  outbox reads and ``sending``/``sent`` transitions (each a durable
  transaction) around the requests; content deleted once acknowledged (the
  default retention).
- **bare loop**: one ``requests.Session`` sending the same requests with the
  same bytes and headers (User-Agent, Authorization, Content-Type,
  X-Kiosk-Sent-At): ``PUT /v1/submissions/{id}``, and with attachments
  ``HEAD`` then ``PUT /v1/attachments/{sha256}`` first; it checks the status
  codes and nothing else.

Run: ``python -m benchmarks.bench_sync [--items N] [--rounds R] [--profile]``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import pstats
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import requests

from benchmarks._common import (
    KEY,
    KIOSK_ID,
    describe,
    machine_line,
    median,
    submissions,
    verdict,
    workdir,
)
from kiosk import __version__, protocol
from kiosk.clock import rfc3339
from kiosk.config import Settings
from kiosk.outbox import Outbox
from kiosk.submission import Submission
from kiosk.syncer import Syncer

TARGET = 1.3
ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def receiver(db_path: Path, in_process: bool) -> Iterator[tuple[str, str]]:
    """A fresh reference receiver on loopback: (url, token)."""
    if in_process:
        from receiver.server import start_in_thread
        from receiver.store import Store

        token = Store(db_path).create_token(KIOSK_ID)
        with start_in_thread(db_path, host="127.0.0.1", port=0) as server:
            yield server.url, token
        return
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._receiver_child", str(db_path), KIOSK_ID],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        line = child.stdout.readline()
        if not line:
            raise SystemExit("the receiver did not start")
        info = json.loads(line)
        yield info["url"], info["token"]
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def received(db_path: Path) -> tuple[int, int]:
    """(submissions, attachments) stored by the receiver."""
    conn = sqlite3.connect(db_path)
    try:
        subs = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        files = conn.execute("SELECT COUNT(*) FROM attachments").fetchone()[0]
    finally:
        conn.close()
    return subs, files


def build_outbox(folder: Path, subs: Sequence[Submission]) -> Path:
    """An outbox file holding ``subs``, closed (its WAL folded in), to be copied."""
    folder.mkdir(parents=True)
    path = folder / "outbox.sqlite3"
    with Outbox(path, KEY) as outbox:
        for s in subs:
            outbox.enqueue(s)
    return path


def run_syncer(
    folder: Path,
    template: Path,
    url: str,
    token: str,
    n: int,
    profiler: cProfile.Profile | None = None,
) -> float:
    folder.mkdir()
    shutil.copyfile(template, folder / "outbox.sqlite3")
    settings = Settings(server_url=url, kiosk_id=KIOSK_ID)
    with Outbox(folder / "outbox.sqlite3", KEY) as outbox, Syncer(outbox, settings, token) as s:
        if profiler is not None:
            profiler.enable()
        start = time.perf_counter()
        report = s.run_until_idle(timeout_s=600)
        elapsed = time.perf_counter() - start
        if profiler is not None:
            profiler.disable()
    if report.sent != n or report.exit_code() != 0:
        raise SystemExit(f"the syncer did not send everything: {report}")
    return elapsed


def run_bare(subs: Sequence[Submission], url: str, token: str) -> float:
    common = {
        "User-Agent": protocol.user_agent(__version__, KIOSK_ID),
        "Authorization": f"Bearer {token}",
    }
    timeout = (5.0, 30.0)

    def sent_at() -> str:
        return rfc3339(datetime.now().astimezone())

    with requests.Session() as http:
        start = time.perf_counter()
        for s in subs:
            for a in s.attachments:
                path = url + protocol.ATTACHMENT_PATH.format(sha256=a.sha256)
                head = http.head(path, headers=common, timeout=timeout)
                if head.status_code == 404:
                    headers = {
                        **common,
                        "Content-Type": a.media_type,
                        protocol.SENT_AT_HEADER: sent_at(),
                    }
                    put = http.put(path, data=a.data, headers=headers, timeout=timeout)
                    if put.status_code not in (200, 201):
                        raise SystemExit(f"bare loop: attachment HTTP {put.status_code}")
            headers = {
                **common,
                "Content-Type": protocol.JSON_TYPE,
                protocol.SENT_AT_HEADER: sent_at(),
            }
            response = http.put(
                url + protocol.SUBMISSION_PATH.format(id=s.id),
                data=s.body,
                headers=headers,
                timeout=timeout,
            )
            if response.status_code != 201:
                raise SystemExit(f"bare loop: HTTP {response.status_code}")
        return time.perf_counter() - start


def bench_shape(
    label: str, subs: list[Submission], args: argparse.Namespace
) -> tuple[bool, cProfile.Profile | None]:
    n = len(subs)
    n_files = sum(len(s.attachments) for s in subs)
    times: dict[str, list[float]] = {"syncer": [], "bare": []}
    profiler = cProfile.Profile() if args.profile else None
    with workdir(args.dir) as work:
        template = build_outbox(work / "template", subs)
        for r in range(args.rounds):
            order = ["bare", "syncer"] if r % 2 == 0 else ["syncer", "bare"]
            for name in order:
                db = work / f"receiver-{name}-{r}.db"
                with receiver(db, args.in_process) as (url, token):
                    if name == "syncer":
                        elapsed = run_syncer(work / f"outbox-{r}", template, url, token, n)
                    else:
                        elapsed = run_bare(subs, url, token)
                    got = received(db)
                if got != (n, n_files):
                    raise SystemExit(f"{name}: the receiver holds {got}, not {(n, n_files)}")
                times[name].append(elapsed)
        if profiler is not None:
            with receiver(work / "receiver-profile.db", args.in_process) as (url, token):
                run_syncer(work / "outbox-profile", template, url, token, n, profiler)

    ratio = median([s / b for s, b in zip(times["syncer"], times["bare"], strict=True)])
    ok = ratio <= TARGET
    print(f"\n{label} ({describe(subs)})")
    print(f"  {'':32}{'seconds median':>15}{'best':>8}{'ms/item':>9}")
    for name, title in (("syncer", "Syncer.run_until_idle"), ("bare", "bare requests loop")):
        print(
            f"  {title:32}{median(times[name]):>15.2f}{min(times[name]):>8.2f}"
            f"{median(times[name]) / n * 1000:>9.2f}"
        )
    print(
        f"  Syncer / bare loop time: {ratio:.2f}× (median of per-round ratios; "
        f"target ≤ {TARGET}×) {verdict(ok)}"
    )
    return ok, profiler


def print_profile(profiler: cProfile.Profile) -> None:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(r"kiosk[/\\](syncer|outbox)", 20)
    print("\nProfile of one syncer run (cProfile; times inflated by profiling):")
    print(out.getvalue())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1000, help="submissions (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument(
        "--attachments",
        action="store_true",
        help="also a run where each submission carries one attachment of its own",
    )
    parser.add_argument("--in-process", action="store_true", help="receiver in a thread")
    parser.add_argument("--profile", action="store_true", help="profile one more syncer run")
    parser.add_argument("--dir", help="where to put the files (default: the temporary folder)")
    args = parser.parse_args(argv)

    where = "in this process" if args.in_process else "in its own process"
    with workdir(args.dir) as probe:
        print(
            f"Sync to the reference receiver on loopback ({where}): {args.items} submissions, "
            f"{args.rounds} rounds"
        )
        print(machine_line(probe))
    shapes = [("Without attachment", 0)]
    if args.attachments:
        shapes.append(("With one attachment each (HEAD, PUT, then the submission)", 1))
    ok = True
    for label, n_attachments in shapes:
        subs = submissions(args.items, n_attachments, unique_attachments=True)
        shape_ok, profiler = bench_shape(label, subs, args)
        ok = ok and shape_ok
        if profiler is not None:
            print_profile(profiler)
    print(f"\nsync: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
