"""The mediator's PIN: the only way out of kiosk mode on the screen.

Stored in the data directory (``mediator-pin.json``) as a salted scrypt
hash, never in clear, with the count of wrong tries and the end of a lock:
five wrong tries lock the PIN for five minutes, each further lock before a
right answer lasts twice as long (up to an hour), and the lock lives in the
same file, so restarting the kiosk does not reset it. Every wrong try and
every lock is logged at WARNING (count and lock time, never what was typed).

A new PIN has 6 to 8 digits and is not an obvious one. A 4- or 5-digit PIN
set before that rule keeps working (no mediator is locked out by an
update), but a right answer with it says ``change_advised`` and logs a
warning until ``kiosk mediator set-pin`` replaces it.

A try is counted *before* the PIN is checked and forgiven after a right
answer: killing the app while it computes the hash, or a disk that refuses
to record the try, never buys a free guess.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import logging
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

__all__ = [
    "LOCK_SECONDS",
    "MAX_LOCK_SECONDS",
    "MAX_TRIES",
    "MIN_DIGITS",
    "PIN_FILE",
    "PinError",
    "PinResult",
    "PinStatus",
    "check_pin",
    "pin_is_set",
    "set_pin",
    "validate_new_pin",
]

log = logging.getLogger(__name__)

PIN_FILE = "mediator-pin.json"
MIN_DIGITS = 6
#: PINs set before the 6-digit rule still open the kiosk (with a warning).
OLD_MIN_DIGITS = 4
MAX_DIGITS = 8
MAX_TRIES = 5
LOCK_SECONDS = 300.0
#: The growing lock stops here: long enough that trying every 6-digit PIN
#: takes decades, short enough that nobody keeps the mediator out for a day.
MAX_LOCK_SECONDS = 3600.0

# scrypt at OWASP's "N=2^15, r=8, p=3" row: 32 MiB and about 0.2 s a check.
# The parameters are stored with each hash so they can grow later.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 3
SALT_BYTES = 16
HASH_BYTES = 32
FORMAT_VERSION = 1


class PinError(ValueError):
    """A PIN that cannot be set, or a PIN file that cannot be used; one clear sentence."""


class PinStatus(StrEnum):
    OK = "ok"
    WRONG = "wrong"
    LOCKED = "locked"
    NOT_SET = "not_set"
    UNAVAILABLE = "unavailable"  # the file cannot be read or written


@dataclass(frozen=True)
class PinResult:
    status: PinStatus
    tries_left: int = MAX_TRIES
    locked_until: float | None = None  # epoch seconds
    retry_in_s: float = 0.0
    problem: str | None = None  # for UNAVAILABLE: what is wrong with the file
    #: OK with a PIN shorter than MIN_DIGITS (set before the rule): ask for a new one.
    change_advised: bool = False

    @property
    def ok(self) -> bool:
        return self.status is PinStatus.OK


# The most used 6-digit PINs that no rule below catches (from published PIN
# frequency studies): keypad shapes, doubled digits, counting by tens.
_WELL_KNOWN = {
    "112233", "159753", "147258", "258369", "147852", "159357", "753951", "246810",
    "102030", "789456", "456123", "142536", "121314", "696969", "131313", "852456",
    "11223344", "12341234", "13579135",
}  # fmt: skip


def lock_seconds(locks: int) -> float:
    """How long the ``locks``-th lock in a row lasts: 5 min, 10, 20, 40, then an hour."""
    return min(LOCK_SECONDS * 2.0 ** max(locks - 1, 0), MAX_LOCK_SECONDS)


def validate_new_pin(pin: str) -> str:
    """The PIN, or ``PinError`` saying why it cannot be the mediator's PIN."""
    pin = pin.strip()
    if not (pin.isascii() and pin.isdigit()) or not MIN_DIGITS <= len(pin) <= MAX_DIGITS:
        raise PinError(f"The PIN must be {MIN_DIGITS} to {MAX_DIGITS} digits (0-9), nothing else.")
    # Steps modulo 10: 789012 is a run too.
    steps = {(int(b) - int(a)) % 10 for a, b in itertools.pairwise(pin)}
    if len(set(pin)) == 1:
        raise PinError("This PIN repeats one digit; anyone could guess it. Choose another.")
    if steps in ({1}, {9}):
        raise PinError("This PIN is a run of digits like 123456; anyone could guess it.")
    for size in range(2, len(pin) // 2 + 1):
        if (pin[:size] * MAX_DIGITS).startswith(pin):
            raise PinError(
                "This PIN repeats a few digits like 121212 or 123123; anyone could guess it."
            )
    if pin in _WELL_KNOWN or pin[::-1] in _WELL_KNOWN:
        raise PinError("This PIN is among the most used ones; anyone could guess it.")
    return pin


def _hash(pin: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        pin.encode("utf-8"), salt=salt, n=n, r=r, p=p, maxmem=256 * 1024 * 1024, dklen=HASH_BYTES
    )


def _path(data_dir: Path) -> Path:
    return Path(data_dir) / PIN_FILE


def _read(data_dir: Path) -> dict[str, Any] | None:
    path = _path(data_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as e:
        raise PinError(f"{path}: cannot be read ({e}).") from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION:
            raise ValueError("unknown format")
        base64.b64decode(data["salt"], validate=True)
        base64.b64decode(data["hash"], validate=True)
        for key in ("n", "r", "p"):
            if not isinstance(data[key], int) or data[key] < 1:
                raise ValueError(f"bad {key}")
        if not isinstance(data.get("failures", 0), int):
            raise ValueError("bad failures")
        if not isinstance(data.get("locks", 0), int):
            raise ValueError("bad locks")
        if not isinstance(data.get("locked_until"), int | float | None):
            raise ValueError("bad locked_until")
    except (ValueError, KeyError, TypeError) as e:
        raise PinError(
            f"{path}: not a mediator PIN file ({e}); set the PIN again with: kiosk mediator set-pin"
        ) from None
    return data


def _write(data_dir: Path, data: dict[str, Any]) -> None:
    """Atomically, readable only by the kiosk's user, flushed to disk."""
    path = _path(data_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".mediator-pin-", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=2)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as e:
        raise PinError(f"{path}: cannot be written ({e}).") from None


def pin_is_set(data_dir: Path) -> bool:
    try:
        return _read(data_dir) is not None
    except PinError:
        return True  # a damaged file still stands for a PIN: never an open door


def set_pin(data_dir: Path, pin: str) -> None:
    """Store a new mediator PIN (6 to 8 digits, not an obvious one); lifts any lock."""
    pin = validate_new_pin(pin)
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _hash(pin, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    _write(
        data_dir,
        {
            "version": FORMAT_VERSION,
            "algorithm": "scrypt",
            "n": SCRYPT_N,
            "r": SCRYPT_R,
            "p": SCRYPT_P,
            "salt": base64.b64encode(salt).decode("ascii"),
            "hash": base64.b64encode(digest).decode("ascii"),
            "failures": 0,
            "locks": 0,
            "locked_until": None,
        },
    )


def check_pin(data_dir: Path, pin: str, *, now: float | None = None) -> PinResult:
    """Is this the mediator's PIN? Counts wrong tries and keeps the lock.

    ``now`` is the time in epoch seconds (tests set it; default: the clock).
    """
    moment = time.time() if now is None else now
    try:
        data = _read(data_dir)
    except PinError as e:
        log.error("mediator PIN unusable: %s", e)
        return PinResult(PinStatus.UNAVAILABLE, problem=str(e))
    if data is None:
        return PinResult(PinStatus.NOT_SET)
    failures = int(data.get("failures") or 0)
    locks = int(data.get("locks") or 0)
    stored_lock = data.get("locked_until")
    locked_until = None if stored_lock is None else float(stored_lock)
    if locked_until is not None:
        longest = lock_seconds(max(locks, 1))
        if locked_until > moment + longest:
            # The clock was set back: the lock must not last longer than its length.
            locked_until = moment + longest
            try:
                _write(data_dir, {**data, "locked_until": locked_until})
            except PinError as e:
                log.error("mediator PIN lock not shortened: %s", e)
        if moment < locked_until:
            return PinResult(PinStatus.LOCKED, 0, locked_until, retry_in_s=locked_until - moment)
        failures, locked_until = 0, None
    # Count the try first; a try that cannot be recorded is not made.
    failures += 1
    if failures >= MAX_TRIES:
        locks += 1
        locked_until, failures = moment + lock_seconds(locks), 0
    try:
        _write(
            data_dir,
            {**data, "failures": failures, "locks": locks, "locked_until": locked_until},
        )
    except PinError as e:
        log.error("mediator PIN try not recorded, so not checked: %s", e)
        return PinResult(PinStatus.UNAVAILABLE, problem=str(e))
    typed = pin.strip()
    expected = base64.b64decode(data["salt"]), base64.b64decode(data["hash"])
    given = _hash(typed, expected[0], data["n"], data["r"], data["p"])
    if hmac.compare_digest(given, expected[1]):
        try:
            _write(data_dir, {**data, "failures": 0, "locks": 0, "locked_until": None})
        except PinError as e:
            log.error("right PIN, but the count of tries could not be reset: %s", e)
        if len(typed) < MIN_DIGITS:
            log.warning(
                "the mediator PIN has only %d digits: set one of %d to %d digits with "
                "kiosk mediator set-pin",
                len(typed),
                MIN_DIGITS,
                MAX_DIGITS,
            )
            return PinResult(PinStatus.OK, change_advised=True)
        return PinResult(PinStatus.OK)
    if locked_until is not None:
        log.warning(
            "wrong mediator PIN, %d in a row: locked for %d s (lock %d in a row)",
            MAX_TRIES,
            round(locked_until - moment),
            locks,
        )
        return PinResult(PinStatus.LOCKED, 0, locked_until, retry_in_s=locked_until - moment)
    log.warning("wrong mediator PIN (%d of %d before a lock)", failures, MAX_TRIES)
    return PinResult(PinStatus.WRONG, tries_left=MAX_TRIES - failures)
