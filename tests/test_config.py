"""Settings: defaults < settings.toml < environment; clear errors; atomic writes."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

import kiosk.config
from kiosk.config import (
    SETTINGS_FILE,
    SETTINGS_KEYS,
    Settings,
    SettingsError,
    get_setting,
    load_settings,
    resolve_data_dir,
    set_setting,
)


@pytest.fixture
def data_dir(isolated_environment: Path) -> Path:
    isolated_environment.mkdir(parents=True, exist_ok=True)
    return isolated_environment


def write_settings(data_dir: Path, text: str) -> Path:
    path = data_dir / SETTINGS_FILE
    path.write_text(text, encoding="utf-8")
    return path


# -- names and defaults ------------------------------------------------------------------------

EXPECTED = {
    "server_url": ("KIOSK_SERVER_URL", None),
    "backoff_base_s": ("KIOSK_SYNC_BACKOFF_BASE_S", 5),
    "backoff_cap_s": ("KIOSK_SYNC_BACKOFF_CAP_S", 600),
    "connect_timeout_s": ("KIOSK_SYNC_CONNECT_TIMEOUT_S", 5),
    "read_timeout_s": ("KIOSK_SYNC_READ_TIMEOUT_S", 30),
    "request_deadline_s": ("KIOSK_SYNC_REQUEST_DEADLINE_S", 120),
    "proxy_url": ("KIOSK_PROXY_URL", None),
    "flag_after_h": ("KIOSK_SYNC_FLAG_AFTER_H", 24),
    "kiosk_id": ("KIOSK_ID", None),
    "ca_bundle": ("KIOSK_CA_BUNDLE", None),
    "key_store": ("KIOSK_KEY_STORE", "keyring"),
    "retention_payload_s": ("KIOSK_RETENTION_PAYLOAD_S", 0),
    "retention_history_days": ("KIOSK_RETENTION_HISTORY_DAYS", 90),
    "idle_timeout_s": ("KIOSK_IDLE_TIMEOUT_S", 120),
    "idle_countdown_s": ("KIOSK_IDLE_COUNTDOWN_S", 30),
    "scanner_folder": ("KIOSK_SCANNER_FOLDER", None),
    "procedures_dir": ("KIOSK_PROCEDURES_DIR", None),
    "scanner_delete_scans": ("KIOSK_SCANNER_DELETE_SCANS", True),
    "touch_keypad": ("KIOSK_TOUCH_KEYPAD", False),
    "procedure_public_key": ("KIOSK_PROCEDURE_PUBLIC_KEY", ""),
}


def test_settings_defaults_are_the_tables() -> None:
    """A default written twice will one day differ: the dataclass reads the table."""
    import dataclasses

    from kiosk.config import Settings

    fields = {f.name: f.default for f in dataclasses.fields(Settings)}
    for name, key in SETTINGS_KEYS.items():
        if name == "kiosk_id":
            continue  # worked out from the host name when empty
        assert fields[name] == key.default, name


@pytest.mark.parametrize("url", ["http://demo.localhost:8080", "http://localhost.localdomain"])
def test_a_server_url_the_settings_accept_is_one_the_syncer_sends_to(data_dir, url) -> None:
    """One rule for plain http: the syncer refused these while the settings took them."""
    from kiosk.syncer import SyncConfigError, check_server_url

    with pytest.raises(SyncConfigError):
        check_server_url(url)
    with pytest.raises(SettingsError):
        set_setting(data_dir, "server_url", url)


def test_the_idle_countdown_is_never_under_20_s(data_dir) -> None:
    with pytest.raises(SettingsError, match="20"):
        set_setting(data_dir, "idle_countdown_s", "10")
    set_setting(data_dir, "idle_countdown_s", "45")
    assert load_settings(data_dir).idle_countdown_s == 45


def test_keys_env_vars_and_defaults() -> None:
    assert {k: (s.env, s.default) for k, s in SETTINGS_KEYS.items()} == EXPECTED
    assert all(s.description for s in SETTINGS_KEYS.values())
    assert "device_token" not in SETTINGS_KEYS


def test_defaults_without_a_file(data_dir: Path) -> None:
    settings = load_settings(data_dir)
    assert settings == Settings()
    assert settings.server_url is None and settings.ca_bundle is None
    assert settings.key_store == "keyring"
    assert (settings.backoff_base_s, settings.backoff_cap_s) == (5, 600)
    assert (settings.connect_timeout_s, settings.read_timeout_s) == (5, 30)
    assert (settings.flag_after_h, settings.retention_payload_s) == (24, 0)
    assert (settings.retention_history_days, settings.idle_timeout_s) == (90, 120)
    assert settings.kiosk_id.startswith("kiosk-")
    assert load_settings(data_dir / "does-not-exist") == settings


def test_default_kiosk_id_is_header_safe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kiosk.config.socket, "gethostname", lambda: "Mairie de Sedan (1).local")
    assert kiosk.config.default_kiosk_id() == "kiosk-mairie-de-sedan-1"


# -- data directory --------------------------------------------------------------------------


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KIOSK_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "cli") == tmp_path / "cli"
    assert resolve_data_dir(str(tmp_path / "cli")) == tmp_path / "cli"
    assert resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("KIOSK_DATA_DIR")
    monkeypatch.setattr(
        kiosk.config.platformdirs, "user_data_dir", lambda *a, **k: str(tmp_path / "platform")
    )
    assert resolve_data_dir(None) == tmp_path / "platform"
    assert resolve_data_dir(Path("relative")).is_absolute()


# -- precedence ------------------------------------------------------------------------------


def test_file_then_environment(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_settings(
        data_dir,
        'server_url = "https://bo.example.fr/"\nbackoff_base_s = 2\nread_timeout_s = 12.5\n'
        'kiosk_id = "mairie-sedan-01"\n',
    )
    settings = load_settings(data_dir)
    assert settings.server_url == "https://bo.example.fr"  # the syncer appends /v1/...
    assert settings.backoff_base_s == 2 and settings.read_timeout_s == 12.5
    assert settings.kiosk_id == "mairie-sedan-01"
    assert settings.connect_timeout_s == 5  # default
    monkeypatch.setenv("KIOSK_SYNC_BACKOFF_BASE_S", "0.5")
    monkeypatch.setenv("KIOSK_SERVER_URL", "http://127.0.0.1:8080")
    settings = load_settings(data_dir)
    assert settings.backoff_base_s == 0.5 and settings.server_url == "http://127.0.0.1:8080"
    monkeypatch.setenv("KIOSK_SERVER_URL", "")  # an empty address means "queue only"
    assert load_settings(data_dir).server_url is None


@pytest.mark.parametrize(
    ("key", "env_value", "expected"),
    [
        ("server_url", "https://bo.example.fr/api", "https://bo.example.fr/api"),
        ("backoff_base_s", "7", 7.0),
        ("backoff_cap_s", "60", 60.0),
        ("connect_timeout_s", "3", 3.0),
        ("read_timeout_s", "9", 9.0),
        ("flag_after_h", "0", 0.0),
        ("kiosk_id", "kiosk-test", "kiosk-test"),
        ("ca_bundle", "/etc/kiosk/ca.pem", Path("/etc/kiosk/ca.pem")),
        ("key_store", "file:/media/keys/kiosk.key", "file:/media/keys/kiosk.key"),
        ("retention_payload_s", "3600", 3600.0),
        ("retention_history_days", "30", 30.0),
        ("idle_timeout_s", "45", 45.0),
    ],
)
def test_every_key_has_its_environment_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, key: str, env_value: str, expected: object
) -> None:
    monkeypatch.setenv(SETTINGS_KEYS[key].env, env_value)
    assert getattr(load_settings(data_dir), key) == expected


def test_loopback_http_is_allowed(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for url in ("http://localhost:8000", "http://127.0.0.2", "http://[::1]:9000"):
        monkeypatch.setenv("KIOSK_SERVER_URL", url)
        assert load_settings(data_dir).server_url == url


# -- invalid values ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('backoff_base_s = "soon"', "must be a number"),
        ("backoff_base_s = -1", "more than zero"),
        ("backoff_base_s = 0", "more than zero"),
        ("read_timeout_s = true", "must be a number"),
        ("retention_payload_s = -5", "zero or more"),
        ("flag_after_h = nan", "finite"),
        ('server_url = "http://bo.example.fr"', "https://"),
        ('server_url = "ftp://bo.example.fr"', "https://"),
        ('server_url = "bo.example.fr"', "https://"),
        ('server_url = "https://bo.example.fr:99999"', "not a valid web address"),
        ('kiosk_id = "mairie (sedan)"', "letters, digits"),
        ('key_store = "vault"', '"keyring" or "file:'),
        ('key_store = "file:relative/kiosk.key"', "absolute path"),
        ('ca_bundle = "ca.pem"', "absolute path"),
        ("idle_timeout_s = [1, 2]", "single value"),
    ],
)
def test_invalid_file_values_name_key_and_line(data_dir: Path, line: str, words: str) -> None:
    key = line.split(" ")[0]
    path = write_settings(data_dir, f"# kiosk\n\n{line}\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir)
    message = str(caught.value)
    assert message.startswith(f"{path}:3: {key} ")
    assert words in message


@pytest.mark.parametrize(
    ("env", "value", "words"),
    [
        ("KIOSK_SYNC_CONNECT_TIMEOUT_S", "five", "must be a number"),
        ("KIOSK_SYNC_READ_TIMEOUT_S", "-3", "more than zero"),
        ("KIOSK_RETENTION_HISTORY_DAYS", "inf", "finite"),
        ("KIOSK_SERVER_URL", "http://192.168.1.10", "https://"),
        ("KIOSK_KEY_STORE", "file:", "absolute path"),
    ],
)
def test_invalid_environment_values_name_the_variable(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch, env: str, value: str, words: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir)
    assert str(caught.value).startswith(f"environment variable {env}: ")
    assert words in str(caught.value)


def test_cap_below_base_is_refused(data_dir: Path) -> None:
    write_settings(data_dir, "backoff_base_s = 30\nbackoff_cap_s = 10\n")
    with pytest.raises(SettingsError, match=r"backoff_cap_s .* must not be smaller"):
        load_settings(data_dir)


def test_unknown_keys_and_broken_files(data_dir: Path) -> None:
    path = write_settings(data_dir, "server_url = ''\nbackof_base_s = 3\n")
    with pytest.raises(SettingsError, match=rf"{path}:2: unknown setting 'backof_base_s'"):
        load_settings(data_dir)
    write_settings(data_dir, "server_url = \n")
    with pytest.raises(SettingsError, match="not a valid settings file"):
        load_settings(data_dir)
    path.write_bytes(b"kiosk_id = '\xff'\n")
    with pytest.raises(SettingsError, match="UTF-8"):
        load_settings(data_dir)


def test_a_token_in_the_file_is_refused_without_being_repeated(data_dir: Path) -> None:
    write_settings(data_dir, 'device_token = "s3cret-token-value"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(data_dir)
    assert "s3cret-token-value" not in str(caught.value)
    assert "KIOSK_DEVICE_TOKEN" in str(caught.value)
    with pytest.raises(SettingsError) as caught:
        set_setting(data_dir, "device_token", "s3cret-token-value")
    assert "s3cret-token-value" not in str(caught.value)


# -- get and set -----------------------------------------------------------------------------


def test_set_then_get(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_setting(data_dir, "server_url", "https://bo.example.fr")
    set_setting(data_dir, "backoff_base_s", "2.5")
    set_setting(data_dir, "retention_history_days", "30")
    set_setting(data_dir, "ca_bundle", '/etc/kiosk/ca "privée"\\x.pem')
    data = tomllib.loads((data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
    assert data == {
        "server_url": "https://bo.example.fr",
        "ca_bundle": '/etc/kiosk/ca "privée"\\x.pem',
        "backoff_base_s": 2.5,
        "retention_history_days": 30,
    }
    assert get_setting(data_dir, "server_url") == "https://bo.example.fr"
    assert get_setting(data_dir, "backoff_base_s") == "2.5"
    assert get_setting(data_dir, "retention_history_days") == "30"
    assert get_setting(data_dir, "read_timeout_s") == "30"
    monkeypatch.setenv("KIOSK_SYNC_BACKOFF_BASE_S", "4")
    assert get_setting(data_dir, "backoff_base_s") == "4"  # what is in effect
    set_setting(data_dir, "server_url", "")  # empty: back to the default
    assert get_setting(data_dir, "server_url") == ""
    assert "server_url" not in (data_dir / SETTINGS_FILE).read_text(encoding="utf-8")
    with pytest.raises(SettingsError, match="unknown setting"):
        get_setting(data_dir, "colour")
    with pytest.raises(SettingsError, match="unknown setting"):
        set_setting(data_dir, "colour", "blue")


def test_set_validates_before_writing(data_dir: Path) -> None:
    set_setting(data_dir, "backoff_cap_s", "60")
    before = (data_dir / SETTINGS_FILE).read_bytes()
    for key, value in [
        ("backoff_base_s", "-1"),
        ("backoff_base_s", "120"),  # above the cap
        ("server_url", "http://bo.example.fr"),
    ]:
        with pytest.raises(SettingsError, match=key if key != "backoff_base_s" else "backoff"):
            set_setting(data_dir, key, value)
        assert (data_dir / SETTINGS_FILE).read_bytes() == before


def test_set_is_atomic(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    set_setting(data_dir, "kiosk_id", "mairie-01")
    before = (data_dir / SETTINGS_FILE).read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(kiosk.config.os, "replace", crash)
        with pytest.raises(OSError):
            set_setting(data_dir, "kiosk_id", "mairie-02")
    assert (data_dir / SETTINGS_FILE).read_bytes() == before
    assert sorted(p.name for p in data_dir.iterdir()) == [SETTINGS_FILE]  # no temporary left
    set_setting(data_dir, "kiosk_id", "mairie-02")
    assert load_settings(data_dir).kiosk_id == "mairie-02"


def test_set_creates_the_data_directory(tmp_path: Path) -> None:
    target = tmp_path / "new" / "kiosk"
    set_setting(target, "idle_timeout_s", "90")
    assert load_settings(target).idle_timeout_s == 90
    assert os.listdir(target) == [SETTINGS_FILE]
