"""What the benchmarks share: realistic submissions, statistics, a line about the machine."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

from kiosk.answers_file import play, read_answers_file
from kiosk.procedure import find_procedure
from kiosk.protocol import canonical_json
from kiosk.resources import examples_dir
from kiosk.session import Session
from kiosk.submission import AttachmentBlob, Submission, new_local_reference

#: The benchmarks' data key (32 bytes, AES-256); never a real kiosk's.
KEY = bytes(range(32))
KIOSK_ID = "bench-kiosk"


# -- submissions -----------------------------------------------------------------------------


@functools.cache
def shipped_submissions() -> tuple[Submission, ...]:
    """Every shipped example that finalizes, played through a real session."""
    found = []
    for path in sorted(examples_dir().glob("*.json")):
        session = Session(find_procedure(path.stem.split("--")[0]))
        result = play(session, read_answers_file(path)).result
        if isinstance(result, Submission):
            found.append(result)
    return tuple(found)


def templates(n_attachments: int) -> list[Submission]:
    """The shipped examples with exactly ``n_attachments`` attachments (0: body only)."""
    chosen = [s for s in shipped_submissions() if len(s.attachments) == n_attachments]
    if not chosen:
        raise SystemExit(f"no shipped example has {n_attachments} attachment(s)")
    return chosen


def renewed(template: Submission, *, unique_attachments: bool = False) -> Submission:
    """The template as a new submission: a new id and local reference, same content.

    ``unique_attachments``: each attachment gets a few bytes of its own at the
    end (another person's scan), so a back-office cannot deduplicate it.
    """
    sub_id = str(uuid.uuid4())
    blobs = template.attachments
    if unique_attachments:
        blobs = tuple(_unique(a, sub_id) for a in blobs)
    document = json.loads(template.body)
    document["id"] = sub_id
    document["attachments"] = [
        {
            "field": a.field,
            "filename": a.filename,
            "media_type": a.media_type,
            "sha256": a.sha256,
            "size": a.size,
        }
        for a in blobs
    ]
    return dataclasses.replace(
        template,
        id=sub_id,
        local_reference=new_local_reference(),
        body=canonical_json(document),
        attachments=blobs,
    )


def _unique(blob: AttachmentBlob, salt: str) -> AttachmentBlob:
    data = blob.data + f"\n% {salt}\n".encode()
    return dataclasses.replace(
        blob, data=data, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )


def submissions(
    n: int, n_attachments: int, *, unique_attachments: bool = False
) -> list[Submission]:
    """``n`` new submissions cycling over the shipped examples of that shape."""
    chosen = templates(n_attachments)
    return [
        renewed(chosen[i % len(chosen)], unique_attachments=unique_attachments) for i in range(n)
    ]


def describe(subs: Sequence[Submission]) -> str:
    body = statistics.mean(len(s.body) for s in subs)
    files = [a.size for s in subs for a in s.attachments]
    text = f"body {body:,.0f} B on average"
    if files:
        text += f", {len(files) / len(subs):g} attachment(s) of {statistics.mean(files):,.0f} B"
    else:
        text += ", no attachment"
    return text


# -- statistics ------------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return ordered[rank - 1]


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# -- where and on what -------------------------------------------------------------------------


def filesystem_of(path: Path) -> str:
    """The file system type holding ``path`` (Linux), e.g. ``ext4``; "?" elsewhere."""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return "?"
    target = str(Path(path).resolve())
    best, kind = "", "?"
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        mount_point = parts[1]
        inside = target == mount_point or target.startswith(mount_point.rstrip("/") + "/")
        if inside and len(mount_point) > len(best):
            best, kind = mount_point, parts[2]
    return kind


def fsync_ms(work: Path, times: int = 200) -> float:
    """Median time of writing 4 KiB at the end of a file and waiting for the disk (fdatasync,
    as SQLite does for each WAL commit), in the benchmark's folder: the device's floor."""
    path = Path(work) / "fsync-probe"
    samples = []
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        block = os.urandom(4096)
        sync = getattr(os, "fdatasync", os.fsync)
        for _ in range(times):
            start = time.perf_counter()
            os.write(fd, block)
            sync(fd)
            samples.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
        path.unlink()
    return statistics.median(samples)


def machine_line(work: Path) -> str:
    load = "n/a"
    with contextlib.suppress(OSError, AttributeError):
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    fs = filesystem_of(work)
    warning = "  (tmpfs: fsync costs nothing here, durability figures are meaningless)"
    return (
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{os.cpu_count()} cores, load average {load}; files on {fs}, "
        f"fsync of 4 KiB {fsync_ms(work):.2f} ms (median)" + (warning if fs == "tmpfs" else "")
    )


@contextlib.contextmanager
def workdir(base: str | None) -> Iterator[Path]:
    """A temporary folder (under ``base`` if given), removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-", dir=base) as name:
        yield Path(name)
