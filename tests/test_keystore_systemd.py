"""key_store = "systemd-credentials": the key and the token from $CREDENTIALS_DIRECTORY."""

from __future__ import annotations

import base64
import os

import pytest

from kiosk import keystore
from kiosk.config import Settings, load_settings

SYSTEMD = Settings(key_store="systemd-credentials")


@pytest.fixture
def credentials(tmp_path, monkeypatch):
    folder = tmp_path / "credentials"
    folder.mkdir()
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(folder))
    return folder


def test_the_setting_selects_it(isolated_environment, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_STORE", "systemd-credentials")
    assert load_settings(isolated_environment).key_store == "systemd-credentials"


def test_the_data_key_and_token_come_from_the_credentials(credentials, isolated_environment):
    key = os.urandom(32)
    (credentials / "kiosk-data-key").write_text(base64.b64encode(key).decode() + "\n")
    (credentials / "kiosk-device-token").write_text("tok-123\n")
    assert keystore.load_data_key(SYSTEMD, isolated_environment) == key
    assert keystore.get_device_token(SYSTEMD) == "tok-123"


def test_an_outbox_opens_and_reopens_with_the_credential_key(credentials, isolated_environment):
    from kiosk.outbox import Outbox

    (credentials / "kiosk-data-key").write_text(base64.b64encode(os.urandom(32)).decode())
    with Outbox.open(isolated_environment, SYSTEMD) as outbox:
        assert outbox.counts().get("queued", 0) == 0
    with Outbox.open(isolated_environment, SYSTEMD) as outbox:
        assert outbox.counts().get("queued", 0) == 0


def test_an_empty_token_credential_means_not_provisioned(credentials):
    (credentials / "kiosk-device-token").write_text("")
    assert keystore.get_device_token(SYSTEMD) is None


def test_a_missing_key_is_never_made_up(credentials, isolated_environment):
    with pytest.raises(keystore.MissingKeyError, match=r"provision\.sh"):
        keystore.load_data_key(SYSTEMD, isolated_environment)
    assert not list(credentials.iterdir())  # nothing was written


def test_outside_its_service_it_says_so(isolated_environment, monkeypatch):
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    with pytest.raises(keystore.KeyStoreError, match="CREDENTIALS_DIRECTORY is not set"):
        keystore.load_data_key(SYSTEMD, isolated_environment)


def test_a_damaged_key_is_a_clear_error(credentials, isolated_environment):
    (credentials / "kiosk-data-key").write_bytes(b"\xff\xfe not a key")
    with pytest.raises(keystore.KeyStoreError, match="not text"):
        keystore.load_data_key(SYSTEMD, isolated_environment)
    (credentials / "kiosk-data-key").write_text("c2hvcnQ=")
    with pytest.raises(keystore.KeyStoreError, match="damaged"):
        keystore.load_data_key(SYSTEMD, isolated_environment)


def test_the_token_is_not_set_by_command_under_systemd(credentials):
    with pytest.raises(keystore.KeyStoreError, match=r"provision\.sh"):
        keystore.set_device_token("tok", SYSTEMD)
