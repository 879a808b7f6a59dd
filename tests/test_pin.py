"""The mediator's PIN: a salted slow hash, five wrong tries lock it for five minutes."""

import json
import subprocess
import sys

import pytest

from kiosk import pin
from kiosk.pin import PinError, PinStatus, check_pin, pin_is_set, set_pin
from tests.conftest import subprocess_env

T0 = 1_800_000_000.0


@pytest.fixture
def cheap_hash(monkeypatch):
    """The logic of tries and locks, without paying 0.2 s of scrypt per check.

    The cost is stored with each hash, so checks use the cheap one too."""
    monkeypatch.setattr(pin, "SCRYPT_N", 2**10)
    monkeypatch.setattr(pin, "SCRYPT_P", 1)


def test_stored_as_salted_slow_hash_never_in_clear(isolated_environment):
    set_pin(isolated_environment, "482913")
    text = (isolated_environment / pin.PIN_FILE).read_text()
    assert "482913" not in text
    data = json.loads(text)
    assert data["algorithm"] == "scrypt"
    # At least OWASP's scrypt floor (N=2^17 r=8 p=1, or the same cost spread as N*p).
    assert data["n"] * data["r"] * data["p"] >= 2**15 * 8 * 3
    first_salt = data["salt"]
    set_pin(isolated_environment, "482913")
    again = json.loads((isolated_environment / pin.PIN_FILE).read_text())
    assert again["salt"] != first_salt and again["hash"] != data["hash"]
    assert (isolated_environment / pin.PIN_FILE).stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("candidate", "why"),
    [
        ("123", "4 to 8 digits"),
        ("123456789", "4 to 8 digits"),
        ("12a4", "4 to 8 digits"),
        ("٤٨٢٩", "4 to 8 digits"),  # Arabic-Indic digits: not on the keypad
        ("0000", "repeats one digit"),
        ("1234", "run of digits"),
        ("98765", "run of digits"),
        ("1212", "repeats two digits"),
        ("2580", "most used"),
    ],
)
def test_trivial_or_malformed_pins_are_refused_with_a_reason(isolated_environment, candidate, why):
    with pytest.raises(PinError, match=why):
        set_pin(isolated_environment, candidate)
    assert not pin_is_set(isolated_environment)


def test_right_and_wrong_pin(isolated_environment, cheap_hash):
    assert check_pin(isolated_environment, "482913", now=T0).status is PinStatus.NOT_SET
    set_pin(isolated_environment, "482913")
    wrong = check_pin(isolated_environment, "482914", now=T0)
    assert wrong.status is PinStatus.WRONG and wrong.tries_left == 4
    assert check_pin(isolated_environment, " 482913 ", now=T0).ok
    # A right PIN forgives the earlier wrong tries.
    assert check_pin(isolated_environment, "000000", now=T0).tries_left == 4


def test_five_wrong_tries_lock_for_five_minutes_even_after_a_restart(
    isolated_environment, monkeypatch, cheap_hash
):
    set_pin(isolated_environment, "482913")
    results = [check_pin(isolated_environment, "1111", now=T0 + i) for i in range(5)]
    assert [r.tries_left for r in results[:4]] == [4, 3, 2, 1]
    assert results[4].status is PinStatus.LOCKED
    assert results[4].locked_until == pytest.approx(T0 + 4 + 300)
    # Locked: even the right PIN is refused, and no hash is computed.
    monkeypatch.setattr(pin, "_hash", lambda *a: pytest.fail("hashed while locked"))
    locked = check_pin(isolated_environment, "482913", now=T0 + 200)
    assert locked.status is PinStatus.LOCKED and locked.retry_in_s == pytest.approx(104)
    monkeypatch.undo()
    # The lock is in the file: a new process (here, a fresh read) sees it.
    stored = json.loads((isolated_environment / pin.PIN_FILE).read_text())
    assert stored["locked_until"] == pytest.approx(T0 + 304)
    assert check_pin(isolated_environment, "482913", now=T0 + 305).ok


def test_a_clock_set_back_does_not_stretch_the_lock(isolated_environment, cheap_hash):
    set_pin(isolated_environment, "482913")
    for _ in range(5):
        check_pin(isolated_environment, "1111", now=T0)
    # The clock jumps back a day: still at most five minutes from "now".
    back = T0 - 86_400
    assert check_pin(isolated_environment, "482913", now=back).retry_in_s <= 300
    assert check_pin(isolated_environment, "482913", now=back + 301).ok


def test_a_try_that_cannot_be_recorded_is_not_made(isolated_environment, cheap_hash, monkeypatch):
    set_pin(isolated_environment, "482913")

    def refuse(*_args):
        raise PinError("disk full")

    monkeypatch.setattr(pin, "_write", refuse)
    result = check_pin(isolated_environment, "482913", now=T0)
    assert result.status is PinStatus.UNAVAILABLE and "disk full" in (result.problem or "")


def test_a_damaged_file_is_unavailable_not_open(isolated_environment):
    isolated_environment.mkdir(parents=True)
    (isolated_environment / pin.PIN_FILE).write_text("{not json")
    assert pin_is_set(isolated_environment)
    result = check_pin(isolated_environment, "482913", now=T0)
    assert result.status is PinStatus.UNAVAILABLE
    assert "kiosk mediator set-pin" in (result.problem or "")


def test_cli_set_pin_from_standard_input(isolated_environment):
    def run(text: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "kiosk", "mediator", "set-pin"],
            input=text, capture_output=True, text=True, env=subprocess_env(), timeout=60,
        )  # fmt: skip

    refused = run("1234\n")
    assert refused.returncode == 1 and "run of digits" in refused.stderr
    differ = run("482913\n482914\n")
    assert differ.returncode == 1 and "differ" in differ.stderr
    assert not pin_is_set(isolated_environment)
    done = run("482913\n482913\n")
    assert done.returncode == 0, done.stderr
    assert "PIN is set" in done.stdout and "482913" not in done.stdout + done.stderr
    assert check_pin(isolated_environment, "482913").ok
