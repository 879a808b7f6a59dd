"""Where the kiosk keeps its secrets: the outbox's data key and the device token.

By default both live in the operating system's keyring (Windows Credential
Manager, macOS Keychain, Secret Service on Linux), under the service "kiosk".
An unattended Linux kiosk (no one types a password at boot, so no keyring is
unlocked) uses ``key_store = "systemd-credentials"``: the key and the device
token are encrypted for the machine (its TPM when it has one) and systemd
decrypts them into ``$CREDENTIALS_DIRECTORY`` for the kiosk's service only
(``LoadCredentialEncrypted=``, deploy/linux/kiosk.service, docs/deploy.md).
A machine that truly has no keyring can name a key file instead
(``key_store = "file:/path/on/protected/disk"``); the key is then only as safe
as that file, which must not sit next to the data it protects.

Nothing here ever writes a secret to a log line or an error message, and a
missing keyring is an error, never a reason to write the key next to the data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
import stat
from pathlib import Path

import keyring
import keyring.errors

from kiosk.config import DEVICE_TOKEN_ENV, Settings

__all__ = [
    "DEVICE_TOKEN_USERNAME",
    "KEY_BYTES",
    "SERVICE",
    "KeyFileError",
    "KeyStoreError",
    "KeyringUnavailable",
    "MissingKeyError",
    "data_key_name",
    "get_device_token",
    "load_data_key",
    "set_device_token",
]

log = logging.getLogger(__name__)

SERVICE = "kiosk"
DEVICE_TOKEN_USERNAME = "device-token"
KEY_BYTES = 32  # AES-256

_KEY_MESSAGE = (
    "No system keyring is available to protect the kiosk's data key; install and start a "
    'Secret Service (gnome-keyring) or set key_store = "file:/path/on/protected/disk" in '
    "settings.toml (see docs/outbox.md)."
)
_TOKEN_MESSAGE = (
    "No system keyring is available to hold the kiosk's device token; install and start a "
    f"Secret Service (gnome-keyring) or set the {DEVICE_TOKEN_ENV} environment variable "
    "(see docs/outbox.md)."
)


class KeyStoreError(Exception):
    """A secret could not be read or kept; ``str(e)`` says what to do."""


class KeyringUnavailable(KeyStoreError):
    """The system keyring is missing, locked or refuses to keep a secret."""


class KeyFileError(KeyStoreError):
    """The configured key file cannot be used."""


class MissingKeyError(KeyStoreError):
    """The key store has no key for data that already exists."""


def data_key_name(data_dir: Path) -> str:
    """The keyring username of the data key of the outbox in ``data_dir``.

    Derived from the data directory's absolute path, so two kiosk profiles on
    one machine never share a key; moving the data directory means moving the
    key too (docs/outbox.md).
    """
    where = os.path.normcase(str(Path(data_dir).expanduser().resolve()))
    return "outbox-key:" + hashlib.sha256(where.encode("utf-8")).hexdigest()[:16]


# -- keyring ---------------------------------------------------------------------------------
# Backends raise many kinds of errors (KeyringError, D-Bus errors, pywin32 errors,
# NotImplementedError from an empty chainer); all mean "no usable keyring".


def _keyring_get(username: str, message: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, username)
    except Exception as e:
        log.warning("keyring read failed: %s", type(e).__name__)
        raise KeyringUnavailable(message) from e


def _keyring_set(username: str, secret: str, message: str) -> None:
    try:
        keyring.set_password(SERVICE, username, secret)
        # The "null" backend and an empty chainer accept and forget: read back.
        stored = keyring.get_password(SERVICE, username)
    except Exception as e:
        log.warning("keyring write failed: %s", type(e).__name__)
        raise KeyringUnavailable(message) from e
    if stored != secret:
        raise KeyringUnavailable(message)


def _encode(key: bytes) -> str:
    return base64.b64encode(key).decode("ascii")


def _decode(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(
            f"The kiosk's data key in {where} is damaged (it is not a 256-bit key in base64); "
            "restore it from your backup (see docs/outbox.md)."
        )
    return key


# -- key file --------------------------------------------------------------------------------


def _key_file_path(settings: Settings, data_dir: Path) -> Path:
    path = Path(settings.key_store[len("file:") :]).expanduser()
    if not path.is_absolute():
        raise KeyFileError(
            f"The key file named in key_store must be an absolute path, not {str(path)!r}."
        )
    data = Path(data_dir).expanduser().resolve()
    resolved = path.resolve()
    if resolved == data or data in resolved.parents:
        raise KeyFileError(
            f"The key file {path} is inside the kiosk's data directory, where it would not "
            "protect anything; choose a path on another protected disk (see docs/outbox.md)."
        )
    return path


def _read_key_file(path: Path) -> bytes | None:
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise KeyFileError(
            f"The kiosk's key file {path} cannot be read; check that the disk is there and "
            "the kiosk's account may read it (see docs/outbox.md)."
        ) from e
    if os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("key file %s can be read by other accounts; chmod 600 it", path)
    return _decode(text, str(path))


def _create_key_file(path: Path, key: bytes) -> bytes:
    """Write a new key file (mode 0600) without ever leaving a half-written one.

    The key goes to a temporary file first, then is linked to its name, which
    fails if another process created the file meanwhile; that file then wins.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(_encode(key) + "\n")
                f.flush()
                os.fsync(f.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                existing = _read_key_file(path)
                if existing is None:  # pragma: no cover - vanished meanwhile
                    raise
                return existing
        finally:
            tmp.unlink(missing_ok=True)
    except KeyStoreError:
        raise
    except OSError as e:
        raise KeyFileError(
            f"The kiosk could not create its key file {path}; check that the folder exists "
            "on a writable disk (see docs/outbox.md)."
        ) from e
    log.info("created the outbox data key in %s", path)
    return key


# -- systemd credentials ---------------------------------------------------------------------
# systemd decrypts each LoadCredentialEncrypted= into a read-only file of
# $CREDENTIALS_DIRECTORY, readable by the service's user only (systemd.exec(5)).

SYSTEMD_STORE = "systemd-credentials"
CREDENTIALS_ENV = "CREDENTIALS_DIRECTORY"
DATA_KEY_CREDENTIAL = "kiosk-data-key"
DEVICE_TOKEN_CREDENTIAL = "kiosk-device-token"
_MAX_CREDENTIAL_BYTES = 64 * 1024


def _credential(name: str) -> str | None:
    """The decrypted credential ``name`` as text, None if this service has none."""
    folder = os.environ.get(CREDENTIALS_ENV, "").strip()
    if not folder:
        raise KeyStoreError(
            f'key_store is "{SYSTEMD_STORE}" but {CREDENTIALS_ENV} is not set: the kiosk '
            "must run from its systemd service, which decrypts its credentials "
            "(LoadCredentialEncrypted=, see docs/deploy.md)."
        )
    path = Path(folder) / name
    try:
        with path.open("rb") as f:
            raw = f.read(_MAX_CREDENTIAL_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise KeyStoreError(
            f"The systemd credential {name} cannot be read; check the service's "
            "LoadCredentialEncrypted= lines (see docs/deploy.md)."
        ) from e
    if len(raw) > _MAX_CREDENTIAL_BYTES:
        raise KeyStoreError(f"The systemd credential {name} is too large to be a secret.")
    try:
        return raw.decode("ascii").strip()
    except UnicodeDecodeError:
        raise KeyStoreError(
            f"The systemd credential {name} is not text; make it again with "
            "systemd-creds encrypt (see docs/deploy.md)."
        ) from None


def _credential_data_key(*, create: bool) -> bytes:
    text = _credential(DATA_KEY_CREDENTIAL)
    if not text:
        what = "is missing"
        if not create:
            what += ", so the requests already waiting cannot be read"
        raise MissingKeyError(
            f"The kiosk's data key (systemd credential {DATA_KEY_CREDENTIAL}) {what}; "
            "provision it with deploy/linux/provision.sh or restore the .cred file from "
            "your backup (see docs/deploy.md)."
        )
    return _decode(text, f"the systemd credential {DATA_KEY_CREDENTIAL}")


# -- data key --------------------------------------------------------------------------------


def load_data_key(settings: Settings, data_dir: Path, *, create: bool = True) -> bytes:
    """The outbox's 256-bit key from the configured key store, made on first run.

    With ``create=False`` (data already exists under some key), a missing key
    raises ``MissingKeyError`` instead of silently making a new one.
    """
    if settings.key_store.startswith("file:"):
        path = _key_file_path(settings, data_dir)
        key = _read_key_file(path)
        if key is not None:
            return key
        if not create:
            raise MissingKeyError(
                f"The kiosk's data key is missing from {path}, so the requests already "
                "waiting cannot be read; restore the key file from your backup "
                "(see docs/outbox.md)."
            )
        return _create_key_file(path, secrets.token_bytes(KEY_BYTES))
    if settings.key_store == SYSTEMD_STORE:
        return _credential_data_key(create=create)
    if settings.key_store != "keyring":
        raise KeyFileError(
            'key_store must be "keyring", "systemd-credentials" or "file:/absolute/path", '
            f"not {settings.key_store!r}."
        )
    username = data_key_name(data_dir)
    text = _keyring_get(username, _KEY_MESSAGE)
    if text is not None:
        return _decode(text, f"the system keyring ({SERVICE} / {username})")
    if not create:
        raise MissingKeyError(
            f"The kiosk's data key ({SERVICE} / {username}) is missing from the system "
            "keyring, so the requests already waiting cannot be read; restore it or move "
            "the data directory back where it was (see docs/outbox.md)."
        )
    key = secrets.token_bytes(KEY_BYTES)
    _keyring_set(username, _encode(key), _KEY_MESSAGE)
    log.info("created the outbox data key in the system keyring (%s / %s)", SERVICE, username)
    return key


# -- device token ----------------------------------------------------------------------------


def get_device_token(settings: Settings | None = None) -> str | None:
    """``KIOSK_DEVICE_TOKEN`` if set, else the key store's; None if never provisioned.

    The key store is the keyring, or systemd's credentials when ``settings``
    says ``key_store = "systemd-credentials"`` (a key file holds no token).
    """
    from_env = os.environ.get(DEVICE_TOKEN_ENV, "").strip()
    if from_env:
        _forget_in_logs(from_env)
        return from_env
    if settings is not None and settings.key_store == SYSTEMD_STORE:
        token = _credential(DEVICE_TOKEN_CREDENTIAL)
    else:
        token = _keyring_get(DEVICE_TOKEN_USERNAME, _TOKEN_MESSAGE)
    if token:
        _forget_in_logs(token)
    return token or None


def _forget_in_logs(token: str) -> None:
    from kiosk import logs

    logs.forget(token)


def set_device_token(token: str, settings: Settings | None = None) -> None:
    """Keep the device token in the system keyring."""
    token = token.strip()
    if not token:
        raise ValueError("The device token is empty.")
    if settings is not None and settings.key_store == SYSTEMD_STORE:
        raise KeyStoreError(
            "With systemd credentials, the device token is provisioned with "
            "deploy/linux/provision.sh BUNDLE TOKEN_FILE (systemd-creds encrypt), "
            "not with this command (see docs/deploy.md)."
        )
    _keyring_set(DEVICE_TOKEN_USERNAME, token, _TOKEN_MESSAGE)


def delete_device_token() -> None:
    """Forget the device token (device decommissioned or token revoked)."""
    try:
        keyring.delete_password(SERVICE, DEVICE_TOKEN_USERNAME)
    except keyring.errors.PasswordDeleteError:
        pass
    except Exception as e:
        raise KeyringUnavailable(_TOKEN_MESSAGE) from e
