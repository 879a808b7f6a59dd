"""Signed procedure bundles: signed offline, published by the receiver, applied by a kiosk."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kiosk.bundles import BundleFolder, BundleRefused, VerifiedBundle, fetch, verify
from kiosk.config import Settings
from kiosk.outbox import Outbox
from kiosk.resources import procedures_dir
from kiosk.syncer import Syncer
from receiver.bundles import keygen, sign_bundle
from receiver.server import start_in_thread
from receiver.store import SqliteStore
from tests.conftest import subprocess_env

KEY = bytes(range(32))
KIOSK = "mairie-bundles-01"


@pytest.fixture
def procedures(tmp_path: Path) -> Path:
    folder = tmp_path / "procedures"
    folder.mkdir()
    for name in ("etre-rappele.yaml", "permis-perte-vol.yaml"):
        shutil.copyfile(procedures_dir() / name, folder / name)
    return folder


@pytest.fixture
def signing() -> tuple[bytes, str]:
    return keygen()


def test_sign_publish_fetch_stage_and_apply_between_two_sessions(
    tmp_path: Path, procedures: Path
) -> None:
    db_path = tmp_path / "receiver.db"
    key_file, bundle_file = tmp_path / "signing.key", tmp_path / "bundle.zip"

    def receiver(*args: str | Path) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [sys.executable, "-m", "receiver", "procedures", *map(str, args)],
            capture_output=True,
            text=True,
            env=subprocess_env(),
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        return result

    public = receiver("keygen", "--out", key_file).stdout.strip()
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    receiver("sign", procedures, "--key", key_file, "--version", "2026.12.1", "--out", bundle_file)
    with SqliteStore(db_path) as store:
        token = store.create_token(KIOSK)
    assert "published" in receiver("publish", bundle_file, "--db", db_path).stdout

    folder = BundleFolder(tmp_path / "kiosk-bundles")
    settings = Settings(server_url="", kiosk_id=KIOSK, procedure_public_key=public)
    with (
        start_in_thread(db_path) as server,
        Outbox(tmp_path / "outbox.sqlite3", KEY) as outbox,
        Syncer(outbox, Settings(server_url=server.url, kiosk_id=KIOSK), token) as syncer,
    ):
        etag = fetch(syncer, folder, settings.procedure_public_key)
        assert etag is not None
        assert folder.staged_version() == "2026.12.1"
        assert folder.active_dir() is None  # a person may be mid-procedure: nothing moves yet
        assert fetch(syncer, folder, public, etag) == etag  # unchanged: a 304
    assert folder.apply_staged() == "2026.12.1"  # between two people
    active = folder.active_dir()
    assert active is not None
    assert sorted(p.name for p in active.glob("*.yaml")) == sorted(
        p.name for p in procedures.glob("*.yaml")
    )
    assert folder.status == "applied 2026.12.1"


def _bundle(procedures: Path, version: str, private: bytes) -> bytes:
    return sign_bundle(procedures, version, private)


def _rezip(data: bytes, replace: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info.filename, replace.get(info.filename, source.read(info)))
    return out.getvalue()


def test_tampered_forged_broken_or_older_bundles_are_refused(
    tmp_path: Path, procedures: Path, signing: tuple[bytes, str]
) -> None:
    private, public = signing
    folder = BundleFolder(tmp_path / "bundles")
    good = _bundle(procedures, "2026.12.1", private)

    tampered = _rezip(good, {"procedures/etre-rappele.yaml": b"id: etre-rappele\n# changed\n"})
    assert not folder.accept(tampered, public)
    assert folder.status == "refused: file etre-rappele.yaml does not match the manifest"

    forged = _bundle(procedures, "2026.12.1", keygen()[0])
    assert not folder.accept(forged, public)
    assert folder.status == "refused: bad signature"

    assert not folder.accept(b"PK\x03\x04 not really a zip", public)
    assert folder.status is not None and folder.status.startswith("refused: broken file")

    (procedures / "etre-rappele.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    broken = _bundle(procedures, "2026.12.2", private)
    assert not folder.accept(broken, public)
    assert folder.status is not None and folder.status.startswith("refused: broken procedure")

    assert folder.accept(good, public)
    assert folder.apply_staged() == "2026.12.1"
    assert not folder.accept(good, public)
    assert folder.status == "refused: downgrade (2026.12.1 is not newer than 2026.12.1)"
    assert folder.installed_version() == "2026.12.1"


def test_a_bundle_that_fails_to_load_is_rolled_back_to_the_previous_one(
    tmp_path: Path, procedures: Path, signing: tuple[bytes, str]
) -> None:
    private, public = signing
    folder = BundleFolder(tmp_path / "bundles")
    assert folder.accept(_bundle(procedures, "2026.12.1", private), public)
    assert folder.apply_staged() == "2026.12.1"
    # Staged past the checks (a disk fault, a bug): the switch must still not break the kiosk.
    files = {p.name: p.read_bytes() for p in procedures.glob("*.yaml")}
    files["etre-rappele.yaml"] = b"id: [unclosed\n"
    folder.stage(VerifiedBundle("2026.12.2", files))
    assert folder.apply_staged() == "2026.12.1"
    assert folder.installed_version() == "2026.12.1"
    assert folder.status is not None and folder.status.startswith("refused: 2026.12.2 did not load")
    active = folder.active_dir()
    assert active is not None
    assert (active / "etre-rappele.yaml").read_bytes() == (
        procedures_dir() / "etre-rappele.yaml"
    ).read_bytes()


def test_the_previous_bundle_is_kept(
    tmp_path: Path, procedures: Path, signing: tuple[bytes, str]
) -> None:
    private, public = signing
    folder = BundleFolder(tmp_path / "bundles")
    for version in ("2026.12.1", "2026.12.2"):
        assert folder.accept(_bundle(procedures, version, private), public)
        assert folder.apply_staged() == version
    previous = (folder.folder / "previous" / "VERSION").read_text(encoding="utf-8")
    assert previous == "2026.12.1"
    assert folder.rollback() == "2026.12.1"


def test_manifest_listing_a_file_the_zip_lacks_is_refused(
    procedures: Path, signing: tuple[bytes, str]
) -> None:
    private, public = signing
    data = _bundle(procedures, "2026.12.1", private)
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    assert set(manifest["files"]) == {"etre-rappele.yaml", "permis-perte-vol.yaml"}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename != "procedures/permis-perte-vol.yaml":
                target.writestr(info.filename, source.read(info))
    with pytest.raises(BundleRefused, match="files differ"):
        verify(out.getvalue(), public, None)
