"""Sync protocol v1: what the kiosk and the back-office agree on.

This module is shared by the kiosk's syncer and the reference receiver,
and is the only part of ``kiosk`` the receiver imports. The contract
itself is described in the project's sync-protocol document.
"""

from __future__ import annotations

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

SENT_AT_HEADER = "X-Kiosk-Sent-At"
JSON_TYPE = "application/json"

SUBMISSION_STATUSES = ("received", "in_review", "accepted", "rejected")

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def canonical_json(document: Any) -> bytes:
    """UTF-8, sorted keys, no spaces, no NaN, non-ASCII written as itself."""
    return json.dumps(
        document, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    ).encode("utf-8")


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
