"""The WSGI application: sync protocol v1, the back-office side.

Plain WSGI, standard library only. The ``Store`` (SQLite or PostgreSQL)
is shared by waitress's worker threads; routes are matched with the path
constants of ``kiosk.protocol``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kiosk.protocol import (
    ATTACHMENT_PATH,
    HEALTH_PATH,
    HEARTBEAT_PATH,
    JSON_TYPE,
    PROCEDURE_BUNDLE_PATH,
    PROTOCOL_VERSION,
    SENT_AT_HEADER,
    SUBMISSION_PATH,
    attachment_digests,
    is_sha256,
    is_submission_id,
    parse_json_object,
    submission_problems,
)
from receiver.store import (
    HEARTBEAT_FIELDS,
    Conflict,
    Device,
    QuotaExceeded,
    Store,
    StoreBusy,
    rfc3339,
)

log = logging.getLogger("receiver")

DEFAULT_MAX_BODY_BYTES = 20 * 1024 * 1024
#: Attachments one submission may name (issue 9: 50,000 entries cost a minute).
MAX_ATTACHMENTS = 100
#: A heartbeat is a few hundred bytes.
MAX_HEARTBEAT_BYTES = 16 * 1024

StartResponse = Callable[..., Any]
Environ = dict[str, Any]

_REASONS = {
    200: "OK",
    201: "Created",
    304: "Not Modified",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    429: "Too Many Requests",
    422: "Unprocessable Content",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def route(template: str) -> re.Pattern[str]:
    """A protocol path template (``/v1/submissions/{id}``) as a full-match pattern."""
    parts = re.split(r"\{(\w+)\}", template)
    pattern = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]*)" for i, part in enumerate(parts)
    )
    return re.compile(pattern)


_HEALTH_RE = route(HEALTH_PATH)
_ATTACHMENT_RE = route(ATTACHMENT_PATH)
_SUBMISSION_RE = route(SUBMISSION_PATH)
_HEARTBEAT_RE = route(HEARTBEAT_PATH)
_BUNDLE_RE = route(PROCEDURE_BUNDLE_PATH)

_UNPRINTABLE_RE = re.compile(r"[^\x20-\x7e]")


def loggable(text: str, limit: int = 200) -> str:
    """``text`` safe for one log line: controls and non-ASCII escaped, length capped.

    A path is what a client chose: ``%0a`` in it would otherwise forge a line.
    """
    escaped = _UNPRINTABLE_RE.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
    return escaped if len(escaped) <= limit else escaped[:limit] + "..."


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(
        cls, status: int, document: Any, headers: list[tuple[str, str]] | None = None
    ) -> Response:
        body = json.dumps(document, ensure_ascii=False).encode("utf-8")
        return cls(status, body, [("Content-Type", JSON_TYPE), *(headers or [])])

    @classmethod
    def error(
        cls, status: int, error: str, headers: list[tuple[str, str]] | None = None, **extra: Any
    ) -> Response:
        return cls.json(status, {"error": error, **extra}, headers)


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


class ReceiverApp:
    """``ReceiverApp(store)`` is a WSGI callable."""

    def __init__(self, store: Store, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.store = store
        self.max_body_bytes = max_body_bytes

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET").upper()
        path = environ.get("PATH_INFO", "") or "/"
        shown = f"{loggable(method, 16)} {loggable(path)}"
        try:
            response = self._handle(method, path, environ)
        except _Refusal as refusal:
            response = refusal.response
        except StoreBusy as e:
            # SQLite locked past the busy timeout, PostgreSQL unreachable or
            # the pool exhausted: worth a retry.
            log.warning("%s: database busy (%s)", shown, loggable(str(e)))
            response = Response.error(503, "busy", headers=[("Retry-After", "5")])
        except Exception:
            log.exception("%s: unexpected error", shown)
            response = Response.error(500, "internal")
        log.info("%s %d", shown, response.status)
        body = b"" if method == "HEAD" else response.body
        headers = [*response.headers, ("Content-Length", str(len(body)))]
        if method == "HEAD":
            headers = [(k, v) for k, v in headers if k != "Content-Type"]
        start_response(f"{response.status} {_REASONS.get(response.status, '')}".rstrip(), headers)
        return [body]

    # -- routing -----------------------------------------------------------------
    def _handle(self, method: str, path: str, environ: Environ) -> Response:
        device = self._authenticate(environ)
        allowed: tuple[str, ...]
        match: re.Match[str] | None = None
        if _HEALTH_RE.fullmatch(path) or (match := _BUNDLE_RE.fullmatch(path)):
            allowed = ("GET",)
        elif match := _ATTACHMENT_RE.fullmatch(path):
            allowed = ("HEAD", "PUT")
        elif match := _SUBMISSION_RE.fullmatch(path):
            allowed = ("GET", "PUT")
        elif match := _HEARTBEAT_RE.fullmatch(path):
            allowed = ("PUT",)
        else:
            return Response.error(404, "not_found")
        if method not in allowed:
            return Response.error(
                405, "method_not_allowed", headers=[("Allow", ", ".join(allowed))]
            )
        if match is None:
            return self._health()
        if match.re is _BUNDLE_RE:
            return self._get_bundle(environ)
        if match.re is _ATTACHMENT_RE:
            digest = match["sha256"]
            if method == "HEAD":
                return self._head_attachment(digest)
            return self._put_attachment(digest, environ, device)
        if match.re is _HEARTBEAT_RE:
            return self._put_heartbeat(match["id"], environ, device)
        submission_id = match["id"]
        if method == "GET":
            return self._get_submission(submission_id, device)
        return self._put_submission(submission_id, environ, device)

    def _authenticate(self, environ: Environ) -> Device:
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").strip().partition(" ")
        token = token.strip()
        # The 401/403 bodies say "protocol": 1 so a kiosk can tell "the
        # back-office refuses my token" from a captive portal's page.
        unauthorized = Response.json(
            401,
            {"error": "unauthorized", "protocol": PROTOCOL_VERSION},
            [("WWW-Authenticate", 'Bearer realm="kiosk-receiver"')],
        )
        if environ.get(EARLY_REFUSAL_KEY) or scheme.lower() != "bearer" or not token:
            raise _Refusal(unauthorized)
        device = self.store.device_for_token(token)
        if device is None:
            raise _Refusal(unauthorized)
        if device.revoked:
            log.warning("refused a revoked token of kiosk %s", device.kiosk_id)
            raise _Refusal(Response.json(403, {"error": "revoked", "protocol": PROTOCOL_VERSION}))
        return device

    def _read_body(self, environ: Environ) -> bytes:
        raw_length = environ.get("CONTENT_LENGTH") or ""
        if not raw_length.isdigit():
            raise _Refusal(Response.error(400, "malformed", message="Content-Length is required"))
        length = int(raw_length)
        if length > self.max_body_bytes:
            raise _Refusal(Response.error(413, "too_large", max_body_bytes=self.max_body_bytes))
        body: bytes = environ["wsgi.input"].read(length)
        if len(body) != length:
            raise _Refusal(Response.error(400, "malformed", message="body shorter than announced"))
        return body

    @staticmethod
    def _parse(body: bytes) -> dict[str, Any] | None:
        """A JSON object, or None; too deeply nested JSON is a 400, not a crash."""
        try:
            return parse_json_object(body)
        except RecursionError:
            raise _Refusal(
                Response.error(400, "malformed", message="the JSON is nested too deeply")
            ) from None

    # -- endpoints ---------------------------------------------------------------
    def _health(self) -> Response:
        return Response.json(
            200,
            {
                "protocol": PROTOCOL_VERSION,
                "time": rfc3339(self.store.clock()),
                "max_body_bytes": self.max_body_bytes,
            },
        )

    @staticmethod
    def _check_digest(digest: str) -> None:
        if not is_sha256(digest):
            raise _Refusal(
                Response.error(400, "malformed", message="the path needs a lowercase hex SHA-256")
            )

    def _head_attachment(self, digest: str) -> Response:
        self._check_digest(digest)
        return Response(200 if self.store.has_attachment(digest) else 404)

    def _put_attachment(self, digest: str, environ: Environ, device: Device) -> Response:
        self._check_digest(digest)
        body = self._read_body(environ)
        if hashlib.sha256(body).hexdigest() != digest:
            log.warning("attachment %s from %s: digest mismatch", digest, device.kiosk_id)
            return Response.error(422, "digest_mismatch")
        media_type = (environ.get("CONTENT_TYPE") or "").strip()[:200] or "application/octet-stream"
        try:
            created = self.store.put_attachment(digest, body, media_type, device.kiosk_id)
        except QuotaExceeded:
            log.warning(
                "attachment %s from %s: over the unreferenced quota", digest, device.kiosk_id
            )
            return Response.error(
                413,
                "quota_exceeded",
                message="too many uploaded attachments that no submission names yet",
            )
        return Response.json(201 if created else 200, {"sha256": digest, "size": len(body)})

    @staticmethod
    def _check_id(submission_id: str) -> None:
        # Lowercase only: one submission, one spelling of its id (a kiosk
        # writes str(uuid4()), which is lowercase).
        if not (is_submission_id(submission_id) and submission_id == submission_id.lower()):
            raise _Refusal(
                Response.error(400, "malformed", message="the path needs a lowercase UUID")
            )

    def _get_submission(self, submission_id: str, device: Device) -> Response:
        self._check_id(submission_id)
        record = self.store.find_submission(submission_id)
        # Another kiosk's submission is not this device's business: as unknown.
        if record is None or record.kiosk_id != device.kiosk_id:
            return Response.error(404, "not_found")
        return Response.json(200, record.state())

    def _put_submission(self, submission_id: str, environ: Environ, device: Device) -> Response:
        self._check_id(submission_id)
        body = self._read_body(environ)
        received = self.store.clock()
        digest = hashlib.sha256(body).hexdigest()
        # A replay or a conflict is told by the bytes alone, before any check:
        # what was accepted once is answered the same way forever. The store
        # tells them apart as it inserts; a refusal looks for them first.
        document = self._parse(body)
        if document is None:
            details = [{"field": "body", "message": "the body must be a JSON object"}]
        elif (
            isinstance(document.get("attachments"), list)
            and len(document["attachments"]) > MAX_ATTACHMENTS
        ):
            details = [{"field": "attachments", "message": f"at most {MAX_ATTACHMENTS}"}]
        else:
            details = submission_problems(document, submission_id)
        if details:
            if known := self._known(submission_id, digest, device):
                return known
            log.warning(
                "submission %s from %s refused: %s", submission_id, device.kiosk_id, details
            )
            return Response.error(422, "invalid", details=details)
        assert document is not None
        digests = attachment_digests(document)
        missing = self.store.missing_attachments(digests)
        if missing:
            if known := self._known(submission_id, digest, device):
                return known
            return Response.error(422, "missing_attachments", missing=missing)
        sent_at, skew = _skew(environ.get(_environ_key(SENT_AT_HEADER)), received)
        try:
            record, created = self.store.put_submission(
                submission_id,
                body,
                device.kiosk_id,
                kiosk_sent_at=sent_at,
                skew_seconds=skew,
                attachments=digests,
            )
        except Conflict:
            return self._conflict(submission_id, device)
        if created:
            log.info(
                "submission %s from %s stored as %s",
                submission_id,
                device.kiosk_id,
                record.reference,
            )
        return Response.json(201 if created else 200, record.acknowledgement())

    def _get_bundle(self, environ: Environ) -> Response:
        bundle = self.store.latest_bundle()
        if bundle is None:
            return Response.error(404, "not_found")
        version, digest, data = bundle
        headers = [("ETag", f'"{digest}"'), ("X-Bundle-Version", version)]
        if environ.get("HTTP_IF_NONE_MATCH", "").strip() == f'"{digest}"':
            return Response(304, b"", headers)
        return Response(200, data, [("Content-Type", "application/zip"), *headers])

    def _known(self, submission_id: str, digest: str, device: Device) -> Response | None:
        """The answer to a stored id (replay or conflict), or None if it is new."""
        known = self.store.find_submission(submission_id)
        if known is None:
            return None
        if known.body_sha256 != digest:
            return self._conflict(submission_id, device)
        return Response.json(200, known.acknowledgement())

    def _put_heartbeat(self, kiosk_id: str, environ: Environ, device: Device) -> Response:
        if kiosk_id != device.kiosk_id:
            return Response.error(403, "wrong_kiosk", message="a token speaks for its kiosk only")
        length = environ.get("CONTENT_LENGTH") or ""
        if length.isdigit() and int(length) > MAX_HEARTBEAT_BYTES:
            return Response.error(413, "too_large", max_body_bytes=MAX_HEARTBEAT_BYTES)
        document = self._parse(self._read_body(environ))
        if document is None:
            return Response.error(
                422, "invalid", details=[{"field": "body", "message": "must be a JSON object"}]
            )
        details = heartbeat_problems(document)
        if details:
            return Response.error(422, "invalid", details=details)
        last_seen = self.store.record_heartbeat(kiosk_id, document)
        return Response.json(200, {"kiosk_id": kiosk_id, "last_seen": last_seen})

    @staticmethod
    def _conflict(submission_id: str, device: Device) -> Response:
        log.warning("submission %s from %s: conflict (other bytes)", submission_id, device.kiosk_id)
        return Response.error(409, "conflict")


#: Set in the environ by the server when it refused a request on its headers
#: alone (no usable token), before reading its body. It arrives as a header
#: would (waitress builds the environ from them): a client sending it only
#: gets its own request refused.
EARLY_REFUSAL_HEADER = "X_KIOSK_REFUSED_BEFORE_BODY"
EARLY_REFUSAL_KEY = "HTTP_" + EARLY_REFUSAL_HEADER


def heartbeat_problems(document: dict[str, Any]) -> list[dict[str, str]]:
    """What is wrong with a heartbeat's known fields (all optional; others ignored)."""
    problems = []
    for key, types in HEARTBEAT_FIELDS.items():
        value = document.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, types):
            kind = "a string" if types == (str,) else "a number"
            problems.append({"field": key, "message": f"must be {kind} or null"})
        elif isinstance(value, str) and len(value) > 200:
            problems.append({"field": key, "message": "at most 200 characters"})
        elif isinstance(value, int | float) and not 0 <= value < 2**62:
            problems.append({"field": key, "message": "must be zero or more"})
    return problems


def _environ_key(header: str) -> str:
    return "HTTP_" + header.upper().replace("-", "_")


def _skew(sent_at: str | None, received: datetime) -> tuple[str | None, float | None]:
    """The kiosk's sent-at header and server time − kiosk time, in seconds."""
    if not sent_at:
        return None, None
    sent_at = sent_at.strip()[:64]
    try:
        sent = datetime.fromisoformat(sent_at)
    except ValueError:
        log.warning("ignored an unreadable %s header: %r", SENT_AT_HEADER, sent_at)
        return None, None
    if sent.tzinfo is None:
        log.warning("ignored a %s header without an offset: %r", SENT_AT_HEADER, sent_at)
        return None, None
    return sent_at, round((received - sent).total_seconds(), 3)
