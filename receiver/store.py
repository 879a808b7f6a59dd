"""The receiver's store: devices, attachments, submissions, kiosks' heartbeats.

``Store`` is the interface the WSGI application and the commands use; it
holds every query once, written with ``?`` placeholders. Two engines
implement its few connection hooks:

- ``SqliteStore`` (this module): one file, for demos and one town hall.
  Each thread keeps its own connection open for the life of the store
  (SQLite connections must not be shared between threads, and closing the
  last one checkpoints the WAL: opening one per request cost several
  fsyncs and a WAL deletion each time). ``synchronous=FULL``: an
  acknowledged submission survives a power cut.
- ``PostgresStore`` (``receiver.pgstore``): psycopg 3 with a connection
  pool, for several receiver processes sharing one backed-up database.

``receiver.engines.open_store(db)`` picks one: a ``postgresql://`` (or
``postgres://``) URL opens PostgreSQL, anything else is a SQLite file path.

Idempotency lives in the database, not in the process: a submission is
inserted with ``ON CONFLICT (id) DO NOTHING``; when nothing is inserted the
stored body's SHA-256 decides between a replay (same reference again) and
a conflict.
"""

from __future__ import annotations

import abc
import hashlib
import json
import os
import re
import secrets
import sqlite3
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from kiosk.protocol import SUBMISSION_STATUSES

#: Schema version of both engines (SQLite: ``PRAGMA user_version``;
#: PostgreSQL: the ``schema_version`` table). Version 2 adds the kiosks'
#: heartbeats and when an attachment was first referenced; 3 the signed
#: procedure bundles.
SCHEMA_VERSION = 3

#: Migrations, one list of statements per version, in a neutral dialect:
#: ``{blob}`` and ``{real}`` are each engine's binary and floating types.
MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE devices (
            token_sha256 TEXT PRIMARY KEY,
            kiosk_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            revoked_at TEXT
        )""",
        "CREATE INDEX devices_kiosk_id ON devices (kiosk_id)",
        """CREATE TABLE attachments (
            sha256 TEXT PRIMARY KEY,
            media_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            data {blob} NOT NULL,
            received_at TEXT NOT NULL,
            kiosk_id TEXT NOT NULL
        )""",
        """CREATE TABLE submissions (
            id TEXT PRIMARY KEY,
            body_sha256 TEXT NOT NULL,
            body {blob} NOT NULL,
            reference TEXT NOT NULL UNIQUE,
            received_at TEXT NOT NULL,
            status TEXT NOT NULL
                CHECK (status IN ('received', 'in_review', 'accepted', 'rejected')),
            updated_at TEXT NOT NULL,
            kiosk_id TEXT NOT NULL,
            kiosk_sent_at TEXT,
            skew_seconds {real}
        )""",
        "CREATE INDEX submissions_received_at ON submissions (received_at)",
        """CREATE TABLE reference_counters (
            year INTEGER PRIMARY KEY,
            last INTEGER NOT NULL
        )""",
    ),
    2: (
        # NULL: uploaded but no stored submission names it yet (it counts
        # towards the device's quota and expires). What was stored before
        # this version is taken as referenced: nothing old is deleted.
        "ALTER TABLE attachments ADD COLUMN referenced_at TEXT",
        "UPDATE attachments SET referenced_at = received_at",
        "CREATE INDEX attachments_unreferenced ON attachments (kiosk_id, referenced_at)",
        """CREATE TABLE kiosks (
            kiosk_id TEXT PRIMARY KEY,
            last_seen TEXT NOT NULL,
            app_version TEXT,
            procedure_set_version TEXT,
            queue_depth INTEGER,
            oldest_waiting_s {real},
            needs_person INTEGER,
            disk_free_bytes BIGINT,
            printer TEXT,
            read_aloud TEXT,
            bundle_status TEXT
        )""",
    ),
    3: (
        """CREATE TABLE bundles (
            version TEXT PRIMARY KEY,
            sha256 TEXT NOT NULL,
            data {blob} NOT NULL,
            published_at TEXT NOT NULL
        )""",
    ),
}

#: Defaults for the attachment limits (issue 9: a device cannot fill the disk).
DEFAULT_MAX_UNREFERENCED_BYTES = 200 * 1024 * 1024
DEFAULT_UNREFERENCED_TTL = timedelta(days=7)

_KIOSK_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class StoreError(Exception):
    """A problem worth one clear line to the person running the receiver."""


class UnknownSubmission(StoreError):
    pass


class Conflict(StoreError):
    """The id is already stored with other bytes."""


class StoreBusy(StoreError):
    """The database cannot answer now (locked, unreachable, pool empty): retry later."""


class QuotaExceeded(StoreError):
    """The device already holds too many bytes of attachments no submission names."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def token_hash(token: str) -> str:
    # Tokens are 256 random bits: a plain SHA-256 cannot be brute-forced, and
    # being deterministic it lets a request find its device with one lookup.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_kiosk_id(kiosk_id: str) -> str:
    if not _KIOSK_ID_RE.fullmatch(kiosk_id):
        raise StoreError(
            f"invalid kiosk id {kiosk_id!r}: use 1 to 64 letters, digits, '.', '_' or '-'"
        )
    return kiosk_id


def is_kiosk_id(kiosk_id: str) -> bool:
    return bool(_KIOSK_ID_RE.fullmatch(kiosk_id))


def is_postgres_url(db: str | Path) -> bool:
    return isinstance(db, str) and db.startswith(("postgresql://", "postgres://"))


@dataclass(frozen=True)
class Device:
    kiosk_id: str
    created_at: str
    revoked_at: str | None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class SubmissionRecord:
    id: str
    reference: str
    received_at: str
    status: str
    updated_at: str
    kiosk_id: str
    body_sha256: str
    skew_seconds: float | None

    def acknowledgement(self) -> dict[str, str]:
        return {"id": self.id, "reference": self.reference, "received_at": self.received_at}

    def state(self) -> dict[str, str]:
        return {
            "id": self.id,
            "reference": self.reference,
            "status": self.status,
            "updated_at": self.updated_at,
        }


#: The heartbeat's fields and their Python types, as stored in ``kiosks``.
HEARTBEAT_FIELDS: dict[str, tuple[type, ...]] = {
    "app_version": (str,),
    "procedure_set_version": (str,),
    "queue_depth": (int,),
    "oldest_waiting_s": (int, float),
    "needs_person": (int,),
    "disk_free_bytes": (int,),
    "printer": (str,),
    "read_aloud": (str,),
    "bundle_status": (str,),
}


@dataclass(frozen=True)
class KioskState:
    """What the last heartbeat of a kiosk said, and when it came."""

    kiosk_id: str
    last_seen: str | None
    app_version: str | None = None
    procedure_set_version: str | None = None
    queue_depth: int | None = None
    oldest_waiting_s: float | None = None
    needs_person: int | None = None
    disk_free_bytes: int | None = None
    printer: str | None = None
    read_aloud: str | None = None
    bundle_status: str | None = None


_RECORD_COLUMNS = (
    "id, reference, received_at, status, updated_at, kiosk_id, body_sha256, skew_seconds"
)
_KIOSK_COLUMNS = "kiosk_id, last_seen, " + ", ".join(HEARTBEAT_FIELDS)


def _record(row: Mapping[str, Any]) -> SubmissionRecord:
    return SubmissionRecord(
        id=row["id"],
        reference=row["reference"],
        received_at=row["received_at"],
        status=row["status"],
        updated_at=row["updated_at"],
        kiosk_id=row["kiosk_id"],
        body_sha256=row["body_sha256"],
        skew_seconds=row["skew_seconds"],
    )


def reference_text(year: int, number: int) -> str:
    return f"BO-{year}-{number:06d}"


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What both engines' connections offer: rows readable by column name."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor: ...


class Store(abc.ABC):
    """The receiver's database; ``receiver.engines.open_store(db)`` gives the right engine."""

    #: Shown in messages: a path, or a URL without its password.
    description: str

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = utc_now,
        max_unreferenced_bytes: int = DEFAULT_MAX_UNREFERENCED_BYTES,
        unreferenced_ttl: timedelta = DEFAULT_UNREFERENCED_TTL,
    ) -> None:
        self.clock = clock
        self.max_unreferenced_bytes = max_unreferenced_bytes
        self.unreferenced_ttl = unreferenced_ttl

    # -- engine hooks --------------------------------------------------------------
    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Connection]:
        """A connection for reads (each statement sees what is committed)."""

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Connection]:
        """A connection inside one write transaction, committed at the end."""

    @abc.abstractmethod
    def _insert_submission(
        self, values: dict[str, Any], year: int, attachments: Sequence[str]
    ) -> Mapping[str, Any] | None:
        """Insert with a new reference unless the id is stored; the new row or None.

        In the same transaction, mark ``attachments`` referenced (``_reference``).
        """

    @abc.abstractmethod
    def connect(self) -> AbstractContextManager[Any]:
        """The engine's own connection, for tools and tests (prefer the methods above)."""

    def _prepare_year(self, year: int) -> None:
        """Make ``_insert_submission`` ready for a year's references (outside any transaction)."""
        return None  # SQLite's counters need nothing beforehand

    @abc.abstractmethod
    def close(self) -> None:
        """Release every connection."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _now(self) -> str:
        return rfc3339(self.clock())

    # -- devices -----------------------------------------------------------------
    def create_token(self, kiosk_id: str) -> str:
        """A new token for the kiosk, returned once; only its hash is kept.

        A kiosk has one valid token: earlier ones are revoked (they get 403).
        """
        check_kiosk_id(kiosk_id)
        token = secrets.token_urlsafe(32)
        now = self._now()
        with self._write() as conn:
            conn.execute(
                "UPDATE devices SET revoked_at = ? WHERE kiosk_id = ? AND revoked_at IS NULL",
                (now, kiosk_id),
            )
            conn.execute(
                "INSERT INTO devices (token_sha256, kiosk_id, created_at) VALUES (?, ?, ?)",
                (token_hash(token), kiosk_id, now),
            )
        return token

    def revoke_tokens(self, kiosk_id: str) -> int:
        """Revoke the kiosk's valid tokens; how many there were."""
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE devices SET revoked_at = ? WHERE kiosk_id = ? AND revoked_at IS NULL",
                (self._now(), kiosk_id),
            )
            return cursor.rowcount

    def device_for_token(self, token: str) -> Device | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT kiosk_id, created_at, revoked_at FROM devices WHERE token_sha256 = ?",
                (token_hash(token),),
            ).fetchone()
        if row is None:
            return None
        return Device(row["kiosk_id"], row["created_at"], row["revoked_at"])

    def devices(self) -> list[Device]:
        with self._read() as conn:
            found = conn.execute(
                "SELECT kiosk_id, created_at, revoked_at FROM devices"
                " ORDER BY kiosk_id, created_at, revoked_at IS NULL, revoked_at"
            ).fetchall()
        return [Device(r["kiosk_id"], r["created_at"], r["revoked_at"]) for r in found]

    # -- attachments -------------------------------------------------------------
    def has_attachment(self, sha256: str) -> bool:
        with self._read() as conn:
            row = conn.execute("SELECT 1 AS held FROM attachments WHERE sha256 = ?", (sha256,))
            return row.fetchone() is not None

    def unreferenced_bytes(self, kiosk_id: str) -> int:
        """Bytes of the device's uploads that no stored submission names yet."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT COALESCE(SUM(size), 0) AS total FROM attachments"
                " WHERE kiosk_id = ? AND referenced_at IS NULL",
                (kiosk_id,),
            ).fetchone()
        return int(row["total"])

    def put_attachment(self, sha256: str, data: bytes, media_type: str, kiosk_id: str) -> bool:
        """Store the bytes (the caller checked the digest); True if newly stored.

        Raises ``QuotaExceeded`` when the device's unreferenced uploads would
        pass ``max_unreferenced_bytes``.
        """
        if self.has_attachment(sha256):
            return False
        if self.unreferenced_bytes(kiosk_id) + len(data) > self.max_unreferenced_bytes:
            raise QuotaExceeded(f"kiosk {kiosk_id} holds too many attachments no submission names")
        with self._write() as conn:
            cursor = conn.execute(
                "INSERT INTO attachments (sha256, media_type, size, data, received_at, kiosk_id)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                (sha256, media_type, len(data), data, self._now(), kiosk_id),
            )
            return cursor.rowcount == 1

    def attachment(self, sha256: str) -> tuple[str, bytes] | None:
        """The media type and bytes of a held attachment."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT media_type, data FROM attachments WHERE sha256 = ?", (sha256,)
            ).fetchone()
        return None if row is None else (row["media_type"], bytes(row["data"]))

    def missing_attachments(self, digests: Sequence[str]) -> list[str]:
        """The digests not held, in the given order (the caller removed duplicates)."""
        if not digests:
            return []
        held: set[str] = set()
        with self._read() as conn:
            for start in range(0, len(digests), 500):
                chunk = list(digests[start : start + 500])
                marks = ", ".join("?" for _ in chunk)
                query = f"SELECT sha256 FROM attachments WHERE sha256 IN ({marks})"
                held.update(row["sha256"] for row in conn.execute(query, chunk))
        return [d for d in digests if d not in held]

    def expire_unreferenced(self) -> int:
        """Delete uploads no submission named within ``unreferenced_ttl``; how many."""
        cutoff = rfc3339(self.clock() - self.unreferenced_ttl)
        with self._write() as conn:
            cursor = conn.execute(
                "DELETE FROM attachments WHERE referenced_at IS NULL AND received_at < ?",
                (cutoff,),
            )
            return cursor.rowcount

    # -- submissions -------------------------------------------------------------
    def find_submission(self, submission_id: str) -> SubmissionRecord | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        return None if row is None else _record(row)

    def count_submissions(self) -> int:
        with self._read() as conn:
            row = conn.execute("SELECT COUNT(*) AS n FROM submissions").fetchone()
        return int(row["n"])

    def put_submission(
        self,
        submission_id: str,
        body: bytes,
        kiosk_id: str,
        *,
        kiosk_sent_at: str | None = None,
        skew_seconds: float | None = None,
        attachments: Sequence[str] = (),
    ) -> tuple[SubmissionRecord, bool]:
        """Store the body under its id; the record and True if stored now.

        Identical bytes again return the first record and False (a replay);
        other bytes under a stored id raise ``Conflict``. ``attachments``
        (digests) are marked as referenced, so they no longer expire.
        """
        digest = hashlib.sha256(body).hexdigest()
        moment = self.clock()
        now = rfc3339(moment)
        values = {
            "id": submission_id,
            "body_sha256": digest,
            "body": body,
            "received_at": now,
            "status": "received",
            "updated_at": now,
            "kiosk_id": kiosk_id,
            "kiosk_sent_at": kiosk_sent_at,
            "skew_seconds": skew_seconds,
        }
        year = moment.astimezone().year
        self._prepare_year(year)
        row = self._insert_submission(values, year, attachments)
        if row is not None:
            return _record(row), True
        with self._read() as conn:
            stored = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        if stored["body_sha256"] != digest:
            raise Conflict(f"submission {submission_id} is stored with other bytes")
        return _record(stored), False

    @staticmethod
    def _reference(conn: Connection, attachments: Sequence[str], now: str) -> None:
        """Mark the attachments a stored submission names: they no longer expire."""
        for start in range(0, len(attachments), 500):
            chunk = list(attachments[start : start + 500])
            marks = ", ".join("?" for _ in chunk)
            conn.execute(
                "UPDATE attachments SET referenced_at = ?"
                f" WHERE referenced_at IS NULL AND sha256 IN ({marks})",
                [now, *chunk],
            )

    def submission_body(self, submission_id: str) -> bytes | None:
        with self._read() as conn:
            row = conn.execute(
                "SELECT body FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        return None if row is None else bytes(row["body"])

    def set_status(self, submission_id: str, status: str) -> SubmissionRecord:
        if status not in SUBMISSION_STATUSES:
            raise StoreError(
                f"unknown status {status!r}: use one of {', '.join(SUBMISSION_STATUSES)}"
            )
        with self._write() as conn:
            cursor = conn.execute(
                "UPDATE submissions SET status = ?, updated_at = ? WHERE id = ?",
                (status, self._now(), submission_id),
            )
            if cursor.rowcount == 0:
                raise UnknownSubmission(f"no submission with the id {submission_id}")
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        return _record(row)

    def export(self, since: datetime | None = None) -> Iterator[dict[str, Any]]:
        """Submissions received at or after ``since``, oldest first, documents parsed."""
        query = f"SELECT {_RECORD_COLUMNS}, body FROM submissions"
        params: tuple[str, ...] = ()
        if since is not None:
            # Stored times are all UTC with the same layout: text order is time order.
            query += " WHERE received_at >= ?"
            params = (rfc3339(since),)
        # References of one year grow with time; received_at orders the years.
        query += " ORDER BY received_at, reference"
        with self._read() as conn:
            found = conn.execute(query, params).fetchall()
        for row in found:
            record = _record(row)
            yield {
                "id": record.id,
                "reference": record.reference,
                "received_at": record.received_at,
                "status": record.status,
                "updated_at": record.updated_at,
                "kiosk_id": record.kiosk_id,
                "skew_seconds": record.skew_seconds,
                "document": json.loads(bytes(row["body"])),
            }

    # -- the fleet ---------------------------------------------------------------
    def record_heartbeat(self, kiosk_id: str, fields: Mapping[str, Any]) -> str:
        """Keep the kiosk's latest heartbeat (known fields only); when it was seen."""
        now = self._now()
        known = {k: fields.get(k) for k in HEARTBEAT_FIELDS}
        columns = ", ".join(known)
        marks = ", ".join("?" for _ in known)
        updates = ", ".join(f"{k} = excluded.{k}" for k in known)
        with self._write() as conn:
            conn.execute(
                f"INSERT INTO kiosks (kiosk_id, last_seen, {columns}) VALUES (?, ?, {marks})"
                f" ON CONFLICT (kiosk_id) DO UPDATE SET last_seen = excluded.last_seen, {updates}",
                [kiosk_id, now, *known.values()],
            )
        return now

    def kiosks(self) -> list[KioskState]:
        """Every kiosk with a token or a heartbeat, silent ones included."""
        with self._read() as conn:
            beats = {
                row["kiosk_id"]: KioskState(**{k: row[k] for k in row.keys()})  # noqa: SIM118
                for row in conn.execute(f"SELECT {_KIOSK_COLUMNS} FROM kiosks")
            }
            # A kiosk given a token that never called in is a line too.
            for row in conn.execute(
                "SELECT DISTINCT kiosk_id FROM devices WHERE revoked_at IS NULL"
            ):
                beats.setdefault(row["kiosk_id"], KioskState(row["kiosk_id"], None))
        return [beats[k] for k in sorted(beats)]

    # -- procedure bundles -----------------------------------------------------------
    def publish_bundle(self, version: str, data: bytes) -> bool:
        """Offer this signed bundle to the kiosks from now on; False if already published.

        A version is published once: other bytes under a published version are refused.
        """
        digest = hashlib.sha256(data).hexdigest()
        with self._write() as conn:
            row = conn.execute("SELECT sha256 FROM bundles WHERE version = ?", (version,))
            known = row.fetchone()
            if known is not None:
                if known["sha256"] != digest:
                    raise StoreError(f"version {version} is already published with other files")
                return False
            conn.execute(
                "INSERT INTO bundles (version, sha256, data, published_at) VALUES (?, ?, ?, ?)",
                (version, digest, data, self._now()),
            )
        return True

    def latest_bundle(self) -> tuple[str, str, bytes] | None:
        """The last published bundle: (version, SHA-256, bytes), or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT version, sha256, data FROM bundles ORDER BY published_at DESC, version DESC"
                " LIMIT 1"
            ).fetchone()
        return None if row is None else (row["version"], row["sha256"], bytes(row["data"]))

    def refused_counts(self) -> dict[str, int]:
        """Per kiosk, how many of its submissions an agent rejected."""
        with self._read() as conn:
            return {
                row["kiosk_id"]: int(row["n"])
                for row in conn.execute(
                    "SELECT kiosk_id, COUNT(*) AS n FROM submissions"
                    " WHERE status = 'rejected' GROUP BY kiosk_id"
                )
            }


class SqliteStore(Store):
    """The receiver's SQLite file at ``path``, created (0600, folder 0700) if ``create``."""

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        clock: Callable[[], datetime] = utc_now,
        busy_timeout: float = 30.0,
        **limits: Any,
    ) -> None:
        super().__init__(clock=clock, **limits)
        self.path = Path(path)
        self.description = str(self.path)
        self.busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._all_lock = threading.Lock()
        if not self.path.exists():
            if not create:
                raise StoreError(f"no receiver database at {self.path}")
            _private_file(self.path)
        self._migrate()

    # -- connections -----------------------------------------------------------
    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None:
            return conn
        try:
            conn = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,  # autocommit; transactions are explicit
                check_same_thread=False,  # only ``close()`` touches it from elsewhere
            )
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the receiver database {self.path}: {e}") from e
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as e:
            conn.close()
            raise StoreError(f"{self.path} is not a receiver database: {e}") from e
        self._local.conn = conn
        with self._all_lock:
            self._all.append(conn)
        return conn

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """This thread's connection (kept open), in autocommit mode."""
        yield self._connection()

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            yield self._connection()
        except sqlite3.OperationalError as e:
            raise StoreBusy(str(e)) from e

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        conn = self._connection()
        try:
            # IMMEDIATE takes the write lock at once: two writers of the same
            # id queue up instead of both reading "absent" and racing.
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            raise StoreBusy(str(e)) from e
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreBusy(str(e)) from e

    def close(self) -> None:
        with self._all_lock:
            connections, self._all = self._all, []
        for conn in connections:
            conn.close()
        self._local = threading.local()

    def _insert_submission(
        self, values: dict[str, Any], year: int, attachments: Sequence[str]
    ) -> Mapping[str, Any] | None:
        with self._write() as conn:
            # The write lock is held: a look first keeps the year's numbers without gaps.
            if conn.execute("SELECT 1 FROM submissions WHERE id = ?", (values["id"],)).fetchone():
                return None
            last = conn.execute(
                "INSERT INTO reference_counters (year, last) VALUES (?, 1)"
                " ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
                (year,),
            ).fetchone()[0]
            values = {**values, "reference": reference_text(year, last)}
            columns = ", ".join(values)
            marks = ", ".join("?" for _ in values)
            row: Mapping[str, Any] | None = conn.execute(
                f"INSERT INTO submissions ({columns}) VALUES ({marks})"
                f" ON CONFLICT (id) DO NOTHING RETURNING {_RECORD_COLUMNS}",
                list(values.values()),
            ).fetchone()
            self._reference(conn, attachments, values["received_at"])
            return row

    def _migrate(self) -> None:
        conn = self._connection()
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{self.path} is not a receiver database: {e}") from e
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer receiver "
                f"(schema {version}, this one knows {SCHEMA_VERSION})"
            )
        if version == SCHEMA_VERSION:
            return
        conn.execute("PRAGMA journal_mode = WAL")
        with self._write():
            # Re-read under the lock: another process may have just migrated it.
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == SCHEMA_VERSION:
                return
            # Version 0 with tables: some other SQLite file (a kiosk's outbox?).
            if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                raise StoreError(f"{self.path} is not a receiver database (other tables)")
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    conn.execute(statement.format(blob="BLOB", real="REAL"))
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def _private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600, its missing folders 0700.

    The database and its log hold every person's answers and scans in
    clear. SQLite gives its ``-wal`` and ``-shm`` files the database's mode.
    """
    missing = []
    folder = path.parent
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        created.mkdir(mode=0o700, exist_ok=True)
        os.chmod(created, 0o700)  # mkdir's mode is filtered by the umask
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)


def private_file(path: Path) -> None:
    """``_private_file`` for the commands' log: nothing if it exists."""
    if not path.exists():
        _private_file(path)
