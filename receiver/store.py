"""The receiver's SQLite store: devices, attachments, submissions.

Every method opens its own connection and closes it before returning, so
one ``Store`` is safe to share between waitress's worker threads (SQLite
connections must not be). WAL lets readers run beside a writer;
``synchronous=FULL`` because an acknowledged submission must survive a
power cut: the kiosk deletes nothing, but it stops sending once acknowledged.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk.protocol import SUBMISSION_STATUSES

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE devices (
    token_sha256 TEXT PRIMARY KEY,
    kiosk_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX devices_kiosk_id ON devices (kiosk_id);

CREATE TABLE attachments (
    sha256 TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    received_at TEXT NOT NULL,
    kiosk_id TEXT NOT NULL
);

CREATE TABLE submissions (
    id TEXT PRIMARY KEY,
    body_sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    reference TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    status TEXT NOT NULL
        CHECK (status IN ('received', 'in_review', 'accepted', 'rejected')),
    updated_at TEXT NOT NULL,
    kiosk_id TEXT NOT NULL,
    kiosk_sent_at TEXT,
    skew_seconds REAL
);
CREATE INDEX submissions_received_at ON submissions (received_at);

CREATE TABLE reference_counters (
    year INTEGER PRIMARY KEY,
    last INTEGER NOT NULL
);
"""

_KIOSK_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class StoreError(Exception):
    """A problem worth one clear line to the person running the receiver."""


class UnknownSubmission(StoreError):
    pass


class Conflict(StoreError):
    """The id is already stored with other bytes."""


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


_RECORD_COLUMNS = (
    "id, reference, received_at, status, updated_at, kiosk_id, body_sha256, skew_seconds"
)


def _record(row: sqlite3.Row) -> SubmissionRecord:
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


class Store:
    """The receiver's database at ``path``, created on first use if ``create``."""

    def __init__(
        self,
        path: str | Path,
        *,
        create: bool = True,
        clock: Callable[[], datetime] = utc_now,
        busy_timeout: float = 30.0,
    ) -> None:
        self.path = Path(path)
        self.clock = clock
        self.busy_timeout = busy_timeout
        if not self.path.exists():
            if not create:
                raise StoreError(f"no receiver database at {self.path}")
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._migrate()

    # -- connections -----------------------------------------------------------
    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in autocommit mode; transactions are explicit."""
        try:
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open the receiver database {self.path}: {e}") from e
        with closing(conn):
            conn.row_factory = sqlite3.Row
            try:
                conn.execute("PRAGMA synchronous = FULL")
            except sqlite3.DatabaseError as e:
                raise StoreError(f"{self.path} is not a receiver database: {e}") from e
            yield conn

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[None]:
        # IMMEDIATE takes the write lock at once: two writers of the same id
        # queue up instead of both reading "absent" and racing to insert.
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def _migrate(self) -> None:
        with self.connect() as conn:
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
            with self._transaction(conn):
                # Re-read under the lock: another process may have just created it.
                if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
                    return
                # Version 0 with tables: some other SQLite file (a kiosk's outbox?).
                if conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    raise StoreError(f"{self.path} is not a receiver database (other tables)")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

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
        with self.connect() as conn, self._transaction(conn):
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
        with self.connect() as conn, self._transaction(conn):
            cursor = conn.execute(
                "UPDATE devices SET revoked_at = ? WHERE kiosk_id = ? AND revoked_at IS NULL",
                (self._now(), kiosk_id),
            )
            return cursor.rowcount

    def device_for_token(self, token: str) -> Device | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT kiosk_id, created_at, revoked_at FROM devices WHERE token_sha256 = ?",
                (token_hash(token),),
            ).fetchone()
        if row is None:
            return None
        return Device(row["kiosk_id"], row["created_at"], row["revoked_at"])

    def devices(self) -> list[Device]:
        with self.connect() as conn:
            rows = conn.execute(
                "SELECT kiosk_id, created_at, revoked_at FROM devices"
                " ORDER BY kiosk_id, created_at, rowid"
            ).fetchall()
        return [Device(r["kiosk_id"], r["created_at"], r["revoked_at"]) for r in rows]

    # -- attachments -------------------------------------------------------------
    def has_attachment(self, sha256: str) -> bool:
        with self.connect() as conn:
            row = conn.execute("SELECT 1 FROM attachments WHERE sha256 = ?", (sha256,)).fetchone()
        return row is not None

    def put_attachment(self, sha256: str, data: bytes, media_type: str, kiosk_id: str) -> bool:
        """Store the bytes (the caller checked the digest); True if newly stored."""
        with self.connect() as conn:
            cursor = conn.execute(
                "INSERT INTO attachments (sha256, media_type, size, data, received_at, kiosk_id)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING",
                (sha256, media_type, len(data), data, self._now(), kiosk_id),
            )
            return cursor.rowcount == 1

    def attachment(self, sha256: str) -> tuple[str, bytes] | None:
        """The media type and bytes of a held attachment."""
        with self.connect() as conn:
            row = conn.execute(
                "SELECT media_type, data FROM attachments WHERE sha256 = ?", (sha256,)
            ).fetchone()
        return None if row is None else (row["media_type"], bytes(row["data"]))

    def missing_attachments(self, digests: list[str]) -> list[str]:
        if not digests:
            return []
        with self.connect() as conn:
            marks = ", ".join("?" for _ in digests)
            held = {
                row[0]
                for row in conn.execute(
                    f"SELECT sha256 FROM attachments WHERE sha256 IN ({marks})", digests
                )
            }
        return [d for d in digests if d not in held]

    # -- submissions -------------------------------------------------------------
    def find_submission(self, submission_id: str) -> SubmissionRecord | None:
        with self.connect() as conn:
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        return None if row is None else _record(row)

    def put_submission(
        self,
        submission_id: str,
        body: bytes,
        kiosk_id: str,
        *,
        kiosk_sent_at: str | None = None,
        skew_seconds: float | None = None,
    ) -> tuple[SubmissionRecord, bool]:
        """Store the body under its id; the record and True if stored now.

        Identical bytes again return the first record and False (a replay);
        other bytes under a stored id raise ``Conflict``.
        """
        digest = hashlib.sha256(body).hexdigest()
        with self.connect() as conn, self._transaction(conn):
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
            if row is not None:
                if row["body_sha256"] != digest:
                    raise Conflict(f"submission {submission_id} is stored with other bytes")
                return _record(row), False
            moment = self.clock()
            now = rfc3339(moment)
            reference = self._next_reference(conn, moment.astimezone().year)
            conn.execute(
                "INSERT INTO submissions (id, body_sha256, body, reference, received_at, status,"
                " updated_at, kiosk_id, kiosk_sent_at, skew_seconds)"
                " VALUES (?, ?, ?, ?, ?, 'received', ?, ?, ?, ?)",
                (
                    submission_id,
                    digest,
                    body,
                    reference,
                    now,
                    now,
                    kiosk_id,
                    kiosk_sent_at,
                    skew_seconds,
                ),
            )
            row = conn.execute(
                f"SELECT {_RECORD_COLUMNS} FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
            return _record(row), True

    @staticmethod
    def _next_reference(conn: sqlite3.Connection, year: int) -> str:
        conn.execute(
            "INSERT INTO reference_counters (year, last) VALUES (?, 1)"
            " ON CONFLICT (year) DO UPDATE SET last = last + 1",
            (year,),
        )
        last = conn.execute("SELECT last FROM reference_counters WHERE year = ?", (year,))
        return f"BO-{year}-{last.fetchone()[0]:06d}"

    def submission_body(self, submission_id: str) -> bytes | None:
        with self.connect() as conn:
            row = conn.execute(
                "SELECT body FROM submissions WHERE id = ?", (submission_id,)
            ).fetchone()
        return None if row is None else bytes(row["body"])

    def set_status(self, submission_id: str, status: str) -> SubmissionRecord:
        if status not in SUBMISSION_STATUSES:
            raise StoreError(
                f"unknown status {status!r}: use one of {', '.join(SUBMISSION_STATUSES)}"
            )
        with self.connect() as conn, self._transaction(conn):
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
        query += " ORDER BY received_at, rowid"
        with self.connect() as conn:
            for row in conn.execute(query, params):
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
