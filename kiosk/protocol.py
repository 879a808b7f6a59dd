"""Sync protocol v1: what the kiosk and the back-office agree on.

This module is shared by the kiosk's syncer and the reference receiver,
and is the only part of ``kiosk`` the receiver imports. The contract
itself is described in the project's sync-protocol document.
"""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

PROTOCOL_VERSION = 1

HEALTH_PATH = "/v1/health"
ATTACHMENT_PATH = "/v1/attachments/{sha256}"
SUBMISSION_PATH = "/v1/submissions/{id}"
#: An extension (docs/protocol.md): a receiver without it answers 404.
HEARTBEAT_PATH = "/v1/kiosks/{id}/heartbeat"
#: An extension (docs/protocol.md): the signed procedure bundle; 404 when none.
PROCEDURE_BUNDLE_PATH = "/v1/procedures/bundle"

SENT_AT_HEADER = "X-Kiosk-Sent-At"
JSON_TYPE = "application/json"

SUBMISSION_STATUSES = ("received", "in_review", "accepted", "rejected")

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def canonical_json(document: Any) -> bytes:
    """UTF-8, sorted keys, no spaces, no NaN, non-ASCII written as itself."""
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


def is_loopback_host(host: str) -> bool:
    """Whether plain ``http://`` may be used to reach ``host``: this computer only.

    "localhost" and loopback addresses (127.0.0.0/8, ::1). Other names that
    look local (``demo.localhost``, ``localhost.localdomain``) are not
    trusted: a resolver may send them to another machine, and the device
    token would then cross the network in clear. The settings and the
    syncer both use this one rule, so an address the settings accept is
    one the syncer sends to.
    """
    host = host.strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def user_agent(app_version: str, kiosk_id: str) -> str:
    return f"kiosk/{app_version} ({kiosk_id})"


def is_sha256(value: str) -> bool:
    return bool(_SHA256_RE.fullmatch(value))


def is_submission_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except (ValueError, AttributeError, TypeError):
        return False


def parse_json_object(body: bytes) -> dict[str, Any] | None:
    """A JSON object from a response body, or None for anything else."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def acknowledgement(status: int, body: bytes, submission_id: str) -> str | None:
    """The server reference if this response truly acknowledges the submission.

    Only 200/201 with a JSON body whose ``id`` is the submission's and whose
    ``reference`` is non-empty counts: captive portals answer 200 with HTML.
    """
    if status not in (200, 201):
        return None
    data = parse_json_object(body)
    if data is None or data.get("id") != submission_id:
        return None
    reference = data.get("reference")
    if not isinstance(reference, str) or not reference.strip():
        return None
    return reference


def is_backoffice_health(status: int, body: bytes) -> bool:
    """The health probe reached a v1 back-office (not a portal, proxy or wrong URL)."""
    data = parse_json_object(body)
    return status == 200 and data is not None and data.get("protocol") == PROTOCOL_VERSION


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())


SUBMISSION_MODES = ("assisted", "self_service")


def submission_document(
    *,
    submission_id: str,
    procedure: tuple[str, str],
    created_at: str,
    kiosk: tuple[str, str],
    locale: str,
    mode: str,
    mediator_id: str | None,
    answers: dict[str, Any],
    attachments: list[dict[str, Any]],
    consent: dict[str, Any] | None,
) -> dict[str, Any]:
    """The v1 submission body (before canonical JSON): ``procedure`` is
    (id, version), ``kiosk`` (id, app version). Built here, beside the
    shape check both sides run, so that the two cannot drift apart."""
    return {
        "protocol": PROTOCOL_VERSION,
        "id": submission_id,
        "procedure": {"id": procedure[0], "version": procedure[1]},
        "created_at": created_at,
        "kiosk": {"id": kiosk[0], "app_version": kiosk[1]},
        "locale": locale,
        "mode": mode,
        "mediator": {"id": mediator_id} if mediator_id else None,
        "answers": answers,
        "attachments": attachments,
        "consent": consent,
    }


def _is_rfc3339(value: Any) -> bool:
    if not isinstance(value, str) or "T" not in value:
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def submission_problems(document: Any, submission_id: str | None = None) -> list[dict[str, str]]:
    """What is wrong with a submission body's shape, as ``[{"field", "message"}]``.

    An empty list means the shape is right. ``submission_id`` is the id the
    body is sent under (the URL's), which the body's ``id`` must equal. The
    receiver answers ``422 invalid`` with these; the kiosk can run the same
    check before freezing a submission.
    """
    problems: list[dict[str, str]] = []

    def problem(field: str, message: str) -> None:
        problems.append({"field": field, "message": message})

    if not isinstance(document, dict):
        problem("body", "the body must be a JSON object")
        return problems

    def need_object(key: str, subkeys: tuple[str, ...]) -> None:
        value = document.get(key)
        if not isinstance(value, dict):
            problem(key, "must be an object")
            return
        for sub in subkeys:
            if not _is_text(value.get(sub)):
                problem(f"{key}.{sub}", "must be a non-empty string")

    required = (
        "protocol", "id", "procedure", "created_at", "kiosk", "locale",
        "mode", "mediator", "answers", "attachments", "consent",
    )  # fmt: skip
    missing = [key for key in required if key not in document]
    for key in missing:
        problem(key, "is required")

    if "protocol" not in missing:
        version = document["protocol"]
        if type(version) is not int or version != PROTOCOL_VERSION:
            problem("protocol", f"must be {PROTOCOL_VERSION}")
    if "id" not in missing:
        body_id = document["id"]
        if not isinstance(body_id, str) or not is_submission_id(body_id):
            problem("id", "must be a UUID")
        elif submission_id is not None and body_id != submission_id:
            problem("id", "differs from the id in the URL")
    if "procedure" not in missing:
        need_object("procedure", ("id", "version"))
    if "created_at" not in missing and not _is_rfc3339(document["created_at"]):
        problem("created_at", "must be an RFC 3339 date-time with an offset")
    if "kiosk" not in missing:
        need_object("kiosk", ("id", "app_version"))
    if "locale" not in missing and not _is_text(document["locale"]):
        problem("locale", "must be a non-empty string")
    mode = document.get("mode")
    if "mode" not in missing and mode not in SUBMISSION_MODES:
        problem("mode", "must be one of: " + ", ".join(SUBMISSION_MODES))
    if "mediator" not in missing:
        mediator = document["mediator"]
        if mode == "self_service" and mediator is not None:
            problem("mediator", "must be null in self_service mode")
        elif mode == "assisted" or mediator is not None:
            if not isinstance(mediator, dict):
                problem("mediator", "must be an object with an id in assisted mode")
            elif not _is_text(mediator.get("id")):
                problem("mediator.id", "must be a non-empty string")
    if "answers" not in missing and not isinstance(document["answers"], dict):
        problem("answers", "must be an object")
    if "attachments" not in missing:
        attachments = document["attachments"]
        if not isinstance(attachments, list):
            problem("attachments", "must be a list")
        else:
            for i, item in enumerate(attachments):
                where = f"attachments[{i}]"
                if not isinstance(item, dict):
                    problem(where, "must be an object")
                    continue
                for key in ("field", "media_type", "filename"):
                    if not _is_text(item.get(key)):
                        problem(f"{where}.{key}", "must be a non-empty string")
                digest = item.get("sha256")
                if not isinstance(digest, str) or not is_sha256(digest):
                    problem(f"{where}.sha256", "must be a lowercase hex SHA-256")
                size = item.get("size")
                if type(size) is not int or size < 0:
                    problem(f"{where}.size", "must be a non-negative integer")
    if "consent" not in missing:
        consent = document["consent"]
        if not isinstance(consent, dict):
            problem("consent", "must be an object")
        else:
            if not _is_text(consent.get("text_id")):
                problem("consent.text_id", "must be a non-empty string")
            if not _is_rfc3339(consent.get("accepted_at")):
                problem("consent.accepted_at", "must be an RFC 3339 date-time with an offset")
    return problems


def attachment_digests(document: dict[str, Any]) -> list[str]:
    """The SHA-256 digests a (well-shaped) submission references, once each, in order."""
    digests: dict[str, None] = {}  # a dict keeps the order; a list made this quadratic
    for item in document.get("attachments") or []:
        digest = item.get("sha256") if isinstance(item, dict) else None
        if isinstance(digest, str):
            digests.setdefault(digest)
    return list(digests)
