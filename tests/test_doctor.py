"""kiosk doctor and --self-check: one line per check, and the right exit code."""

from __future__ import annotations

import subprocess
import sys

from kiosk import doctor
from kiosk.config import Settings
from tests.conftest import ROOT, subprocess_env
from tests.file_keyring import BACKEND, FILE_ENV

STATES = ("ok", "problem", "skipped")


def test_the_checks_on_a_fresh_data_directory(isolated_environment):
    checks = doctor.kiosk_checks(isolated_environment, bundle=True)
    lines = [doctor.format_check(c) for c in checks]
    assert all(line.split()[0] in STATES for line in lines), lines
    by_what = {c.what.split(":")[0]: c for c in checks}
    assert by_what["procedures"].state == "ok"
    assert by_what["key store usable"].state == "ok"
    assert "kept and read back" in by_what["key store usable"].what
    assert any("logs in" in line for line in lines)
    assert doctor.exit_code(checks, only_required=True) == 0


def test_a_broken_key_store_is_a_problem_with_its_fix(isolated_environment, monkeypatch):
    monkeypatch.setenv("KIOSK_KEY_STORE", "systemd-credentials")
    monkeypatch.delenv("CREDENTIALS_DIRECTORY", raising=False)
    checks = doctor.kiosk_checks(isolated_environment, bundle=True)
    [store] = [c for c in checks if c.what.startswith("key store")]
    assert store.state == "problem" and "CREDENTIALS_DIRECTORY" in store.fix
    assert doctor.exit_code(checks, only_required=True) == 1


def test_an_unreachable_back_office_is_reported_not_required():
    [check] = doctor.check_back_office(Settings(server_url="http://127.0.0.1:9"))
    assert check.state == "problem" and not check.required
    assert doctor.exit_code([check], only_required=True) == 0
    assert doctor.exit_code([check]) == 1
    assert doctor.format_check(check).startswith("problem  back-office")


def test_self_check_runs_offscreen_with_a_keyring_round_trip(tmp_path):
    env = subprocess_env(QT_QPA_PLATFORM="offscreen", PYTHON_KEYRING_BACKEND=BACKEND)
    env[FILE_ENV] = str(tmp_path / "keyring.json")
    result = subprocess.run(
        [sys.executable, "-m", "ui", "--self-check"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()[:-1]
    assert all(line.split()[0] in STATES for line in lines), lines
    assert any(line.startswith("ok       typeface Atkinson Hyperlegible loaded") for line in lines)
    assert any("kept and read back" in line for line in lines)
    assert str(ROOT) not in result.stderr  # no traceback
