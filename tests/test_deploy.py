"""The deploy scripts: shellcheck for the shell, PowerShell's parser where there is one."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import ROOT

SHELL_SCRIPTS = [ROOT / "deploy" / "linux" / "provision.sh", ROOT / ".ci" / "run"]
POWERSHELL = sorted((ROOT / "deploy" / "windows").glob("*.ps1"))


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
@pytest.mark.parametrize("script", SHELL_SCRIPTS, ids=lambda p: p.name)
def test_shell_scripts_pass_shellcheck(script):
    result = subprocess.run(
        ["shellcheck", "--severity=style", str(script)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout


def test_there_are_powershell_scripts():
    names = {p.name for p in POWERSHELL}
    assert {"install-shell-launcher.ps1", "install-scheduled-task.ps1"} <= names


@pytest.mark.skipif(shutil.which("pwsh") is None, reason="PowerShell (pwsh) not installed")
@pytest.mark.parametrize("script", POWERSHELL, ids=lambda p: p.name)
def test_powershell_scripts_parse(script):
    command = (
        "$errors = $null; [System.Management.Automation.Language.Parser]::ParseFile("
        f"'{script}', [ref]$null, [ref]$errors) | Out-Null; "
        "if ($errors) { $errors | ForEach-Object { $_.ToString() }; exit 1 }"
    )
    result = subprocess.run(
        ["pwsh", "-NoProfile", "-NonInteractive", "-Command", command],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
