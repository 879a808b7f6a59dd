"""Procedure updates from the back-office: fetched, verified, checked, staged, then applied.

Qt-free. The back-office serves a bundle signed with Ed25519 by an offline
key (``python -m receiver procedures sign/publish``; format in
``docs/protocol.md``); the kiosk holds only the public key (the
``procedure_public_key`` setting, base64). In order:

1. ``fetch(syncer, settings, folder)`` downloads the bundle when it changed
   (``If-None-Match``), ``verify`` checks the signature, the files against
   the manifest, and that the version is newer than the one installed;
2. ``check`` loads every file with the same checker as ``kiosk procedures
   check``: one broken file refuses the whole bundle;
3. ``BundleFolder.stage`` writes it beside the installed one;
4. ``BundleFolder.apply_staged()`` switches to it, **between two people**
   (the screens call it when no session is open); the previous bundle is
   kept, and restored at once if the new one fails to load.

Every refusal is logged and kept as ``status`` (sent in the heartbeat as
``bundle_status``); nothing is ever half-applied.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import json
import logging
import re
import shutil
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kiosk import protocol
from kiosk.heartbeat import Transport
from kiosk.procedure import load_all

if TYPE_CHECKING:
    from kiosk.config import Settings

#: the bundles' folder in the data directory
BUNDLES_FOLDER = "bundles"

log = logging.getLogger(__name__)

BUNDLE_FORMAT = 1
MAX_BUNDLE_BYTES = 8 * 1024 * 1024
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 200
_VERSION_RE = re.compile(r"\d+(\.\d+){0,3}")
_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.ya?ml")


class BundleRefused(Exception):
    """A bundle that must not be used; the message says why, in a few words."""


@dataclass(frozen=True)
class VerifiedBundle:
    version: str
    files: dict[str, bytes]


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise BundleRefused("the procedure_public_key setting is not an Ed25519 key") from None


def verify(data: bytes, key: str, installed: str | None) -> VerifiedBundle:
    """The bundle's files if its signature, files and version all check out."""
    if len(data) > MAX_BUNDLE_BYTES:
        raise BundleRefused("too large")
    verifier = public_key(key)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            entries = {info.filename: info for info in bundle.infolist()}
            manifest_bytes = bundle.read("manifest.json")
            signature = bundle.read("manifest.sig")
            try:
                verifier.verify(signature, manifest_bytes)
            except InvalidSignature:
                raise BundleRefused("bad signature") from None
            manifest = json.loads(manifest_bytes)
            listed = manifest.get("files") if isinstance(manifest, dict) else None
            version = manifest.get("version") if isinstance(manifest, dict) else None
            if manifest.get("format") != BUNDLE_FORMAT or not isinstance(listed, dict):
                raise BundleRefused("unknown bundle format")
            if not isinstance(version, str) or not _VERSION_RE.fullmatch(version):
                raise BundleRefused("no valid version")
            if installed is not None and version_key(version) <= version_key(installed):
                raise BundleRefused(f"downgrade ({version} is not newer than {installed})")
            expected = {"manifest.json", "manifest.sig", *(f"procedures/{n}" for n in listed)}
            if set(entries) != expected or len(listed) > MAX_FILES:
                raise BundleRefused("files differ from the manifest")
            files = {}
            for name, digest in listed.items():
                info = entries[f"procedures/{name}"]
                if not _NAME_RE.fullmatch(name) or info.file_size > MAX_FILE_BYTES:
                    raise BundleRefused(f"unusable file {name!r}")
                content = bundle.read(info)
                if hashlib.sha256(content).hexdigest() != digest:
                    raise BundleRefused(f"file {name} does not match the manifest")
                files[name] = content
    except (zipfile.BadZipFile, KeyError, ValueError, AttributeError, OSError):
        raise BundleRefused("broken file (not a readable bundle)") from None
    return VerifiedBundle(version, files)


def check(bundle: VerifiedBundle) -> None:
    """Load every file as ``kiosk procedures check`` does; refuse the bundle on any problem."""
    with tempfile.TemporaryDirectory(prefix="kiosk-bundle-") as folder:
        for name, content in bundle.files.items():
            (Path(folder) / name).write_bytes(content)
        procedures, problems = load_all([folder])
    if problems or not procedures:
        first = str(problems[0]) if problems else "no procedure"
        raise BundleRefused(f"broken procedure file: {first}"[:200])


class BundleFolder:
    """The bundles of one kiosk under ``folder``: ``current``, ``staged``, ``previous``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        #: The last outcome, for the heartbeat's ``bundle_status``.
        self.status: str | None = None

    def _version_of(self, name: str) -> str | None:
        try:
            return (self.folder / name / "VERSION").read_text(encoding="utf-8").strip()
        except OSError:
            return None

    def installed_version(self) -> str | None:
        return self._version_of("current")

    def staged_version(self) -> str | None:
        return self._version_of("staged")

    def active_dir(self) -> Path | None:
        """The folder of procedure files to load, or None: the shipped procedures."""
        current = self.folder / "current"
        return current if (current / "VERSION").exists() else None

    def _refuse(self, reason: str) -> None:
        self.status = f"refused: {reason}"
        log.warning("procedure bundle refused: %s", reason)

    def stage(self, bundle: VerifiedBundle) -> None:
        """Write the checked bundle as ``staged`` (replacing an older staged one)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix="staging-", dir=self.folder))
        for name, content in bundle.files.items():
            (work / name).write_bytes(content)
        (work / "VERSION").write_text(bundle.version, encoding="utf-8")
        staged = self.folder / "staged"
        if staged.exists():
            shutil.rmtree(staged)
        work.rename(staged)
        self.status = f"staged {bundle.version}"
        log.info("procedure bundle %s staged", bundle.version)

    def accept(self, data: bytes, key: str) -> bool:
        """Verify, check and stage a downloaded bundle; False (and ``status``) if refused."""
        newest = max(
            (v for v in (self.installed_version(), self.staged_version()) if v),
            key=version_key,
            default=None,
        )
        try:
            bundle = verify(data, key, newest)
            check(bundle)
        except BundleRefused as e:
            self._refuse(str(e))
            return False
        self.stage(bundle)
        return True

    def apply_staged(self) -> str | None:
        """Switch to the staged bundle (call between two people); the version now in use.

        The installed bundle becomes ``previous``. If the new one fails to
        load, the previous one is put back and ``status`` says why. Returns
        None when nothing was staged.
        """
        staged = self.folder / "staged"
        version = self.staged_version()
        if version is None:
            return None
        current, previous = self.folder / "current", self.folder / "previous"
        if previous.exists():
            shutil.rmtree(previous)
        if current.exists():
            current.rename(previous)
        staged.rename(current)
        procedures, problems = load_all([current])
        if problems or not procedures:
            self.rollback()
            self._refuse(f"{version} did not load, {self.installed_version() or 'shipped'} kept")
            return self.installed_version()
        self.status = f"applied {version}"
        log.info("procedure bundle %s applied", version)
        return version

    def rollback(self) -> str | None:
        """Put the previous bundle back (or the shipped procedures); the version in use."""
        current, previous = self.folder / "current", self.folder / "previous"
        if current.exists():
            shutil.rmtree(current)
        if previous.exists():
            previous.rename(current)
        return self.installed_version()


def fetch(syncer: Transport, folder: BundleFolder, key: str, etag: str | None = None) -> str | None:
    """Download the back-office's bundle if it changed and stage it; the new ETag.

    ``etag`` is the one this returned last time (None at first): an unchanged
    bundle costs a 304. Network failures and a back-office without bundles
    (404) change nothing.
    """
    headers = {"If-None-Match": etag} if etag else {}
    try:
        response = syncer._request("GET", protocol.PROCEDURE_BUNDLE_PATH, headers=headers)
    except Exception as e:
        log.info("procedure bundle not fetched: %s", e)
        return etag
    if response.status != 200:
        return etag
    folder.accept(response.body, key)
    return response.headers.get("ETag", etag)


#: how often a kiosk asks whether the procedures changed (a 304 when not)
FETCH_EVERY_S = 15 * 60.0


class ProcedureUpdates:
    """Asks the back-office for a newer procedure bundle now and then, from
    the sync loop; what it stages, the screens apply between two people."""

    def __init__(
        self,
        folder: BundleFolder,
        key: str,
        *,
        every_s: float = FETCH_EVERY_S,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.folder = folder
        self.key = key
        self.every_s = every_s
        self._now = now
        self._etag: str | None = None
        self._last: float | None = None

    @classmethod
    def from_settings(
        cls, data_dir: Path, settings: Settings, *, now: Callable[[], float] = time.time
    ) -> ProcedureUpdates | None:
        """None when no public key is set: this kiosk takes no remote updates."""
        if not settings.procedure_public_key:
            return None
        return cls(
            BundleFolder(Path(data_dir) / BUNDLES_FOLDER), settings.procedure_public_key, now=now
        )

    def seconds_to_next(self) -> float:
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.every_s - self._now())

    def after_round(self, syncer: Transport, connected: bool | None) -> None:
        """Fetch when due and the back-office answered this round."""
        if not connected or self.seconds_to_next() > 0:
            return
        self._last = self._now()
        self._etag = fetch(syncer, self.folder, self.key, self._etag)

    def status(self) -> dict[str, str]:
        """For the heartbeat: the procedure set in use and the last update's outcome."""
        return {
            "procedure_set_version": self.folder.installed_version() or "shipped",
            "bundle_status": self.folder.status or "",
        }
