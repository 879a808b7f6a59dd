"""The receiver under load: 1, 10 and 50 kiosks, against a bare waitress app, on both engines.

Targets (issue 14): the receiver at ≥ 0.7× the bare app's throughput on each
engine at each load, p99 < 100 ms at 50 kiosks, no error.

Each server runs in a process of its own (``benchmarks/_receiver_load_child.py``)
on loopback, on a fresh database, with waitress's 8 threads:

- **receiver**: the reference receiver, every check on (token, shape,
  replay, references), SQLite (``synchronous=FULL``) or PostgreSQL;
- **bare**: waitress and one durable insert of the body per request into the
  same engine, nothing else.

Each simulated kiosk is a thread with its own keep-alive ``requests.Session``
sending ``PUT /v1/submissions/{id}`` with real bodies (the shipped examples
without attachments, each with a new id), one after the other, for a fixed
time. Printed: requests/s, p50/p99 latency, and the server process's CPU
per request (user + system, from ``/proc``).

PostgreSQL: the server at ``KIOSK_TEST_POSTGRES_DSN`` if set, else a
throwaway one started with ``.ci/postgres`` when the server binaries are
installed, else that half is skipped (and said so).

Run: ``python -m benchmarks.bench_receiver [--seconds S] [--loads 1,10,50] [--engine E]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

from benchmarks._common import KIOSK_ID, machine_line, templates, verdict, workdir
from kiosk import protocol

TARGET_RATIO = 0.7
TARGET_P99_S = 0.100
ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Cell:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    cpu_s: float | None

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        rank = max(1, -(-int(q * 100) * len(ordered) // 100))
        return ordered[rank - 1]


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(mode: str, db: str) -> Iterator[tuple[str, str, int]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks._receiver_load_child", mode, db, KIOSK_ID],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        line = child.stdout.readline()
        if not line:
            raise SystemExit(f"the {mode} server did not start")
        info = json.loads(line)
        yield info["url"], info["token"], info["pid"]
    finally:
        child.stdin.close()
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def drive(url: str, token: str, pid: int, kiosks: int, seconds: float) -> Cell:
    """``kiosks`` threads sending submissions for ``seconds``; what they saw."""
    bodies = [t.body for t in templates(0)]
    template_ids = [t.id for t in templates(0)]
    latencies: list[list[float]] = [[] for _ in range(kiosks)]
    errors = [0] * kiosks
    start_line = threading.Barrier(kiosks + 1)
    stop_at = [0.0]

    def kiosk(k: int) -> None:
        with requests.Session() as http:
            http.headers["Authorization"] = f"Bearer {token}"
            http.headers["Content-Type"] = protocol.JSON_TYPE
            start_line.wait()
            i = 0
            while time.perf_counter() < stop_at[0]:
                new_id = str(uuid.uuid4())
                n = (k + i) % len(bodies)
                body = bodies[n].replace(template_ids[n].encode(), new_id.encode())
                began = time.perf_counter()
                try:
                    response = http.put(
                        url + protocol.SUBMISSION_PATH.format(id=new_id),
                        data=body,
                        timeout=(5, 30),
                    )
                    ok = response.status_code == 201
                except requests.RequestException:
                    ok = False
                latencies[k].append(time.perf_counter() - began)
                if not ok:
                    errors[k] += 1
                i += 1

    threads = [threading.Thread(target=kiosk, args=(k,), daemon=True) for k in range(kiosks)]
    for thread in threads:
        thread.start()
    cpu_before = _cpu_seconds(pid)
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start_line.wait()
    for thread in threads:
        thread.join(timeout=seconds + 60)
    elapsed = time.perf_counter() - began
    cpu_after = _cpu_seconds(pid)
    cpu = None if cpu_before is None or cpu_after is None else cpu_after - cpu_before
    every = [x for per in latencies for x in per]
    return Cell(len(every), sum(errors), elapsed, every, cpu)


@contextlib.contextmanager
def postgres_url() -> Iterator[str | None]:
    """A PostgreSQL server's URL for the run, or None (with the reason printed)."""
    dsn = os.environ.get("KIOSK_TEST_POSTGRES_DSN", "").strip()
    if dsn:
        yield dsn
        return
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        print("PostgreSQL: skipped (no KIOSK_TEST_POSTGRES_DSN, no server binaries)")
        yield None
        return
    folder = tempfile.mkdtemp(prefix="kiosk-bench-pg-")
    script = str(ROOT / ".ci" / "postgres")
    started = subprocess.run([script, "start", folder], capture_output=True, text=True, check=False)
    try:
        if started.returncode != 0:
            print(f"PostgreSQL: skipped (could not start one: {started.stderr.strip()[-200:]})")
            yield None
        else:
            yield started.stdout.strip()
    finally:
        subprocess.run([script, "stop", folder], capture_output=True, check=False)


@contextlib.contextmanager
def fresh(engine: str, work: Path, name: str, pg: str | None) -> Iterator[str]:
    if engine == "sqlite":
        yield str(work / f"{name}.db")
        return
    import psycopg

    assert pg is not None
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in pg else "?"
    try:
        yield f"{pg}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(pg, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def bench_engine(
    engine: str, loads: Sequence[int], seconds: float, work: Path, pg: str | None
) -> bool:
    ok = True
    print(f"\n{engine}:")
    print(
        f"{'kiosks':>6} {'server':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'CPU ms/req':>10} {'errors':>6}"
    )
    for load in loads:
        cells: dict[str, Cell] = {}
        order = ["bare", "receiver"] if load % 2 else ["receiver", "bare"]
        for mode in order:
            with (
                fresh(engine, work, f"{engine}-{mode}-{load}", pg) as db,
                server(mode, db) as (url, token, pid),
            ):
                cells[mode] = drive(url, token, pid, load, seconds)
        for mode in ("bare", "receiver"):
            cell = cells[mode]
            cpu = "n/a" if cell.cpu_s is None else f"{1000 * cell.cpu_s / cell.requests:.2f}"
            print(
                f"{load:>6} {mode:>9} {cell.rate:>8.0f} {1000 * cell.percentile(0.5):>8.1f}"
                f" {1000 * cell.percentile(0.99):>8.1f} {cpu:>10} {cell.errors:>6}"
            )
        ratio = cells["receiver"].rate / cells["bare"].rate
        p99 = cells["receiver"].percentile(0.99)
        good = ratio >= TARGET_RATIO and cells["receiver"].errors == 0
        line = f"       receiver/bare {ratio:.2f}× (target ≥ {TARGET_RATIO}×)"
        if load >= 50:
            good = good and p99 < TARGET_P99_S
            line += f", p99 {1000 * p99:.0f} ms (target < {1000 * TARGET_P99_S:.0f} ms)"
        print(f"{line}: {verdict(good)}")
        ok = ok and good
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_receiver")
    parser.add_argument("--seconds", type=float, default=3.0, help="per server and load")
    parser.add_argument("--loads", default="1,10,50", help="simulated kiosks, comma-separated")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--dir", help="where the SQLite files go (default: the temp folder)")
    args = parser.parse_args(argv)
    loads = [int(x) for x in args.loads.split(",") if x.strip()]
    body = statistics.mean(len(t.body) for t in templates(0))
    with workdir(args.dir) as work:
        print(machine_line(work))
        print(
            f"{len(loads)} loads × 2 servers, {args.seconds:g} s each; bodies of {body:,.0f} B"
            " on average, no attachment; keep-alive sessions; waitress with 8 threads"
        )
        ok = True
        if args.engine in ("sqlite", "both"):
            ok = bench_engine("sqlite", loads, args.seconds, work, None) and ok
        if args.engine in ("postgresql", "both"):
            with postgres_url() as pg:
                if pg is not None:
                    ok = bench_engine("postgresql", loads, args.seconds, work, pg) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
