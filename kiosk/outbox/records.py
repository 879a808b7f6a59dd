"""What the outbox hands out: items, summaries (clear columns only), attempts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["AttachmentMeta", "Attempt", "ItemSummary", "OutboxItem", "PageKey"]

#: Where a page stops: ``(enqueued_at, id)`` of its last item, the queue order's key.
PageKey = tuple[float, str]


@dataclass(frozen=True)
class AttachmentMeta:
    field: str
    sha256: str
    size: int
    media_type: str
    filename: str


@dataclass(frozen=True)
class Attempt:
    at: float
    outcome: str  # one of OUTCOMES
    status: int | None
    error: str | None


@dataclass(frozen=True)
class OutboxItem:
    id: str
    procedure_id: str
    procedure_version: str
    local_reference: str
    mode: str
    state: str
    created_at: str  # the submission's created_at (RFC 3339)
    enqueued_at: float  # unix time
    #: Delivery attempts that reached an outcome. Authentication refusals are
    #: not counted: they are the device's problem, not the item's.
    attempts: int
    next_attempt_at: float
    first_failure_at: float | None
    last_status: int | None
    last_error: str | None
    server_reference: str | None
    sent_at: float | None
    needs_person: bool
    rejection: list[dict[str, str]] | None
    #: Empty once the content was deleted after delivery (retention).
    attachments: tuple[AttachmentMeta, ...]


class ItemSummary(NamedTuple):
    """One line of a list: the clear columns of an item, nothing decrypted.

    What a console's page or ``kiosk queue list`` shows; ``Outbox.get(id)``
    gives the whole item (attachment names, rejection details). A named
    tuple: a listing makes a million of them, and its fields are the columns
    selected, by name (``Outbox`` builds the SELECT from ``_fields``).
    """

    id: str
    procedure_id: str
    procedure_version: str
    local_reference: str
    mode: str
    state: str
    created_at: str
    enqueued_at: float
    attempts: int
    next_attempt_at: float
    last_status: int | None
    last_error: str | None
    server_reference: str | None
    sent_at: float | None
    #: 1 when flagged for a person, else 0.
    needs_person: int
    #: How many attachments are still stored (0 once delivered content was deleted).
    attachment_count: int

    @property
    def key(self) -> PageKey:
        """Pass it as ``after=`` to get the page that follows this item."""
        return (self.enqueued_at, self.id)
