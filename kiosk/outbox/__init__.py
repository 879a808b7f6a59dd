"""The outbox: a durable, encrypted queue of finalized submissions.

What a person wrote never sits in clear on disk: the frozen body, the
attachments, their names and types, and a rejection's details are encrypted
with AES-256-GCM under a key from the key store (kiosk.keystore), with the
submission id (and attachment digest) as associated data so no blob can be
moved to another row. In clear stay only what the queue needs: ids,
procedure id and version, mode, states, times, references, and the size and
SHA-256 of each attachment.

The package's files:

- ``schema``: tables, indexes, counters and their migrations;
- ``sealing``: the encryption and the body digest;
- ``store``: the ``Outbox`` class, storage and state transitions;
- ``records``: the items, summaries and attempts it hands out;
- ``closing``: whether the file was closed cleanly (so opening need not
  check it whole);
- ``errors``: ``OutboxError`` and its kinds, each a sentence a mediator can
  act on (the original exception is chained for the log).
"""

from kiosk.outbox.errors import (
    BusyError,
    ConflictingSubmissionError,
    CorruptDatabaseError,
    DiskFullError,
    NewerSchemaError,
    OutboxError,
    PayloadDeletedError,
    ReadOnlyError,
    StateError,
    WrongKeyError,
)
from kiosk.outbox.errors import translate as _translate
from kiosk.outbox.records import AttachmentMeta, Attempt, ItemSummary, OutboxItem, PageKey
from kiosk.outbox.schema import DB_NAME, OUTCOMES, SCHEMA_MAJOR, STATES
from kiosk.outbox.store import PAGE_MAX, Outbox

__all__ = [
    "DB_NAME",
    "OUTCOMES",
    "PAGE_MAX",
    "SCHEMA_MAJOR",
    "STATES",
    "AttachmentMeta",
    "Attempt",
    "BusyError",
    "ConflictingSubmissionError",
    "CorruptDatabaseError",
    "DiskFullError",
    "ItemSummary",
    "NewerSchemaError",
    "Outbox",
    "OutboxError",
    "OutboxItem",
    "PageKey",
    "PayloadDeletedError",
    "ReadOnlyError",
    "StateError",
    "WrongKeyError",
    "_translate",
]
