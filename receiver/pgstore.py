"""The receiver's PostgreSQL store: psycopg 3 and a connection pool.

Several receiver processes may share one database: everything that must
hold across them is in the database. A submission is inserted with
``ON CONFLICT (id) DO NOTHING``; references come from one sequence per
year (``reference_seq_2026``), unique across processes and gap-tolerant (a
replay or a failed insert leaves a hole, never a duplicate). The schema is
migrated on start under an advisory lock, so processes starting together
migrate it once.

Only this module imports psycopg: a SQLite-only receiver runs without it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime
from typing import Any

from receiver.store import (
    _RECORD_COLUMNS,
    MIGRATIONS,
    SCHEMA_VERSION,
    Connection,
    Cursor,
    Store,
    StoreBusy,
    StoreError,
    utc_now,
)

try:
    import psycopg
    from psycopg import conninfo
    from psycopg.rows import dict_row
    from psycopg_pool import ConnectionPool, PoolTimeout
except ImportError as e:  # pragma: no cover - depends on the installation
    raise StoreError(
        "PostgreSQL needs psycopg and psycopg_pool: pip install 'kiosk[postgres]'"
    ) from e

#: Any number, the same in every receiver process: held while migrating.
_MIGRATION_LOCK = 0x6B696F736B
_SEQUENCE_LOCK = 0x6B696F736C


def describe_url(url: str) -> str:
    """The URL's server and database, never its password (for messages and logs)."""
    try:
        parts = conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as e:
        raise StoreError(f"not a usable PostgreSQL URL: {e}") from None
    host = parts.get("host") or "localhost"
    port = parts.get("port") or "5432"
    user = f"{parts['user']}@" if parts.get("user") else ""
    return f"postgresql://{user}{host}:{port}/{parts.get('dbname') or ''}"


class _PgConnection:
    """A psycopg connection speaking the store's ``?`` placeholders."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        query: Any = sql.replace("?", "%s")  # psycopg types its queries as literal strings
        cursor: Cursor = self._conn.execute(query, list(params))
        return cursor


class PostgresStore(Store):
    """The receiver's tables in the PostgreSQL database at ``url``."""

    def __init__(
        self,
        url: str,
        *,
        create: bool = True,
        clock: Callable[[], datetime] = utc_now,
        pool_size: int = 16,
        connect_timeout: float = 10.0,
        **limits: Any,
    ) -> None:
        super().__init__(clock=clock, **limits)
        self.url = url
        self.description = describe_url(url)
        self._sequences: set[int] = set()
        self._sequences_lock = threading.Lock()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"row_factory": dict_row, "autocommit": True},
            timeout=30.0,
            open=False,
            name="receiver",
        )
        try:
            self.pool.open(wait=True, timeout=connect_timeout)
        except PoolTimeout:
            self.pool.close()
            raise StoreError(
                f"cannot connect to PostgreSQL at {self.description} within "
                f"{connect_timeout:g} s (is the server running, is the URL right?)"
            ) from None
        try:
            self._migrate(create)
        except BaseException:
            self.pool.close()
            raise

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        try:
            with self.pool.connection() as conn:
                yield conn
        except (PoolTimeout, psycopg.OperationalError) as e:
            raise StoreBusy(f"PostgreSQL unavailable: {type(e).__name__}") from e

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self._connection() as conn:
            yield _PgConnection(conn)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._connection() as conn, conn.transaction():
            yield _PgConnection(conn)

    def close(self) -> None:
        self.pool.close()

    def connect(self) -> AbstractContextManager[Any]:
        """A pooled psycopg connection (rows are dicts), for tools and tests."""
        return self.pool.connection()

    # -- references ------------------------------------------------------------
    @staticmethod
    def _sequence(year: int) -> str:
        return f"reference_seq_{year:04d}"

    def _prepare_year(self, year: int) -> None:
        name = self._sequence(year)
        with self._sequences_lock:
            if year in self._sequences:
                return
        with self._connection() as conn, conn.transaction():
            # The lock makes two processes' first submission of a year
            # create the sequence once (IF NOT EXISTS alone can still race).
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SEQUENCE_LOCK,))
            conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {name}")
        with self._sequences_lock:
            self._sequences.add(year)

    def _insert_submission(
        self, values: dict[str, Any], year: int, attachments: Sequence[str]
    ) -> Mapping[str, Any] | None:
        # One statement: the number comes from the year's sequence as the row
        # goes in (a conflict leaves a hole in the numbers, never a duplicate).
        columns = ", ".join([*values, "reference"])
        marks = ", ".join("?" for _ in values)
        number = (
            "(SELECT ? || lpad(n::text, greatest(6, length(n::text)), '0')"
            " FROM nextval(?::regclass) AS n)"
        )
        statement = (
            f"INSERT INTO submissions ({columns}) VALUES ({marks}, {number})"
            f" ON CONFLICT (id) DO NOTHING RETURNING {_RECORD_COLUMNS}"
        )
        params = [*values.values(), f"BO-{year}-", self._sequence(year)]
        if not attachments:
            with self._read() as conn:  # autocommit: the statement is its own transaction
                row: Mapping[str, Any] | None = conn.execute(statement, params).fetchone()
                return row
        with self._write() as conn:
            row = conn.execute(statement, params).fetchone()
            if row is not None:
                self._reference(conn, attachments, values["received_at"])
            return row

    # -- schema ----------------------------------------------------------------
    def _migrate(self, create: bool) -> None:
        try:
            with self._connection() as conn, conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                self._migrate_locked(conn, create)
        except psycopg.Error as e:
            raise StoreError(f"cannot prepare the receiver's tables: {e}") from e

    def _migrate_locked(self, conn: psycopg.Connection[Any], create: bool) -> None:
        exists = conn.execute("SELECT to_regclass('schema_version') AS t").fetchone()
        if exists is None or exists["t"] is None:
            if not create:
                raise StoreError(
                    f"no receiver tables in {self.description} "
                    "(`python -m receiver serve` or `token create` creates them)"
                )
            other = conn.execute("SELECT to_regclass('submissions') AS t").fetchone()
            if other is not None and other["t"] is not None:
                raise StoreError(
                    f"{self.description} has a submissions table that is not the receiver's"
                )
            conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
            conn.execute("INSERT INTO schema_version (version) VALUES (0)")
        row: Any = conn.execute("SELECT version FROM schema_version").fetchone()
        version = int(row["version"])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.description} was written by a newer receiver "
                f"(schema {version}, this one knows {SCHEMA_VERSION})"
            )
        for step in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[step]:
                ddl: Any = statement.format(blob="BYTEA", real="DOUBLE PRECISION")
                conn.execute(ddl)
        if version != SCHEMA_VERSION:
            conn.execute("UPDATE schema_version SET version = %s", (SCHEMA_VERSION,))
