"""Settings: defaults, then ``settings.toml`` in the data directory, then the environment.

Every key can be overridden by an environment variable (``SETTINGS_KEYS``
names them). Invalid values raise ``SettingsError`` naming the key and where
the value came from (``settings.toml`` line, or the environment variable), so
an administrator knows what to fix. The device token is never a setting: it
lives in the system keyring or in ``KIOSK_DEVICE_TOKEN`` (see kiosk.keystore).
"""

from __future__ import annotations

import math
import os
import re
import socket
import tempfile
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import platformdirs

from kiosk.datadir import DATA_DIR_ENV, resolve_data_dir
from kiosk.protocol import is_loopback_host

__all__ = [
    "DATA_DIR_ENV",
    "DEVICE_TOKEN_ENV",
    "SETTINGS_FILE",
    "SETTINGS_KEYS",
    "SettingKey",
    "Settings",
    "SettingsError",
    "default_kiosk_id",
    "default_scanner_folder",
    "get_setting",
    "load_settings",
    "resolve_data_dir",
    "set_setting",
]

SETTINGS_FILE = "settings.toml"
DEVICE_TOKEN_ENV = "KIOSK_DEVICE_TOKEN"


class SettingsError(ValueError):
    """A setting has a value the kiosk cannot use; the message names key and source."""


def default_kiosk_id() -> str:
    """``kiosk-<hostname>``, reduced to characters that are safe in an HTTP header."""
    host = socket.gethostname().split(".")[0].lower()
    host = re.sub(r"[^a-z0-9-]+", "-", host).strip("-") or "unnamed"
    return f"kiosk-{host}"[:64]


# -- value parsers: raw value (TOML scalar or environment string) -> typed value ----------
# Each raises ValueError with the end of a sentence: "<key> <message>".


def _number(raw: Any, *, allow_zero: bool) -> float:
    if isinstance(raw, bool):
        raise ValueError(f"must be a number, not {str(raw).lower()}")
    if isinstance(raw, str):
        text = raw.strip()
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"must be a number, not {raw!r}") from None
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise ValueError(f"must be a number, not {raw!r}")
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, not {raw!r}")
    if value < 0 or (value == 0 and not allow_zero):
        least = "zero or more" if allow_zero else "more than zero"
        raise ValueError(f"must be {least}, not {_show(raw)}")
    return value


def _show(raw: Any) -> str:
    return raw if isinstance(raw, str) else repr(raw)


def _positive(raw: Any) -> float:
    return _number(raw, allow_zero=False)


def _non_negative(raw: Any) -> float:
    return _number(raw, allow_zero=True)


def _countdown(raw: Any) -> float:
    seconds = _positive(raw)
    if seconds < 20:
        raise ValueError(f"must be at least 20 seconds (WCAG 2.2.1), not {_show(raw)}")
    return seconds


def _text(raw: Any) -> str:
    if not isinstance(raw, str):
        raise ValueError(f"must be text in quotes, not {raw!r}")
    return raw.strip()


def _proxy_url(raw: Any) -> str | None:
    text = _text(raw)
    if not text:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        raise ValueError(f"is not a valid proxy address: {text!r}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"must look like http://host:port, not {text!r}")
    return text


def _server_url(raw: Any) -> str | None:
    text = _text(raw)
    if not text:
        return None
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError on a bad port
    except ValueError:
        raise ValueError(f"is not a valid web address: {text!r}") from None
    if parts.scheme not in ("https", "http") or not host:
        raise ValueError(f"must be a web address starting with https://, not {text!r}")
    if parts.scheme == "http" and not is_loopback_host(host):
        raise ValueError(
            f"must use https:// (plain http:// is allowed only for this computer, "
            f"localhost or 127.0.0.1), not {text!r}"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValueError(f"must be a plain base address without ?, # or a password: {text!r}")
    # The syncer appends "/v1/..." to it.
    return text.rstrip("/")


def _optional_path(raw: Any) -> Path | None:
    text = _text(raw)
    if not text:
        return None
    path = Path(text).expanduser()
    if not path.is_absolute():
        raise ValueError(f"must be an absolute path, not {text!r}")
    return path


def _kiosk_id(raw: Any) -> str:
    text = _text(raw)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}", text):
        raise ValueError(
            "must be 1 to 64 letters, digits, dots, dashes or underscores "
            f"(it is sent in every request), not {text!r}"
        )
    return text


def _key_store(raw: Any) -> str:
    text = _text(raw)
    if text in ("keyring", "systemd-credentials"):
        return text
    if text.startswith("file:"):
        path = Path(text[len("file:") :]).expanduser()
        if not text[len("file:") :] or not path.is_absolute():
            raise ValueError(f'must be "file:" followed by an absolute path, not {text!r}')
        return f"file:{path}"
    raise ValueError(
        'must be "keyring" or "file:/absolute/path" (or "systemd-credentials" under '
        f"systemd), not {text!r}"
    )


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    raise ValueError(f"must be true or false, not {_show(raw)}")


def default_scanner_folder() -> Path:
    """The user's Documents folder when it exists, else their home folder."""
    documents = Path(platformdirs.user_documents_dir())
    return documents if documents.is_dir() else Path.home()


@dataclass(frozen=True)
class SettingKey:
    name: str
    env: str
    default: Any
    description: str
    parse: Callable[[Any], Any]

    @property
    def nullable(self) -> bool:
        return self.parse in (_server_url, _proxy_url, _optional_path)


_KEYS = (
    SettingKey(
        "server_url", "KIOSK_SERVER_URL", None,
        "Back-office base address (https://...); empty: keep requests queued on this kiosk.",
        _server_url,
    ),
    SettingKey(
        "kiosk_id", "KIOSK_ID", None,
        "This kiosk's name, sent with every request (default: kiosk-<hostname>).",
        _kiosk_id,
    ),
    SettingKey(
        "ca_bundle", "KIOSK_CA_BUNDLE", None,
        "Absolute path to a CA certificate bundle for a back-office with a private CA.",
        _optional_path,
    ),
    SettingKey(
        "key_store", "KIOSK_KEY_STORE", "keyring",
        'Where the data key lives: "keyring" (the system keyring) or "file:/absolute/path".',
        _key_store,
    ),
    SettingKey(
        "backoff_base_s", "KIOSK_SYNC_BACKOFF_BASE_S", 5.0,
        "First retry delay, in seconds; doubles on each failure.",
        _positive,
    ),
    SettingKey(
        "backoff_cap_s", "KIOSK_SYNC_BACKOFF_CAP_S", 600.0,
        "Longest retry delay, in seconds.",
        _positive,
    ),
    SettingKey(
        "connect_timeout_s", "KIOSK_SYNC_CONNECT_TIMEOUT_S", 5.0,
        "Seconds to wait for the back-office to accept a connection.",
        _positive,
    ),
    SettingKey(
        "read_timeout_s", "KIOSK_SYNC_READ_TIMEOUT_S", 30.0,
        "Seconds to wait for the back-office to answer.",
        _positive,
    ),
    SettingKey(
        "request_deadline_s", "KIOSK_SYNC_REQUEST_DEADLINE_S", 120.0,
        "Longest time one request to the back-office may take in all, however the "
        "server drips its answer (an upload included).",
        _positive,
    ),
    SettingKey(
        "proxy_url", "KIOSK_PROXY_URL", None,
        "HTTP proxy for the back-office (http://host:port), used only when set here: "
        "HTTP_PROXY and the like are ignored.",
        _proxy_url,
    ),
    SettingKey(
        "flag_after_h", "KIOSK_SYNC_FLAG_AFTER_H", 24.0,
        "Hours of failed sending after which a request is flagged for a person.",
        _non_negative,
    ),
    SettingKey(
        "retention_payload_s", "KIOSK_RETENTION_PAYLOAD_S", 0.0,
        "Seconds to keep a request's content and attachments after delivery (0: delete at once).",
        _non_negative,
    ),
    SettingKey(
        "retention_history_days", "KIOSK_RETENTION_HISTORY_DAYS", 90.0,
        "Days to keep the receipt line (references, dates, state) of a delivered request.",
        _non_negative,
    ),
    SettingKey(
        "idle_timeout_s", "KIOSK_IDLE_TIMEOUT_S", 120.0,
        "Seconds without a touch before the screen offers to end the session.",
        _positive,
    ),
    SettingKey(
        "idle_countdown_s", "KIOSK_IDLE_COUNTDOWN_S", 30.0,
        "Seconds the \"are you still there?\" countdown lasts before the answers are "
        "wiped (at least 20, WCAG 2.2.1; people who read slowly need 30 or more).",
        _countdown,
    ),
    SettingKey(
        "scanner_folder", "KIOSK_SCANNER_FOLDER", None,
        "Absolute path of the folder where the scanner saves its files; the documents "
        "screen shows the newest ones (default: the Documents folder, else home).",
        _optional_path,
    ),
    SettingKey(
        "procedures_dir", "KIOSK_PROCEDURES_DIR", None,
        "Absolute path of a folder of procedure files laid over the shipped ones: a file "
        "there adds a procedure or replaces the shipped one with the same id (fonts, "
        "pictures and postal data still come from the shipped resources).",
        _optional_path,
    ),
    SettingKey(
        "scanner_delete_scans", "KIOSK_SCANNER_DELETE_SCANS", True,
        "true: at the end of each person's session, delete the files that arrived in the "
        "scanner folder during it (only in a scanner_folder that was set: nothing is ever "
        "deleted from the default folder).",
        _boolean,
    ),
    SettingKey(
        "touch_keypad", "KIOSK_TOUCH_KEYPAD", False,
        "true: show a large on-screen number keypad under number inputs "
        "(always shown in kiosk mode).",
        _boolean,
    ),
    SettingKey(
        "procedure_public_key", "KIOSK_PROCEDURE_PUBLIC_KEY", "",
        "Ed25519 public key (base64) of procedure updates; empty: no remote updates.",
        _text,
    ),
)  # fmt: skip

#: key -> (environment variable, default, description, parser)
SETTINGS_KEYS: dict[str, SettingKey] = {k.name: k for k in _KEYS}


#: the defaults, read by ``Settings`` (immutable values: None, numbers, text, booleans)
_DEFAULTS: dict[str, Any] = {k.name: k.default for k in _KEYS}


@dataclass(frozen=True)
class Settings:
    """Every setting, typed; the defaults are the ``SettingKey`` table's (written once)."""

    server_url: str | None = _DEFAULTS["server_url"]
    #: empty: ``kiosk-<hostname>`` (worked out when the settings are made)
    kiosk_id: str = ""
    ca_bundle: Path | None = _DEFAULTS["ca_bundle"]
    key_store: str = _DEFAULTS["key_store"]
    backoff_base_s: float = _DEFAULTS["backoff_base_s"]
    backoff_cap_s: float = _DEFAULTS["backoff_cap_s"]
    connect_timeout_s: float = _DEFAULTS["connect_timeout_s"]
    read_timeout_s: float = _DEFAULTS["read_timeout_s"]
    request_deadline_s: float = _DEFAULTS["request_deadline_s"]
    proxy_url: str | None = _DEFAULTS["proxy_url"]
    flag_after_h: float = _DEFAULTS["flag_after_h"]
    retention_payload_s: float = _DEFAULTS["retention_payload_s"]
    retention_history_days: float = _DEFAULTS["retention_history_days"]
    idle_timeout_s: float = _DEFAULTS["idle_timeout_s"]
    idle_countdown_s: float = _DEFAULTS["idle_countdown_s"]
    scanner_folder: Path | None = _DEFAULTS["scanner_folder"]
    scanner_delete_scans: bool = _DEFAULTS["scanner_delete_scans"]
    procedures_dir: Path | None = _DEFAULTS["procedures_dir"]
    touch_keypad: bool = _DEFAULTS["touch_keypad"]
    procedure_public_key: str = _DEFAULTS["procedure_public_key"]
    #: whether ``scanner_folder`` was given (settings file, environment, caller)
    #: rather than the default (Documents, home), where nothing may be deleted.
    #: Worked out from ``scanner_folder``; never true without it.
    #: ``dataclasses.replace`` keeps the first answer: the default stays a default.
    scanner_folder_explicit: bool | None = None

    def __post_init__(self) -> None:
        if not self.kiosk_id:
            object.__setattr__(self, "kiosk_id", default_kiosk_id())
        explicit = self.scanner_folder is not None and self.scanner_folder_explicit is not False
        object.__setattr__(self, "scanner_folder_explicit", explicit)
        if self.scanner_folder is None:
            object.__setattr__(self, "scanner_folder", default_scanner_folder())


# -- data directory ------------------------------------------------------------------------


# -- reading ---------------------------------------------------------------------------------


def _settings_path(data_dir: Path) -> Path:
    return Path(data_dir) / SETTINGS_FILE


def _line_of(text: str, key: str) -> int | None:
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def _read_file(path: Path) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, ""
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: the settings file is not UTF-8 text") from None
    except OSError as e:
        raise SettingsError(f"{path}: the settings file cannot be read ({e.strerror})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SettingsError(f"{path}: not a valid settings file ({e})") from None
    return data, text


def _file_values(path: Path) -> dict[str, tuple[Any, str]]:
    """Raw values from settings.toml with, for each, where it came from."""
    data, text = _read_file(path)
    values: dict[str, tuple[Any, str]] = {}
    for key, raw in data.items():
        line = _line_of(text, key)
        where = f"{path}:{line}" if line else str(path)
        if key in ("device_token", "token"):
            # Never echo the value: it may be the token itself.
            raise SettingsError(
                f"{where}: the device token must not be written in {SETTINGS_FILE}; remove "
                f"this line and store it in the system keyring or in {DEVICE_TOKEN_ENV}"
            )
        if key not in SETTINGS_KEYS:
            known = ", ".join(SETTINGS_KEYS)
            raise SettingsError(f"{where}: unknown setting '{key}' (known settings: {known})")
        if isinstance(raw, dict | list):
            raise SettingsError(f"{where}: {key} must be a single value, not a table or list")
        values[key] = (raw, where)
    return values


def _parse(spec: SettingKey, raw: Any, where: str) -> Any:
    try:
        return spec.parse(raw)
    except ValueError as e:
        raise SettingsError(f"{where}: {spec.name} {e}") from None


def _build(chosen: Mapping[str, tuple[Any, str]]) -> Settings:
    values: dict[str, Any] = {}
    for name, spec in SETTINGS_KEYS.items():
        if name in chosen:
            raw, where = chosen[name]
            values[name] = _parse(spec, raw, where)
        elif spec.default is not None:
            values[name] = spec.default
    settings = Settings(**values)
    if settings.backoff_cap_s < settings.backoff_base_s:
        _, where = chosen.get("backoff_cap_s", chosen.get("backoff_base_s", (None, "defaults")))
        raise SettingsError(
            f"{where}: backoff_cap_s ({settings.backoff_cap_s:g}) must not be smaller than "
            f"backoff_base_s ({settings.backoff_base_s:g})"
        )
    return settings


def _env_values() -> dict[str, tuple[Any, str]]:
    found: dict[str, tuple[Any, str]] = {}
    for name, spec in SETTINGS_KEYS.items():
        raw = os.environ.get(spec.env)
        if raw is None:
            continue
        if not raw.strip() and not spec.nullable:
            continue  # an empty variable counts as unset, except to clear an address or path
        found[name] = (raw, f"environment variable {spec.env}")
    return found


def load_settings(data_dir: Path) -> Settings:
    """Defaults, overridden by settings.toml, overridden by the environment."""
    chosen = _file_values(_settings_path(data_dir))
    chosen.update(_env_values())
    return _build(chosen)


def _format(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if value == int(value) and abs(value) < 1e15 else repr(value)
    return str(value)


def get_setting(data_dir: Path, key: str) -> str:
    """The value in effect (file and environment applied), as text; "" when unset."""
    if key not in SETTINGS_KEYS:
        raise SettingsError(f"unknown setting '{key}' (known settings: {', '.join(SETTINGS_KEYS)})")
    return _format(getattr(load_settings(data_dir), key))


# -- writing ---------------------------------------------------------------------------------


def _toml_string(text: str) -> str:
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return _toml_string(str(value))


def _render(values: Mapping[str, Any]) -> str:
    lines = [
        "# Kiosk settings. Every key can also be set by an environment variable,",
        "# which wins over this file. See docs/outbox.md for the full list.",
        "# The device token is never written here (system keyring or KIOSK_DEVICE_TOKEN).",
    ]
    for name, spec in SETTINGS_KEYS.items():
        if name in values:
            lines += [
                "",
                f"# {spec.description} ({spec.env})",
                f"{name} = {_toml_value(values[name])}",
            ]
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".settings-", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if os.name == "posix":
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def set_setting(data_dir: Path, key: str, value: str) -> None:
    """Check ``value`` and write it to settings.toml, atomically.

    An empty value removes the key from the file (its default applies again).
    """
    if key in ("device_token", "token"):
        raise SettingsError(
            f"the device token is not a setting; store it in the system keyring or in "
            f"{DEVICE_TOKEN_ENV}"
        )
    if key not in SETTINGS_KEYS:
        raise SettingsError(f"unknown setting '{key}' (known settings: {', '.join(SETTINGS_KEYS)})")
    path = _settings_path(data_dir)
    current = _file_values(path)
    if value.strip():
        current[key] = (value, f"value given for {key}")
    else:
        current.pop(key, None)
    _build(current)  # the whole file must still make sense (cap >= base, ...)
    stored: dict[str, Any] = {}
    for name, (raw, where) in current.items():
        parsed = _parse(SETTINGS_KEYS[name], raw, where)
        if parsed is not None:
            stored[name] = str(parsed) if isinstance(parsed, Path) else parsed
    _write_atomically(path, _render(stored))
