"""The sync engine: sends the outbox's items to the back-office (protocol v1).

At-least-once delivery plus the server's idempotency gives exactly-once:
an item is *sent* only once the syncer holds a proper acknowledgement, and
every retry sends the same frozen bytes. Every status row of the protocol's
tables is handled here; anything unexpected is a transient failure, retried
with full-jitter backoff, never a delivery and never a drop.

Qt-free. A ``Syncer`` and the ``Outbox`` it drives belong to one thread
(one SQLite connection per thread): ``SyncThread`` opens its own outbox.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests

from kiosk import __version__, protocol
from kiosk.bundles import ProcedureUpdates
from kiosk.clock import rfc3339
from kiosk.heartbeat import Heartbeat
from kiosk.transport import RequestFailed, Transport

if TYPE_CHECKING:
    from types import TracebackType

    from kiosk.config import Settings
    from kiosk.outbox import AttachmentMeta, Outbox, OutboxItem

log = logging.getLogger(__name__)

__all__ = [
    "AUTH_PAUSE_PREFIX",
    "EXIT_AUTH",
    "EXIT_IDLE",
    "EXIT_NEEDS_PERSON",
    "EXIT_QUEUED",
    "EXIT_SET_ASIDE",
    "MAX_ANSWER_BYTES",
    "NO_SERVER_URL",
    "SyncConfigError",
    "SyncError",
    "SyncLoop",
    "SyncReport",
    "SyncThread",
    "Syncer",
    "check_server_url",
    "full_jitter_delay",
]

# Exit codes of ``kiosk sync`` (and ``SyncReport.exit_code``), most urgent first.
EXIT_IDLE = 0  # nothing left to send
EXIT_QUEUED = 3  # items still queued (offline, server failing, timeout reached)
EXIT_AUTH = 4  # the back-office refused the device token (or none is set)
EXIT_NEEDS_PERSON = 5  # items rejected, in conflict, or failing for too long
EXIT_SET_ASIDE = 6  # a damaged queue file was set aside, not recovered (docs/outbox.md)

NO_SERVER_URL = "No back-office address is set: kiosk config set server_url https://…"
# The outbox's pause reason after a 401/403; the device token itself never
# appears in it.
AUTH_PAUSE_PREFIX = "token refused"

# A server repeating "missing_attachments" after we uploaded them is
# misbehaving: re-upload this many times within one attempt, then back off.
MAX_MISSING_ROUNDS = 2
# After this many network-level failures in a row (timeouts, resets), the
# link is probably gone: end the round, and probe again before the next ones.
MAX_NETWORK_FAILURES_IN_A_ROW = 3
#: Ids asked of the outbox at a time in a round (a query on its index, nothing decrypted).
DUE_BATCH = 100
# A Retry-After far in the future (a wrong date, a hostile proxy) is bounded
# so an item is never parked for good.
MAX_RETRY_AFTER_S = 24 * 3600.0
# Protocol answers are small JSON documents; anything larger is refused unread
# (a hostile server's 2 GB Content-Length or endless body must not grow memory).
MAX_ANSWER_BYTES = 1 << 20
# The exponent is bounded so 2**attempt stays a small float.
_MAX_EXPONENT = 60


class SyncError(Exception):
    """The syncer cannot run as configured (a clear sentence, no secret)."""


class SyncConfigError(SyncError):
    pass


@dataclass
class SyncReport:
    """What one round (or several) achieved, and what is left.

    ``exit_code()``: 4 token refused > 6 a damaged queue file set aside, not
    recovered > 5 items need a person > 3 items still queued > 0 nothing left
    to send. A refused token comes first because
    nothing moves until someone fixes it; people-needing items come before
    still-queued ones because the queue will drain by itself, they won't.
    """

    connected: bool | None = None
    sent: int = 0
    transient: int = 0
    rejected: int = 0
    conflict: int = 0
    auth_failed: bool = False
    queued_left: int = 0
    needs_person: int = 0
    #: Damaged queue files set aside and not recovered yet (kiosk.outbox.setaside).
    set_aside: int = 0
    paused: str | None = None
    error: str | None = None  # the round could not run (the outbox failed)

    def exit_code(self) -> int:
        if self.auth_failed:
            return EXIT_AUTH
        if self.set_aside:
            return EXIT_SET_ASIDE
        if self.needs_person:
            return EXIT_NEEDS_PERSON
        if self.queued_left:
            return EXIT_QUEUED
        return EXIT_IDLE

    def add(self, other: SyncReport) -> None:
        """Fold a later round into this report: counters add up, the rest is the latest."""
        self.sent += other.sent
        self.transient += other.transient
        self.rejected += other.rejected
        self.conflict += other.conflict
        self.auth_failed = self.auth_failed or other.auth_failed
        for name in ("connected", "queued_left", "needs_person", "set_aside", "paused", "error"):
            setattr(self, name, getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def full_jitter_delay(
    attempt: int,
    base_s: float,
    cap_s: float,
    rand: Callable[[float, float], float] = random.uniform,
    retry_after_s: float | None = None,
) -> float:
    """``uniform(0, min(cap, base × 2^attempt))``, never below ``Retry-After``."""
    ceiling = min(cap_s, base_s * 2.0 ** min(max(attempt, 0), _MAX_EXPONENT))
    delay = rand(0.0, ceiling)
    if retry_after_s is not None:
        delay = max(delay, min(retry_after_s, MAX_RETRY_AFTER_S))
    return delay


def check_server_url(url: str | None) -> str:
    """The base URL without its trailing slash; HTTPS, or HTTP on loopback only."""
    if not url:
        raise SyncConfigError(NO_SERVER_URL)
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise SyncConfigError(
            f"The back-office address must look like https://host/…, not {url!r}."
        )
    if parts.scheme == "http" and not protocol.is_loopback_host(host):
        raise SyncConfigError(
            "The back-office address must use https:// (plain http:// is only "
            "accepted for this computer itself, for tests)."
        )
    return url.rstrip("/")


class ItemOutcome(StrEnum):
    """How sending one item went, as far as the round is concerned."""

    DONE = "done"  # sent, refused, in conflict or backed off: on to the next item
    NETWORK = "network"  # the network failed: a few of these in a row end the round
    HOLD = "hold"  # the back-office asked to wait (Retry-After): the round ends
    AUTH = "auth"  # the token was refused: the queue pauses


# -- what can go wrong with one item ----------------------------------------------------
class SendFailure(SyncError):
    """One item could not be delivered this time; the subclass says what to do."""


class TransientFailure(SendFailure):
    """Try again later (a network error, a 5xx, a portal's page): back off."""

    def __init__(
        self,
        text: str,
        status: int | None = None,
        *,
        retry_after: float | None = None,
        network: bool = False,
        outcome: str = "transient",
    ) -> None:
        super().__init__(text)
        self.text = text
        self.status = status
        self.retry_after = retry_after
        self.network = network
        self.outcome = outcome


class Rejected(SendFailure):
    """The back-office refused the content: the item needs a person."""

    def __init__(self, status: int, text: str, details: list[dict[str, str]] | None = None):
        super().__init__(text)
        self.status = status
        self.text = text
        self.details = details


class Conflict(SendFailure):
    """The back-office holds other bytes under this id: the item needs a person."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class AuthRefused(SendFailure):
    """The back-office refused the device token: the whole queue pauses."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@dataclass(frozen=True)
class _Response:
    status: int
    headers: Mapping[str, str]
    body: bytes


_STATUS_TEXT = {400: "bad request", 409: "conflict", 413: "too large"}


def _details(value: Any) -> list[dict[str, str]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for entry in value:
        if isinstance(entry, dict):
            out.append(
                {"field": str(entry.get("field", "")), "message": str(entry.get("message", ""))}
            )
    return out


# -- the syncer ---------------------------------------------------------------------
class Syncer:
    """Sends due outbox items, oldest first. Belongs to the thread that made it."""

    def __init__(
        self,
        outbox: Outbox,
        settings: Settings,
        token: str | None,
        *,
        http: requests.Session | None = None,
        now: Callable[[], float] = time.time,
        rand: Callable[[float, float], float] = random.uniform,
        stop_event: threading.Event | None = None,
    ) -> None:
        self.outbox = outbox
        self.settings = settings
        self.base_url = check_server_url(settings.server_url)
        self._token = token
        self._own_http = http is None
        self.http = http if http is not None else requests.Session()
        self._now = now
        self._rand = rand
        self._stop = stop_event if stop_event is not None else threading.Event()
        self._transport = Transport(
            self.http,
            timeout=(float(settings.connect_timeout_s), float(settings.read_timeout_s)),
            deadline_s=float(settings.request_deadline_s),
            max_bytes=MAX_ANSWER_BYTES,
            verify=str(settings.ca_bundle) if settings.ca_bundle else True,
            proxy_url=settings.proxy_url,
            stop_event=self._stop,
        )
        self._base_s = float(settings.backoff_base_s)
        self._cap_s = float(settings.backoff_cap_s)
        self._user_agent = protocol.user_agent(__version__, settings.kiosk_id)
        self._recovered = False
        self.connected: bool | None = None
        self.token_refused: int | None = None  # the probe's 401/403
        self._probe_failures = 0
        self._probe_again_at = 0.0
        self._server_hold_until = 0.0  # Retry-After applies to the whole server
        self._attempted_last_round = 0

    def __repr__(self) -> str:  # never show the token
        return f"Syncer({self.base_url!r})"

    # -- lifetime ---------------------------------------------------------------------
    def close(self) -> None:
        if self._own_http:
            self.http.close()

    def __enter__(self) -> Syncer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def stop(self) -> None:
        """Ask a running round or wait to end soon (from any thread)."""
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def wait(self, seconds: float | None) -> bool:
        """Wait up to ``seconds`` (None: until stopped); True if asked to stop."""
        return self._stop.wait(seconds)

    # -- HTTP ---------------------------------------------------------------------------
    def _headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"User-Agent": self._user_agent}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if extra:
            headers.update(extra)
        return headers

    def _sent_at(self) -> str:
        return rfc3339(datetime.fromtimestamp(self._now()).astimezone())

    def _request(
        self,
        method: str,
        path: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _Response:
        """One request; network failures become ``TransientFailure(network=True)``."""
        try:
            answer = self._transport.request(
                method, self.base_url + path, data=data, headers=self._headers(headers)
            )
        except RequestFailed as e:
            raise TransientFailure(e.text, e.status, network=e.network) from None
        return _Response(answer.status, answer.headers, answer.body)

    def _retry_after(self, response: _Response) -> float | None:
        return protocol.parse_retry_after(
            response.headers.get("Retry-After"), datetime.fromtimestamp(self._now(), UTC)
        )

    def _failure(self, response: _Response, *, what: str) -> Exception:
        """The exception for a status that is not a success of this request."""
        status = response.status
        if status in (401, 403):
            return AuthRefused(status)
        if status in (429, 503):
            return TransientFailure(
                f"HTTP {status}", status, retry_after=self._retry_after(response)
            )
        if status == 400:
            log.error("the back-office found a %s request malformed (HTTP 400): a kiosk bug", what)
            return Rejected(status, "HTTP 400 bad request")
        if status == 413:
            text = "HTTP 413 attachment too large" if what == "attachment" else "HTTP 413 too large"
            return Rejected(status, text)
        return TransientFailure(f"HTTP {status}", status)

    # -- probe --------------------------------------------------------------------------
    def probe(self) -> bool:
        """Is a v1 back-office answering (not a captive portal, proxy or wrong URL)?

        A back-office that refuses the token still answers with ``"protocol": 1``:
        that counts as connected, and ``token_refused`` says so.
        """
        self.token_refused = None
        try:
            response = self._request("GET", protocol.HEALTH_PATH)
        except TransientFailure as e:
            log.info("health probe failed: %s", e.text)
            ok = False
        else:
            ok = protocol.is_backoffice_health(response.status, response.body)
            if not ok and response.status in (401, 403):
                data = protocol.parse_json_object(response.body) or {}
                if data.get("protocol") == protocol.PROTOCOL_VERSION:
                    self.token_refused = response.status
                    ok = True
            if not ok:
                log.info("health probe: HTTP %s is not a back-office answer", response.status)
        regained = ok and self.connected is False
        self.connected = ok
        if ok:
            self._probe_failures = 0
            self._probe_again_at = 0.0
            if regained:
                made = self.outbox.make_all_due(self._now())
                log.info("connection regained: %d item(s) due now", made)
        else:
            self._probe_again_at = self._now() + full_jitter_delay(
                self._probe_failures, self._base_s, self._cap_s, self._rand
            )
            self._probe_failures += 1
        return ok

    # -- rounds -------------------------------------------------------------------------
    def _counts_into(self, report: SyncReport) -> None:
        from kiosk.outbox.setaside import set_aside_files

        counts = self.outbox.counts()
        report.queued_left = counts.get("queued", 0) + counts.get("sending", 0)
        report.needs_person = counts.get("needs_person", 0)
        report.set_aside = len(set_aside_files(self.outbox.db_path.parent))
        report.paused = self.outbox.paused()
        if report.paused and report.paused.startswith(AUTH_PAUSE_PREFIX):
            report.auth_failed = True

    def run_once(self) -> SyncReport:
        """One round: probe, then send every item due now, oldest first."""
        report = SyncReport()
        self._attempted_last_round = 0
        if not self._recovered:
            recovered = self.outbox.recover_interrupted()
            if recovered:
                log.info("%d item(s) interrupted mid-send are queued again", recovered)
            self._recovered = True
        report.connected = self.probe()
        if not self._token:
            log.warning("no device token is set: nothing is sent")
            report.auth_failed = True
            self._counts_into(report)
            return report
        if self.token_refused is not None:
            self._pause_for_auth(self.token_refused)
        if self.outbox.paused():
            self._counts_into(report)
            return report
        if report.connected and self._now() >= self._server_hold_until:
            try:
                self._send_due(report)
            except BaseException:
                # An item may be left "sending": the next round puts it back first.
                self._recovered = False
                raise
        self._counts_into(report)
        return report

    def _pause_for_auth(self, status: int) -> None:
        self.outbox.set_paused(f"{AUTH_PAUSE_PREFIX} (HTTP {status})")
        log.warning("the back-office refused the device token (HTTP %s): queue paused", status)

    def _send_due(self, report: SyncReport) -> None:
        network_failures = 0
        for item_id in self._due_this_round(self._now()):
            if self._stop.is_set():
                break
            item = self.outbox.get(item_id)
            if item.state != "queued" or item.next_attempt_at > self._now():
                continue
            self._attempted_last_round += 1
            outcome = self._send_item(item, report)
            if outcome is ItemOutcome.AUTH:
                break
            if outcome is ItemOutcome.HOLD:
                break
            network_failures = network_failures + 1 if outcome is ItemOutcome.NETWORK else 0
            if network_failures >= MAX_NETWORK_FAILURES_IN_A_ROW:
                # Not marked offline: a successful probe would then make every
                # backed-off item due at once, and a server that times out on
                # sends but answers its health check would never see a backoff.
                log.info("%d network failures in a row: ending the round", network_failures)
                break

    def _due_this_round(self, now: float) -> Iterator[str]:
        """The ids due at the round's start, in queue order, a batch at a time.

        The outbox is asked only for ids (nothing decrypted); each batch starts
        after the last id seen, so an item retried "now" (a zero jitter) waits
        for the next round, as with a snapshot, without holding every id.
        """
        after = None
        while True:
            batch = self.outbox.due_ids(now, DUE_BATCH, after=after)
            yield from batch
            if len(batch) < DUE_BATCH:
                return
            after = batch[-1]

    def _send_item(self, item: OutboxItem, report: SyncReport) -> ItemOutcome:
        """Send one item; how it went, for the round."""
        from kiosk.outbox import OutboxError

        self.outbox.mark_sending(item.id)
        try:
            self._upload_attachments(item, item.attachments, check_first=True)
            reference, status = self._put_submission(item)
        except TransientFailure as e:
            retry_at = self._now() + full_jitter_delay(
                item.attempts, self._base_s, self._cap_s, self._rand, e.retry_after
            )
            self.outbox.record_failure(
                item.id, status=e.status, error=e.text, retry_at=retry_at, outcome=e.outcome
            )
            report.transient += 1
            log.info("item %s: %s; retry in %.1f s", item.id, e.text, retry_at - self._now())
            if e.retry_after is not None:
                self._server_hold_until = self._now() + min(e.retry_after, MAX_RETRY_AFTER_S)
                return ItemOutcome.HOLD
            return ItemOutcome.NETWORK if e.network else ItemOutcome.DONE
        except AuthRefused as e:
            self.outbox.record_auth_failure(item.id, status=e.status)
            self._pause_for_auth(e.status)
            report.auth_failed = True
            return ItemOutcome.AUTH
        except Rejected as e:
            self.outbox.mark_rejected(item.id, status=e.status, error=e.text, details=e.details)
            report.rejected += 1
            log.warning("item %s rejected: %s", item.id, e.text)
            return ItemOutcome.DONE
        except Conflict as e:
            self.outbox.mark_conflict(item.id, status=e.status)
            report.conflict += 1
            log.warning("item %s: the back-office holds other bytes under its id", item.id)
            return ItemOutcome.DONE
        except (OutboxError, KeyError) as e:
            # An unreadable payload must not stop the others; it gets flagged in time.
            log.error("item %s: cannot read it from the outbox (%s)", item.id, type(e).__name__)
            self._backoff_after_bug(item, "cannot read the stored item")
            report.transient += 1
            return ItemOutcome.DONE
        except Exception:
            # A bug must not stop the queue behind this item either (the oldest goes
            # first, so it would be met again every round).
            log.exception("item %s: unexpected error while sending", item.id)
            self._backoff_after_bug(item, "internal error")
            report.transient += 1
            return ItemOutcome.DONE
        self.outbox.mark_sent(item.id, reference, status)
        report.sent += 1
        log.info("item %s sent: %s", item.id, reference)
        return ItemOutcome.DONE

    def _backoff_after_bug(self, item: OutboxItem, error: str) -> None:
        retry_at = self._now() + full_jitter_delay(
            item.attempts, self._base_s, self._cap_s, self._rand
        )
        self.outbox.record_failure(item.id, status=None, error=error, retry_at=retry_at)

    def _upload_attachments(
        self, item: OutboxItem, metas: Iterable[AttachmentMeta], *, check_first: bool
    ) -> None:
        done: set[str] = set()
        for meta in metas:
            if meta.sha256 in done:
                continue
            done.add(meta.sha256)
            path = protocol.ATTACHMENT_PATH.format(sha256=meta.sha256)
            if check_first:
                head = self._request("HEAD", path)
                if head.status == 200:
                    continue
                if head.status != 404:
                    raise self._failure(head, what="attachment")
            data = self.outbox.attachment_data(item.id, meta.sha256)
            response = self._request(
                "PUT",
                path,
                data=data,
                headers={
                    "Content-Type": meta.media_type or "application/octet-stream",
                    protocol.SENT_AT_HEADER: self._sent_at(),
                },
            )
            if response.status in (200, 201):
                continue
            if response.status == 422:
                error = (protocol.parse_json_object(response.body) or {}).get("error")
                if error == "digest_mismatch":
                    raise TransientFailure("attachment digest mismatch", 422)
                raise TransientFailure("HTTP 422", 422)
            raise self._failure(response, what="attachment")

    def _put_submission(self, item: OutboxItem) -> tuple[str, int]:
        path = protocol.SUBMISSION_PATH.format(id=item.id)
        payload = self.outbox.payload(item.id)
        for round_ in range(MAX_MISSING_ROUNDS + 1):
            response = self._request(
                "PUT",
                path,
                data=payload,
                headers={
                    "Content-Type": protocol.JSON_TYPE,
                    protocol.SENT_AT_HEADER: self._sent_at(),
                },
            )
            reference = protocol.acknowledgement(response.status, response.body, item.id)
            if reference is not None:
                return reference, response.status
            if 200 <= response.status < 300:
                raise TransientFailure("not a back-office acknowledgement", response.status)
            if response.status == 409:
                raise Conflict(409)
            if response.status != 422:
                raise self._failure(response, what="submission")
            data = protocol.parse_json_object(response.body) or {}
            error = data.get("error")
            if error == "invalid":
                raise Rejected(422, "HTTP 422 invalid", _details(data.get("details")))
            if error != "missing_attachments":
                raise TransientFailure("HTTP 422", 422)
            missing = data.get("missing")
            wanted = (
                {m for m in missing if isinstance(m, str)} if isinstance(missing, list) else set()
            )
            metas = [m for m in item.attachments if m.sha256 in wanted]
            if not metas or round_ == MAX_MISSING_ROUNDS:
                raise TransientFailure(
                    "attachments still missing", 422, outcome="missing_attachments"
                )
            log.info("item %s: the back-office misses %d attachment(s)", item.id, len(metas))
            self._upload_attachments(item, metas, check_first=False)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- waiting ------------------------------------------------------------------------
    def next_wake(self) -> float | None:
        """When a round next has work (clock of ``now``); None: nothing queued, or paused."""
        if self.outbox.paused() or not self._token:
            return None
        wake = self.outbox.next_wake()
        if wake is None:
            return None
        if self.connected is False:
            wake = max(wake, self._probe_again_at)
        wake = max(wake, self._server_hold_until)
        if self._attempted_last_round == 0 and self.connected:
            # A due item the round did not try (stopped early): don't spin.
            wake = max(wake, self._now() + min(self._base_s, 1.0))
        return wake

    def seconds_to_wait(self) -> float | None:
        wake = self.next_wake()
        return None if wake is None else max(0.0, wake - self._now())

    def wake_early(self) -> None:
        """Forget the probe's backoff (the network is said to be back)."""
        self._probe_again_at = 0.0

    def run_until_idle(self, timeout_s: float | None = None) -> SyncReport:
        """Rounds until nothing queued is left, the token is refused, ``stop()`` or timeout."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        total = SyncReport()
        while True:
            report = self.run_once()
            total.add(report)
            if report.auth_failed or self._stop.is_set():
                break
            delay = self.seconds_to_wait()
            if delay is None:
                break
            if deadline is not None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                delay = min(delay, remaining)
            if delay > 0 and self._stop.wait(delay):
                break
        return total


class SyncLoop:
    """Sync rounds until ``stop()``, in whatever thread calls ``run()``.

    It opens its own ``Outbox`` (one SQLite connection per thread) and
    reports each round through ``on_report``, called in that thread; a round
    that cannot run is reported as a ``SyncReport`` with ``error`` set. The
    other methods only set events, so any thread may call them: ``stop()``
    ends ``run()`` within the read timeout (a request in flight). Both the
    ``SyncThread`` below and the screens' Qt worker drive one.
    """

    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        token: str | None,
        *,
        on_report: Callable[[SyncReport], None] | None = None,
        http_factory: Callable[[], requests.Session] | None = None,
        now: Callable[[], float] = time.time,
        rand: Callable[[float, float], float] = random.uniform,
        idle_poll_s: float | None = None,
        error_retry_s: float = 30.0,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.settings = settings
        self._token = token
        self._on_report = on_report
        self._http_factory = http_factory
        self._now = now
        self._rand = rand
        self._idle_poll_s = idle_poll_s
        self._error_retry_s = error_retry_s
        self._stopping = threading.Event()
        self._woken = threading.Event()
        self._resume = threading.Event()
        self._syncer: Syncer | None = None
        self.updates = ProcedureUpdates.from_settings(data_dir, settings, now=now)
        updates = self.updates
        # The screens may set .heartbeat before run(), with their own fields too.
        self.heartbeat = Heartbeat(now=now, extra=updates.status if updates else None)

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def wake(self) -> None:
        """Run a round now (an item was queued, the network came back)."""
        syncer = self._syncer
        if syncer is not None:
            syncer.wake_early()
        self._woken.set()

    def resume(self) -> None:
        """Lift an authentication pause (a new token was set) and run a round."""
        self._resume.set()
        self._woken.set()

    def set_token(self, token: str | None) -> None:
        self._token = token
        syncer = self._syncer
        if syncer is not None:
            syncer._token = token
        self.resume()

    def stop(self) -> None:
        self._stopping.set()
        self._woken.set()

    def _emit(self, report: SyncReport) -> None:
        if self._on_report is None:
            return
        try:
            self._on_report(report)
        except Exception:
            log.exception("the sync report callback failed")

    def run(self) -> None:
        from kiosk.outbox import Outbox

        try:
            outbox = Outbox.open(self.data_dir, self.settings, now=self._now)
        except Exception as e:
            log.exception("sending cannot open the outbox")
            # Outbox and key-store errors are sentences a mediator can act on.
            self._emit(SyncReport(error=f"cannot open the outbox: {e or type(e).__name__}"))
            return
        try:
            http = self._http_factory() if self._http_factory else None
            try:
                with Syncer(
                    outbox,
                    self.settings,
                    self._token,
                    http=http,
                    now=self._now,
                    rand=self._rand,
                    stop_event=self._stopping,
                ) as syncer:
                    self._syncer = syncer
                    try:
                        self._loop(outbox, syncer)
                    finally:
                        self._syncer = None
            except SyncError as e:
                log.error("sending cannot start: %s", e)
                self._emit(SyncReport(error=str(e)))
            finally:
                if http is not None:
                    http.close()
        finally:
            outbox.close()

    def _loop(self, outbox: Outbox, syncer: Syncer) -> None:
        while not self._stopping.is_set():
            self._woken.clear()
            wait: float | None
            try:
                if self._resume.is_set():
                    self._resume.clear()
                    paused = outbox.paused()
                    if paused and paused.startswith(AUTH_PAUSE_PREFIX):
                        outbox.set_paused(None)
                report = syncer.run_once()
                self.heartbeat.after_round(syncer, outbox, report)
                wait = syncer.seconds_to_wait()
                beat = self.heartbeat.seconds_to_next()
                if self.updates is not None:
                    self.updates.after_round(syncer, report.connected)
                    fetch = self.updates.seconds_to_next()
                    beat = fetch if beat is None else min(beat, fetch)
                if beat is not None:
                    wait = beat if wait is None else min(wait, beat)
            except Exception as e:
                # A full disk or a read-only database: say so, try again later.
                log.exception("sync round failed")
                report = SyncReport(error=f"sync round failed ({type(e).__name__})")
                wait = self._error_retry_s
            self._emit(report)
            if self._stopping.is_set():
                break
            if self._idle_poll_s is not None:
                wait = self._idle_poll_s if wait is None else min(wait, self._idle_poll_s)
            self._woken.wait(wait)


class SyncThread(threading.Thread):
    """A ``SyncLoop`` in a background thread of its own (``kiosk sync``):
    ``SyncThread(SyncLoop(data_dir, settings, token, on_report=…))``.

    It never blocks its caller: ``wake()`` and ``stop()`` only set events;
    ``stop()`` then ``join()`` returns within the read timeout.
    """

    def __init__(self, loop: SyncLoop) -> None:
        super().__init__(name="kiosk-sync", daemon=True)
        check_server_url(loop.settings.server_url)  # fail in the caller, not silently here
        self.loop = loop
        self.data_dir = loop.data_dir

    def __repr__(self) -> str:
        return f"SyncThread({str(self.data_dir)!r})"

    def run(self) -> None:
        self.loop.run()

    def wake(self) -> None:
        self.loop.wake()

    def resume(self) -> None:
        self.loop.resume()

    def set_token(self, token: str | None) -> None:
        self.loop.set_token(token)

    def stop(self) -> None:
        self.loop.stop()
