"""Attachments: the type comes from the content, never from the file's name."""

from __future__ import annotations

import hashlib
import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from kiosk.fields import REGISTRY, AttachmentValue, FieldError, FieldSpec
from kiosk.fields.attachment import AttachmentField, sniff
from tests.test_fields import error, make, roundtrip


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A real 1×1 grey PNG.
PNG = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\x80"))
    + _png_chunk(b"IEND", b"")
)
# Start of image, a JFIF header, end of image.
JPEG = (
    b"\xff\xd8"
    + b"\xff\xe0"
    + struct.pack(">H", 16)
    + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    + b"\xff\xd9"
)
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
WEBP = b"RIFF" + struct.pack("<I", 4) + b"WEBP"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("scan.png", PNG, "image/png"),
        ("photo.jpg", JPEG, "image/jpeg"),
        ("justificatif.pdf", PDF, "application/pdf"),
        ("photo.webp", WEBP, "image/webp"),
    ],
)
def test_images_and_pdfs(tmp_path: Path, name: str, data: bytes, media_type: str) -> None:
    f = make("attachment")
    path = write(tmp_path, name, data)
    for raw in (str(path), path):
        value = f.clean(raw)
        assert isinstance(value, AttachmentValue)
        assert value.filename == name
        assert value.media_type == media_type
        assert value.size == len(data)
        assert value.data == data
        assert value.sha256 == hashlib.sha256(data).hexdigest()
    assert f.to_json(value) == {
        "sha256": value.sha256,
        "size": len(data),
        "media_type": media_type,
        "filename": name,
    }
    assert f.condition_value(value) == value.sha256
    assert f.display(value, "fr") == f"{name} (0,0 Mo)"
    assert f.display(value, "en") == f"{name} (0.0 MB)"
    assert f.clean(value) is value  # an attachment already read passes through
    roundtrip(f, value)


def test_the_content_says_what_a_file_is_not_its_name(tmp_path: Path) -> None:
    value = make("attachment").clean(write(tmp_path, "scan.pdf", PNG))
    assert value.media_type == "image/png"
    assert value.filename == "scan.pdf"


def test_a_text_file_named_jpg_is_refused(tmp_path: Path) -> None:
    e = error(
        make("attachment"), write(tmp_path, "photo.jpg", b"Bonjour, ceci n'est pas une photo.")
    )
    assert e.message["fr"] == "Ce fichier n'est pas accepté. Choisissez une photo ou un PDF."
    assert e.message["en"] == "This file is not accepted. Choose a photo or a PDF."


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    assert "empty" in error(make("attachment"), write(tmp_path, "scan.png", b"")).message["en"]


def test_a_file_over_the_limit_is_refused(tmp_path: Path) -> None:
    f = make("attachment", max_bytes=len(PNG) - 1)
    e = error(f, write(tmp_path, "scan.png", PNG))
    assert "too large" in e.message["en"]
    assert "Mo" in e.message["fr"]
    assert make("attachment", max_bytes=len(PNG)).clean(write(tmp_path, "ok.png", PNG)).size == len(
        PNG
    )


def test_the_limit_is_shown_in_megabytes(tmp_path: Path) -> None:
    big = write(tmp_path, "big.pdf", PDF + b"0" * (2 * 1024 * 1024))
    e = error(make("attachment", max_bytes=1024 * 1024 + 512 * 1024), big)
    assert "1,5 Mo" in e.message["fr"]
    assert "1.5 MB" in e.message["en"]


def test_from_bytes_checks_the_limit_too() -> None:
    f = make("attachment", max_bytes=10)
    assert isinstance(f, AttachmentField)
    with pytest.raises(FieldError) as info:
        f.from_bytes(PDF, "scan.pdf")
    assert "too large" in info.value.message["en"]


def test_accept_pdf_refuses_an_image(tmp_path: Path) -> None:
    f = make("attachment", accept=["pdf"])
    assert f.clean(write(tmp_path, "a.pdf", PDF)).media_type == "application/pdf"
    e = error(f, write(tmp_path, "scan.pdf", PNG))
    assert e.message["fr"] == "Ce fichier n'est pas accepté. Choisissez un PDF."
    assert e.message["en"] == "This file is not accepted. Choose a PDF."


def test_accept_image_refuses_a_pdf(tmp_path: Path) -> None:
    f = make("attachment", accept=["image"])
    assert f.clean(write(tmp_path, "a.jpg", JPEG)).media_type == "image/jpeg"
    assert "Choose a photo." in error(f, write(tmp_path, "b.pdf", PDF)).message["en"]


def test_a_folder_is_unreadable(tmp_path: Path) -> None:
    assert "cannot be read" in error(make("attachment"), tmp_path).message["en"]
    assert "cannot be read" in error(make("attachment"), str(tmp_path)).message["en"]


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    e = error(make("attachment"), tmp_path / "nowhere" / "scan.png")
    assert "cannot be read" in e.message["en"]


@pytest.mark.parametrize("raw", ["scan\x00.png", "x" * 5000, os.devnull])
def test_odd_paths_are_unreadable(raw: str) -> None:
    assert "cannot be read" in error(make("attachment"), raw).message["en"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    pipe = tmp_path / "scan.png"
    os.mkfifo(pipe)
    assert "cannot be read" in error(make("attachment"), pipe).message["en"]


@pytest.mark.parametrize("raw", [b"%PDF-1.4", 12, ["scan.png"], {"path": "scan.png"}, True])
def test_only_a_path_is_a_file(raw: Any) -> None:
    assert "Choose a file" in error(make("attachment"), raw).message["en"]


def test_an_empty_path_is_no_answer() -> None:
    assert make("attachment", required=False).clean("") is None
    assert error(make("attachment"), "  ").message["en"] == "This answer is required."


def test_file_names_are_made_safe() -> None:
    f = make("attachment")
    assert isinstance(f, AttachmentField)
    assert f.from_bytes(PNG, "sc\x07an\u200b.png").filename == "scan.png"
    assert f.from_bytes(PNG, "../../etc/scan.png").filename == "scan.png"
    assert f.from_bytes(PNG, "").filename == "document"
    assert len(f.from_bytes(PNG, "a" * 300 + ".png").filename) == 120


def test_sniff() -> None:
    assert sniff(PNG) == ("image/png", "image")
    assert sniff(JPEG) == ("image/jpeg", "image")
    assert sniff(PDF) == ("application/pdf", "pdf")
    assert sniff(WEBP) == ("image/webp", "image")
    assert sniff(b"GIF89a") is None
    assert sniff(b"") is None


@pytest.mark.parametrize("accept", [["doc"], [], "pdf"])
def test_accept_spec_problems(accept: Any) -> None:
    spec = FieldSpec(id="f", type="attachment", label={"fr": "x"}, constraints={"accept": accept})
    assert any("'accept' must be" in p for p in REGISTRY["attachment"].check_spec(spec))
