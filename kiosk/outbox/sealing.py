"""The outbox's encryption: AES-256-GCM seals bound to their row, and the body digest.

Each blob is ``version byte + 12-byte nonce + ciphertext and tag``; the
associated data names what the blob is and whose (``payload/<id>``,
``attachment/<id>/<sha256>``, …), so no blob can be moved to another row or
another role without failing to open. The body digest is an HMAC keyed from
the data key: it tells "the same submission twice" from "another one under
this id" without keeping a clear hash of personal content.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from kiosk.outbox.errors import WrongKeyError

__all__ = ["KEY_CHECK", "Sealer"]

_BLOB_VERSION = b"\x01"
_NONCE_BYTES = 12
_AAD_PREFIX = b"kiosk-outbox/v1/"
#: Sealed once in ``meta`` under ``key_check``: a wrong key is told at opening.
KEY_CHECK = b"kiosk outbox key check v1"


class Sealer:
    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) != 32:
            raise ValueError("the outbox key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)
        self._digest_key = hmac.new(key, b"kiosk outbox body digest v1", hashlib.sha256).digest()

    def seal(self, data: bytes, aad: bytes) -> bytes:
        nonce = secrets.token_bytes(_NONCE_BYTES)
        return _BLOB_VERSION + nonce + self._aead.encrypt(nonce, data, _AAD_PREFIX + aad)

    def open(self, blob: bytes, aad: bytes) -> bytes:
        """The clear bytes; ``InvalidTag`` when the key or the row is not the blob's."""
        if not blob or blob[:1] != _BLOB_VERSION:
            raise InvalidTag()
        nonce, sealed = blob[1 : 1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES :]
        return self._aead.decrypt(nonce, sealed, _AAD_PREFIX + aad)

    def unseal(self, blob: bytes, aad: bytes) -> bytes:
        """``open``, with the mediator's sentence when it fails."""
        try:
            return self.open(blob, aad)
        except InvalidTag:
            raise WrongKeyError(
                "Part of a waiting request cannot be decrypted (wrong key, or the file was "
                "altered); call support."
            ) from None

    def digest(self, body: bytes) -> bytes:
        return hmac.digest(self._digest_key, body, "sha256")  # one-shot: no HMAC object

    @staticmethod
    def aad_payload(item_id: str) -> bytes:
        return f"payload/{item_id}".encode()

    @staticmethod
    def aad_attachment(item_id: str, sha256: str) -> bytes:
        return f"attachment/{item_id}/{sha256}".encode()

    @staticmethod
    def aad_attachment_meta(item_id: str, position: int, sha256: str) -> bytes:
        return f"attachment-meta/{item_id}/{position}/{sha256}".encode()

    @staticmethod
    def aad_rejection(item_id: str) -> bytes:
        return f"rejection/{item_id}".encode()
