"""The outbox's errors: each ``str(e)`` is a sentence a mediator can act on.

``translate`` turns an SQLite or file error into one of them; the original
exception is chained by the caller for the log.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

__all__ = [
    "CORRUPT",
    "BusyError",
    "ConflictingSubmissionError",
    "CorruptDatabaseError",
    "DiskFullError",
    "NewerSchemaError",
    "OutboxError",
    "PayloadDeletedError",
    "ReadOnlyError",
    "StateError",
    "WrongKeyError",
    "clean_text",
    "translate",
]


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
CORRUPT = (
    "The kiosk's queue file is damaged; restart the kiosk, which will set the damaged file "
    "aside (it is kept, not deleted) and start a new one, then call support."
)
_BUSY = "The kiosk's queue is busy for too long; try again in a moment."


def translate(error: sqlite3.Error | OSError, db_path: Path) -> OutboxError:
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
        return CorruptDatabaseError(CORRUPT)
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


def clean_text(text: str | None, limit: int) -> str | None:
    """One short line: errors and reasons are shown, never hold a whole response."""
    if text is None:
        return None
    line = re.sub(r"\s+", " ", str(text)).strip()
    line = "".join(ch for ch in line if ch.isprintable())
    return line[: limit - 1] + "…" if len(line) > limit else line
