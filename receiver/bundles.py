"""Signed procedure bundles: made and signed offline, published to kiosks by the receiver.

A bundle is a zip file (format described in ``docs/protocol.md``):

- ``manifest.json``: ``{"format": 1, "version": "2026.12.1", "files":
  {"permis-perte-vol.yaml": "<sha256>", …}}``, canonical JSON;
- ``manifest.sig``: the Ed25519 signature of ``manifest.json``'s bytes;
- ``procedures/<name>``: each file the manifest lists, nothing else.

The private key stays on the machine that signs (``procedures keygen`` then
``procedures sign``); kiosks hold only the public key (the
``procedure_public_key`` setting) and refuse a bundle whose signature, files
or version do not check out.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from receiver.store import StoreError

BUNDLE_FORMAT = 1
_VERSION_RE = re.compile(r"\d+(\.\d+){0,3}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml")


def keygen() -> tuple[bytes, str]:
    """A new signing key: (private key PEM, public key as base64 for the kiosks' setting)."""
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return private, base64.b64encode(public).decode("ascii")


def _private_key(pem: bytes) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as e:
        raise StoreError(f"not a usable signing key: {e}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise StoreError("the signing key is not an Ed25519 key")
    return key


def sign_bundle(folder: Path, version: str, private_pem: bytes) -> bytes:
    """The signed bundle of every ``.yaml`` file of ``folder``, as ``version``."""
    if not _VERSION_RE.fullmatch(version):
        raise StoreError(f"invalid version {version!r}: use numbers and dots, as 2026.12.1")
    files = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    if not files:
        raise StoreError(f"no procedure file (.yaml) in {folder}")
    contents = {}
    for path in files:
        if not _NAME_RE.fullmatch(path.name):
            raise StoreError(f"unusable file name for a bundle: {path.name!r}")
        contents[path.name] = path.read_bytes()
    manifest = {
        "format": BUNDLE_FORMAT,
        "version": version,
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()},
    }
    manifest_bytes = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
    signature = _private_key(private_pem).sign(manifest_bytes)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", manifest_bytes)
        bundle.writestr("manifest.sig", signature)
        for name, data in contents.items():
            bundle.writestr(f"procedures/{name}", data)
    return out.getvalue()


def bundle_version(data: bytes) -> str:
    """The version a bundle's manifest names (for publishing; kiosks verify for themselves)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            manifest = json.loads(bundle.read("manifest.json"))
        version = manifest["version"]
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError):
        raise StoreError("not a procedure bundle (no readable manifest.json)") from None
    if not isinstance(version, str) or not _VERSION_RE.fullmatch(version):
        raise StoreError("the bundle's manifest has no valid version")
    return version
