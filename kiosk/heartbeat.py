"""The kiosk's heartbeat: a few figures to the back-office, so a silent kiosk shows.

``PUT /v1/kiosks/{id}/heartbeat`` (an extension of protocol v1, described in
``docs/protocol.md``) after each sync round that sent something, and at
least every ``interval_s`` otherwise (5 minutes by default). Each field is
optional; nothing personal is ever in it. A back-office without the
endpoint answers 404: the kiosk then stops sending it until restarted.

Qt-free. ``SyncLoop`` calls ``Heartbeat.after_round`` once per round; the
screens may give ``extra`` (printer and read-aloud status, the procedure
set's version) as a callable returning a dict, called in the sync thread.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kiosk import __version__, protocol

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.outbox import Outbox

log = logging.getLogger(__name__)


class Transport(Protocol):
    """What a heartbeat needs of the ``Syncer`` (kept as a protocol: the syncer imports us)."""

    settings: Settings

    def _request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any: ...


class RoundReport(Protocol):
    """What a heartbeat reads of a round's ``SyncReport``."""

    connected: bool | None
    auth_failed: bool
    sent: int
    rejected: int
    conflict: int


DEFAULT_INTERVAL_S = 300.0
#: Fields ``extra`` may give; anything else it returns is left out.
EXTRA_FIELDS = ("printer", "read_aloud", "procedure_set_version", "bundle_status")


def heartbeat_document(
    outbox: Outbox,
    *,
    now: float,
    disk_path: Path | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The heartbeat's body: queue figures from the outbox, disk free, app version."""
    counts = outbox.counts()
    oldest = outbox.items("queued", limit=1)
    document: dict[str, Any] = {
        "app_version": __version__,
        "queue_depth": counts.get("queued", 0) + counts.get("sending", 0),
        "oldest_waiting_s": round(max(0.0, now - oldest[0].enqueued_at), 1) if oldest else 0,
        "needs_person": counts.get("needs_person", 0),
    }
    if disk_path is not None:
        with contextlib.suppress(OSError):  # unknown: the field is optional
            document["disk_free_bytes"] = shutil.disk_usage(disk_path).free
    for key in EXTRA_FIELDS:
        value = (extra or {}).get(key)
        if isinstance(value, str) and value:
            document[key] = value[:200]
    return document


class Heartbeat:
    """When to send the heartbeat, and whether the back-office wants it."""

    def __init__(
        self,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        now: Callable[[], float] = time.time,
        extra: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.interval_s = interval_s
        self._now = now
        self._extra = extra
        self._last_sent: float | None = None
        #: True once the back-office answered 404: it has no such endpoint.
        self.unsupported = False

    def send_soon(self) -> None:
        """Something it reports changed: send with the next round (any thread)."""
        self._last_sent = None

    def seconds_to_next(self) -> float | None:
        """How long the sync loop may sleep before the next heartbeat is due."""
        if self.unsupported:
            return None
        if self._last_sent is None:
            return 0.0
        return max(0.0, self._last_sent + self.interval_s - self._now())

    def after_round(self, syncer: Transport, outbox: Outbox, report: RoundReport) -> bool:
        """Send if this round moved something or the interval has passed; True if sent."""
        if self.unsupported or not report.connected or report.auth_failed:
            return False
        moved = report.sent or report.rejected or report.conflict
        if not moved and (self.seconds_to_next() or 0.0) > 0:
            return False
        return self.send(syncer, outbox)

    def send(self, syncer: Transport, outbox: Outbox) -> bool:
        """One heartbeat now; True if the back-office took it. Never raises for HTTP."""
        extra: dict[str, Any] = {}
        if self._extra is not None:
            try:
                extra = self._extra()
            except Exception:
                log.exception("the heartbeat's extra fields failed; sent without them")
        db_path = getattr(outbox, "db_path", None)
        document = heartbeat_document(
            outbox,
            now=self._now(),
            disk_path=Path(db_path).parent if db_path is not None else None,
            extra=extra,
        )
        path = protocol.HEARTBEAT_PATH.format(id=syncer.settings.kiosk_id)
        self._last_sent = self._now()  # a failure waits the interval too
        try:
            response = syncer._request(
                "PUT",
                path,
                data=protocol.canonical_json(document),
                headers={"Content-Type": protocol.JSON_TYPE},
            )
        except Exception as e:  # the network, a timeout: the next round tries again
            log.info("heartbeat not sent: %s", e)
            return False
        if response.status == 404:
            self.unsupported = True
            log.info("the back-office has no heartbeat endpoint: no more heartbeats")
            return False
        if response.status != 200:
            log.info("heartbeat refused: HTTP %s", response.status)
            return False
        return True
