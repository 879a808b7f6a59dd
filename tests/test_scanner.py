"""The scanner folder on a shared machine: only this person's scans are offered,
and theirs are deleted when they leave (never anything else)."""

from __future__ import annotations

import dataclasses
import logging
import os
import sys
from pathlib import Path

import pytest

import kiosk.scanner
from kiosk.config import Settings, load_settings
from kiosk.scanner import FUTURE_SKEW_S, START_GRACE_S, ScannerFolder
from tests.helpers import temporary_documents_folder

START = 1_700_000_000.0  # when the kiosk started, for the fake clock


class Clock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def put(folder: Path, name: str, mtime: float, content: bytes = b"scan") -> Path:
    path = folder / name
    path.write_bytes(content)
    os.utime(path, (mtime, mtime))
    return path


@pytest.fixture
def scans(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    return folder


def names(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


# -- what is offered -----------------------------------------------------------------------------


def test_at_start_the_last_hour_is_offered_newest_first(scans: Path) -> None:
    clock = Clock()
    folder = ScannerFolder(scans, clock=clock)
    assert folder.boundary == START - START_GRACE_S
    put(scans, "hier.pdf", START - 86400)  # someone else's: never offered
    put(scans, "juste-avant.pdf", START - START_GRACE_S - 1)
    put(scans, "a-la-limite.pdf", START - START_GRACE_S)  # at the boundary: offered
    put(scans, "avant-redemarrage.jpg", START - 600)
    clock.now = START + 60
    put(scans, "b.png", START + 30)
    put(scans, "a.png", START + 30)  # same moment: by name
    assert names(folder.recent(10)) == [
        "a.png",
        "b.png",
        "avant-redemarrage.jpg",
        "a-la-limite.pdf",
    ]
    assert names(folder.recent(2)) == ["a.png", "b.png"]
    assert folder.recent(0) == []


def test_only_regular_visible_files_directly_in_the_folder(scans: Path, tmp_path: Path) -> None:
    clock = Clock()
    folder = ScannerFolder(scans, clock=clock)
    put(scans, "scan.pdf", START)
    put(scans, ".~scan-en-cours.tmp", START)
    (scans / "sous-dossier").mkdir()
    put(scans / "sous-dossier", "dedans.pdf", START)
    outside = put(tmp_path, "ailleurs.pdf", START)
    (scans / "lien.pdf").symlink_to(outside)
    (scans / "lien-casse.pdf").symlink_to(tmp_path / "absent.pdf")
    assert names(folder.recent(10)) == ["scan.pdf"]


def test_a_file_dated_in_the_future_is_not_offered(scans: Path) -> None:
    folder = ScannerFolder(scans, clock=Clock())
    put(scans, "horloge-en-avance.pdf", START + 3600)
    put(scans, "un-peu-en-avance.pdf", START + FUTURE_SKEW_S)
    assert names(folder.recent(10)) == ["un-peu-en-avance.pdf"]


def test_no_folder_or_a_missing_one_offers_nothing(tmp_path: Path) -> None:
    assert ScannerFolder(None).recent(3) == []
    missing = ScannerFolder(tmp_path / "absent", may_delete=True, clock=Clock())
    assert missing.recent(3) == []
    assert missing.forget_person() == 0
    assert missing.boundary == START


# -- when the person leaves ----------------------------------------------------------------------


def test_the_next_person_sees_none_of_the_last_persons_scans(scans: Path) -> None:
    clock = Clock()
    folder = ScannerFolder(scans, clock=clock)  # may not delete: hides only
    put(scans, "premiere-personne.pdf", START + 10)
    clock.now = START + 100
    assert folder.forget_person() == 0
    assert folder.boundary == START + 100
    assert folder.recent(3) == []
    assert (scans / "premiere-personne.pdf").exists()
    put(scans, "deuxieme-personne.pdf", START + 120)
    clock.now = START + 130
    assert names(folder.recent(3)) == ["deuxieme-personne.pdf"]


def test_forget_person_deletes_only_the_scans_of_the_session(scans: Path, tmp_path: Path) -> None:
    clock = Clock(START + 1000)
    folder = ScannerFolder(scans, may_delete=True, clock=clock)
    clock.now = START + 2000
    boundary = folder.boundary
    older = put(scans, "avant.pdf", boundary - 1)
    at = put(scans, "a-la-limite.pdf", boundary)
    new = put(scans, "pendant.jpg", START + 1500)
    future = put(scans, "horloge-en-avance.pdf", START + 9999)
    hidden = put(scans, ".scanner.ini", START + 1500)
    (scans / "sous-dossier").mkdir()
    inside = put(scans / "sous-dossier", "dedans.pdf", START + 1500)
    target = put(tmp_path, "cible.pdf", START + 1500)
    link = scans / "lien.pdf"
    link.symlink_to(target)
    assert folder.forget_person() == 3
    assert not at.exists() and not new.exists() and not future.exists()
    assert older.exists() and hidden.exists() and inside.exists()
    assert link.is_symlink() and target.read_bytes() == b"scan"
    assert folder.boundary == START + 2000
    # The next person leaves: the file from before the first boundary stays.
    clock.now = START + 3000
    assert folder.forget_person() == 0
    assert older.exists()


def test_a_concurrent_change_is_logged_not_raised(
    scans: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    folder = ScannerFolder(scans, may_delete=True, clock=clock)
    gone = put(scans, "deja-efface.pdf", START)
    replaced = put(scans, "remplace.pdf", START)
    put(scans, "normal.pdf", START)
    real_unlink = os.unlink

    def unlink_meanwhile(path: str | os.PathLike[str]) -> None:
        # Between the listing and the deletion: one file removed by someone
        # else, another replaced by a folder.
        if Path(path) == gone:
            real_unlink(gone)
        if Path(path) == replaced:
            real_unlink(replaced)
            replaced.mkdir()
            put(replaced, "dedans.pdf", START)
        real_unlink(path)

    monkeypatch.setattr(kiosk.scanner.os, "unlink", unlink_meanwhile)
    clock.now = START + 10
    with caplog.at_level(logging.INFO, logger="kiosk.scanner"):
        assert folder.forget_person() == 1
    assert not (scans / "normal.pdf").exists()
    assert (replaced / "dedans.pdf").exists()
    assert folder.boundary == START + 10  # moved all the same
    assert any("already gone" in r.message for r in caplog.records)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "could not be deleted" in errors[0].getMessage()
    assert "remplace" not in caplog.text  # a file name may be a person's name


@pytest.mark.skipif(
    sys.platform == "win32" or os.geteuid() == 0, reason="root deletes in a read-only folder"
)
def test_a_read_only_folder_is_logged_not_raised(
    scans: Path, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    folder = ScannerFolder(scans, may_delete=True, clock=clock)
    scan = put(scans, "scan.pdf", START)
    scans.chmod(0o500)
    try:
        clock.now = START + 10
        with caplog.at_level(logging.ERROR, logger="kiosk.scanner"):
            assert folder.forget_person() == 0
    finally:
        scans.chmod(0o700)
    assert scan.exists() and folder.boundary == START + 10
    assert "could not be deleted" in caplog.text


# -- who may delete ------------------------------------------------------------------------------


@pytest.fixture
def default_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default scanner folder (the Documents folder) made a temporary one."""
    return temporary_documents_folder(tmp_path, monkeypatch)


def test_the_default_folder_is_never_emptied(default_folder: Path, isolated_environment) -> None:
    settings = load_settings(isolated_environment)
    assert settings.scanner_folder == default_folder and settings.scanner_delete_scans
    assert settings.scanner_folder_explicit is False
    folder = ScannerFolder.from_settings(settings)
    assert folder.path == default_folder and not folder.may_delete
    letter = put(default_folder, "lettre.pdf", folder.boundary + 10)
    assert names(folder.recent(3)) == ["lettre.pdf"]
    assert folder.forget_person() == 0
    assert letter.exists() and folder.recent(3) == []
    # Whatever the caller does with the settings, the default stays the default.
    for same in (
        dataclasses.replace(settings, touch_keypad=True),
        Settings(scanner_folder_explicit=True),
        Settings(scanner_delete_scans=True),
    ):
        assert not ScannerFolder.from_settings(same).may_delete


def test_a_folder_set_for_the_scanner_is_emptied_unless_told_not_to(
    scans: Path, isolated_environment, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", str(scans))
    settings = load_settings(isolated_environment)
    assert settings.scanner_folder_explicit is True
    assert ScannerFolder.from_settings(settings).may_delete
    assert ScannerFolder.from_settings(Settings(scanner_folder=scans)).may_delete
    monkeypatch.setenv("KIOSK_SCANNER_DELETE_SCANS", "false")
    settings = load_settings(isolated_environment)
    folder = ScannerFolder.from_settings(settings)
    assert not folder.may_delete
    scan = put(scans, "scan.pdf", folder.boundary + 10)
    assert folder.forget_person() == 0
    assert scan.exists() and folder.recent(3) == []
    # An empty variable clears the folder: back to the default, never emptied.
    monkeypatch.delenv("KIOSK_SCANNER_DELETE_SCANS")
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", "")
    assert not ScannerFolder.from_settings(load_settings(isolated_environment)).may_delete
