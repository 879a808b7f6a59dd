"""The receiver's two engines for tests: a SQLite file, or a real PostgreSQL server.

PostgreSQL tests use the server at ``KIOSK_TEST_POSTGRES_DSN`` (``.ci/run``
starts one on loopback and sets it; ``.ci/postgres start DIR`` does the same
for a developer). Each test gets a schema of its own, dropped afterwards.
Without a server they skip with the reason, except under CI (the ``CI``
variable set), where a skip would hide half the protocol suite: they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from receiver.store import SqliteStore, Store

ENGINES = ("sqlite", "postgresql")
POSTGRES_DSN_ENV = "KIOSK_TEST_POSTGRES_DSN"
# Read once, at import: the suite's autouse fixture clears every KIOSK_ variable.
_DSN = os.environ.get(POSTGRES_DSN_ENV, "").strip()


def postgres_dsn() -> str:
    """The test server's URL, or a skip (a failure under CI) saying why there is none."""
    dsn = _DSN
    reason = ""
    if not dsn:
        reason = f"no PostgreSQL server: set {POSTGRES_DSN_ENV} (see .ci/postgres)"
    else:
        try:
            import psycopg

            with psycopg.connect(dsn, connect_timeout=5):
                pass
        except ImportError:
            reason = "psycopg is not installed (pip install -e '.[test]')"
        except Exception as e:  # any failure to connect is a reason to skip
            reason = f"PostgreSQL at {POSTGRES_DSN_ENV} unreachable: {type(e).__name__}: {e}"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the PostgreSQL half of the receiver's tests")
        pytest.skip(reason)
    return dsn


@contextmanager
def fresh_db(engine: str, folder: Path) -> Iterator[str | Path]:
    """An empty receiver database: a SQLite path in ``folder``, or a PostgreSQL URL."""
    if engine == "sqlite":
        yield folder / "backoffice" / "receiver.db"
        return
    import psycopg

    dsn = postgres_dsn()
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    separator = "&" if "?" in dsn else "?"
    try:
        yield f"{dsn}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


def rows(store: Store, query: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of a query (``?`` placeholders) as dicts, on either engine."""
    if isinstance(store, SqliteStore):
        with store.connect() as conn:
            return [dict(row) for row in conn.execute(query, params).fetchall()]
    with store.connect() as conn:
        return list(conn.execute(query.replace("?", "%s"), params).fetchall())


@pytest.fixture(params=ENGINES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | Path]:
    """A fresh receiver database on each engine."""
    with fresh_db(request.param, tmp_path) as where:
        yield where
