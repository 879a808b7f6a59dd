"""The outbox as the flow's ``Store``: where the screens put finished requests.

The outbox is opened once for the screens' thread. When it cannot be
opened (no key store, a full or read-only disk), the kiosk still starts:
training works, ``problem`` says why requests cannot be stored, and a
person who finishes keeps their answers on screen while « Réessayer »
tries again.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.flow import StoreFailed
from kiosk.keystore import KeyStoreError
from kiosk.outbox import Outbox, OutboxError

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.submission import Submission

log = logging.getLogger(__name__)


class OutboxStore:
    def __init__(self, data_dir: Path, settings: Settings) -> None:
        self.data_dir = Path(data_dir)
        self.settings = settings
        self.outbox: Outbox | None = None
        self._problem: str | None = None
        self._open()

    @property
    def problem(self) -> str | None:
        return self._problem

    def _open(self) -> None:
        try:
            self.outbox = Outbox.open(self.data_dir, self.settings)
            self._problem = None
        except (OutboxError, KeyStoreError) as e:
            log.error("outbox unavailable: %s", e)
            self.outbox = None
            self._problem = str(e)

    def store(self, submission: Submission) -> None:
        if self.outbox is None:
            self._open()
        if self.outbox is None:
            raise StoreFailed(self._problem or "outbox unavailable")
        try:
            self.outbox.enqueue(submission)
        except OutboxError as e:
            log.error("could not queue %s: %s", submission.id, e)
            raise StoreFailed(str(e)) from e

    def waiting(self) -> int | None:
        if self.outbox is None:
            return None
        try:
            return self.outbox.counts().get("queued", 0)
        except OutboxError:
            log.exception("outbox count failed")
            return None

    def close(self) -> None:
        if self.outbox is not None:
            self.outbox.close()
            self.outbox = None
