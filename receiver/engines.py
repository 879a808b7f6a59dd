"""Which store a ``--db`` names: a PostgreSQL URL or a SQLite file.

Apart from ``receiver.store`` so that the engines (``store.SqliteStore``,
``pgstore.PostgresStore``) depend on the interface and nothing depends on
both but this.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from receiver.store import SqliteStore, Store, is_postgres_url, utc_now


def open_store(
    db: str | Path,
    *,
    create: bool = True,
    clock: Callable[[], datetime] = utc_now,
    **limits: Any,
) -> Store:
    """The store at ``db``: a ``postgresql://`` URL, or a SQLite file path."""
    if is_postgres_url(db):
        # Imported only for PostgreSQL: a SQLite receiver runs without psycopg.
        from receiver.pgstore import PostgresStore

        return PostgresStore(str(db), create=create, clock=clock, **limits)
    return SqliteStore(db, create=create, clock=clock, **limits)
