"""Attachments: a scan or a photo, its type read from its content."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.fields.base import FieldSpec, FieldType, fail, register

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024 * 1024

# Magic numbers: the file's first bytes, never its name, say what it is.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "image"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "image"),
    (b"%PDF-", "application/pdf", "pdf"),
)
_KINDS = {"image", "pdf"}


def sniff(data: bytes) -> tuple[str, str] | None:
    """(media type, kind) from the content; None for an unknown type."""
    for magic, media_type, kind in _SIGNATURES:
        if data.startswith(magic):
            return media_type, kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", "image"
    return None


@dataclass(frozen=True)
class AttachmentValue:
    filename: str
    media_type: str
    size: int
    sha256: str
    data: bytes = field(repr=False)

    def describe(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "media_type": self.media_type,
            "filename": self.filename,
        }


def _size_text(n: int) -> tuple[str, str]:
    mb = n / (1024 * 1024)
    return (f"{mb:.1f} Mo".replace(".", ","), f"{mb:.1f} MB")


@register
class AttachmentField(FieldType):
    name = "attachment"
    widget = "attachment"
    value_kind = "attachment"
    marks_optional = False
    constraint_names = frozenset({"max_bytes", "accept"})

    @classmethod
    def check_spec(cls, spec: FieldSpec) -> list[str]:
        problems = super().check_spec(spec)
        accept = spec.constraints.get("accept", ["image", "pdf"])
        if not isinstance(accept, list) or not accept or not set(accept) <= _KINDS:
            problems.append(f"field '{spec.id}': 'accept' must be a list of: image, pdf")
        return problems

    @property
    def max_bytes(self) -> int:
        return int(self.constraints.get("max_bytes", DEFAULT_MAX_BYTES))

    @property
    def accept(self) -> set[str]:
        return set(self.constraints.get("accept", ["image", "pdf"]))

    def parse(self, raw: Any) -> AttachmentValue:
        if isinstance(raw, AttachmentValue):
            return raw
        if not isinstance(raw, str | os.PathLike):
            raise fail("Choisissez un fichier.", "Choose a file.")
        path = Path(raw)
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a folder, a device, a pipe
                raise IsADirectoryError(str(path))
            if info.st_size > self.max_bytes:
                limit = _size_text(self.max_bytes)
                raise fail(
                    f"Ce fichier est trop gros. La limite est {limit[0]}. "
                    "Scannez le document en qualité plus basse.",
                    f"This file is too large. The limit is {limit[1]}. "
                    "Scan the document at a lower quality.",
                )
            data = path.read_bytes()
        except (OSError, ValueError) as e:
            log.warning("attachment unreadable: %s", type(e).__name__)
            raise fail(
                "Ce fichier ne peut pas être lu. Choisissez-en un autre ou scannez de nouveau.",
                "This file cannot be read. Choose another one or scan again.",
            ) from None
        return self.from_bytes(data, path.name)

    def from_bytes(self, data: bytes, filename: str) -> AttachmentValue:
        if not data:
            raise fail(
                "Ce fichier est vide. Scannez de nouveau.", "This file is empty. Scan again."
            )
        if len(data) > self.max_bytes:
            limit = _size_text(self.max_bytes)
            raise fail(
                f"Ce fichier est trop gros. La limite est {limit[0]}.",
                f"This file is too large. The limit is {limit[1]}.",
            )
        found = sniff(data)
        if found is None or found[1] not in self.accept:
            wanted_fr = " ou ".join(
                {"image": "une photo", "pdf": "un PDF"}[k] for k in sorted(self.accept)
            )
            wanted_en = " or ".join(
                {"image": "a photo", "pdf": "a PDF"}[k] for k in sorted(self.accept)
            )
            raise fail(
                f"Ce fichier n'est pas accepté. Choisissez {wanted_fr}.",
                f"This file is not accepted. Choose {wanted_en}.",
            )
        media_type = found[0]
        safe_name = "".join(c for c in Path(filename).name if c.isprintable())[:120] or "document"
        return AttachmentValue(
            filename=safe_name,
            media_type=media_type,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            data=data,
        )

    def display(self, value: Any, locale: str) -> str:
        if value is None:
            return ""
        size = _size_text(value.size)[0 if locale == "fr" else 1]
        return f"{value.filename} ({size})"

    def to_json(self, value: Any) -> Any:
        return None if value is None else value.describe()

    def condition_value(self, value: Any) -> Any:
        return None if value is None else value.sha256
