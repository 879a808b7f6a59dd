"""The outbox file's schema: tables, indexes, counters, and their migrations.

Applied with sqlite-utils' migrations at every opening (a no-op when the file
is up to date). A migration an older kiosk can live with (a new column, a
new index, a new table) leaves ``PRAGMA user_version`` alone; one it cannot
read bumps ``SCHEMA_MAJOR``, and older kiosks then refuse the file instead of
misreading it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # sqlite-utils loads (120 ms, numpy with it) only when a migration is due
    from sqlite_utils import Database

__all__ = [
    "COUNTED",
    "DB_NAME",
    "MIGRATIONS",
    "MIGRATION_SET",
    "OUTCOMES",
    "SCHEMA_MAJOR",
    "STATES",
    "apply_migrations",
    "pending_migrations",
]

DB_NAME = "outbox.sqlite3"
STATES = ("queued", "sending", "sent", "rejected", "conflict")
OUTCOMES = ("sent", "transient", "rejected", "conflict", "auth", "missing_attachments")
#: The rows of the ``counts`` table: one per state, and the flagged items.
COUNTED = (*STATES, "needs_person")

#: Stored as ``PRAGMA user_version``.
SCHEMA_MAJOR = 1
MIGRATION_SET = "kiosk-outbox"

#: In order: (name, function). Applied by sqlite-utils' migrations, whose
#: ``_sqlite_migrations`` table records them.
MIGRATIONS: list[tuple[str, Callable[[Database], None]]] = []


def migration(name: str) -> Callable[[Callable[[Database], None]], Callable[[Database], None]]:
    def register(fn: Callable[[Database], None]) -> Callable[[Database], None]:
        MIGRATIONS.append((name, fn))
        return fn

    return register


def pending_migrations(conn: sqlite3.Connection) -> list[str]:
    """The migrations not applied to the file yet (one small read)."""
    try:
        rows = conn.execute(
            "SELECT name FROM _sqlite_migrations WHERE migration_set = ?", (MIGRATION_SET,)
        ).fetchall()
    except sqlite3.OperationalError as e:
        if "no such table" not in str(e):
            raise
        rows = []
    applied = {name for (name,) in rows}
    return [name for name, _ in MIGRATIONS if name not in applied]


def apply_migrations(conn: sqlite3.Connection) -> None:
    """Bring the file's schema up to date; nothing to import or write when it is."""
    if not pending_migrations(conn):
        return
    # Here, not at the top: sqlite-utils takes 120 ms to import (numpy with it),
    # at every opening in a new process, for nothing when the file is up to date.
    from sqlite_utils import Database
    from sqlite_utils.migrations import Migrations

    migrations = Migrations(MIGRATION_SET)
    for name, fn in MIGRATIONS:
        migrations(name=name)(fn)
    migrations.apply(Database(conn, execute_plugins=False))


@migration("0001_initial")
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


@migration("0002_query_indexes")
def _m0002_query_indexes(db: Database) -> None:
    # New indexes only: an older kiosk can still read the file (user_version stays).
    # A state's items in queue order straight from the index (lists, next_due), with
    # next_attempt_at in it so next_due filters without reading rows: at 100,000
    # queued items, 60 ms of sorting becomes well under a millisecond.
    db.execute("CREATE INDEX items_state_order ON items (state, enqueued_at, id, next_attempt_at)")
    # counts(): the flagged items, without reading the whole table.
    db.execute("CREATE INDEX items_flagged ON items (needs_person) WHERE needs_person")


@migration("0003_counters_and_lookups")
def _m0003_counters_and_lookups(db: Database) -> None:
    # A new table, triggers and indexes only: an older kiosk still reads the file
    # (and its writes keep the counters right, the triggers being in the file).
    #
    # counts(): COUNT(*) ... GROUP BY state reads a million index entries (86 ms);
    # these counters, kept by triggers in the same transaction as every change of
    # an item, are read in microseconds and cannot drift from the rows.
    db.execute("CREATE TABLE counts (key TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID")
    db.execute(
        "INSERT INTO counts (key, n) SELECT key, 0 FROM ("
        + " UNION ALL ".join(f"SELECT '{k}' AS key" for k in COUNTED)
        + ")"
    )
    db.execute(
        "UPDATE counts SET n = (SELECT COUNT(*) FROM items WHERE items.state = counts.key)"
        " WHERE key != 'needs_person'"
    )
    db.execute(
        "UPDATE counts SET n = (SELECT COUNT(*) FROM items WHERE needs_person)"
        " WHERE key = 'needs_person'"
    )
    db.execute("""
        CREATE TRIGGER items_counted_in AFTER INSERT ON items BEGIN
            UPDATE counts SET n = n + 1 WHERE key = NEW.state;
            UPDATE counts SET n = n + 1 WHERE key = 'needs_person' AND NEW.needs_person;
        END""")
    db.execute("""
        CREATE TRIGGER items_counted_out AFTER DELETE ON items BEGIN
            UPDATE counts SET n = n - 1 WHERE key = OLD.state;
            UPDATE counts SET n = n - 1 WHERE key = 'needs_person' AND OLD.needs_person;
        END""")
    db.execute("""
        CREATE TRIGGER items_counted_again AFTER UPDATE OF state, needs_person ON items
        WHEN OLD.state IS NOT NEW.state OR (OLD.needs_person != 0) != (NEW.needs_person != 0)
        BEGIN
            UPDATE counts SET n = n - 1 WHERE key = OLD.state AND OLD.state IS NOT NEW.state;
            UPDATE counts SET n = n + 1 WHERE key = NEW.state AND OLD.state IS NOT NEW.state;
            UPDATE counts SET n = n + (NEW.needs_person != 0) - (OLD.needs_person != 0)
                WHERE key = 'needs_person';
        END""")
    # A list's line says how many attachments an item holds without a subquery per
    # line (a third of the time of listing a million items).
    db.execute("ALTER TABLE items ADD COLUMN attachment_count INTEGER NOT NULL DEFAULT 0")
    db.execute(
        "UPDATE items SET attachment_count ="
        " (SELECT COUNT(*) FROM attachments WHERE item_id = items.id)"
        " WHERE id IN (SELECT item_id FROM attachments)"
    )
    # `kiosk queue show <reference>`: the reference read out by a person, found at once.
    db.execute("CREATE INDEX items_reference ON items (local_reference, enqueued_at, id)")
    # Retention: the delivered items whose time has come, oldest first, without
    # reading the rest of the table (with content, then all of them).
    db.execute(
        "CREATE INDEX items_sent_content ON items (sent_at)"
        " WHERE state = 'sent' AND payload IS NOT NULL"
    )
    db.execute("CREATE INDEX items_sent_history ON items (sent_at) WHERE state = 'sent'")
    # needing_person(): the flagged items in queue order, from the index.
    db.execute("CREATE INDEX items_flagged_order ON items (enqueued_at, id) WHERE needs_person")
