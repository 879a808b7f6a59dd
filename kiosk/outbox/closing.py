"""Whether the outbox file was closed cleanly, so opening need not check all of it.

``PRAGMA quick_check`` reads the whole file: 2 s at a million items, at every
start, command and sync thread. It is only needed when something may have
gone wrong since the file was last known good:

- every open handle keeps a **mark** next to the file
  (``outbox.sqlite3.open-<random>``), locked for as long as it lives; the
  operating system drops the lock when the process dies, however it dies;
- the last handle to close cleanly writes a **stamp**
  (``outbox.sqlite3.closed``): the file's size, modification time and a
  fingerprint of its first and last pages.

Opening then checks the whole file when a mark is found unlocked (its
process died with the file open), or when nobody else has the file open and
the stamp is missing or does not match the file (an older version closed it,
it was copied in, or changed while closed). A handle that met a damaged page
while running leaves no stamp, so the next opening checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import sys
from pathlib import Path
from typing import IO, Any

__all__ = ["OpenMark"]

_FINGERPRINT_HEAD = 8192  # the header page and the first table page
_FINGERPRINT_TAIL = 4096


def _lock(handle: IO[bytes]) -> bool:
    """An exclusive lock on ``handle``'s file, without waiting; False if another holds it."""
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            # flock, not fcntl locks: it conflicts between two handles of one
            # process too (the screens' and the syncer's outboxes).
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _fingerprint(db_path: Path) -> dict[str, Any] | None:
    try:
        stat = db_path.stat()
        with db_path.open("rb") as f:
            head = f.read(_FINGERPRINT_HEAD)
            f.seek(max(0, stat.st_size - _FINGERPRINT_TAIL))
            tail = f.read(_FINGERPRINT_TAIL)
        wal = Path(f"{db_path}-wal")
        wal_size = wal.stat().st_size if wal.exists() else 0
    except OSError:
        return None
    return {
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "wal_size": wal_size,
        "pages": hashlib.sha256(head + tail).hexdigest(),
    }


class OpenMark:
    """This handle's mark on the file; ``needs_check`` says whether to check it whole."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.stamp_path = db_path.with_name(f"{db_path.name}.closed")
        self._prefix = f"{db_path.name}.open-"
        self._handle: IO[bytes] | None = None
        self._path: Path | None = None
        #: Set when the file may be damaged: no stamp is written at closing.
        self.suspect = False
        stale = self._clear_stale_marks()
        self._take()
        if self._handle is None or stale:  # a process died, or no mark: check, to be safe
            self.needs_check = True
        else:
            self.needs_check = not self._others_live() and not self._stamp_matches()

    def _marks(self) -> list[Path]:
        try:
            return [p for p in self.db_path.parent.iterdir() if p.name.startswith(self._prefix)]
        except OSError:
            return []

    def _clear_stale_marks(self) -> bool:
        """Remove the marks of handles whose process died; whether there were any."""
        stale = False
        for path in self._marks():
            try:
                with path.open("rb") as other:
                    if not _lock(other):
                        continue  # alive
            except OSError:
                continue  # gone meanwhile: closed cleanly
            stale = True
            with contextlib.suppress(OSError):
                path.unlink()
        return stale

    def _take(self) -> None:
        # Made and locked under another name, then renamed: nobody can find it
        # unlocked and take it for a dead handle's.
        token = secrets.token_hex(8)
        opening = self.db_path.with_name(f"{self.db_path.name}.opening-{token}")
        final = self.db_path.with_name(f"{self._prefix}{token}")
        try:
            handle = opening.open("xb")
        except OSError:
            return
        if not _lock(handle):  # pragma: no cover - a file just made is not locked
            handle.close()
            with contextlib.suppress(OSError):
                opening.unlink()
            return
        try:
            os.replace(opening, final)
        except OSError:
            handle.close()
            with contextlib.suppress(OSError):
                opening.unlink()
            return
        self._handle, self._path = handle, final

    def _others_live(self) -> bool:
        return any(p != self._path for p in self._marks())

    def _stamp_matches(self) -> bool:
        try:
            stamp = json.loads(self.stamp_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return stamp == _fingerprint(self.db_path)

    def release(self) -> None:
        """After the file's last connection of this handle was closed."""
        if self._handle is None:
            return
        path, handle = self._path, self._handle
        self._handle = self._path = None
        alone = not any(p != path for p in self._marks())
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()
        handle.close()
        if not alone:
            return
        if self.suspect:
            with contextlib.suppress(OSError):
                self.stamp_path.unlink()
            return
        fingerprint = _fingerprint(self.db_path)
        if fingerprint is None:
            return
        temporary = self.stamp_path.with_name(f"{self.stamp_path.name}.{secrets.token_hex(4)}")
        try:
            temporary.write_text(json.dumps(fingerprint), encoding="utf-8")
            os.replace(temporary, self.stamp_path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()
