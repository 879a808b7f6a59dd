"""``kiosk doctor``: a checklist an IT person reads, one line per check.

Each line starts with ``ok``, ``problem`` or ``skipped``, then what was
checked and, for a problem, what to do. The Qt-free checks live here; the
screens' checks (typeface loaded by Qt, platform plugins, printer, voices)
are added by ``ui.doctor``. The exit code is 0 when no required check has a
problem, 1 otherwise.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["MIN_FREE_BYTES", "Check", "exit_code", "format_check", "kiosk_checks"]

OK, PROBLEM, SKIPPED = "ok", "problem", "skipped"
MIN_FREE_BYTES = 200 * 1024 * 1024
CLOCK_TOLERANCE_S = 180


@dataclass(frozen=True)
class Check:
    state: str
    what: str
    fix: str = ""
    required: bool = True


def format_check(check: Check) -> str:
    text = f"{check.state:<8} {check.what}"
    return f"{text} — {check.fix}" if check.fix and check.state != OK else text


def exit_code(checks: Iterable[Check], *, only_required: bool = False) -> int:
    """1 if a check has a problem (with ``only_required``: a check the bundle must pass)."""
    return 1 if any(c.state == PROBLEM and (c.required or not only_required) for c in checks) else 0


def _guarded(name: str, check: Callable[[], Check]) -> Check:
    try:
        return check()
    except Exception as e:  # a check that breaks is a problem to report, not a traceback
        return Check(PROBLEM, f"{name}: the check itself failed ({type(e).__name__}: {e})")


def check_data_dir(data_dir: Path) -> Check:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-"):
            pass
    except OSError as e:
        return Check(
            PROBLEM,
            f"data directory {data_dir} is not writable ({e.strerror})",
            "give the kiosk's account write access to it, or set KIOSK_DATA_DIR",
        )
    free = shutil.disk_usage(data_dir).free
    if free < MIN_FREE_BYTES:
        return Check(
            PROBLEM,
            f"data directory {data_dir}: only {free // 2**20} MiB free",
            f"free at least {MIN_FREE_BYTES // 2**20} MiB on that disk",
        )
    return Check(OK, f"data directory {data_dir} writable, {free // 2**20} MiB free")


def check_logs(data_dir: Path) -> Check:
    from kiosk import logs

    return Check(OK, f"logs in {logs.log_dir(data_dir) / logs.LOG_FILE}")


def check_procedures() -> Check:
    from kiosk.procedure import load_all

    procedures, problems = load_all()
    if problems or not procedures:
        return Check(
            PROBLEM,
            f"procedures: {len(procedures)} offered, {len(problems)} refused",
            "run kiosk procedures check to see each problem",
        )
    return Check(OK, f"procedures: {len(procedures)} offered")


def check_translations() -> Check:
    from kiosk.resources import resource_path

    found = sorted(p.name for p in resource_path("translations").glob("kiosk_*.qm"))
    if not found:
        return Check(PROBLEM, "interface translations missing", "reinstall the kiosk")
    return Check(OK, f"interface translations: {', '.join(found)}")


def check_typeface_files() -> Check:
    from kiosk.resources import resource_path

    folder = resource_path("fonts")
    fonts = sorted(folder.glob("*.ttf")) or sorted(folder.glob("*.woff2"))
    if not fonts or not (folder / "OFL.txt").is_file():
        return Check(PROBLEM, f"typeface files or licence missing in {folder}", "reinstall")
    return Check(OK, f"typeface files: {len(fonts)} {fonts[0].suffix} files, licence beside")


def _key_store_name(settings: Any) -> str:
    if settings.key_store == "keyring":
        import keyring

        backend = keyring.get_keyring()
        return f"system keyring ({type(backend).__module__}.{type(backend).__name__})"
    return settings.key_store


def check_key_store(settings: Any, data_dir: Path, *, round_trip: bool) -> Check:
    """The key store in use can give the outbox's key (a round trip in a temporary
    data directory with ``round_trip``; the existing key otherwise)."""
    from kiosk import keystore
    from kiosk.outbox import DB_NAME

    name = _key_store_name(settings)
    try:
        if round_trip and not settings.key_store.startswith("file:"):
            with tempfile.TemporaryDirectory(prefix="kiosk-doctor-") as tmp:
                made = keystore.load_data_key(settings, Path(tmp), create=True)
                again = keystore.load_data_key(settings, Path(tmp), create=False)
                if settings.key_store == "keyring":
                    import keyring

                    keyring.delete_password(keystore.SERVICE, keystore.data_key_name(Path(tmp)))
            if made != again:
                return Check(PROBLEM, f"key store {name} does not give back the key it kept")
            return Check(OK, f"key store usable: {name} (a key kept and read back)")
        has_data = (data_dir / DB_NAME).exists()
        if has_data or not settings.key_store.startswith("file:"):
            keystore.load_data_key(settings, data_dir, create=False)
            return Check(OK, f"key store usable: {name} (the outbox's key is there)")
        return Check(OK, f"key store: {name} (the key file is made at the first request)")
    except keystore.MissingKeyError as e:
        if not (data_dir / DB_NAME).exists():
            return Check(OK, f"key store usable: {name} (no key yet: made at the first request)")
        return Check(PROBLEM, f"key store {name}: the outbox's key is missing", str(e))
    except keystore.KeyStoreError as e:
        return Check(PROBLEM, f"key store {name} not usable", str(e))


def check_queue(settings: Any, data_dir: Path) -> Check:
    from kiosk.outbox import DB_NAME, Outbox

    if not (data_dir / DB_NAME).exists():
        return Check(SKIPPED, "queue: no request queued yet on this data directory")
    with Outbox.open(data_dir, settings) as outbox:
        counts = outbox.counts()
    shown = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "empty"
    return Check(OK, f"queue readable: {shown}")


def check_back_office(settings: Any) -> list[Check]:
    import requests

    from kiosk import protocol
    from kiosk.keystore import KeyStoreError, get_device_token

    url = settings.server_url
    if not url:
        return [
            Check(
                SKIPPED, "back-office: no server_url set", "kiosk config set server_url URL",
                required=False,
            )
        ]  # fmt: skip
    base = url.rstrip("/")
    try:
        response = requests.get(base + protocol.HEALTH_PATH, timeout=5)
    except requests.RequestException as e:
        return [
            Check(PROBLEM, f"back-office {url} not reachable ({type(e).__name__})",
                  "check the network and the address", required=False)
        ]  # fmt: skip
    if not protocol.is_backoffice_health(response.status_code, response.content):
        return [
            Check(PROBLEM, f"{url} answers HTTP {response.status_code} but is not a back-office",
                  "check server_url (a proxy or a login page?)", required=False)
        ]  # fmt: skip
    checks = [Check(OK, f"back-office {url} reachable")]
    body = protocol.parse_json_object(response.content) or {}
    try:
        theirs = datetime.fromisoformat(str(body.get("time", "")).replace("Z", "+00:00"))
        drift = abs((datetime.now(UTC) - theirs).total_seconds())
        if drift > CLOCK_TOLERANCE_S:
            checks.append(
                Check(PROBLEM, f"clock {drift:.0f} s away from the back-office's",
                      "set the time (NTP: timedatectl set-ntp true)", required=False)
            )  # fmt: skip
        else:
            checks.append(Check(OK, f"clock within {drift:.0f} s of the back-office's"))
    except ValueError:
        checks.append(
            Check(SKIPPED, "clock: the back-office did not give its time", required=False)
        )
    try:
        token = get_device_token(settings)
    except KeyStoreError as e:
        return [*checks, Check(PROBLEM, "device token unreadable", str(e), required=False)]
    if not token:
        return [
            *checks,
            Check(PROBLEM, "no device token", "kiosk device-token set < token.txt", required=False),
        ]
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    probe = requests.head(
        base + protocol.ATTACHMENT_PATH.format(sha256=empty),
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    if probe.status_code in (401, 403):
        checks.append(
            Check(PROBLEM, "the back-office refuses the device token",
                  "ask the back-office for a new token", required=False)
        )  # fmt: skip
    else:
        checks.append(Check(OK, "device token accepted by the back-office"))
    return checks


def kiosk_checks(data_dir: Path, *, bundle: bool = False) -> list[Check]:
    """The Qt-free checks. ``bundle``: what the bundle must carry, with a key-store
    round trip in a temporary data directory, and the machine's own state reported only."""
    from kiosk.config import Settings, SettingsError, load_settings

    checks: list[Check] = []
    try:
        settings = load_settings(data_dir)
        checks.append(Check(OK, "settings readable"))
    except SettingsError as e:
        settings = Settings()
        checks.append(Check(PROBLEM, "settings refused", str(e)))
    checks.append(_guarded("typeface files", check_typeface_files))
    checks.append(_guarded("translations", check_translations))
    checks.append(_guarded("procedures", check_procedures))
    checks.append(
        _guarded("key store", lambda: check_key_store(settings, data_dir, round_trip=bundle))
    )
    checks.append(_guarded("data directory", lambda: check_data_dir(data_dir)))
    checks.append(_guarded("logs", lambda: check_logs(data_dir)))
    if not bundle:
        checks.append(_guarded("queue", lambda: check_queue(settings, data_dir)))
        try:
            checks.extend(check_back_office(settings))
        except Exception as e:
            checks.append(Check(PROBLEM, f"back-office check failed ({type(e).__name__})"))
    if os.name == "posix" and shutil.which("lpstat") is None:
        checks.append(
            Check(SKIPPED, "CUPS tools not installed (lpstat)", "apt-get install cups-client",
                  required=False)
        )  # fmt: skip
    return checks
