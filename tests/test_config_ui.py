"""The interface's settings: the scanner folder (and whether the scans of a person
who left are deleted from it) and the on-screen keypad."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import (
    SETTINGS_FILE,
    SETTINGS_KEYS,
    SettingsError,
    default_scanner_folder,
    get_setting,
    load_settings,
    set_setting,
)


@pytest.fixture
def data_dir(isolated_environment: Path) -> Path:
    isolated_environment.mkdir(parents=True, exist_ok=True)
    return isolated_environment


def test_keys_and_variables() -> None:
    assert SETTINGS_KEYS["scanner_folder"].env == "KIOSK_SCANNER_FOLDER"
    assert SETTINGS_KEYS["touch_keypad"].env == "KIOSK_TOUCH_KEYPAD"


def test_scanner_folder_defaults_to_documents_else_home(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "Documents"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    assert default_scanner_folder() == home
    assert load_settings(data_dir).scanner_folder == home
    (home / "Documents").mkdir()
    assert load_settings(data_dir).scanner_folder == home / "Documents"


def test_scanner_folder_from_file_and_environment(
    data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scans = tmp_path / "scans"
    set_setting(data_dir, "scanner_folder", str(scans))
    assert load_settings(data_dir).scanner_folder == scans
    assert f'scanner_folder = "{scans}"' in (data_dir / SETTINGS_FILE).read_text()
    assert get_setting(data_dir, "scanner_folder") == str(scans)
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", str(tmp_path / "other"))
    assert load_settings(data_dir).scanner_folder == tmp_path / "other"
    # An empty variable clears the file's value: the default applies again.
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", "")
    assert load_settings(data_dir).scanner_folder == default_scanner_folder()


def test_scanner_folder_must_be_absolute(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", "scans")
    with pytest.raises(SettingsError, match="KIOSK_SCANNER_FOLDER: scanner_folder must be an abs"):
        load_settings(data_dir)
    with pytest.raises(SettingsError, match="scanner_folder must be an absolute path"):
        set_setting(data_dir, "scanner_folder", "relative/scans")


def test_scanner_delete_scans_setting(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert SETTINGS_KEYS["scanner_delete_scans"].env == "KIOSK_SCANNER_DELETE_SCANS"
    assert "default folder" in SETTINGS_KEYS["scanner_delete_scans"].description
    assert load_settings(data_dir).scanner_delete_scans is True
    assert get_setting(data_dir, "scanner_delete_scans") == "true"
    set_setting(data_dir, "scanner_delete_scans", "no")
    text = (data_dir / SETTINGS_FILE).read_text()
    assert "scanner_delete_scans = false" in text and "(KIOSK_SCANNER_DELETE_SCANS)" in text
    assert load_settings(data_dir).scanner_delete_scans is False
    monkeypatch.setenv("KIOSK_SCANNER_DELETE_SCANS", "on")
    assert get_setting(data_dir, "scanner_delete_scans") == "true"
    monkeypatch.setenv("KIOSK_SCANNER_DELETE_SCANS", "sometimes")
    with pytest.raises(SettingsError, match="scanner_delete_scans must be true or false"):
        load_settings(data_dir)
    with pytest.raises(SettingsError, match="scanner_delete_scans must be true or false"):
        set_setting(data_dir, "scanner_delete_scans", "2")


def test_whether_the_scanner_folder_was_chosen(data_dir: Path, tmp_path: Path) -> None:
    assert load_settings(data_dir).scanner_folder_explicit is False
    set_setting(data_dir, "scanner_folder", str(tmp_path / "scans"))
    assert load_settings(data_dir).scanner_folder_explicit is True
    set_setting(data_dir, "scanner_folder", "")
    assert load_settings(data_dir).scanner_folder_explicit is False


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), ("on", True), ("1", True), ("false", False), ("no", False)],
)
def test_touch_keypad_from_environment(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    assert load_settings(data_dir).touch_keypad is False
    monkeypatch.setenv("KIOSK_TOUCH_KEYPAD", raw)
    assert load_settings(data_dir).touch_keypad is expected


def test_touch_keypad_in_the_file(data_dir: Path) -> None:
    set_setting(data_dir, "touch_keypad", "yes")
    assert "touch_keypad = true" in (data_dir / SETTINGS_FILE).read_text()
    assert load_settings(data_dir).touch_keypad is True
    assert get_setting(data_dir, "touch_keypad") == "true"
    (data_dir / SETTINGS_FILE).write_text("touch_keypad = false\n")
    assert load_settings(data_dir).touch_keypad is False


def test_touch_keypad_refuses_other_values(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (data_dir / SETTINGS_FILE).write_text("touch_keypad = 2\n")
    with pytest.raises(SettingsError, match=r"settings.toml:1: touch_keypad must be true or false"):
        load_settings(data_dir)
    (data_dir / SETTINGS_FILE).write_text("")
    monkeypatch.setenv("KIOSK_TOUCH_KEYPAD", "maybe")
    with pytest.raises(SettingsError, match="touch_keypad must be true or false, not maybe"):
        load_settings(data_dir)
