"""A fault-injecting back-office: protocol v1 over real HTTP on loopback.

It stores correctly (idempotent by id and bytes, references that never
change) and misbehaves on demand, either scripted request by request
(``script("submission", "500_after", "drop")``) or at random with a seeded
generator (``fault_rate=0.3, seed=7``). Every request is recorded.

Faults (each applies to the request kinds that make sense for it):

=================  =====================================================
``500_before``     500, nothing stored
``500_after``      stores, then answers 500 (the retry must get a 200 replay)
``drop``           closes the connection without an answer, nothing stored
``drop_after``     stores, then closes without an answer
``portal``         200 with an HTML login page (a captive portal)
``503`` ``429``    with ``Retry-After: <seconds>``
``503_date``       503 with ``Retry-After: <HTTP date>``
``503_plain``      503 without ``Retry-After``
``slow``           answers properly after ``slow_s`` (past the read timeout)
``401`` ``403``    token refused
``409``            conflict
``413``            too large
``400``            malformed
``422_missing``    forgets the submission's attachments and says they are missing
``422_invalid``    refused on its content, with details
``422_digest``     attachment body does not match its digest (attachments)
``garbage``        200 with an unparseable body, nothing stored
``garbage_after``  stores, then 200 with an unparseable body
``wrong_id``       200 JSON acknowledging another id, nothing stored
=================  =====================================================
"""

from __future__ import annotations

import contextlib
import hashlib
import random
import socket
import threading
import time
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from kiosk import protocol
from kiosk.submission import AttachmentBlob, Submission, new_local_reference

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "procedures" / "examples"

KINDS = ("health", "head", "attachment", "submission", "status", "other")

_COMMON = {
    "500_before",
    "drop",
    "portal",
    "503",
    "503_date",
    "503_plain",
    "429",
    "slow",
    "401",
    "403",
}
APPLICABLE: dict[str, set[str]] = {
    "health": _COMMON,
    "head": _COMMON,
    "attachment": _COMMON | {"500_after", "drop_after", "413", "400", "422_digest"},
    "submission": _COMMON
    | {
        "500_after",
        "drop_after",
        "409",
        "413",
        "400",
        "422_missing",
        "422_invalid",
        "garbage",
        "garbage_after",
        "wrong_id",
    },
    "status": _COMMON,
    "other": set(),
}

# Faults that never make an item permanently fail: a kiosk facing only
# these must deliver everything, exactly once.
RECOVERABLE = (
    "500_before",
    "500_after",
    "drop",
    "drop_after",
    "portal",
    "503",
    "503_date",
    "503_plain",
    "429",
    "422_missing",
    "422_digest",
    "garbage",
    "garbage_after",
    "wrong_id",
)

PORTAL_HTML = (
    b"<!doctype html><html><head><title>Wi-Fi Mairie</title></head>"
    b"<body><form>Accept the terms to connect</form></body></html>"
)


@dataclass(frozen=True)
class Recorded:
    kind: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    fault: str | None
    status: int | None  # None: the connection was dropped


@dataclass(frozen=True)
class Stored:
    body: bytes
    reference: str
    received_at: str
    sent_at: str | None


@dataclass
class _Reply:
    status: int | None
    body: bytes = b""
    content_type: str = protocol.JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def _json(status: int, document: Any, **headers: str) -> _Reply:
    return _Reply(status, protocol.canonical_json(document), headers=dict(headers))


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so server_close() joins every handler thread
    block_on_close = True

    def __init__(self, owner: FaultServer) -> None:
        self.owner = owner
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.owner.errors.append(f"handler error from {client_address}")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    timeout = 10  # an idle keep-alive connection ends by itself
    disable_nagle_algorithm = True  # else delayed ACKs add 40 ms to each answer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.owner._serve(self.command, self.path, dict(self.headers), body)
        if reply.status is None:
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(reply.body)
        except OSError:  # the client gave up (read timeout)
            self.close_connection = True

    do_GET = do_PUT = do_HEAD = do_POST = _handle


class FaultServer:
    def __init__(
        self,
        *,
        token: str = "test-token",
        fault_rate: float = 0.0,
        seed: int = 0,
        random_faults: Iterable[str] = RECOVERABLE,
        slow_s: float = 1.0,
        retry_after: str = "1",
        max_body_bytes: int = 1 << 22,
    ) -> None:
        self.token = token
        self.fault_rate = fault_rate
        self.random_faults = tuple(random_faults)
        self.slow_s = slow_s
        self.retry_after = retry_after
        self.max_body_bytes = max_body_bytes
        self.submissions: dict[str, Stored] = {}
        self.attachments: dict[str, bytes] = {}
        self.requests: list[Recorded] = []  # answered (or dropped), in order
        self.arrived: list[tuple[str, str, str]] = []  # (kind, method, path) on arrival
        self.errors: list[str] = []
        self._rng = random.Random(seed)
        self._script: dict[str, deque[str]] = defaultdict(deque)
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = 0

    # -- lifetime -------------------------------------------------------------------
    def start(self) -> FaultServer:
        self._httpd = _Server(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="faultserver"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None or self._thread is None:
            return
        self._stopping.set()  # ends "slow" waits at once
        self._httpd.shutdown()
        self._thread.join()
        with self._httpd.sockets_lock:
            open_sockets = list(self._httpd.open_sockets)
        for sock in open_sockets:  # wake handlers blocked on idle keep-alive reads
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- scripting and assertions -------------------------------------------------------
    def script(self, kind: str, *faults: str | None) -> None:
        """The next requests of this kind (or "any") meet these faults, in order.

        ``None`` in the list means "answer that one properly".
        """
        assert kind in (*KINDS, "any"), kind
        for fault in faults:
            assert fault is None or kind == "any" or fault in APPLICABLE[kind], (kind, fault)
        with self._cond:
            self._script[kind].extend(f or "" for f in faults)

    def recorded(self, kind: str | None = None, method: str | None = None) -> list[Recorded]:
        with self._cond:
            return [
                r
                for r in self.requests
                if (kind is None or r.kind == kind) and (method is None or r.method == method)
            ]

    @property
    def stored_count(self) -> int:
        """Submissions stored, counting every store: more than held means a duplicate."""
        return self._counter

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    # -- the protocol ---------------------------------------------------------------------
    @staticmethod
    def _kind(method: str, path: str) -> str:
        if path == protocol.HEALTH_PATH:
            return "health"
        if path.startswith("/v1/attachments/"):
            return "head" if method == "HEAD" else "attachment"
        if path.startswith("/v1/submissions/"):
            return "submission" if method == "PUT" else "status"
        return "other"

    def _pick_fault(self, kind: str) -> str | None:
        for key in (kind, "any"):
            queue = self._script.get(key)
            if queue:
                return queue.popleft() or None
        if self.fault_rate and self._rng.random() < self.fault_rate:
            choices = [f for f in self.random_faults if f in APPLICABLE[kind]]
            if choices:
                return self._rng.choice(choices)
        return None

    def _serve(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Reply:
        kind = self._kind(method, path)
        with self._cond:
            fault = self._pick_fault(kind)
            self.arrived.append((kind, method, path))
            self._cond.notify_all()
        if fault == "slow":
            self._stopping.wait(self.slow_s)
        with self._cond:
            reply = self._answer(kind, method, path, headers, body, fault)
            self.requests.append(Recorded(kind, method, path, headers, body, fault, reply.status))
            self._cond.notify_all()
        return reply

    def _retry_after_headers(self, fault: str) -> dict[str, str]:
        if fault == "503_date":
            when = datetime.now(UTC) + timedelta(seconds=float(self.retry_after))
            return {"Retry-After": format_datetime(when, usegmt=True)}
        if fault == "503_plain":
            return {}
        return {"Retry-After": self.retry_after}

    def _answer(
        self,
        kind: str,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        fault: str | None,
    ) -> _Reply:
        # Faults that come before the server looks at the request.
        if fault in ("drop",):
            return _Reply(None)
        if fault == "500_before":
            return _json(500, {"error": "internal"})
        if fault == "portal":
            return _Reply(200, PORTAL_HTML, "text/html; charset=utf-8")
        if fault in ("503", "503_date", "503_plain", "429"):
            status = 429 if fault == "429" else 503
            return _json(status, {"error": "busy"}, **self._retry_after_headers(fault))
        if fault in ("401", "403"):
            # Like the reference receiver: "protocol": 1 tells it from a portal's page.
            return _json(int(fault), {"error": "token refused", "protocol": 1})
        if fault in ("409", "413", "400"):
            return _json(int(fault), {"error": {"409": "conflict"}.get(fault, "refused")})
        if fault == "422_invalid":
            details = [{"field": "date_naissance", "message": "date in the future"}]
            return _json(422, {"error": "invalid", "details": details})
        if fault == "422_digest":
            return _json(422, {"error": "digest_mismatch"})
        if fault == "garbage":
            return _Reply(200, b"\x00{not json", "application/json")
        if fault == "wrong_id":
            return _json(200, {"id": "00000000-0000-4000-8000-000000000000", "reference": "X"})
        if fault == "422_missing":
            wanted = self._forget_attachments(body)
            return _json(422, {"error": "missing_attachments", "missing": wanted})

        if headers.get("Authorization") != f"Bearer {self.token}":
            return _json(401, {"error": "unauthorized", "protocol": 1})
        reply = self._protocol(kind, method, path, headers, body)
        stored = reply.status in (200, 201) and kind in ("attachment", "submission")
        if stored and fault in ("500_after", "drop_after", "garbage_after"):
            if fault == "500_after":
                return _json(500, {"error": "internal"})
            if fault == "drop_after":
                return _Reply(None)
            return _Reply(200, b"<html>proxy error</html>", "text/html")
        return reply

    def _forget_attachments(self, body: bytes) -> list[str]:
        document = protocol.parse_json_object(body) or {}
        shas = [a.get("sha256", "") for a in document.get("attachments") or []]
        for sha in shas:
            self.attachments.pop(sha, None)
        return shas or ["0" * 64]

    def _protocol(
        self, kind: str, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> _Reply:
        if kind == "health" and method == "GET":
            return _json(
                200,
                {
                    "protocol": protocol.PROTOCOL_VERSION,
                    "time": datetime.now(UTC).isoformat(timespec="seconds"),
                    "max_body_bytes": self.max_body_bytes,
                },
            )
        if kind in ("head", "attachment"):
            sha = path.rsplit("/", 1)[-1]
            if not protocol.is_sha256(sha):
                return _json(404, {"error": "not_found"})
            if method == "HEAD":
                return _Reply(200 if sha in self.attachments else 404)
            if len(body) > self.max_body_bytes:
                return _json(413, {"error": "too_large"})
            if hashlib.sha256(body).hexdigest() != sha:
                return _json(422, {"error": "digest_mismatch"})
            if sha in self.attachments:
                return _json(200, {"sha256": sha})
            self.attachments[sha] = body
            return _json(201, {"sha256": sha})
        if kind == "submission":
            return self._put_submission(path.rsplit("/", 1)[-1], headers, body)
        if kind == "status":
            sub_id = path.rsplit("/", 1)[-1]
            stored = self.submissions.get(sub_id)
            if stored is None:
                return _json(404, {"error": "not_found"})
            return _json(
                200,
                {
                    "id": sub_id,
                    "reference": stored.reference,
                    "status": "received",
                    "updated_at": stored.received_at,
                },
            )
        return _json(404, {"error": "not_found"})

    def _put_submission(self, sub_id: str, headers: dict[str, str], body: bytes) -> _Reply:
        if not protocol.is_submission_id(sub_id):
            return _json(400, {"error": "bad_id"})
        if len(body) > self.max_body_bytes:
            return _json(413, {"error": "too_large"})
        document = protocol.parse_json_object(body)
        if document is None or document.get("id") != sub_id:
            return _json(400, {"error": "malformed"})
        existing = self.submissions.get(sub_id)
        if existing is not None:
            if existing.body != body:
                return _json(409, {"error": "conflict"})
            return self._ack(200, sub_id, existing)
        missing = [
            a.get("sha256")
            for a in document.get("attachments") or []
            if a.get("sha256") not in self.attachments
        ]
        if missing:
            return _json(422, {"error": "missing_attachments", "missing": missing})
        self._counter += 1
        stored = Stored(
            body=body,
            reference=f"BO-{self._counter:06d}",
            received_at=datetime.now(UTC).isoformat(timespec="seconds"),
            sent_at=headers.get(protocol.SENT_AT_HEADER),
        )
        self.submissions[sub_id] = stored
        return self._ack(201, sub_id, stored)

    @staticmethod
    def _ack(status: int, sub_id: str, stored: Stored) -> _Reply:
        return _json(
            status, {"id": sub_id, "reference": stored.reference, "received_at": stored.received_at}
        )


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, step: float = 0.01) -> bool:
    """Poll a condition owned by another process or thread (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    event = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            return False
        event.wait(step)
    return True


# -- submissions for the tests ---------------------------------------------------------


def make_submission(
    n_attachments: int = 0, *, attachment_size: int = 64, procedure_id: str = "etre-rappele"
) -> Submission:
    """A frozen submission built directly (cheap, for volume tests)."""
    sub_id = str(uuid.uuid4())
    blobs = []
    for i in range(n_attachments):
        data = f"EXEMPLE {sub_id} {i} ".encode() * (attachment_size // 40 + 1)
        data = data[:attachment_size]
        blobs.append(
            AttachmentBlob(
                field=f"piece_{i}",
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                media_type="application/pdf",
                filename=f"exemple-{i}.pdf",
                data=data,
            )
        )
    document = {
        "protocol": protocol.PROTOCOL_VERSION,
        "id": sub_id,
        "procedure": {"id": procedure_id, "version": "2026.11"},
        "created_at": "2026-11-29T10:15:02+01:00",
        "kiosk": {"id": "test-kiosk", "app_version": "0.1.0"},
        "locale": "fr",
        "mode": "self_service",
        "mediator": None,
        "answers": {"nom": "Exemple", "prenoms": "Camille"},
        "attachments": [
            {
                "field": b.field,
                "sha256": b.sha256,
                "size": b.size,
                "media_type": b.media_type,
                "filename": b.filename,
            }
            for b in blobs
        ],
        "consent": None,
    }
    return Submission(
        id=sub_id,
        local_reference=new_local_reference(),
        procedure_id=procedure_id,
        procedure_version="2026.11",
        created_at=document["created_at"],
        mode="self_service",
        body=protocol.canonical_json(document),
        attachments=tuple(blobs),
    )


def example_submission(name: str) -> Submission:
    """A submission from a shipped example, through the same session as the screens."""
    from kiosk.answers_file import play, read_answers_file
    from kiosk.procedure import find_procedure
    from kiosk.session import Session

    answers = read_answers_file(EXAMPLES / f"{name}.json")
    result = play(Session(find_procedure(name.split("--")[0])), answers).result
    assert isinstance(result, Submission), name
    return result
