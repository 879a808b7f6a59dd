"""The key store: the data key and the device token, never next to the data."""

from __future__ import annotations

import base64
import logging
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from keyring.backend import KeyringBackend

from kiosk.config import Settings
from kiosk.keystore import (
    DEVICE_TOKEN_USERNAME,
    SERVICE,
    KeyFileError,
    KeyringUnavailable,
    MissingKeyError,
    data_key_name,
    delete_device_token,
    get_device_token,
    load_data_key,
    set_device_token,
)
from kiosk.outbox import DB_NAME, Outbox
from tests.memory_keyring import MemoryKeyring

TOKEN = "tok-3f9a1c0e77d2b845"


def one_sentence(text: str) -> bool:
    return text.endswith(".") and re.search(r"[.!?;:]\s+[A-Z]", text) is None


@pytest.fixture
def data_dir(isolated_environment: Path) -> Path:
    return isolated_environment


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """What a headless Linux without Secret Service (or a frozen app) gets."""
    keyring.set_keyring(keyring.backends.fail.Keyring())
    yield
    keyring.set_keyring(MemoryKeyring())


class ForgetfulKeyring(KeyringBackend):
    """Like keyring's null backend: accepts everything, keeps nothing."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        pass

    def delete_password(self, service: str, username: str) -> None:
        pass


class LockedKeyring(KeyringBackend):
    """A backend failing with its own error type (D-Bus, pywin32...)."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise OSError("org.freedesktop.DBus.Error.ServiceUnknown")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise OSError("org.freedesktop.DBus.Error.ServiceUnknown")

    def delete_password(self, service: str, username: str) -> None:
        raise OSError("org.freedesktop.DBus.Error.ServiceUnknown")


# -- the data key in the keyring ---------------------------------------------------------------


def test_data_key_is_made_once_and_kept_in_the_keyring(data_dir: Path) -> None:
    key = load_data_key(Settings(), data_dir)
    assert len(key) == 32
    name = data_key_name(data_dir)
    assert name.startswith("outbox-key:")
    stored = keyring.get_password(SERVICE, name)
    assert stored is not None and base64.b64decode(stored) == key
    assert load_data_key(Settings(), data_dir) == key
    assert load_data_key(Settings(), data_dir / "elsewhere") != key  # one key per data dir
    assert data_key_name(data_dir) == data_key_name(data_dir / "sub" / "..")


def test_a_missing_key_is_not_silently_replaced(data_dir: Path) -> None:
    with pytest.raises(MissingKeyError) as caught:
        load_data_key(Settings(), data_dir, create=False)
    assert one_sentence(str(caught.value))
    assert keyring.get_password(SERVICE, data_key_name(data_dir)) is None


def test_a_damaged_key_in_the_keyring_is_an_error(data_dir: Path) -> None:
    keyring.set_password(SERVICE, data_key_name(data_dir), "not base64 !")
    with pytest.raises(KeyFileError, match="damaged"):
        load_data_key(Settings(), data_dir)


@pytest.mark.usefixtures("no_keyring")
def test_no_keyring_is_one_clear_sentence_and_writes_nothing(data_dir: Path) -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        load_data_key(Settings(), data_dir)
    message = str(caught.value)
    assert one_sentence(message), message
    assert "keyring" in message and 'key_store = "file:' in message
    assert isinstance(caught.value.__cause__, keyring.errors.NoKeyringError)

    with pytest.raises(KeyringUnavailable) as caught:
        Outbox.open(data_dir)
    assert str(caught.value) == message
    # Never the key next to the data: the data directory holds nothing at all.
    assert list(data_dir.iterdir()) == []


@pytest.mark.parametrize("backend", [ForgetfulKeyring, LockedKeyring])
def test_other_unusable_keyrings_are_detected(data_dir: Path, backend: type) -> None:
    keyring.set_keyring(backend())
    try:
        with pytest.raises(KeyringUnavailable) as caught:
            load_data_key(Settings(), data_dir)
        assert one_sentence(str(caught.value))
    finally:
        keyring.set_keyring(MemoryKeyring())


# -- the data key in a file --------------------------------------------------------------------


def test_file_key_store(tmp_path: Path, data_dir: Path, no_keyring: None) -> None:
    key_file = tmp_path / "protected" / "kiosk.key"
    settings = Settings(key_store=f"file:{key_file}")
    key = load_data_key(settings, data_dir)  # the (failing) keyring is never asked
    assert len(key) == 32 and base64.b64decode(key_file.read_text()) == key
    if os.name == "posix":
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert load_data_key(settings, data_dir) == key
    assert [p.name for p in key_file.parent.iterdir()] == ["kiosk.key"]  # no temporary left
    with Outbox.open(data_dir, settings) as box:
        assert box.counts()["total"] == 0
    assert sorted(p.name for p in data_dir.iterdir()) == [DB_NAME]


def test_file_key_store_missing_file_with_existing_data(tmp_path: Path, data_dir: Path) -> None:
    key_file = tmp_path / "kiosk.key"
    settings = Settings(key_store=f"file:{key_file}")
    with Outbox.open(data_dir, settings):
        pass
    key_file.unlink()
    with pytest.raises(MissingKeyError) as caught:
        Outbox.open(data_dir, settings)
    assert str(key_file) in str(caught.value) and one_sentence(str(caught.value))
    assert not key_file.exists()


def test_file_key_store_refuses_the_data_directory(data_dir: Path) -> None:
    settings = Settings(key_store=f"file:{data_dir / 'keys' / 'kiosk.key'}")
    with pytest.raises(KeyFileError, match="inside the kiosk's data directory"):
        load_data_key(settings, data_dir)
    assert not (data_dir / "keys").exists()


def test_file_key_store_damaged_or_open_to_others(
    tmp_path: Path, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key_file = tmp_path / "kiosk.key"
    key_file.write_text("garbage\n")
    settings = Settings(key_store=f"file:{key_file}")
    with pytest.raises(KeyFileError, match="damaged") as caught:
        load_data_key(settings, data_dir)
    assert one_sentence(str(caught.value))
    key_file.write_text(base64.b64encode(bytes(32)).decode())
    key_file.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="kiosk.keystore"):
        assert load_data_key(settings, data_dir) == bytes(32)
    if os.name == "posix":
        assert "chmod 600" in caplog.text


def test_key_file_in_an_unwritable_place(tmp_path: Path, data_dir: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    settings = Settings(key_store=f"file:{blocker / 'kiosk.key'}")
    with pytest.raises(KeyFileError, match="key file") as caught:
        load_data_key(settings, data_dir)
    assert one_sentence(str(caught.value))


# -- the device token --------------------------------------------------------------------------


def test_device_token_environment_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    assert get_device_token(Settings()) is None
    set_device_token(TOKEN)
    assert keyring.get_password(SERVICE, DEVICE_TOKEN_USERNAME) == TOKEN
    assert get_device_token(Settings()) == TOKEN
    monkeypatch.setenv("KIOSK_DEVICE_TOKEN", "from-env")
    assert get_device_token(Settings()) == "from-env"
    monkeypatch.delenv("KIOSK_DEVICE_TOKEN")
    delete_device_token()
    assert get_device_token() is None
    with pytest.raises(ValueError):
        set_device_token("  ")


def test_device_token_without_keyring(
    no_keyring: None, monkeypatch: pytest.MonkeyPatch, data_dir: Path
) -> None:
    with pytest.raises(KeyringUnavailable) as caught:
        set_device_token(TOKEN)
    message = str(caught.value)
    assert one_sentence(message) and "KIOSK_DEVICE_TOKEN" in message
    assert TOKEN not in message and TOKEN not in repr(caught.value.__cause__)
    with pytest.raises(KeyringUnavailable):
        get_device_token(Settings())
    monkeypatch.setenv("KIOSK_DEVICE_TOKEN", TOKEN)
    assert get_device_token(Settings()) == TOKEN  # the documented way out
    assert not data_dir.exists() or all(
        TOKEN.encode() not in p.read_bytes() for p in data_dir.rglob("*") if p.is_file()
    )


def test_secrets_never_reach_the_log(
    caplog: pytest.LogCaptureFixture, data_dir: Path, tmp_path: Path
) -> None:
    with caplog.at_level(logging.DEBUG):
        set_device_token(TOKEN)
        get_device_token()
        key = load_data_key(Settings(), data_dir)
        file_key = load_data_key(Settings(key_store=f"file:{tmp_path / 'k'}"), data_dir)
    for secret in (TOKEN, base64.b64encode(key).decode(), base64.b64encode(file_key).decode()):
        assert secret not in caplog.text
