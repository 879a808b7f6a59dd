"""Damaged queue files set aside, told about until recovered, and their recovery.

Opening an outbox whose file is damaged renames it ``outbox.sqlite3.damaged-<when>``
and starts a new one (kiosk.outbox.store). The requests that were waiting in
it must not vanish from view: ``set_aside_files`` lists those files (a folder
listing, no file opened: cheap enough for every sync round), and every place a
mediator looks says so until the file is recovered.

``recover`` reads what the damaged copy still holds, read-only, row by row:
each item is read on its own, by rowid, so a damaged page loses only the rows
on it; each readable item is decrypted with the outbox key and queued again
with its original id and frozen bytes (``Outbox.enqueue`` is idempotent: an id
already present is skipped, and the back-office recognises a replay). The
file is then renamed ``outbox.sqlite3.recovered-<when>``: never deleted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag

from kiosk.outbox.schema import DB_NAME
from kiosk.outbox.sealing import Sealer
from kiosk.submission import AttachmentBlob, Submission

if TYPE_CHECKING:  # the store imports nothing from here; this module needs only its type
    from kiosk.outbox.store import Outbox

__all__ = [
    "DAMAGED_INFIX",
    "RECOVERED_INFIX",
    "Recovery",
    "SetAside",
    "notice_line",
    "readable_waiting",
    "recover",
    "set_aside_files",
]

DAMAGED_INFIX = ".damaged-"
RECOVERED_INFIX = ".recovered-"
#: Rowids tried one by one past a damaged page before the scan gives up: the
#: items' rowids are dense (retention leaves gaps only among delivered ones).
SKIP_BUDGET = 10_000
_WAITING = ("queued", "sending", "rejected", "conflict")


@dataclass(frozen=True)
class SetAside:
    path: Path
    #: When it was set aside (unix time: the file's last change, which the rename keeps).
    when: float
    size: int


def set_aside_files(data_dir: Path) -> list[SetAside]:
    """The damaged queue files of ``data_dir`` not recovered yet, oldest first."""
    prefix = DB_NAME + DAMAGED_INFIX
    found = []
    try:
        entries = list(Path(data_dir).iterdir())
    except OSError:
        return []
    for path in entries:
        name = path.name
        if not name.startswith(prefix) or name.endswith(("-wal", "-shm")):
            continue
        try:
            stat = path.stat()
        except OSError:
            continue  # recovered meanwhile
        found.append(SetAside(path, stat.st_mtime, stat.st_size))
    return sorted(found, key=lambda s: (s.when, s.path.name))


@contextlib.contextmanager
def _reading(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection on the damaged copy (None: SQLite cannot open it at all).

    Nothing is written next to it. When its write-ahead log holds something,
    both are copied to a temporary folder first and the copy is opened, so
    that SQLite reads the log too (a read-only opening would ignore it).
    """
    wal = Path(f"{path}-wal")
    with tempfile.TemporaryDirectory(prefix="kiosk-recover-") as scratch:
        target, uri = path, "mode=ro&immutable=1"
        try:
            if wal.exists() and wal.stat().st_size > 0:
                target = Path(scratch) / DB_NAME
                shutil.copyfile(path, target)
                shutil.copyfile(wal, Path(f"{target}-wal"))
                uri = "mode=rw"  # the copy only: SQLite replays the log into it
        except OSError:
            target, uri = path, "mode=ro&immutable=1"
        try:
            conn = sqlite3.connect(
                f"file:{target.resolve().as_posix()}?{uri}", uri=True, isolation_level=None
            )
        except sqlite3.Error:
            yield None
            return
        try:
            yield conn
        finally:
            conn.close()


def _has_items(conn: sqlite3.Connection) -> bool:
    """Whether the file's schema can be read and names the items table."""
    try:
        row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'")
        return row.fetchone() is not None
    except sqlite3.DatabaseError:
        return False  # not a database at all (its header or schema page is gone)


def _rowids(conn: sqlite3.Connection, table: str) -> Iterator[int]:
    """Every rowid of ``table`` that can be read, in order, stepping over damaged pages."""
    last = 0
    failures = 0
    while failures <= SKIP_BUDGET:
        try:
            row = conn.execute(
                f"SELECT rowid FROM {table} WHERE rowid > ? ORDER BY rowid LIMIT 1", (last,)
            ).fetchone()
        except sqlite3.DatabaseError:
            # A damaged page on the way: read the next rowid alone (a point lookup
            # goes down one path only, where the range scan walked on to the damage).
            last += 1
            failures += 1
            try:
                alone = conn.execute(f"SELECT rowid FROM {table} WHERE rowid = ?", (last,))
                if alone.fetchone() is not None:
                    failures = 0
                    yield last
            except sqlite3.DatabaseError:
                pass
            continue
        if row is None:
            return
        failures = 0
        last = int(row[0])
        yield last


def readable_waiting(path: Path) -> int | None:
    """How many waiting requests can still be read in a set-aside file (None: none at all)."""
    with _reading(path) as conn:
        if conn is None or not _has_items(conn):
            return None
        n = 0
        try:
            for rowid in _rowids(conn, "items"):
                try:
                    row = conn.execute(
                        "SELECT state FROM items WHERE rowid = ?", (rowid,)
                    ).fetchone()
                except sqlite3.DatabaseError:
                    continue
                if row is not None and row[0] in _WAITING:
                    n += 1
        except sqlite3.DatabaseError:
            pass
        return n


def notice_line(found: SetAside) -> str:
    """The one line every place a mediator looks prints about a set-aside file."""
    when = datetime.fromtimestamp(found.when).strftime("%Y-%m-%d %H:%M")
    n = readable_waiting(found.path)
    held = (
        "its requests cannot be read"
        if n is None
        else f"{n} request{'s' if n != 1 else ''} may be in it"
    )
    return (
        f"A damaged queue file was set aside on {when}: {held}. "
        f"Recover them with: kiosk queue recover {found.path}"
    )


@dataclass(frozen=True)
class Recovery:
    recovered: int  # queued again now
    already_queued: int  # the id is in the current queue already (skipped)
    delivered: int  # sent before the damage: nothing to send
    unreadable: int  # found, but its content could not be read or decrypted whole
    moved_to: Path


def _item(conn: sqlite3.Connection, sealer: Sealer, rowid: int) -> Submission | str:
    """The submission stored at ``rowid``, or why not: 'delivered' or 'unreadable'."""
    row = conn.execute(
        "SELECT id, procedure_id, procedure_version, local_reference, mode, created_at,"
        " state, payload FROM items WHERE rowid = ?",
        (rowid,),
    ).fetchone()
    item_id, procedure_id, version, reference, mode, created_at, state, payload = row
    if state not in _WAITING:
        return "delivered"
    if payload is None:
        return "unreadable"
    body = sealer.open(bytes(payload), Sealer.aad_payload(item_id))
    blobs = []
    for position, sha256, size, meta, data in conn.execute(
        "SELECT position, sha256, size, meta, data FROM attachments"
        " WHERE item_id = ? ORDER BY position",
        (item_id,),
    ):
        clear = sealer.open(bytes(data), Sealer.aad_attachment(item_id, sha256))
        if hashlib.sha256(clear).hexdigest() != sha256 or len(clear) != size:
            return "unreadable"
        info = json.loads(
            sealer.open(bytes(meta), Sealer.aad_attachment_meta(item_id, position, sha256))
        )
        blobs.append(
            AttachmentBlob(info["field"], sha256, size, info["media_type"], info["filename"], clear)
        )
    expected = conn.execute(
        "SELECT attachment_count FROM items WHERE rowid = ?", (rowid,)
    ).fetchone()
    if expected is not None and expected[0] != len(blobs):
        return "unreadable"  # some attachment rows sat on a damaged page
    return Submission(
        id=item_id,
        local_reference=reference,
        procedure_id=procedure_id,
        procedure_version=version,
        created_at=created_at,
        mode=mode,
        body=body,
        attachments=tuple(blobs),
    )


def recover(path: Path, outbox: Outbox) -> Recovery:
    """Queue again in ``outbox`` what ``path`` still holds, then rename it ``…recovered-…``.

    ``outbox`` is the current ``Outbox``: its data key (the same key store's)
    decrypts the damaged copy.
    """
    from kiosk.outbox.errors import ConflictingSubmissionError

    path = Path(path)
    sealer = outbox._sealer
    recovered = already = delivered = unreadable = 0
    with _reading(path) as conn:
        if conn is not None and _has_items(conn):
            try:
                for rowid in _rowids(conn, "items"):
                    try:
                        found = _item(conn, sealer, rowid)
                    except (sqlite3.DatabaseError, InvalidTag, ValueError, KeyError, TypeError):
                        unreadable += 1
                        continue
                    if found == "delivered":
                        delivered += 1
                    elif isinstance(found, str):
                        unreadable += 1
                    elif _queued_again(outbox, found, ConflictingSubmissionError):
                        recovered += 1
                    else:
                        already += 1
            except sqlite3.DatabaseError:
                pass  # the rest of the table cannot be reached
    return Recovery(recovered, already, delivered, unreadable, _mark_recovered(path))


def _queued_again(outbox: Outbox, found: Submission, conflict: type[Exception]) -> bool:
    """Queue ``found`` again; False when its id is in the current queue already."""
    try:
        outbox.get(found.id)
    except KeyError:
        pass
    else:
        return False
    try:
        outbox.enqueue(found)
    except conflict:
        return False
    return True


def _mark_recovered(path: Path) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    target = path.with_name(path.name.replace(DAMAGED_INFIX, f"{RECOVERED_INFIX}{stamp}-", 1))
    if target == path:
        target = path.with_name(f"{path.name}{RECOVERED_INFIX}{stamp}")
    n = 1
    base = target
    while target.exists():
        n += 1
        target = base.with_name(f"{base.name}-{n}")
    for suffix in ("-wal", "-shm", ""):
        source = Path(f"{path}{suffix}")
        if source.exists():
            with contextlib.suppress(FileNotFoundError):
                os.replace(source, Path(f"{target}{suffix}"))
    return target
