"""The outbox: a durable, encrypted queue of finalized submissions.

One SQLite file (``outbox.sqlite3`` in the data directory), WAL with
``synchronous=FULL`` so "saved" means saved, even on power loss. Each thread
uses its own ``Outbox`` (its own connection); state changes run in short
``BEGIN IMMEDIATE`` transactions so the screens and the syncer can share the
file.

What a person wrote never sits in clear on disk: the frozen body, the
attachments, their names and types, and a rejection's details are encrypted
with AES-256-GCM under a key from the key store (kiosk.keystore), with the
submission id (and attachment digest) as associated data so no blob can be
moved to another row. In clear stay only what the queue needs: ids,
procedure id and version, mode, states, times, references, and the size and
SHA-256 of each attachment.

Errors are ``OutboxError`` subclasses whose text is a sentence a mediator
can act on; the original exception is chained for the log.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from kiosk.config import Settings, load_settings
from kiosk.submission import Submission

__all__ = [
    "DB_NAME",
    "OUTCOMES",
    "SCHEMA_MAJOR",
    "STATES",
    "AttachmentMeta",
    "Attempt",
    "BusyError",
    "ConflictingSubmissionError",
    "CorruptDatabaseError",
    "DiskFullError",
    "NewerSchemaError",
    "Outbox",
    "OutboxError",
    "OutboxItem",
    "PayloadDeletedError",
    "ReadOnlyError",
    "StateError",
    "WrongKeyError",
]

log = logging.getLogger(__name__)

DB_NAME = "outbox.sqlite3"
STATES = ("queued", "sending", "sent", "rejected", "conflict")
OUTCOMES = ("sent", "transient", "rejected", "conflict", "auth", "missing_attachments")

#: Stored as ``PRAGMA user_version``. A migration an older kiosk can live with
#: (a new column, a new index) leaves it alone; one it cannot read bumps it, and
#: older kiosks then refuse the file instead of misreading it.
SCHEMA_MAJOR = 1
MIGRATION_SET = "kiosk-outbox"

ERROR_MAX = 200  # characters kept of an error text
REASON_MAX = 200
DETAILS_MAX = 50  # rejection details kept
BUSY_TIMEOUT_MS = 10_000

_BLOB_VERSION = b"\x01"
_NONCE_BYTES = 12
_KEY_CHECK = b"kiosk outbox key check v1"


# -- errors ----------------------------------------------------------------------------------


class OutboxError(Exception):
    """``str(e)`` is a sentence a mediator understands."""


class NewerSchemaError(OutboxError):
    pass


class DiskFullError(OutboxError):
    pass


class ReadOnlyError(OutboxError):
    pass


class CorruptDatabaseError(OutboxError):
    pass


class BusyError(OutboxError):
    pass


class WrongKeyError(OutboxError):
    pass


class StateError(OutboxError):
    """A transition that makes no sense from the item's current state (a bug)."""


class PayloadDeletedError(OutboxError):
    """The content was deleted after delivery (retention)."""


class ConflictingSubmissionError(OutboxError, ValueError):
    """Another submission with this id, but other bytes, is already queued."""


_DISK_FULL = (
    "The kiosk's disk is full, so this could not be saved (nothing already waiting was lost); "
    "free some space on the kiosk or call support, then try again."
)
_READ_ONLY = (
    "The kiosk cannot write to its disk (it is read-only), so nothing new can be saved "
    "(nothing already waiting was lost); call support."
)
_CORRUPT = (
    "The kiosk's queue file is damaged; restart the kiosk, which will set the damaged file "
    "aside (it is kept, not deleted) and start a new one, then call support."
)
_BUSY = "The kiosk's queue is busy for too long; try again in a moment."


def _translate(error: sqlite3.Error | OSError, db_path: Path) -> OutboxError:
    """The mediator's sentence for an SQLite or file error."""
    if isinstance(error, OSError):
        if error.errno == 28:  # ENOSPC
            return DiskFullError(_DISK_FULL)
        if error.errno in (30, 13, 1):  # EROFS, EACCES, EPERM
            return ReadOnlyError(_READ_ONLY)
        return OutboxError(
            f"The kiosk could not use its queue folder {db_path.parent} ({error.strerror}); "
            "call support."
        )
    code = getattr(error, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    text = str(error).lower()
    if primary == 13 or "database or disk is full" in text:
        return DiskFullError(_DISK_FULL)
    if primary == 8 or "readonly" in text or "read-only" in text:
        return ReadOnlyError(_READ_ONLY)
    if primary in (11, 26) or "malformed" in text or "not a database" in text:
        return CorruptDatabaseError(_CORRUPT)
    if primary in (5, 6) or "locked" in text:
        return BusyError(_BUSY)
    if primary == 14 or "unable to open" in text:
        if not os.access(db_path.parent, os.W_OK):
            return ReadOnlyError(_READ_ONLY)
        return OutboxError(
            f"The kiosk could not open its queue file {db_path}; check the disk, then call support."
        )
    return OutboxError(
        f"The kiosk's queue could not be used ({error.__class__.__name__}); call support."
    )


def _clean_text(text: str | None, limit: int) -> str | None:
    """One short line: errors and reasons are shown, never hold a whole response."""
    if text is None:
        return None
    line = re.sub(r"\s+", " ", str(text)).strip()
    line = "".join(ch for ch in line if ch.isprintable())
    return line[: limit - 1] + "…" if len(line) > limit else line


# -- public records ----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentMeta:
    field: str
    sha256: str
    size: int
    media_type: str
    filename: str


@dataclass(frozen=True)
class Attempt:
    at: float
    outcome: str  # one of OUTCOMES
    status: int | None
    error: str | None


@dataclass(frozen=True)
class OutboxItem:
    id: str
    procedure_id: str
    procedure_version: str
    local_reference: str
    mode: str
    state: str
    created_at: str  # the submission's created_at (RFC 3339)
    enqueued_at: float  # unix time
    #: Delivery attempts that reached an outcome. Authentication refusals are
    #: not counted: they are the device's problem, not the item's.
    attempts: int
    next_attempt_at: float
    first_failure_at: float | None
    last_status: int | None
    last_error: str | None
    server_reference: str | None
    sent_at: float | None
    needs_person: bool
    rejection: list[dict[str, str]] | None
    #: Empty once the content was deleted after delivery (retention).
    attachments: tuple[AttachmentMeta, ...]


# -- schema ----------------------------------------------------------------------------------

migrations = Migrations(MIGRATION_SET)


@migrations(name="0001_initial")
def _m0001_initial(db: Database) -> None:
    db.execute("""
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value BLOB
        )""")
    db.execute(f"""
        CREATE TABLE items (
            id TEXT PRIMARY KEY,
            procedure_id TEXT NOT NULL,
            procedure_version TEXT NOT NULL,
            local_reference TEXT NOT NULL,
            mode TEXT NOT NULL,
            created_at TEXT NOT NULL,
            enqueued_at REAL NOT NULL,
            state TEXT NOT NULL CHECK (state IN ({", ".join(f"'{s}'" for s in STATES)})),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at REAL NOT NULL,
            first_failure_at REAL,
            last_status INTEGER,
            last_error TEXT,
            server_reference TEXT,
            sent_at REAL,
            needs_person INTEGER NOT NULL DEFAULT 0,
            rejection BLOB,
            body_digest BLOB NOT NULL,
            payload BLOB,
            payload_deleted_at REAL
        )""")
    db.execute("CREATE INDEX items_state_due ON items (state, next_attempt_at)")
    db.execute("CREATE INDEX items_order ON items (enqueued_at, id)")
    db.execute("""
        CREATE TABLE attachments (
            item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            size INTEGER NOT NULL,
            meta BLOB NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (item_id, position)
        )""")
    db.execute("""
        CREATE TABLE attempts (
            item_id TEXT NOT NULL REFERENCES items (id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            at REAL NOT NULL,
            outcome TEXT NOT NULL,
            status INTEGER,
            error TEXT,
            PRIMARY KEY (item_id, seq)
        )""")
    db.execute(f"PRAGMA user_version = {SCHEMA_MAJOR}")


@migrations(name="0002_query_indexes")
def _m0002_query_indexes(db: Database) -> None:
    # New indexes only: an older kiosk can still read the file (user_version stays).
    # A state's items in queue order straight from the index (lists, next_due), with
    # next_attempt_at in it so next_due filters without reading rows: at 100,000
    # queued items, 60 ms of sorting becomes well under a millisecond.
    db.execute("CREATE INDEX items_state_order ON items (state, enqueued_at, id, next_attempt_at)")
    # counts(): the flagged items, without reading the whole table.
    db.execute("CREATE INDEX items_flagged ON items (needs_person) WHERE needs_person")


# -- the outbox ------------------------------------------------------------------------------

_ITEM_COLUMNS = (
    "id, procedure_id, procedure_version, local_reference, mode, state, created_at, "
    "enqueued_at, attempts, next_attempt_at, first_failure_at, last_status, last_error, "
    "server_reference, sent_at, needs_person, rejection"
)
_RETRYABLE = ("queued", "rejected", "conflict")


class Outbox:
    def __init__(
        self,
        db_path: Path,
        key: bytes,
        *,
        now: Callable[[], float] = time.time,
        flag_after_s: float = 24 * 3600,
        retention_payload_s: float = 0,
        retention_history_s: float = 90 * 86400,
    ) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise ValueError("the outbox key must be 32 bytes (AES-256)")
        self.db_path = Path(db_path)
        self._aead = AESGCM(key)
        self._digest_key = hmac.new(key, b"kiosk outbox body digest v1", hashlib.sha256).digest()
        self._now = now
        self.flag_after_s = float(flag_after_s)
        self.retention_payload_s = float(retention_payload_s)
        self.retention_history_s = float(retention_history_s)
        self._lock = threading.RLock()
        #: the connection waits for the disk on commit (synchronous=FULL)
        self._synced = True
        #: Where a damaged file was moved when this Outbox opened, if it was.
        self.set_aside: Path | None = None
        self._conn: sqlite3.Connection | None = None
        self._conn = self._open_connection()
        try:
            self._prepare()
        except BaseException:
            self.close()
            raise

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        data_dir: Path,
        settings: Settings | None = None,
        *,
        now: Callable[[], float] = time.time,
    ) -> Outbox:
        """The outbox of ``data_dir``, its key fetched (or made) in the configured key store.

        Also applies retention (``purge``) once; call ``purge`` again now and then.
        """
        from kiosk import keystore

        data_dir = Path(data_dir)
        db_path = data_dir / DB_NAME
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise _translate(e, db_path) from e
        if settings is None:
            settings = load_settings(data_dir)
        has_data = _holds_key_check(db_path)
        key = keystore.load_data_key(settings, data_dir, create=not has_data)
        outbox = cls(
            db_path,
            key,
            now=now,
            flag_after_s=settings.flag_after_h * 3600,
            retention_payload_s=settings.retention_payload_s,
            retention_history_s=settings.retention_history_days * 86400,
        )
        try:
            outbox.purge()  # retention at every start; a full disk must not stop the kiosk
        except OutboxError as e:
            log.warning("outbox: retention postponed (%s)", type(e).__name__)
        except BaseException:
            outbox.close()
            raise
        return outbox

    def _open_connection(self) -> sqlite3.Connection:
        try:
            # isolation_level=None: no implicit transactions; every write here
            # says BEGIN IMMEDIATE itself. check_same_thread=False + a lock:
            # an Outbox may be handed to another thread, never used by two at once.
            conn = sqlite3.connect(
                self.db_path,
                isolation_level=None,
                check_same_thread=False,
                timeout=BUSY_TIMEOUT_MS / 1000,
            )
        except sqlite3.Error as e:
            raise _translate(e, self.db_path) from e
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise OutboxError("The kiosk's queue is closed.")
        return self._conn

    def _prepare(self) -> None:
        try:
            damaged = self._is_damaged()
        except sqlite3.Error as e:
            raise _translate(e, self.db_path) from e
        if damaged:
            self.conn.close()
            self._conn = None
            self.set_aside = self._set_aside()
            self._conn = self._open_connection()
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_MAJOR:
                raise NewerSchemaError(
                    f"The kiosk's queue file {self.db_path} was written by a newer version of "
                    f"the kiosk (format {version}, this version reads {SCHEMA_MAJOR}); install "
                    "the newer version again — the file was left untouched."
                )
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = self.conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("outbox: journal_mode is %s, not wal", mode)
            self.conn.execute("PRAGMA synchronous = FULL")
            self.conn.execute("PRAGMA secure_delete = ON")
            self.conn.execute("PRAGMA foreign_keys = ON")
            with self._write():
                db = Database(self.conn, execute_plugins=False)
                migrations.apply(db)
                self._check_key()
                if self.set_aside is not None:
                    self._meta_set("set_aside", f"{self.set_aside}|{self._now()}")
        except sqlite3.Error as e:
            raise _translate(e, self.db_path) from e
        if self.set_aside is not None:
            log.warning("outbox: a damaged queue file was set aside as %s", self.set_aside)

    def _is_damaged(self) -> bool:
        try:
            self.conn.execute("PRAGMA schema_version").fetchone()
            row = self.conn.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.DatabaseError as e:
            if isinstance(_translate(e, self.db_path), CorruptDatabaseError):
                return True
            raise
        return row is None or row[0] != "ok"

    def _set_aside(self) -> Path:
        """Rename the damaged file (and its -wal/-shm); never overwrite or delete it."""
        stamp = datetime.fromtimestamp(self._now()).strftime("%Y%m%d-%H%M%S")
        target = self.db_path.with_name(f"{self.db_path.name}.damaged-{stamp}")
        n = 1
        while target.exists():
            n += 1
            target = self.db_path.with_name(f"{self.db_path.name}.damaged-{stamp}-{n}")
        try:
            for suffix in ("-wal", "-shm", ""):
                source = Path(f"{self.db_path}{suffix}")
                if source.exists():
                    os.replace(source, Path(f"{target}{suffix}"))
        except OSError as e:
            raise CorruptDatabaseError(
                f"The kiosk's queue file {self.db_path} is damaged and could not be set aside "
                f"({e.strerror}); call support."
            ) from e
        return target

    def _check_key(self) -> None:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
        if row is None:
            self._meta_set("key_check", self._seal(_KEY_CHECK, b"key-check"))
            return
        try:
            ok = self._open_blob(row[0], b"key-check") == _KEY_CHECK
        except InvalidTag:
            ok = False
        if not ok:
            raise WrongKeyError(
                f"The data key from the key store does not open the kiosk's queue file "
                f"{self.db_path} (it was made with another key); restore the original key "
                "(see docs/outbox.md) — the waiting requests are untouched."
            )

    def notice(self) -> str | None:
        """A sentence for the mediator if a damaged file was set aside, until cleared."""
        with self._lock:
            value = self._read(lambda: self._meta_get("set_aside"))
        if value is None:
            return None
        path = str(value).rsplit("|", 1)[0]
        return (
            "The kiosk's queue file was damaged and has been set aside as "
            f"{path}; requests that were waiting in it are kept there for support to recover."
        )

    def clear_notice(self) -> None:
        with self._lock, self._write():
            self.conn.execute("DELETE FROM meta WHERE key = 'set_aside'")

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------------------

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction; an error leaves nothing behind."""
        conn = self.conn
        try:
            if not self._synced:  # a failed _not_synced left it weakened
                conn.execute("PRAGMA synchronous = FULL")
                self._synced = True
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise _translate(e, self.db_path) from e
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise _translate(e, self.db_path) from e
            raise

    @contextlib.contextmanager
    def _not_synced(self) -> Iterator[None]:
        """Commits inside are not fsynced (WAL, synchronous=NORMAL), only ordered."""
        conn = self.conn
        try:
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            raise _translate(e, self.db_path) from e
        try:
            yield
        finally:
            # Every other write waits for the disk ("saved" survives a power
            # cut): if FULL cannot be set back, no write goes ahead without it.
            try:
                conn.execute("PRAGMA synchronous = FULL")
                self._synced = True
            except sqlite3.Error as e:
                self._synced = False
                raise _translate(e, self.db_path) from e

    def _read(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in one read transaction, so it sees one consistent state."""
        conn = self.conn
        try:
            conn.execute("BEGIN")
            try:
                return fn()
            finally:
                if conn.in_transaction:
                    conn.execute("COMMIT")
        except sqlite3.Error as e:
            raise _translate(e, self.db_path) from e

    def _seal(self, data: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _BLOB_VERSION + nonce + self._aead.encrypt(nonce, data, b"kiosk-outbox/v1/" + aad)

    def _open_blob(self, blob: bytes, aad: bytes) -> bytes:
        if not blob or blob[:1] != _BLOB_VERSION:
            raise InvalidTag()
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, b"kiosk-outbox/v1/" + aad)

    def _unseal(self, blob: bytes, aad: bytes) -> bytes:
        try:
            return self._open_blob(blob, aad)
        except InvalidTag:
            raise WrongKeyError(
                "Part of a waiting request cannot be decrypted (wrong key, or the file was "
                "altered); call support."
            ) from None

    def _meta_get(self, key: str) -> Any:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    def _meta_set(self, key: str, value: Any) -> None:
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def _digest(self, body: bytes) -> bytes:
        return hmac.new(self._digest_key, body, hashlib.sha256).digest()

    @staticmethod
    def _aad_payload(item_id: str) -> bytes:
        return f"payload/{item_id}".encode()

    @staticmethod
    def _aad_attachment(item_id: str, sha256: str) -> bytes:
        return f"attachment/{item_id}/{sha256}".encode()

    @staticmethod
    def _aad_attachment_meta(item_id: str, position: int, sha256: str) -> bytes:
        return f"attachment-meta/{item_id}/{position}/{sha256}".encode()

    @staticmethod
    def _aad_rejection(item_id: str) -> bytes:
        return f"rejection/{item_id}".encode()

    def _item_from_row(self, row: Sequence[Any], attachments: list[Sequence[Any]]) -> OutboxItem:
        (item_id, procedure_id, procedure_version, local_reference, mode, state, created_at,
         enqueued_at, attempts, next_attempt_at, first_failure_at, last_status, last_error,
         server_reference, sent_at, needs_person, rejection_blob) = row  # fmt: skip
        rejection = None
        if rejection_blob is not None:
            rejection = json.loads(self._unseal(rejection_blob, self._aad_rejection(item_id)))
        metas = []
        for position, sha256, size, meta_blob in attachments:
            meta = json.loads(
                self._unseal(meta_blob, self._aad_attachment_meta(item_id, position, sha256))
            )
            metas.append(
                AttachmentMeta(meta["field"], sha256, size, meta["media_type"], meta["filename"])
            )
        return OutboxItem(
            id=item_id,
            procedure_id=procedure_id,
            procedure_version=procedure_version,
            local_reference=local_reference,
            mode=mode,
            state=state,
            created_at=created_at,
            enqueued_at=enqueued_at,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
            first_failure_at=first_failure_at,
            last_status=last_status,
            last_error=last_error,
            server_reference=server_reference,
            sent_at=sent_at,
            needs_person=bool(needs_person),
            rejection=rejection,
            attachments=tuple(metas),
        )

    def _load_items(self, where: str, params: Sequence[Any], limit: int | None) -> list[OutboxItem]:
        sql = f"SELECT {_ITEM_COLUMNS} FROM items {where} ORDER BY enqueued_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self.conn.execute(sql, params).fetchall()
        if not rows:
            return []
        by_item: dict[str, list[Sequence[Any]]] = {r[0]: [] for r in rows}
        ids = list(by_item)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for a in self.conn.execute(
                f"SELECT item_id, position, sha256, size, meta FROM attachments "
                f"WHERE item_id IN ({marks}) ORDER BY item_id, position",
                chunk,
            ):
                by_item[a[0]].append(a[1:])
        return [self._item_from_row(r, by_item[r[0]]) for r in rows]

    def _state_of(self, item_id: str) -> str:
        row = self.conn.execute("SELECT state FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise KeyError(item_id)
        state: str = row[0]
        return state

    def _require(self, item_id: str, allowed: tuple[str, ...], action: str) -> str:
        state = self._state_of(item_id)
        if state not in allowed:
            raise StateError(
                f"A request in state '{state}' cannot be {action} (item {item_id}); "
                "this is a bug, please report it."
            )
        return state

    def _add_attempt(
        self, item_id: str, at: float, outcome: str, status: int | None, error: str | None
    ) -> None:
        self.conn.execute(
            "INSERT INTO attempts (item_id, seq, at, outcome, status, error) "
            "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ? FROM attempts WHERE item_id = ?",
            (item_id, at, outcome, status, _clean_text(error, ERROR_MAX), item_id),
        )

    def _delete_content(self, where: str, params: Sequence[Any], now: float) -> int:
        """Forget content and attachments of delivered items (retention)."""
        ids = [
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM items WHERE payload IS NOT NULL AND {where}", params
            )
        ]
        for item_id in ids:
            self.conn.execute("DELETE FROM attachments WHERE item_id = ?", (item_id,))
            self.conn.execute(
                "UPDATE items SET payload = NULL, payload_deleted_at = ? WHERE id = ?",
                (now, item_id),
            )
        return len(ids)

    # -- queueing --------------------------------------------------------------------------

    def enqueue(self, submission: Submission) -> OutboxItem:
        """Store a finalized submission, whole or not at all.

        The same submission twice is harmless (same id, same bytes); the same
        id with other bytes raises ``ConflictingSubmissionError``.
        """
        if not isinstance(submission, Submission):
            raise TypeError(
                "The outbox accepts only a finalized Submission, not "
                f"{type(submission).__name__} (training sessions are never queued)."
            )
        s = submission
        if not isinstance(s.id, str) or not s.id.strip():
            raise ValueError("a submission needs an id")
        if not isinstance(s.body, bytes) or not s.body:
            raise ValueError("a submission needs its frozen body bytes")
        for a in s.attachments:
            if hashlib.sha256(a.data).hexdigest() != a.sha256 or len(a.data) != a.size:
                raise ValueError(
                    f"attachment {a.field!r} does not match its recorded size and SHA-256"
                )
        now = self._now()
        digest = self._digest(s.body)
        # Encrypt before the transaction: it stays short for the other connection.
        payload = self._seal(s.body, self._aad_payload(s.id))
        sealed = [
            (
                position,
                a.sha256,
                a.size,
                self._seal(
                    json.dumps(
                        {"field": a.field, "media_type": a.media_type, "filename": a.filename}
                    ).encode(),
                    self._aad_attachment_meta(s.id, position, a.sha256),
                ),
                self._seal(a.data, self._aad_attachment(s.id, a.sha256)),
            )
            for position, a in enumerate(s.attachments)
        ]
        with self._lock:
            with self._write() as conn:
                inserted = conn.execute(
                    "INSERT INTO items (id, procedure_id, procedure_version, local_reference,"
                    " mode, created_at, enqueued_at, state, attempts, next_attempt_at,"
                    " needs_person, body_digest, payload)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, 0, ?, ?)"
                    " ON CONFLICT (id) DO NOTHING",
                    (s.id, s.procedure_id, s.procedure_version, s.local_reference, s.mode,
                     s.created_at, now, now, digest, payload),
                ).rowcount  # fmt: skip
                if inserted:
                    conn.executemany(
                        "INSERT INTO attachments (item_id, position, sha256, size, meta, data)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        [(s.id, *row) for row in sealed],
                    )
                else:
                    row = conn.execute(
                        "SELECT body_digest FROM items WHERE id = ?", (s.id,)
                    ).fetchone()
                    if not hmac.compare_digest(bytes(row[0]), digest):
                        raise ConflictingSubmissionError(
                            f"Another request with the id {s.id} and different content is "
                            "already in the queue; this one was not added."
                        )
            if not inserted:
                return self.get(s.id)
        # What was just written, without reading it back (enqueue is on the
        # screens' thread, right after the person presses "Envoyer").
        return OutboxItem(
            id=s.id,
            procedure_id=s.procedure_id,
            procedure_version=s.procedure_version,
            local_reference=s.local_reference,
            mode=s.mode,
            state="queued",
            created_at=s.created_at,
            enqueued_at=now,
            attempts=0,
            next_attempt_at=now,
            first_failure_at=None,
            last_status=None,
            last_error=None,
            server_reference=None,
            sent_at=None,
            needs_person=False,
            rejection=None,
            attachments=tuple(
                AttachmentMeta(a.field, a.sha256, a.size, a.media_type, a.filename)
                for a in s.attachments
            ),
        )

    # -- reading ---------------------------------------------------------------------------

    def get(self, item_id: str) -> OutboxItem:
        with self._lock:
            found: list[OutboxItem] = self._read(
                lambda: self._load_items("WHERE id = ?", (item_id,), None)
            )
        if not found:
            raise KeyError(item_id)
        return found[0]

    def items(self, state: str | None = None, limit: int | None = None) -> list[OutboxItem]:
        """Oldest first (enqueued_at, then id)."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown state {state!r} (one of {', '.join(STATES)})")
        where, params = ("WHERE state = ?", (state,)) if state else ("", ())
        with self._lock:
            result: list[OutboxItem] = self._read(lambda: self._load_items(where, params, limit))
        return result

    def counts(self) -> dict[str, int]:
        """Items per state, plus ``needs_person`` and ``total``."""

        def run() -> dict[str, int]:
            counts = dict.fromkeys(STATES, 0)
            for state, n in self.conn.execute("SELECT state, COUNT(*) FROM items GROUP BY state"):
                counts[state] = n
            flagged = self.conn.execute("SELECT COUNT(*) FROM items WHERE needs_person").fetchone()
            counts["needs_person"] = flagged[0]
            counts["total"] = sum(counts[s] for s in STATES)
            return counts

        with self._lock:
            result: dict[str, int] = self._read(run)
        return result

    def next_due(self, now: float | None = None) -> OutboxItem | None:
        """The oldest queued item whose next attempt time has come."""
        moment = self._now() if now is None else now
        # "+next_attempt_at": walk the queue in order on items_state_order and stop at
        # the first due item, rather than sort every due item (60 ms at 100,000).
        with self._lock:
            found: list[OutboxItem] = self._read(
                lambda: self._load_items(
                    "WHERE state = 'queued' AND +next_attempt_at <= ?", (moment,), 1
                )
            )
        return found[0] if found else None

    def next_wake(self) -> float | None:
        """The earliest next attempt time among queued items."""
        with self._lock:
            value = self._read(
                lambda: self.conn.execute(
                    "SELECT MIN(next_attempt_at) FROM items WHERE state = 'queued'"
                ).fetchone()[0]
            )
        return None if value is None else float(value)

    def payload(self, item_id: str) -> bytes:
        """The frozen body, decrypted: exactly the bytes that were enqueued."""
        with self._lock:
            row = self._read(
                lambda: self.conn.execute(
                    "SELECT payload FROM items WHERE id = ?", (item_id,)
                ).fetchone()
            )
        if row is None:
            raise KeyError(item_id)
        if row[0] is None:
            raise PayloadDeletedError(
                "This request's content was deleted after it was delivered (retention)."
            )
        return self._unseal(row[0], self._aad_payload(item_id))

    def attachment_data(self, item_id: str, sha256: str) -> bytes:
        """An attachment's bytes, decrypted and checked against their SHA-256."""

        def run() -> tuple[Any, Any]:
            state = self._state_of(item_id)
            row = self.conn.execute(
                "SELECT data FROM attachments WHERE item_id = ? AND sha256 = ? "
                "ORDER BY position LIMIT 1",
                (item_id, sha256),
            ).fetchone()
            return state, row

        with self._lock:
            state, row = self._read(run)
        if row is None:
            if state == "sent":
                raise PayloadDeletedError(
                    "This request's attachments were deleted after it was delivered (retention)."
                )
            raise KeyError(f"{item_id}/{sha256}")
        data = self._unseal(row[0], self._aad_attachment(item_id, sha256))
        if hashlib.sha256(data).hexdigest() != sha256:  # pragma: no cover - GCM already checks
            raise CorruptDatabaseError(_CORRUPT)
        return data

    def attempts_of(self, item_id: str) -> list[Attempt]:
        def run() -> list[Attempt]:
            self._state_of(item_id)
            return [
                Attempt(at, outcome, status, error)
                for at, outcome, status, error in self.conn.execute(
                    "SELECT at, outcome, status, error FROM attempts WHERE item_id = ? "
                    "ORDER BY seq",
                    (item_id,),
                )
            ]

        with self._lock:
            result: list[Attempt] = self._read(run)
        return result

    # -- transitions -----------------------------------------------------------------------

    def mark_sending(self, item_id: str) -> None:
        # Not waited onto the disk (one fsync less per item sent): lost in a power
        # cut, the item is just still queued, as recover_interrupted would make it;
        # the outcome's durable commit flushes this one with it.
        with self._lock, self._not_synced(), self._write() as conn:
            self._require(item_id, ("queued", "sending"), "sent now")
            conn.execute("UPDATE items SET state = 'sending' WHERE id = ?", (item_id,))

    def mark_sent(self, item_id: str, server_reference: str, status: int) -> None:
        """Acknowledged: keep the reference; delete the content if retention says at once."""
        if not server_reference or not server_reference.strip():
            raise ValueError("a delivery needs the server's reference")
        now = self._now()
        with self._lock, self._write() as conn:
            if self._require(item_id, ("queued", "sending", "sent"), "marked sent") == "sent":
                return  # already acknowledged: keep the first acknowledgement
            conn.execute(
                "UPDATE items SET state = 'sent', server_reference = ?, sent_at = ?,"
                " attempts = attempts + 1, last_status = ?, last_error = NULL,"
                " needs_person = 0, rejection = NULL WHERE id = ?",
                (server_reference.strip(), now, status, item_id),
            )
            self._add_attempt(item_id, now, "sent", status, None)
            if self.retention_payload_s <= 0:
                self._delete_content("id = ?", (item_id,), now)

    def record_failure(
        self,
        item_id: str,
        *,
        status: int | None,
        error: str,
        retry_at: float,
        outcome: str = "transient",
    ) -> None:
        """Back to queued until ``retry_at``; flagged for a person after flag_after_s of failing."""
        if outcome not in OUTCOMES or outcome == "sent":
            raise ValueError(f"unknown failure outcome {outcome!r}")
        now = self._now()
        with self._lock, self._write() as conn:
            self._require(item_id, ("queued", "sending"), "recorded as failed")
            first = conn.execute(
                "SELECT first_failure_at FROM items WHERE id = ?", (item_id,)
            ).fetchone()[0]
            first = now if first is None else first
            flag = now - first >= self.flag_after_s
            conn.execute(
                "UPDATE items SET state = 'queued', attempts = attempts + 1,"
                " next_attempt_at = ?, first_failure_at = ?, last_status = ?, last_error = ?,"
                " needs_person = (needs_person OR ?) WHERE id = ?",
                (retry_at, first, status, _clean_text(error, ERROR_MAX), flag, item_id),
            )
            self._add_attempt(item_id, now, outcome, status, error)

    def mark_rejected(
        self,
        item_id: str,
        *,
        status: int | None,
        error: str,
        details: list[dict[str, str]] | None = None,
    ) -> None:
        """Refused on its content: a person must look at it."""
        now = self._now()
        sealed = None
        if details:
            kept = [
                {str(k): _clean_text(str(v), 500) or "" for k, v in d.items()}
                for d in details[:DETAILS_MAX]
            ]
            sealed = self._seal(json.dumps(kept).encode(), self._aad_rejection(item_id))
        with self._lock, self._write() as conn:
            self._require(item_id, ("queued", "sending"), "marked rejected")
            conn.execute(
                "UPDATE items SET state = 'rejected', attempts = attempts + 1, last_status = ?,"
                " last_error = ?, needs_person = 1, rejection = ? WHERE id = ?",
                (status, _clean_text(error, ERROR_MAX), sealed, item_id),
            )
            self._add_attempt(item_id, now, "rejected", status, error)

    def mark_conflict(self, item_id: str, *, status: int) -> None:
        """The server holds other bytes under this id: a person must look; never auto-retried."""
        now = self._now()
        error = f"HTTP {status}: conflict"
        with self._lock, self._write() as conn:
            self._require(item_id, ("queued", "sending"), "marked in conflict")
            conn.execute(
                "UPDATE items SET state = 'conflict', attempts = attempts + 1, last_status = ?,"
                " last_error = ?, needs_person = 1 WHERE id = ?",
                (status, error, item_id),
            )
            self._add_attempt(item_id, now, "conflict", status, error)

    def record_auth_failure(self, item_id: str, *, status: int) -> None:
        """The token was refused: the item goes back to queued as it was (no backoff)."""
        now = self._now()
        error = f"HTTP {status}: authentication refused"
        with self._lock, self._write() as conn:
            self._require(item_id, ("queued", "sending"), "recorded as refused")
            conn.execute(
                "UPDATE items SET state = 'queued', last_status = ?, last_error = ? WHERE id = ?",
                (status, error, item_id),
            )
            self._add_attempt(item_id, now, "auth", status, error)

    def make_all_due(self, now: float | None = None) -> int:
        """Every queued item due now (the connection came back)."""
        moment = self._now() if now is None else now
        with self._lock, self._write() as conn:
            return conn.execute(
                "UPDATE items SET next_attempt_at = ? "
                "WHERE state = 'queued' AND next_attempt_at > ?",
                (moment, moment),
            ).rowcount

    def recover_interrupted(self) -> int:
        """At start-up: items left 'sending' by a process that died go back to queued.

        Sending them again is safe: the server recognises a replay.
        """
        now = self._now()
        with self._lock, self._write() as conn:
            return conn.execute(
                "UPDATE items SET state = 'queued', next_attempt_at = MIN(next_attempt_at, ?) "
                "WHERE state = 'sending'",
                (now,),
            ).rowcount

    def retry(self, item_id: str) -> None:
        """A person asks to try again: due now, flag cleared (rejected and conflict too)."""
        now = self._now()
        with self._lock, self._write() as conn:
            state = self._require(item_id, (*_RETRYABLE, "sending"), "sent again")
            if state == "sending":  # being sent right now: only the flag changes
                conn.execute(
                    "UPDATE items SET needs_person = 0, first_failure_at = NULL WHERE id = ?",
                    (item_id,),
                )
                return
            conn.execute(
                "UPDATE items SET state = 'queued', next_attempt_at = ?, needs_person = 0,"
                " first_failure_at = NULL, rejection = NULL WHERE id = ?",
                (now, item_id),
            )

    def retry_all(self) -> int:
        """``retry`` for every item waiting, rejected or in conflict."""
        now = self._now()
        with self._lock, self._write() as conn:
            return conn.execute(
                "UPDATE items SET state = 'queued', next_attempt_at = MIN(next_attempt_at, ?),"
                " needs_person = 0, first_failure_at = NULL, rejection = NULL"
                " WHERE state IN ('queued', 'rejected', 'conflict')",
                (now,),
            ).rowcount

    def set_paused(self, reason: str | None) -> None:
        """Pause (or resume, with None) the whole queue, e.g. after an authentication refusal."""
        with self._lock, self._write():
            if reason is None:
                self.conn.execute("DELETE FROM meta WHERE key = 'paused'")
            else:
                self._meta_set("paused", _clean_text(reason, REASON_MAX) or "paused")

    def paused(self) -> str | None:
        with self._lock:
            value = self._read(lambda: self._meta_get("paused"))
        return None if value is None else str(value)

    # -- retention -------------------------------------------------------------------------

    def purge(self, now: float | None = None) -> int:
        """Apply retention; returns how many receipt lines of delivered items were removed.

        Content of delivered items goes after ``retention_payload_s``; their
        receipt line (ids, references, dates, state) after ``retention_history_s``.
        Rejected and conflicting items are never purged: a person must see them.
        """
        moment = self._now() if now is None else now
        with self._lock, self._write() as conn:
            self._delete_content(
                "state = 'sent' AND sent_at + ? <= ?", (self.retention_payload_s, moment), moment
            )
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM items WHERE state = 'sent' AND sent_at + ? <= ?",
                    (self.retention_history_s, moment),
                )
            ]
            for item_id in ids:
                conn.execute("DELETE FROM attempts WHERE item_id = ?", (item_id,))
                conn.execute("DELETE FROM attachments WHERE item_id = ?", (item_id,))
                conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
            return len(ids)


def _holds_key_check(db_path: Path) -> bool:
    """Whether ``db_path`` already holds data sealed with some key (so a new key is wrong).

    Anything unreadable counts as "no": a damaged file is set aside on opening.
    """
    if not db_path.exists() or db_path.stat().st_size == 0:
        return False
    try:
        conn = sqlite3.connect(db_path, timeout=1)
    except sqlite3.Error:
        return False
    try:
        row = conn.execute("SELECT 1 FROM meta WHERE key = 'key_check'").fetchone()
    except sqlite3.Error:
        return False
    finally:
        conn.close()
    return row is not None
