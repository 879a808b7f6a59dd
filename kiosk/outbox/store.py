"""The outbox's storage and states: the ``Outbox`` class, one handle on the file.

One SQLite file (``outbox.sqlite3`` in the data directory), WAL with
``synchronous=FULL`` so "saved" means saved, even on power loss. Each thread
uses its own ``Outbox`` (its own connection); state changes run in short
``BEGIN IMMEDIATE`` transactions so the screens and the syncer can share the
file.

Every call a caller makes in normal use is bounded whatever the queue's size:
lists are pages (keyset pagination on an index), counts come from counters
kept by triggers, the sync round asks for the ids that are due. Only ``get``,
``payload`` and ``attachment_data`` decrypt, one item at a time.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.exceptions import InvalidTag

from kiosk.config import Settings, load_settings
from kiosk.outbox.closing import OpenMark
from kiosk.outbox.errors import (
    CORRUPT,
    ConflictingSubmissionError,
    CorruptDatabaseError,
    NewerSchemaError,
    OutboxError,
    PayloadDeletedError,
    StateError,
    WrongKeyError,
    clean_text,
    translate,
)
from kiosk.outbox.records import AttachmentMeta, Attempt, ItemSummary, OutboxItem, PageKey
from kiosk.outbox.schema import COUNTED, DB_NAME, OUTCOMES, SCHEMA_MAJOR, STATES, apply_migrations
from kiosk.outbox.sealing import KEY_CHECK, Sealer
from kiosk.submission import Submission

__all__ = ["Outbox"]

log = logging.getLogger(__name__)

ERROR_MAX = 200  # characters kept of an error text
REASON_MAX = 200
DETAILS_MAX = 50  # rejection details kept
BUSY_TIMEOUT_MS = 10_000
PAGE_MAX = 1000  # the most items one page() or due_ids() call returns

_ITEM_COLUMNS = (
    "id, procedure_id, procedure_version, local_reference, mode, state, created_at, "
    "enqueued_at, attempts, next_attempt_at, first_failure_at, last_status, last_error, "
    "server_reference, sent_at, needs_person, rejection"
)
#: The columns of a list's line, by ItemSummary's field names (and in their order).
_SUMMARY_SQL = {"needs_person": "needs_person != 0"}
_SUMMARY_COLUMNS = ", ".join(
    f"{_SUMMARY_SQL[name]} AS {name}" if name in _SUMMARY_SQL else name
    for name in ItemSummary._fields
)
_RETRYABLE = ("queued", "rejected", "conflict")
_COUNTS_SQL = f"SELECT key, n FROM counts WHERE key IN ({', '.join(repr(k) for k in COUNTED)})"


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
        self._sealer = Sealer(key)
        self.db_path = Path(db_path)
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
        self._mark: OpenMark | None = None
        try:
            self._mark = OpenMark(self.db_path) if self.db_path.parent.is_dir() else None
            self._conn = self._open_connection()
            self._prepare(full_check=self._mark is None or self._mark.needs_check)
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
            raise translate(e, db_path) from e
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
            raise self._translated(e) from e
        return conn

    @property
    def conn(self) -> sqlite3.Connection:
        if self._conn is None:
            raise OutboxError("The kiosk's queue is closed.")
        return self._conn

    def _prepare(self, *, full_check: bool) -> None:
        try:
            damaged = self._is_damaged(full_check=full_check)
        except sqlite3.Error as e:
            raise self._translated(e) from e
        if damaged:
            self.conn.close()
            self._conn = None
            self.set_aside = self._set_aside()
            self._conn = self._open_connection()
        if self._mark is not None:
            self._mark.checked()
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
                apply_migrations(self.conn)
                self._check_key()
                if self.set_aside is not None:
                    self._meta_set("set_aside", f"{self.set_aside}|{self._now()}")
        except sqlite3.Error as e:
            raise self._translated(e) from e
        if self.set_aside is not None:
            log.warning("outbox: a damaged queue file was set aside as %s", self.set_aside)

    def _is_damaged(self, *, full_check: bool) -> bool:
        """Whether the file is damaged, in constant time unless ``full_check``.

        Every opening reads the schema (a file that is not a database at all)
        and probes each table and index: its first and last entries, a path
        from the root to both ends of every b-tree (damage done while closed,
        a bad copy). The whole file is read (quick_check: seconds at a million
        items) only after an unclean shutdown (kiosk.outbox.closing).
        """
        try:
            self.conn.execute("PRAGMA schema_version").fetchone()
            self._probe()
            if not full_check:
                return False
            row = self.conn.execute("PRAGMA quick_check(1)").fetchone()
        except sqlite3.DatabaseError as e:
            if isinstance(translate(e, self.db_path), CorruptDatabaseError):
                return True
            raise
        return row is None or row[0] != "ok"

    def _probe(self) -> None:
        """Read both ends of every table and index (raises what SQLite finds)."""
        objects = self.conn.execute(
            "SELECT type, name, tbl_name FROM sqlite_master"
            " WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_stat%'"
        ).fetchall()
        for kind, name, table in objects:
            quoted_table = '"' + str(table).replace('"', '""') + '"'
            if kind == "table":
                for order in ("ASC", "DESC"):
                    self.conn.execute(
                        f"SELECT * FROM {quoted_table} ORDER BY rowid {order} LIMIT 1"
                        if self._has_rowid(str(table))
                        else f"SELECT * FROM {quoted_table} LIMIT 1"
                    ).fetchall()
                continue
            columns = [
                r[2] for r in self.conn.execute(f'PRAGMA index_info("{name}")') if r[2] is not None
            ]
            if not columns:
                continue
            first = '"' + str(columns[0]).replace('"', '""') + '"'
            quoted = '"' + str(name).replace('"', '""') + '"'
            where = self._partial_where(str(name))
            for order in ("ASC", "DESC"):
                self.conn.execute(
                    f"SELECT {first} FROM {quoted_table} INDEXED BY {quoted}{where}"
                    f" ORDER BY {first} {order} LIMIT 1"
                ).fetchall()

    def _has_rowid(self, table: str) -> bool:
        sql = self.conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()[0]
        return "WITHOUT ROWID" not in str(sql).upper()

    def _partial_where(self, index: str) -> str:
        sql = str(
            self.conn.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", (index,)
            ).fetchone()[0]
        )
        at = sql.upper().rfind(" WHERE ")
        return sql[at:] if at >= 0 else ""

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
            self._meta_set("key_check", self._sealer.seal(KEY_CHECK, b"key-check"))
            return
        try:
            ok = self._sealer.open(row[0], b"key-check") == KEY_CHECK
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
            if self._mark is not None:
                self._mark.release()  # after the connection: the file is as it stays
                self._mark = None

    def _translated(self, error: sqlite3.Error | OSError) -> OutboxError:
        """``translate``, remembering a damaged page so the next opening checks the file."""
        translated = translate(error, self.db_path)
        if isinstance(translated, CorruptDatabaseError) and self._mark is not None:
            self._mark.suspect = True
        return translated

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
            raise self._translated(e) from e
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException as e:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(e, sqlite3.Error):
                raise self._translated(e) from e
            raise

    @contextlib.contextmanager
    def _not_synced(self) -> Iterator[None]:
        """Commits inside are not fsynced (WAL, synchronous=NORMAL), only ordered."""
        conn = self.conn
        try:
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as e:
            raise self._translated(e) from e
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
                raise self._translated(e) from e

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
            raise self._translated(e) from e

    # The sealing helpers, also used by the benchmarks to write rows as enqueue would.
    def _seal(self, data: bytes, aad: bytes) -> bytes:
        return self._sealer.seal(data, aad)

    def _unseal(self, blob: bytes, aad: bytes) -> bytes:
        return self._sealer.unseal(blob, aad)

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
        return self._sealer.digest(body)

    _aad_payload = staticmethod(Sealer.aad_payload)
    _aad_attachment = staticmethod(Sealer.aad_attachment)
    _aad_attachment_meta = staticmethod(Sealer.aad_attachment_meta)
    _aad_rejection = staticmethod(Sealer.aad_rejection)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """A cursor whose rows are read by column name."""
        cursor = self.conn.cursor()
        cursor.row_factory = sqlite3.Row
        return cursor.execute(sql, params)

    def _item_from_row(self, row: sqlite3.Row, attachments: list[sqlite3.Row]) -> OutboxItem:
        item_id = row["id"]
        rejection = None
        if row["rejection"] is not None:
            rejection = json.loads(self._unseal(row["rejection"], self._aad_rejection(item_id)))
        metas = []
        for a in attachments:
            meta = json.loads(
                self._unseal(
                    a["meta"], self._aad_attachment_meta(item_id, a["position"], a["sha256"])
                )
            )
            metas.append(
                AttachmentMeta(
                    meta["field"], a["sha256"], a["size"], meta["media_type"], meta["filename"]
                )
            )
        return OutboxItem(
            id=item_id,
            procedure_id=row["procedure_id"],
            procedure_version=row["procedure_version"],
            local_reference=row["local_reference"],
            mode=row["mode"],
            state=row["state"],
            created_at=row["created_at"],
            enqueued_at=row["enqueued_at"],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            first_failure_at=row["first_failure_at"],
            last_status=row["last_status"],
            last_error=row["last_error"],
            server_reference=row["server_reference"],
            sent_at=row["sent_at"],
            needs_person=bool(row["needs_person"]),
            rejection=rejection,
            attachments=tuple(metas),
        )

    def _load_items(self, where: str, params: Sequence[Any], limit: int | None) -> list[OutboxItem]:
        sql = f"SELECT {_ITEM_COLUMNS} FROM items {where} ORDER BY enqueued_at, id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        rows = self._rows(sql, params).fetchall()
        if not rows:
            return []
        by_item: dict[str, list[sqlite3.Row]] = {r["id"]: [] for r in rows}
        ids = list(by_item)
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for a in self._rows(
                f"SELECT item_id, position, sha256, size, meta FROM attachments "
                f"WHERE item_id IN ({marks}) ORDER BY item_id, position",
                chunk,
            ):
                by_item[a["item_id"]].append(a)
        return [self._item_from_row(r, by_item[r["id"]]) for r in rows]

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
            (item_id, at, outcome, status, clean_text(error, ERROR_MAX), item_id),
        )

    def _delete_content(
        self, where: str, params: Sequence[Any], now: float, *, indexed_by: str = ""
    ) -> int:
        """Forget content and attachments of delivered items (retention)."""
        index = f" INDEXED BY {indexed_by}" if indexed_by else ""
        ids = [
            r[0]
            for r in self.conn.execute(
                f"SELECT id FROM items{index} WHERE state = 'sent' AND payload IS NOT NULL"
                f" AND {where}",
                params,
            )
        ]
        for item_id in ids:
            self.conn.execute("DELETE FROM attachments WHERE item_id = ?", (item_id,))
            self.conn.execute(
                "UPDATE items SET payload = NULL, payload_deleted_at = ?, attachment_count = 0"
                " WHERE id = ?",
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
                    " needs_person, body_digest, payload, attachment_count)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, 0, ?, ?, ?)"
                    " ON CONFLICT (id) DO NOTHING",
                    (s.id, s.procedure_id, s.procedure_version, s.local_reference, s.mode,
                     s.created_at, now, now, digest, payload, len(sealed)),
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
        """Items per state, plus ``needs_person`` and ``total``.

        Read from the ``counts`` table, which triggers keep in the same
        transaction as every change of an item: constant time at any size.
        """

        def run() -> dict[str, int]:
            counts = dict.fromkeys(COUNTED, 0)
            for key, n in self.conn.execute(_COUNTS_SQL):
                counts[key] = n
            counts["total"] = sum(counts[s] for s in STATES)
            return counts

        with self._lock:
            result: dict[str, int] = self._read(run)
        return result

    def page(
        self,
        after: PageKey | None = None,
        limit: int = 50,
        states: Iterable[str] | None = None,
        newest_first: bool = True,
    ) -> list[ItemSummary]:
        """One page of the queue's lines, for a console or ``kiosk queue list``.

        ``after``: the ``key`` of the last item of the previous page (keyset
        pagination: each page costs the same, however deep). ``states``: only
        these (None: all). Newest first by default, else in queue order
        (oldest first, then by id). At most ``PAGE_MAX`` items; nothing is
        decrypted. Walks an index ((state,) enqueued_at, id): bounded time.
        """
        limit = max(0, min(int(limit), PAGE_MAX))
        wanted = _check_states(states)
        with self._lock:
            result: list[ItemSummary] = self._read(
                lambda: self._page(after, limit, wanted, newest_first)
            )
        return result

    def _page(
        self,
        after: PageKey | None,
        limit: int,
        states: tuple[str, ...] | None,
        newest_first: bool,
    ) -> list[ItemSummary]:
        if limit == 0:
            return []
        direction, past = ("DESC", "<") if newest_first else ("ASC", ">")
        after_params: tuple[Any, ...] = ()
        after_sql = ""
        if after is not None:
            after_sql = f" AND (enqueued_at, id) {past} (?, ?)"
            after_params = (float(after[0]), str(after[1]))
        order = f" ORDER BY enqueued_at {direction}, id {direction} LIMIT {limit}"
        if states is None:
            sql = f"SELECT {_SUMMARY_COLUMNS} FROM items WHERE 1{after_sql}{order}"
            return list(map(ItemSummary._make, self.conn.execute(sql, after_params)))
        # One walk of items_state_order per state, merged: each stays on the
        # index (an IN over states would sort every matching row).
        found: list[ItemSummary] = []
        for state in states:
            sql = f"SELECT {_SUMMARY_COLUMNS} FROM items WHERE state = ?{after_sql}{order}"
            found += map(ItemSummary._make, self.conn.execute(sql, (state, *after_params)))
        found.sort(key=lambda i: i.key, reverse=newest_first)
        return found[:limit]

    def iter_summaries(
        self,
        states: Iterable[str] | None = None,
        *,
        newest_first: bool = True,
        limit: int | None = None,
        after: PageKey | None = None,
        batch: int = PAGE_MAX,
    ) -> Iterator[ItemSummary]:
        """Every line (or the first ``limit``), page after page: flat memory at any size.

        Each page is read in its own short read transaction, so a slow reader
        (a terminal) never holds the file; an item enqueued meanwhile shows or
        not depending on where the listing has got to.
        """
        left = limit
        while left is None or left > 0:
            size = batch if left is None else min(batch, left)
            chunk = self.page(after, size, states, newest_first)
            yield from chunk
            if len(chunk) < size:
                return
            after = chunk[-1].key
            if left is not None:
                left -= len(chunk)

    def find_by_reference(self, local_reference: str) -> OutboxItem | None:
        """The item with this local reference (the one printed on the receipt), if any.

        The newest if several share it (references are random: a clash is
        unlikely, not impossible). Uses the items_reference index.
        """

        def run() -> list[OutboxItem]:
            row = self.conn.execute(
                "SELECT id FROM items WHERE local_reference = ?"
                " ORDER BY enqueued_at DESC, id DESC LIMIT 1",
                (local_reference,),
            ).fetchone()
            return [] if row is None else self._load_items("WHERE id = ?", (row[0],), 1)

        with self._lock:
            found: list[OutboxItem] = self._read(run)
        return found[0] if found else None

    def needing_person(self, limit: int = 50, after: PageKey | None = None) -> list[ItemSummary]:
        """The flagged items (refused, in conflict, failing too long), oldest first.

        Pages as ``page``; walks the items_flagged_order index.
        """
        limit = max(0, min(int(limit), PAGE_MAX))

        def run() -> list[ItemSummary]:
            params: tuple[Any, ...] = ()
            after_sql = ""
            if after is not None:
                after_sql, params = " AND (enqueued_at, id) > (?, ?)", (after[0], after[1])
            sql = (
                f"SELECT {_SUMMARY_COLUMNS} FROM items WHERE needs_person{after_sql}"
                f" ORDER BY enqueued_at, id LIMIT {limit}"
            )
            return list(map(ItemSummary._make, self.conn.execute(sql, params)))

        with self._lock:
            result: list[ItemSummary] = self._read(run)
        return result

    def due_ids(
        self, now: float | None = None, limit: int = 100, after: str | None = None
    ) -> list[str]:
        """The ids of queued items due at ``now``, in queue order: what a sync round sends.

        ``after``: an id returned before; only items after it in queue order
        come, so a round going through the queue in batches never sees an item
        twice, even one retried "now" meanwhile. Nothing is decrypted.

        Cost: nothing at all when no queued item is due yet (the earliest
        next attempt comes from items_state_due); otherwise a walk of
        items_state_order from ``after`` to the ``limit``-th due item, which
        reads only the index (a backed-off item in the way costs one entry).
        """
        moment = self._now() if now is None else now
        limit = max(0, min(int(limit), PAGE_MAX))

        def run() -> list[str]:
            earliest = self.conn.execute(
                "SELECT MIN(next_attempt_at) FROM items WHERE state = 'queued'"
            ).fetchone()[0]
            if earliest is None or earliest > moment or limit == 0:
                return []
            params: tuple[Any, ...] = ()
            after_sql = ""
            if after is not None:
                # row values on the index: the walk starts at ``after``, it does not skip to it
                after_sql = (
                    " AND (enqueued_at, id) > (SELECT enqueued_at, id FROM items WHERE id = ?)"
                )
                params = (after,)
            # "+next_attempt_at": filter on the walk in queue order (items_state_order
            # holds next_attempt_at), rather than sort every due item.
            sql = (
                "SELECT id FROM items WHERE state = 'queued' AND +next_attempt_at <= ?"
                f"{after_sql} ORDER BY enqueued_at, id LIMIT {limit}"
            )
            return [r[0] for r in self.conn.execute(sql, (moment, *params))]

        with self._lock:
            result: list[str] = self._read(run)
        return result

    def next_due(self, now: float | None = None) -> OutboxItem | None:
        """The oldest queued item whose next attempt time has come."""
        ids = self.due_ids(now, 1)
        if not ids:
            return None
        try:
            return self.get(ids[0])
        except KeyError:  # pragma: no cover - removed between the two reads
            return None

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
            raise CorruptDatabaseError(CORRUPT)
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
                (retry_at, first, status, clean_text(error, ERROR_MAX), flag, item_id),
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
                {str(k): clean_text(str(v), 500) or "" for k, v in d.items()}
                for d in details[:DETAILS_MAX]
            ]
            sealed = self._seal(json.dumps(kept).encode(), self._aad_rejection(item_id))
        with self._lock, self._write() as conn:
            self._require(item_id, ("queued", "sending"), "marked rejected")
            conn.execute(
                "UPDATE items SET state = 'rejected', attempts = attempts + 1, last_status = ?,"
                " last_error = ?, needs_person = 1, rejection = ? WHERE id = ?",
                (status, clean_text(error, ERROR_MAX), sealed, item_id),
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
                self._meta_set("paused", clean_text(reason, REASON_MAX) or "paused")

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
            # "sent_at <= cutoff" (not "sent_at + retention <= now"): a range on
            # the items_sent_content / items_sent_history indexes, so only the
            # items whose time has come are read. Named: without statistics the
            # planner would take items_state_due and read every delivered item.
            self._delete_content(
                "sent_at <= ?",
                (moment - self.retention_payload_s,),
                moment,
                indexed_by="items_sent_content",
            )
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM items INDEXED BY items_sent_history"
                    " WHERE state = 'sent' AND sent_at <= ?",
                    (moment - self.retention_history_s,),
                )
            ]
            for item_id in ids:
                conn.execute("DELETE FROM attempts WHERE item_id = ?", (item_id,))
                conn.execute("DELETE FROM attachments WHERE item_id = ?", (item_id,))
                conn.execute("DELETE FROM items WHERE id = ?", (item_id,))
            return len(ids)


def _check_states(states: Iterable[str] | None) -> tuple[str, ...] | None:
    if states is None:
        return None
    if isinstance(states, str):
        states = (states,)
    wanted = tuple(dict.fromkeys(states))
    for state in wanted:
        if state not in STATES:
            raise ValueError(f"unknown state {state!r} (one of {', '.join(STATES)})")
    return wanted


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
