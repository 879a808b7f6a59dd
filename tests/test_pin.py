"""The mediator's PIN: a salted slow hash; five wrong tries lock it, each lock longer."""

import json
import logging
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
        ("123", "6 to 8 digits"),
        ("4829", "6 to 8 digits"),  # 4 digits: enough before, not for a new PIN
        ("48291", "6 to 8 digits"),
        ("123456789", "6 to 8 digits"),
        ("12a456", "6 to 8 digits"),
        ("٤٨٢٩١٣", "6 to 8 digits"),  # Arabic-Indic digits: not on the keypad
        ("000000", "repeats one digit"),
        ("123456", "run of digits"),
        ("987654", "run of digits"),
        ("789012", "run of digits"),
        ("121212", "repeats a few digits"),
        ("123123", "repeats a few digits"),
        ("12341234", "repeats a few digits"),
        ("112233", "most used"),
        ("159753", "most used"),
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
    results = [check_pin(isolated_environment, "111111", now=T0 + i) for i in range(5)]
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
        check_pin(isolated_environment, "111111", now=T0)
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

    refused = run("123456\n")
    assert refused.returncode == 1 and "run of digits" in refused.stderr
    differ = run("482913\n482914\n")
    assert differ.returncode == 1 and "differ" in differ.stderr
    assert not pin_is_set(isolated_environment)
    done = run("482913\n482913\n")
    assert done.returncode == 0, done.stderr
    assert "PIN is set" in done.stdout and "482913" not in done.stdout + done.stderr
    assert check_pin(isolated_environment, "482913").ok


def test_each_further_lock_lasts_twice_as_long_up_to_an_hour(isolated_environment, cheap_hash):
    set_pin(isolated_environment, "482913")
    t = T0
    lengths = []
    for _ in range(6):
        for _ in range(5):
            result = check_pin(isolated_environment, "111111", now=t)
        assert result.status is PinStatus.LOCKED
        lengths.append(round(result.retry_in_s))
        # A restart (a fresh read of the file) keeps the count of locks.
        t = result.locked_until or t
    assert lengths == [300, 600, 1200, 2400, 3600, 3600]
    # A right answer forgives the locks too: the next lock is five minutes again.
    assert check_pin(isolated_environment, "482913", now=t).ok
    for _ in range(5):
        result = check_pin(isolated_environment, "111111", now=t)
    assert round(result.retry_in_s) == 300


def test_failures_are_logged_without_the_pin(isolated_environment, cheap_hash, caplog):
    set_pin(isolated_environment, "482913")
    with caplog.at_level(logging.WARNING, logger="kiosk.pin"):
        for i in range(5):
            check_pin(isolated_environment, "735102", now=T0 + i)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 5
    assert "1 of 5" in messages[0] and "locked for 300 s" in messages[4]
    assert not any("735102" in m or "482913" in m for m in messages)


def test_an_old_four_digit_pin_still_opens_but_asks_for_a_new_one(
    isolated_environment, cheap_hash, monkeypatch, caplog
):
    # A PIN file written before the 6-digit rule.
    monkeypatch.setattr(pin, "validate_new_pin", lambda p: p.strip())
    set_pin(isolated_environment, "4829")
    monkeypatch.undo()
    cheap_hash_again = {"SCRYPT_N": 2**10, "SCRYPT_P": 1}
    for name, value in cheap_hash_again.items():
        monkeypatch.setattr(pin, name, value)
    with caplog.at_level(logging.WARNING, logger="kiosk.pin"):
        result = check_pin(isolated_environment, "4829", now=T0)
    assert result.ok and result.change_advised
    assert any("only 4 digits" in r.getMessage() for r in caplog.records)
    assert not check_pin(isolated_environment, "482913", now=T0).change_advised
