"""The scanner folder on a shared machine: whose scans are offered, and
forgetting them when the person leaves.

The scanner saves every person's files in the same folder. A file modified
before the *person boundary* belongs to someone who has left: it is never
offered as a button. The boundary starts an hour before the kiosk started
(restarted in the middle of a session, it still offers the scans just made)
and moves to "now" each time a person's session ends. At that moment the
files that arrived during the session are deleted, when the kiosk may delete
in that folder: the setting ``scanner_delete_scans`` allows it, and the
folder was chosen for the scanner (``scanner_folder`` set). The default
folder is the user's Documents folder or home: there, nothing is ever
deleted, older files are only hidden.

Only regular files directly in the folder count: not sub-folders, not
symbolic links (never followed, never deleted), not hidden dotfiles.
"""

from __future__ import annotations

import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from kiosk.config import Settings

__all__ = ["FUTURE_SKEW_S", "START_GRACE_S", "ScannerFolder"]

log = logging.getLogger(__name__)

#: at start, the files of the last hour are offered: a restart in the middle
#: of a session must not hide the scans the person just made
START_GRACE_S = 3600.0
#: a file dated later than this in the future is not offered (a wrong clock
#: would keep it at the top of the list, past every boundary)
FUTURE_SKEW_S = 60.0


class ScannerFolder:
    """One kiosk's scanner folder and its person boundary (one per window)."""

    def __init__(
        self,
        path: Path | None,
        *,
        may_delete: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        #: whether ``forget_person`` deletes the scans of the person who left
        self.may_delete = may_delete
        self._clock = clock
        self._boundary = clock() - START_GRACE_S

    @classmethod
    def from_settings(cls, settings: Settings) -> ScannerFolder:
        # Never delete in a folder nobody chose for the scanner (Documents, home).
        explicit = settings.scanner_folder_explicit is True
        return cls(settings.scanner_folder, may_delete=settings.scanner_delete_scans and explicit)

    @property
    def boundary(self) -> float:
        """Files modified before this moment (seconds since the epoch) are someone else's."""
        return self._boundary

    def _files(self) -> list[tuple[float, str, Path]]:
        """(mtime, name, path) of the regular, visible files directly in the folder."""
        if self.path is None:
            return []
        try:
            entries = list(os.scandir(self.path))
        except OSError:
            return []
        found: list[tuple[float, str, Path]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # removed meanwhile
            if stat.S_ISREG(info.st_mode):
                found.append((info.st_mtime, entry.name, Path(entry.path)))
        return found

    def recent(self, count: int) -> list[Path]:
        """The newest files of this person (modified since the boundary), newest first."""
        latest = self._clock() + FUTURE_SKEW_S
        mine = [f for f in self._files() if self._boundary <= f[0] <= latest]
        mine.sort(key=lambda f: (-f[0], f[1]))
        return [path for _, _, path in mine[:count]]

    def holds(self, path: str | os.PathLike[str]) -> bool:
        """Whether ``path`` is one of this person's scans, the only files a
        person may attach: a regular file (not a symbolic link) directly in
        the folder (``..`` and sub-folders resolve elsewhere), not hidden,
        arrived since the person boundary."""
        if self.path is None:
            return False
        candidate = Path(path)
        try:
            if not os.path.samefile(candidate.parent, self.path):
                return False
            info = os.lstat(candidate)
        except (OSError, ValueError):
            return False
        if candidate.name.startswith(".") or not stat.S_ISREG(info.st_mode):
            return False
        return self._boundary <= info.st_mtime <= self._clock() + FUTURE_SKEW_S

    def forget_person(self) -> int:
        """The person left: delete the files that arrived since the boundary (when
        allowed), then move the boundary to now. Returns how many were deleted."""
        now = self._clock()
        deleted = 0
        if self.may_delete:
            for mtime, _, path in self._files():
                if mtime < self._boundary:
                    continue  # someone else's, from before this session
                try:
                    os.unlink(path)  # a symbolic link put there meanwhile: the link goes
                except FileNotFoundError:
                    log.info("a scan was already gone from the scanner folder")
                    continue
                except OSError as e:
                    # No file name in the log: it may be a person's name.
                    log.error("a scan could not be deleted from the scanner folder: %s", e.strerror)
                    continue
                deleted += 1
            if deleted:
                log.info("%d scan(s) of the last person deleted from the scanner folder", deleted)
        self._boundary = now
        return deleted
