"""Frozen submissions, canonical JSON and local references.

A submission is serialised once, at finalization, into canonical JSON
(protocol v1: UTF-8, sorted keys, no spaces, no NaN, non-ASCII as itself).
Those bytes are what the outbox stores and what every retry sends.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from dataclasses import dataclass
from typing import Any

from kiosk.protocol import PROTOCOL_VERSION, canonical_json

__all__ = [
    "PROTOCOL_VERSION",
    "AttachmentBlob",
    "Submission",
    "TrainingSubmission",
    "canonical_json",
    "new_local_reference",
    "normalise_reference",
]


# Crockford's base32: no I, L, O, U, so nothing is misread aloud or by hand.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Check symbols 32-36 of Crockford's mod-37 check.
_CHECK_EXTRA = "*~$=U"
_DECODE = {c: i for i, c in enumerate(_ALPHABET)} | {"I": 1, "L": 1, "O": 0}
_REFERENCE_CHARS = 8


def _check_symbol(value: int) -> str:
    return (_ALPHABET + _CHECK_EXTRA)[value % 37]


def new_local_reference() -> str:
    """Eight Crockford base32 characters and a check character: ``K7F3-Q9M2-X``.

    Crockford's check is the value modulo 37; five of those 37 symbols
    (``*~$=U``) are hard to read aloud, so such draws are drawn again.
    """
    while True:
        value = secrets.randbits(5 * _REFERENCE_CHARS)
        if value % 37 < 32:
            break
    chars = "".join(_ALPHABET[(value >> (5 * i)) & 31] for i in reversed(range(_REFERENCE_CHARS)))
    return f"{chars[:4]}-{chars[4:]}-{_check_symbol(value)}"


def normalise_reference(typed: str) -> str | None:
    """A reference as a person typed or dictated it, checked; None when wrong."""
    s = typed.strip().upper().replace("-", "").replace(" ", "")
    if len(s) != _REFERENCE_CHARS + 1:
        return None
    value = 0
    for c in s[:-1]:
        if c not in _DECODE:
            return None
        value = value * 32 + _DECODE[c]
    typed_check = {"I": "1", "L": "1", "O": "0"}.get(s[-1], s[-1])
    if typed_check != _check_symbol(value):
        return None
    chars = "".join(_ALPHABET[_DECODE[c]] for c in s[:-1])
    return f"{chars[:4]}-{chars[4:]}-{_check_symbol(value)}"


@dataclass(frozen=True)
class AttachmentBlob:
    field: str
    sha256: str
    size: int
    media_type: str
    filename: str
    data: bytes = dataclasses.field(repr=False)


@dataclass(frozen=True)
class Submission:
    """A finalized request, ready for the outbox. ``body`` never changes."""

    id: str
    local_reference: str
    procedure_id: str
    procedure_version: str
    created_at: str
    mode: str
    body: bytes = dataclasses.field(repr=False)
    attachments: tuple[AttachmentBlob, ...] = ()

    def document(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.body)
        return result


@dataclass(frozen=True)
class TrainingSubmission:
    """What a training session finalizes to. It has no bytes to send, and
    the outbox accepts only ``Submission``: practice can never be queued."""

    local_reference: str
    procedure_id: str
    procedure_version: str
    created_at: str
    answers: dict[str, Any]
