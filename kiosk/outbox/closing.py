"""Whether a process died with the outbox file open, so opening must check all of it.

``PRAGMA quick_check`` reads the whole file: 2 s at a million items, at every
start, command and sync thread. It is needed when the file may have been
damaged, that is after an unclean shutdown (a power cut, a crash, a kill
while writing). So every open handle keeps a **mark** next to the file
(``outbox.sqlite3.open-<random>``, made durable with its folder), locked for as
long as the handle lives; the operating system drops the lock when the
process dies, however it dies, and a clean close deletes the mark.

Opening therefore checks the whole file when it finds a mark nobody holds.
A handle that met a damaged page while running leaves its mark behind on
closing, so the next opening checks too. Damage done while the file was
closed (a failing disk, a bad copy) is found by the cheap probe that every
opening runs (kiosk.outbox.store), or by the first query that meets it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
from pathlib import Path
from typing import IO

__all__ = ["OpenMark"]


def _lock(handle: IO[bytes]) -> bool:
    """An exclusive lock on ``handle``'s file, without waiting; False if another holds it."""
    try:
        if sys.platform == "win32":  # pragma: no cover - Windows
            import msvcrt  # each platform's own module: the other one does not exist

            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl  # each platform's own module: the other one does not exist

            # flock, not fcntl locks: it conflicts between two handles of one
            # process too (the screens' and the syncer's outboxes).
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _sync_folder(folder: Path) -> None:
    """The mark's name on the disk, so that it survives the power cut it is there for."""
    if sys.platform == "win32":  # pragma: no cover - folders cannot be opened there
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class OpenMark:
    """This handle's mark on the file; ``needs_check`` says whether to check it whole."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._prefix = f"{db_path.name}.open-"
        self._handle: IO[bytes] | None = None
        self._path: Path | None = None
        #: Set when the file may be damaged: the mark is left for the next opening.
        self.suspect = False
        self._stale = self._stale_marks()
        self._take()
        #: A process died with the file open, or no mark could be made (check, to be safe).
        self.needs_check = bool(self._stale) or self._handle is None

    def _marks(self) -> list[Path]:
        try:
            return [p for p in self.db_path.parent.iterdir() if p.name.startswith(self._prefix)]
        except OSError:
            return []

    def _stale_marks(self) -> list[Path]:
        """The marks of handles whose process died."""
        stale = []
        for path in self._marks():
            try:
                with path.open("rb") as other:
                    if not _lock(other):
                        continue  # alive
            except OSError:
                continue  # gone meanwhile: closed cleanly
            stale.append(path)
        return stale

    def checked(self) -> None:
        """The file was checked (or set aside): the dead handles' marks can go.

        Not before: a check cut short by another power cut must run again.
        """
        for path in self._stale:
            with contextlib.suppress(OSError):
                path.unlink()
        self._stale = []

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
        _sync_folder(final.parent)

    def release(self) -> None:
        """After the file's last connection of this handle was closed."""
        if self._handle is None:
            return
        path, handle = self._path, self._handle
        self._handle = self._path = None
        if not self.suspect and path is not None:
            with contextlib.suppress(OSError):
                path.unlink()
        handle.close()  # unlocked: a mark left behind now looks like a dead handle's
