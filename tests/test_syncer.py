"""The syncer against a fault-injecting back-office: every row of protocol v1's tables.

Real HTTP on loopback, a real outbox on a real SQLite file, an injected clock
(``Clock``) and random source; nothing sleeps a fixed time.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from kiosk import __version__
from kiosk.config import Settings
from kiosk.outbox import Outbox
from kiosk.syncer import (
    EXIT_AUTH,
    EXIT_IDLE,
    EXIT_NEEDS_PERSON,
    EXIT_QUEUED,
    MAX_RETRY_AFTER_S,
    NO_SERVER_URL,
    SyncConfigError,
    Syncer,
    SyncReport,
    check_server_url,
    full_jitter_delay,
)
from tests.faultserver import FaultServer, Stored, example_submission, make_submission

TOKEN = "test-token"
KEY = bytes(range(32))
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d")
ACK_ERROR = "not a back-office acknowledgement"


class Clock:
    """The syncer's and the outbox's ``now``, moved by hand."""

    def __init__(self) -> None:
        self.t = time.time()

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def highest(lo: float, hi: float) -> float:
    return hi


def lowest(lo: float, hi: float) -> float:
    return lo


def enqueue_in_order(outbox: Outbox, clock: Clock, *submissions: Any) -> list[Any]:
    """Enqueue with distinct times: the outbox orders by time, then by (random) id."""
    items = []
    for submission in submissions:
        items.append(outbox.enqueue(submission))
        clock.advance(0.001)
    return items


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(token=TOKEN, slow_s=0.8) as s:
        yield s


@pytest.fixture
def outbox(tmp_path: Any, clock: Clock) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.sqlite3", KEY, now=clock) as ob:
        yield ob


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "server_url": url,
        "kiosk_id": "test-kiosk",
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 0.5,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def make_syncer(
    outbox: Outbox, server: FaultServer, clock: Clock
) -> Iterator[Callable[..., Syncer]]:
    made: list[Syncer] = []

    def make(
        token: str | None = TOKEN,
        rand: Callable[[float, float], float] = highest,
        http: requests.Session | None = None,
        **overrides: Any,
    ) -> Syncer:
        syncer = Syncer(
            outbox, settings_for(server.url, **overrides), token, now=clock, rand=rand, http=http
        )
        made.append(syncer)
        return syncer

    yield make
    for syncer in made:
        syncer.close()


# -- the happy path and what every request carries ----------------------------------------


def test_example_with_attachments_is_sent_attachments_first(outbox, server, make_syncer):
    submission = example_submission("carte-grise-duplicata")
    assert submission.attachments
    item = outbox.enqueue(submission)

    report = make_syncer().run_once()

    assert report == SyncReport(connected=True, sent=1)
    assert report.exit_code() == EXIT_IDLE
    stored = server.submissions[item.id]
    assert stored.body == submission.body  # the frozen bytes, untouched
    done = outbox.get(item.id)
    assert (done.state, done.server_reference, done.last_status) == ("sent", stored.reference, 201)
    for blob in submission.attachments:
        assert server.attachments[blob.sha256] == blob.data

    methods = [(r.kind, r.method) for r in server.requests]
    n = len(submission.attachments)
    assert methods == [
        ("health", "GET"),
        *[("head", "HEAD"), ("attachment", "PUT")] * n,
        ("submission", "PUT"),
    ]
    for r in server.requests:
        assert r.headers["Authorization"] == f"Bearer {TOKEN}"
        assert r.headers["User-Agent"] == f"kiosk/{__version__} (test-kiosk)"
    puts = server.recorded(method="PUT")
    for r in puts:
        assert RFC3339.fullmatch(r.headers["X-Kiosk-Sent-At"]), r.headers["X-Kiosk-Sent-At"]
    media_types = {b.sha256: b.media_type for b in submission.attachments}
    for r in server.recorded("attachment"):
        assert r.headers["Content-Type"] == media_types[r.path.rsplit("/", 1)[-1]]
    assert puts[-1].headers["Content-Type"] == "application/json"
    assert stored.sent_at == puts[-1].headers["X-Kiosk-Sent-At"]


def test_attachment_the_server_holds_is_not_uploaded_again(outbox, server, make_syncer):
    first, second = make_submission(1), make_submission(0)
    shared = first.attachments[0]
    server.attachments[shared.sha256] = shared.data
    outbox.enqueue(first)
    outbox.enqueue(second)

    assert make_syncer().run_once().sent == 2
    assert server.recorded("attachment") == []
    assert [r.status for r in server.recorded("head")] == [200]


def test_items_go_oldest_first(outbox, server, make_syncer, clock):
    ids = []
    for _ in range(5):
        ids.append(outbox.enqueue(make_submission()).id)
        clock.advance(1)
    make_syncer().run_once()
    sent_order = [r.path.rsplit("/", 1)[-1] for r in server.recorded("submission")]
    assert sent_order == ids


# -- transient failures: backed off, then delivered exactly once -------------------------


@pytest.mark.parametrize(
    ("fault", "error", "stored_by_failure"),
    [
        ("500_before", "HTTP 500", False),
        ("500_after", "HTTP 500", True),  # the retry must get a 200 replay
        ("drop", "connection reset", False),
        ("drop_after", "connection reset", True),
        ("portal", ACK_ERROR, False),
        ("garbage", ACK_ERROR, False),
        ("garbage_after", ACK_ERROR, True),
        ("wrong_id", ACK_ERROR, False),
        ("503_plain", "HTTP 503", False),
        ("slow", "timeout", True),
    ],
)
def test_transient_failure_then_delivered_once(
    outbox, server, make_syncer, clock, fault, error, stored_by_failure
):
    item = outbox.enqueue(make_submission(1))
    server.script("submission", fault)
    syncer = make_syncer()

    report = syncer.run_once()

    assert (report.sent, report.transient, report.exit_code()) == (0, 1, EXIT_QUEUED)
    failed = outbox.get(item.id)
    assert (failed.state, failed.attempts, failed.last_error) == ("queued", 1, error)
    assert failed.next_attempt_at == pytest.approx(clock.t + 0.01)  # base × 2^0, full draw
    assert outbox.attempts_of(item.id)[-1].outcome == "transient"
    if fault == "slow":  # the server stores after the kiosk gave up waiting
        assert server.wait_for(lambda: item.id in server.submissions, timeout=5)
    assert (item.id in server.submissions) == stored_by_failure

    assert syncer.run_once().sent == 0  # not due yet
    clock.advance(1)
    report = syncer.run_once()

    assert (report.sent, report.exit_code()) == (1, EXIT_IDLE)
    done = outbox.get(item.id)
    assert done.state == "sent"
    assert done.server_reference == server.submissions[item.id].reference
    assert done.last_status == (200 if stored_by_failure else 201)
    assert len(server.submissions) == 1


def test_connection_refused_is_transient(outbox, server, make_syncer, clock):
    class RefusingPuts(requests.Session):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if method == "PUT":
                raise requests.ConnectionError("[Errno 111] Connection refused")
            return super().request(method, url, *args, **kwargs)

    item = outbox.enqueue(make_submission())
    with RefusingPuts() as http:
        report = make_syncer(http=http).run_once()
    assert report.transient == 1
    assert outbox.get(item.id).last_error == "connection refused"


def test_network_failures_in_a_row_end_the_round_without_rushing_backoffs(
    outbox, server, make_syncer, clock
):
    items = enqueue_in_order(outbox, clock, *[make_submission() for _ in range(5)])
    server.script("submission", "drop", "drop", "drop")
    syncer = make_syncer(backoff_base_s=300, backoff_cap_s=600)

    report = syncer.run_once()

    assert (report.transient, report.sent) == (3, 0)
    assert [outbox.get(i.id).attempts for i in items] == [1, 1, 1, 0, 0]
    report = syncer.run_once()  # the link is back: the other two go, the three wait
    assert report.sent == 2
    assert [outbox.get(i.id).state for i in items] == ["queued"] * 3 + ["sent"] * 2


def test_unreachable_server_is_not_connected(outbox, clock):
    outbox.enqueue(make_submission())
    with FaultServer() as gone:
        url = gone.url
    with Syncer(outbox, settings_for(url), TOKEN, now=clock) as syncer:
        report = syncer.run_once()
    assert report.connected is False
    assert (report.queued_left, report.exit_code()) == (1, EXIT_QUEUED)


@pytest.mark.parametrize("fault", ["portal", "500_before", "drop", "slow"])
def test_probe_failure_sends_nothing(outbox, server, make_syncer, fault):
    outbox.enqueue(make_submission())
    server.script("health", fault)
    report = make_syncer().run_once()
    assert report.connected is False
    assert report.exit_code() == EXIT_QUEUED
    assert server.recorded("submission") == []


def test_captive_portal_on_every_request_delivers_nothing(outbox, server, make_syncer):
    item = outbox.enqueue(make_submission(1))
    server.script("head", "portal")  # "200": the kiosk believes the file is there
    server.script("submission", "portal")
    report = make_syncer().run_once()
    assert (report.sent, report.transient) == (0, 1)
    assert outbox.get(item.id).state == "queued"


def test_digest_mismatch_on_an_attachment_is_transient(outbox, server, make_syncer, clock):
    item = outbox.enqueue(make_submission(1))
    server.script("attachment", "422_digest")
    syncer = make_syncer()
    assert syncer.run_once().transient == 1
    assert outbox.get(item.id).last_error == "attachment digest mismatch"
    assert server.recorded("submission") == []
    clock.advance(1)
    assert syncer.run_once().sent == 1


@pytest.mark.parametrize("fault", ["500_before", "500_after", "drop", "503_plain"])
def test_attachment_failures_are_transient(outbox, server, make_syncer, clock, fault):
    item = outbox.enqueue(make_submission(2))
    server.script("attachment", fault)
    syncer = make_syncer()
    assert syncer.run_once().transient == 1
    assert server.recorded("submission") == []
    clock.advance(1)
    assert syncer.run_once().sent == 1
    assert outbox.get(item.id).state == "sent"


def test_an_unreadable_item_does_not_block_the_others(outbox, server, make_syncer, clock, tmp_path):
    import sqlite3

    damaged, fine = enqueue_in_order(outbox, clock, make_submission(), make_submission())
    with sqlite3.connect(tmp_path / "outbox.sqlite3") as conn:  # damaged on disk
        conn.execute("UPDATE items SET payload = ? WHERE id = ?", (b"\x01" + bytes(40), damaged.id))
    conn.close()

    report = make_syncer().run_once()

    assert (report.sent, report.transient) == (1, 1)
    assert outbox.get(damaged.id).last_error == "cannot read the stored item"
    assert outbox.get(fine.id).state == "sent"


def test_a_bug_on_one_item_does_not_stop_the_queue(outbox, server, make_syncer, clock):
    class BreaksOnce(requests.Session):
        broken = False

        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if method == "PUT" and not self.broken:
                self.broken = True
                raise RuntimeError("a bug")
            return super().request(method, url, *args, **kwargs)

    first, _ = enqueue_in_order(outbox, clock, make_submission(), make_submission())
    with BreaksOnce() as http:
        syncer = make_syncer(http=http)
        report = syncer.run_once()
        assert (report.transient, report.sent) == (1, 1)
        assert outbox.get(first.id).last_error == "internal error"
        clock.advance(1)
        assert syncer.run_once().sent == 1


def test_an_interrupted_round_puts_its_item_back_next_round(outbox, server, make_syncer):
    class Interrupted(requests.Session):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            if method == "PUT":
                raise KeyboardInterrupt
            return super().request(method, url, *args, **kwargs)

    item = outbox.enqueue(make_submission())
    with Interrupted() as http, pytest.raises(KeyboardInterrupt):
        make_syncer(http=http).run_once()
    assert outbox.get(item.id).state == "sending"
    syncer = make_syncer()
    assert syncer.run_once().sent == 1


# -- missing attachments -------------------------------------------------------------------


def test_missing_attachments_are_uploaded_and_the_submission_retried_at_once(
    outbox, server, make_syncer
):
    item = outbox.enqueue(make_submission(2))
    server.script("submission", "422_missing")  # the server lost both files

    report = make_syncer().run_once()

    assert (report.sent, report.transient) == (1, 0)
    assert outbox.get(item.id).attempts == 1
    assert len(server.recorded("head")) == 2  # the re-upload does not ask first
    assert len(server.recorded("attachment")) == 4
    assert [r.status for r in server.recorded("submission")] == [422, 201]


def test_missing_attachments_reported_by_the_real_check(outbox, server, make_syncer):
    item = outbox.enqueue(make_submission(1))
    server.script("head", "portal")  # says 200: the kiosk skips the upload
    report = make_syncer().run_once()
    assert report.sent == 1
    assert [r.status for r in server.recorded("submission")] == [422, 201]
    assert outbox.get(item.id).state == "sent"


def test_a_server_that_keeps_saying_missing_is_not_looped_on(outbox, server, make_syncer, clock):
    item = outbox.enqueue(make_submission(1))
    server.script("submission", "422_missing", "422_missing", "422_missing", "422_missing")
    syncer = make_syncer()

    report = syncer.run_once()

    assert (report.sent, report.transient) == (0, 1)
    assert len(server.recorded("submission")) == 3  # first try + 2 re-uploads, then back off
    failed = outbox.get(item.id)
    assert (failed.state, failed.last_error) == ("queued", "attachments still missing")
    assert outbox.attempts_of(item.id)[-1].outcome == "missing_attachments"
    clock.advance(1)
    assert syncer.run_once().sent == 1


# -- permanent outcomes: a person must look ------------------------------------------------


def test_conflict_is_flagged_and_never_retried(outbox, server, make_syncer, clock):
    item = outbox.enqueue(make_submission())
    # The server already holds other bytes under this id: a real 409.
    server.submissions[item.id] = Stored(b"{}", "BO-999999", "2026-11-29T10:00:00+00:00", None)
    other = outbox.enqueue(make_submission())
    syncer = make_syncer()

    report = syncer.run_once()

    assert (report.conflict, report.sent, report.needs_person) == (1, 1, 1)
    assert report.exit_code() == EXIT_NEEDS_PERSON
    conflicted = outbox.get(item.id)
    assert (conflicted.state, conflicted.needs_person, conflicted.last_status) == (
        "conflict",
        True,
        409,
    )
    assert outbox.get(other.id).state == "sent"
    clock.advance(10 * 86400)
    outbox.make_all_due()
    syncer.run_once()
    assert len(server.recorded("submission")) == 2  # never sent again by itself


def test_scripted_409(outbox, server, make_syncer):
    item = outbox.enqueue(make_submission())
    server.script("submission", "409")
    assert make_syncer().run_once().conflict == 1
    assert outbox.get(item.id).state == "conflict"


def test_invalid_is_rejected_with_its_details(outbox, server, make_syncer, clock):
    item = outbox.enqueue(make_submission())
    server.script("submission", "422_invalid")
    syncer = make_syncer()

    report = syncer.run_once()

    assert (report.rejected, report.exit_code()) == (1, EXIT_NEEDS_PERSON)
    rejected = outbox.get(item.id)
    assert (rejected.state, rejected.needs_person, rejected.last_status) == ("rejected", True, 422)
    assert rejected.last_error == "HTTP 422 invalid"
    assert rejected.rejection == [{"field": "date_naissance", "message": "date in the future"}]
    clock.advance(86400)
    syncer.run_once()
    assert len(server.recorded("submission")) == 1


def test_bad_request_is_rejected_and_logged_as_a_bug(outbox, server, make_syncer, caplog):
    item = outbox.enqueue(make_submission())
    server.script("submission", "400")
    with caplog.at_level(logging.ERROR, logger="kiosk.syncer"):
        assert make_syncer().run_once().rejected == 1
    assert outbox.get(item.id).state == "rejected"
    assert "kiosk bug" in caplog.text


def test_too_large_submission_is_rejected(outbox, server, make_syncer, clock):
    refused, other = enqueue_in_order(outbox, clock, make_submission(), make_submission())
    server.script("submission", "413")
    report = make_syncer().run_once()
    assert (report.rejected, report.sent) == (1, 1)
    assert outbox.get(refused.id).last_error == "HTTP 413 too large"
    assert outbox.get(refused.id).state == "rejected"
    assert outbox.get(other.id).state == "sent"


def test_too_large_attachment_rejects_the_submission(outbox, server, make_syncer):
    server.max_body_bytes = 200
    item = outbox.enqueue(make_submission(1, attachment_size=1000))
    report = make_syncer().run_once()
    assert report.rejected == 1
    rejected = outbox.get(item.id)
    assert (rejected.state, rejected.last_error) == ("rejected", "HTTP 413 attachment too large")
    assert server.recorded("submission") == []


def test_bad_request_on_an_attachment_rejects_the_submission(outbox, server, make_syncer):
    item = outbox.enqueue(make_submission(1))
    server.script("attachment", "400")
    assert make_syncer().run_once().rejected == 1
    assert outbox.get(item.id).state == "rejected"


def test_a_rejected_item_does_not_block_the_others(outbox, server, make_syncer, clock):
    items = enqueue_in_order(outbox, clock, *[make_submission(1) for _ in range(4)])
    server.script("submission", "422_invalid", "500_before", None, "409")
    report = make_syncer().run_once()
    assert (report.rejected, report.transient, report.sent, report.conflict) == (1, 1, 1, 1)
    assert [outbox.get(i.id).state for i in items] == ["rejected", "queued", "sent", "conflict"]


# -- authentication --------------------------------------------------------------------------


@pytest.mark.parametrize("status", [401, 403])
def test_refused_token_pauses_the_whole_queue(outbox, server, make_syncer, clock, status):
    items = enqueue_in_order(outbox, clock, *[make_submission() for _ in range(3)])
    server.script("submission", str(status))
    syncer = make_syncer()

    report = syncer.run_once()

    assert report.auth_failed and report.exit_code() == EXIT_AUTH
    assert report.sent == 0 and report.queued_left == 3
    assert outbox.paused() == f"token refused (HTTP {status})"
    assert len(server.recorded("submission")) == 1  # the others were not tried
    first = outbox.get(items[0].id)
    assert (first.state, first.last_status) == ("queued", status)
    assert outbox.attempts_of(first.id)[-1].outcome == "auth"

    clock.advance(3600)
    assert syncer.run_once().auth_failed
    assert syncer.next_wake() is None  # nothing to do until someone acts
    assert len(server.recorded("submission")) == 1

    outbox.set_paused(None)  # a new token was set
    report = syncer.run_once()
    assert (report.sent, report.auth_failed, report.exit_code()) == (3, False, EXIT_IDLE)


def test_refused_token_on_the_probe_pauses_the_queue(outbox, server, make_syncer):
    outbox.enqueue(make_submission())
    report = make_syncer(token="not-the-token").run_once()
    assert report.connected is True  # the back-office answered, with "protocol": 1
    assert report.auth_failed and report.exit_code() == EXIT_AUTH
    assert outbox.paused() == "token refused (HTTP 401)"
    assert server.recorded("submission") == []


def test_refused_token_on_an_attachment_pauses_the_queue(outbox, server, make_syncer):
    item = outbox.enqueue(make_submission(1))
    server.script("attachment", "403")
    assert make_syncer().run_once().auth_failed
    assert outbox.get(item.id).state == "queued"
    assert outbox.paused()


def test_no_token_sends_nothing_and_does_not_pause(outbox, server, make_syncer):
    outbox.enqueue(make_submission())
    report = make_syncer(token=None).run_once()
    assert report.auth_failed and report.exit_code() == EXIT_AUTH
    assert outbox.paused() is None
    assert server.recorded("submission") == []
    assert all("Authorization" not in r.headers for r in server.requests)


def test_the_token_never_reaches_a_log_or_the_outbox(outbox, server, make_syncer, caplog):
    secret = "s3cret-device-token-value"
    server.token = secret
    for _ in range(3):
        outbox.enqueue(make_submission(1))
    server.script("submission", "500_before", "drop", "401")
    with caplog.at_level(logging.DEBUG):
        syncer = make_syncer(token=secret)
        syncer.run_once()
    assert secret not in caplog.text
    assert secret not in repr(syncer)
    for item in outbox.items():
        assert secret not in str(item)
        for attempt in outbox.attempts_of(item.id):
            assert secret not in str(attempt)
    assert secret not in str(outbox.paused())


# -- overload: Retry-After ---------------------------------------------------------------------


@pytest.mark.parametrize(("fault", "status"), [("503", 503), ("429", 429), ("503_date", 503)])
def test_retry_after_is_a_floor_and_holds_the_server(
    outbox, server, make_syncer, clock, fault, status
):
    server.retry_after = "120"
    first, second = enqueue_in_order(outbox, clock, make_submission(), make_submission())
    server.script("submission", fault)
    syncer = make_syncer(rand=lowest)  # a zero jitter: only Retry-After counts

    report = syncer.run_once()

    assert report.transient == 1
    failed = outbox.get(first.id)
    assert (failed.last_error, failed.last_status) == (f"HTTP {status}", status)
    assert 115 <= failed.next_attempt_at - clock.t <= 120.5  # an HTTP date has whole seconds
    assert outbox.get(second.id).attempts == 0  # the server asked to wait: nothing more sent
    assert syncer.next_wake() >= clock.t + 115

    clock.advance(60)
    syncer.run_once()
    assert len(server.recorded("submission")) == 1
    clock.advance(61)
    assert syncer.run_once().sent == 2


def test_retry_after_on_an_attachment(outbox, server, make_syncer, clock):
    server.retry_after = "30"
    item = outbox.enqueue(make_submission(1))
    server.script("attachment", "429")
    syncer = make_syncer(rand=lowest)
    syncer.run_once()
    assert outbox.get(item.id).next_attempt_at == pytest.approx(clock.t + 30)
    clock.advance(31)
    assert syncer.run_once().sent == 1


def test_retry_after_only_raises_a_longer_backoff(outbox, server, make_syncer, clock):
    server.retry_after = "1"
    item = outbox.enqueue(make_submission())
    server.script("submission", "503")
    make_syncer(rand=highest, backoff_base_s=10, backoff_cap_s=600).run_once()
    assert outbox.get(item.id).next_attempt_at == pytest.approx(clock.t + 10)


# -- backoff math ------------------------------------------------------------------------------


def test_full_jitter_draws_between_zero_and_the_capped_exponential():
    draws: list[tuple[float, float]] = []

    def rand(lo: float, hi: float) -> float:
        draws.append((lo, hi))
        return hi / 2

    assert full_jitter_delay(0, 5, 600, rand) == 2.5
    assert full_jitter_delay(3, 5, 600, rand) == 20
    assert full_jitter_delay(7, 5, 600, rand) == 300  # 640 capped to 600
    assert full_jitter_delay(10_000, 5, 600, rand) == 300  # no overflow
    assert draws == [(0.0, 5.0), (0.0, 40.0), (0.0, 600.0), (0.0, 600.0)]
    assert full_jitter_delay(0, 5, 600, rand, retry_after_s=30) == 30  # a floor
    assert full_jitter_delay(9, 5, 600, rand, retry_after_s=30) == 300  # not a ceiling
    assert full_jitter_delay(0, 5, 600, rand, retry_after_s=1e12) == MAX_RETRY_AFTER_S


def test_backoff_grows_per_attempt_up_to_the_cap(outbox, server, make_syncer, clock):
    item = outbox.enqueue(make_submission())
    syncer = make_syncer(rand=highest, backoff_base_s=5, backoff_cap_s=600)
    delays = []
    for _ in range(9):
        server.script("submission", "500_before")
        syncer.run_once()
        got = outbox.get(item.id)
        delays.append(round(got.next_attempt_at - clock.t, 6))
        clock.t = got.next_attempt_at
    assert delays == [5, 10, 20, 40, 80, 160, 320, 600, 600]


def test_real_jitter_stays_in_its_window(outbox, server, make_syncer, clock):
    import random

    items = [outbox.enqueue(make_submission()) for _ in range(20)]
    server.script("submission", *["500_before"] * 20)
    make_syncer(rand=random.Random(3).uniform, backoff_base_s=5).run_once()
    delays = [outbox.get(i.id).next_attempt_at - clock.t for i in items]
    assert all(0 <= d <= 5 for d in delays)
    assert len(set(delays)) == 20  # spread out, not a thundering herd


# -- connectivity, start-up, flagging -----------------------------------------------------------


def test_regained_connection_makes_every_item_due(outbox, server, make_syncer, clock):
    items = [outbox.enqueue(make_submission()) for _ in range(3)]
    server.script("submission", "500_before", "500_before", "500_before")
    syncer = make_syncer(backoff_base_s=300, backoff_cap_s=600)
    syncer.run_once()  # all three backed off for 5 minutes
    assert all(outbox.get(i.id).next_attempt_at > clock.t + 100 for i in items)

    server.script("health", "portal")
    assert syncer.run_once().connected is False
    report = syncer.run_once()  # the probe succeeds again

    assert report.connected is True
    assert report.sent == 3


def test_a_first_successful_probe_does_not_rush_backed_off_items(
    outbox, server, make_syncer, clock
):
    item = outbox.enqueue(make_submission())
    server.script("submission", "500_before")
    make_syncer(backoff_base_s=300).run_once()
    fresh = make_syncer(backoff_base_s=300)
    assert fresh.run_once().sent == 0
    assert outbox.get(item.id).attempts == 1


def test_an_item_left_sending_is_queued_again_at_start_up(outbox, server, make_syncer):
    interrupted = outbox.enqueue(make_submission(1))
    stored_then_died = outbox.enqueue(make_submission())
    for item in (interrupted, stored_then_died):
        outbox.mark_sending(item.id)  # the process died here
    # The second one reached the server before the power cut.
    with requests.Session() as http:
        response = http.put(
            f"{server.url}/v1/submissions/{stored_then_died.id}",
            data=outbox.payload(stored_then_died.id),
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        reference = response.json()["reference"]
        response.close()

    report = make_syncer().run_once()

    assert report.sent == 2
    assert outbox.get(stored_then_died.id).server_reference == reference
    assert outbox.get(stored_then_died.id).last_status == 200
    assert len(server.submissions) == 2


def test_flagged_after_a_day_of_failures_and_still_retried(outbox, server, make_syncer, clock):
    item = outbox.enqueue(make_submission())
    syncer = make_syncer(backoff_base_s=5, backoff_cap_s=600)
    for _ in range(3):
        server.script("submission", "500_before")
        syncer.run_once()
        clock.advance(700)
    assert not outbox.get(item.id).needs_person

    clock.advance(24 * 3600)
    server.script("submission", "500_before")
    report = syncer.run_once()

    flagged = outbox.get(item.id)
    assert (flagged.state, flagged.needs_person) == ("queued", True)
    assert (report.needs_person, report.exit_code()) == (1, EXIT_NEEDS_PERSON)
    clock.advance(700)
    report = syncer.run_once()
    assert report.sent == 1
    assert outbox.get(item.id).state == "sent"


# -- configuration ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8765",
        "http://localhost:8765/",
        "http://[::1]:8765",
        "https://guichet.example.fr",
        "https://10.0.0.5/base/",
    ],
)
def test_accepted_addresses(url):
    assert check_server_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://guichet.example.fr", "http://192.168.1.10:8765", "ftp://x", "guichet"]
)
def test_refused_addresses(url):
    with pytest.raises(SyncConfigError):
        check_server_url(url)


def test_no_address_says_how_to_set_one(outbox):
    with pytest.raises(SyncConfigError) as caught:
        Syncer(outbox, Settings(server_url=None, kiosk_id="k"), TOKEN)
    assert str(caught.value) == NO_SERVER_URL


def test_timeouts_and_certificate_checks_come_from_the_settings(outbox, server, make_syncer):
    seen: list[dict[str, Any]] = []

    class Recording(requests.Session):
        def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
            seen.append(kwargs)
            return super().request(method, url, *args, **kwargs)

    with Recording() as http:
        make_syncer(http=http, connect_timeout_s=2, read_timeout_s=7).run_once()
        make_syncer(http=http, ca_bundle="/etc/kiosk/ca.pem").probe()
    assert seen[0]["timeout"] == (2.0, 7.0)
    assert seen[0]["verify"] is True
    assert seen[0]["allow_redirects"] is False
    assert seen[-1]["verify"] == "/etc/kiosk/ca.pem"


# -- reports and exit codes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("report", "code"),
    [
        (SyncReport(), EXIT_IDLE),
        (SyncReport(queued_left=2), EXIT_QUEUED),
        (SyncReport(queued_left=2, needs_person=1), EXIT_NEEDS_PERSON),
        (SyncReport(queued_left=2, needs_person=1, auth_failed=True), EXIT_AUTH),
        (SyncReport(auth_failed=True), EXIT_AUTH),
    ],
)
def test_exit_code_precedence(report, code):
    assert report.exit_code() == code


def test_run_until_idle_sends_everything(outbox, server):
    for _ in range(5):
        outbox.enqueue(make_submission(1))
    server.script("submission", "500_before", "drop", "503_plain")
    with Syncer(outbox, settings_for(server.url), TOKEN) as syncer:
        report = syncer.run_until_idle(timeout_s=20)
    assert (report.sent, report.transient, report.exit_code()) == (5, 3, EXIT_IDLE)
    assert len(server.submissions) == 5


def test_run_until_idle_gives_up_at_its_timeout(outbox):
    outbox.enqueue(make_submission())
    with FaultServer() as gone:
        url = gone.url
    started = time.monotonic()
    with Syncer(outbox, settings_for(url), TOKEN) as syncer:
        report = syncer.run_until_idle(timeout_s=0.5)
    assert time.monotonic() - started < 3
    assert (report.connected, report.queued_left, report.exit_code()) == (False, 1, EXIT_QUEUED)


def test_run_until_idle_stops_at_a_refused_token(outbox, server):
    outbox.enqueue(make_submission())
    with Syncer(outbox, settings_for(server.url), "wrong") as syncer:
        report = syncer.run_until_idle(timeout_s=20)
    assert report.exit_code() == EXIT_AUTH
