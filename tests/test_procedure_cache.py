"""Checked procedures are remembered across starts, and only while nothing changed.

Each "start" below forgets what this process remembers (as a new process
would) and keeps the cache folder, which the test owns (KIOSK_CACHE_DIR).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk import procedure
from kiosk.procedure import ProcedureError, load_all, load_procedure
from kiosk.resources import procedures_dir
from tests.test_procedure_loading import VALID, write


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files really checked (parsed, schema, rules), in order."""
    seen: list[str] = []
    real = procedure._check_source

    def spy(path: Path, source: str) -> object:
        seen.append(path.name)
        return real(path, source)

    monkeypatch.setattr(procedure, "_check_source", spy)
    yield seen


def new_start() -> None:
    procedure._load_unchanged.cache_clear()


def cache_files(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "kiosk-cache").rglob("*.json"))


def test_the_shipped_procedures_are_checked_once(tmp_path: Path, checks: list[str]) -> None:
    new_start()
    first, problems = load_all()
    assert not problems and len(first) >= 9
    assert len(checks) == len(first)
    new_start()
    again, _ = load_all()
    assert len(checks) == len(first)  # nothing checked again
    assert again == first  # the same procedures, field by field
    assert [p.path for p in again] == [p.path for p in first]
    assert len(cache_files(tmp_path)) == len(first)


def test_a_changed_file_is_checked_again(tmp_path: Path, checks: list[str]) -> None:
    path = write(tmp_path, VALID)
    new_start()
    assert load_procedure(path).version == "1"
    new_start()
    load_procedure(path)
    assert checks == ["demo.yaml"]
    path.write_text(VALID.replace('version: "1"', 'version: "2"'), encoding="utf-8")
    new_start()
    assert load_procedure(path).version == "2"
    path.write_text(VALID.replace("kind: review", "kind: nonsense"), encoding="utf-8")
    new_start()
    with pytest.raises(ProcedureError):
        load_procedure(path)
    assert checks == ["demo.yaml"] * 3


def test_a_renamed_file_is_checked_again(tmp_path: Path, checks: list[str]) -> None:
    path = write(tmp_path, VALID)
    new_start()
    load_procedure(path)
    other = tmp_path / "other"
    other.mkdir()
    renamed = other / "autre.yaml"
    shutil.copyfile(path, renamed)
    new_start()
    with pytest.raises(ProcedureError, match="must equal the file name"):
        load_procedure(renamed)


@pytest.mark.parametrize(
    "damage",
    [
        "",
        "not json",
        '{"data": 3, "lines": []}',
        '{"data": {"steps": [1]}}',
        "[]",
        '{"data": {"steps": []}, "lines": []}',
    ],
)
def test_a_damaged_cache_entry_is_ignored_and_rewritten(
    tmp_path: Path, checks: list[str], damage: str
) -> None:
    path = write(tmp_path, VALID)
    new_start()
    fresh = load_procedure(path)
    (entry,) = cache_files(tmp_path)
    entry.write_text(damage, encoding="utf-8")
    new_start()
    assert load_procedure(path) == fresh
    assert len(checks) == 2
    new_start()
    assert load_procedure(path) == fresh
    assert len(checks) == 2  # rewritten by the second check


def test_another_app_version_does_not_use_the_cache(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, VALID)
    new_start()
    load_procedure(path)
    procedure._cache_version.cache_clear()
    monkeypatch.setattr(procedure, "__version__", "99.0.0")
    try:
        new_start()
        load_procedure(path)
        assert len(checks) == 2
        assert len({p.parent for p in cache_files(tmp_path)}) == 2  # one folder per version
    finally:
        procedure._cache_version.cache_clear()


def test_a_picture_removed_after_the_check_is_still_reported(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    resources = tmp_path / "resources"
    shutil.copytree(procedures_dir().parent / "pictures", resources / "pictures")
    (resources / "pictures" / "here.png").write_bytes(b"\x89PNG")
    monkeypatch.setattr(procedure, "resource_path", lambda *parts: resources.joinpath(*parts))
    source = VALID.replace(
        "  - id: review\n    kind: review\n",
        "  - id: review\n    kind: review\n    picture: here.png\n",
    )
    path = write(tmp_path, source)
    new_start()
    load_procedure(path)
    (resources / "pictures" / "here.png").unlink()
    new_start()
    with pytest.raises(ProcedureError, match="picture not found"):
        load_procedure(path)
    assert len(checks) == 2


def test_a_cache_folder_that_cannot_be_written_only_costs_the_check(
    tmp_path: Path, checks: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    monkeypatch.setenv(procedure.CACHE_ENV, str(blocked))
    path = write(tmp_path, VALID)
    for _ in range(2):
        new_start()
        assert load_procedure(path).id == "demo"
    assert len(checks) == 2
