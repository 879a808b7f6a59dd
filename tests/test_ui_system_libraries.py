"""A fresh machine: `kiosk run` names the missing system libraries, instead of Qt's abort."""

from __future__ import annotations

import re
import sys

import pytest

from tests.helpers import ROOT
from ui import cli

LACKING = {"libxcb-icccm.so.4", "libxcb-keysyms.so.1"}


def lacking(name: str) -> None:
    if name in LACKING:
        raise OSError(f"{name}: cannot open shared object file")


def test_the_missing_libraries_and_their_packages_are_named_in_one_sentence():
    problem = cli.missing_library_problem({"DISPLAY": ":0"}, "linux", lacking)
    assert problem is not None and problem.endswith(").") and "\n" not in problem
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in problem
    assert "apt-get install libxcb-icccm4 libxcb-keysyms1" in problem


@pytest.mark.parametrize(
    ("environ", "platform"),
    [({"QT_QPA_PLATFORM": "offscreen"}, "linux"), ({}, "win32"), ({}, "darwin")],
)
def test_other_platforms_are_not_checked(environ, platform):
    assert cli.missing_library_problem(environ, platform, lacking) is None


def test_the_real_loader_finds_what_this_machine_has():
    # CI and the developers' machines install the README's packages.
    if sys.platform.startswith("linux"):
        assert cli.missing_library_problem({}, "linux") is None
    with pytest.raises(OSError):
        cli._dlopen("libkiosk-does-not-exist.so.0")


def test_kiosk_run_says_it_before_qt_starts(monkeypatch, capsys):
    monkeypatch.setattr(cli, "_dlopen", lacking)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.delenv("QT_QPA_PLATFORM", raising=False)
    monkeypatch.setattr(cli, "no_screen_problem", lambda *a: None)
    assert cli.main(["run"]) == 1
    err = capsys.readouterr().err
    assert "lacks libxcb-icccm.so.4" in err and "Traceback" not in err


def test_readme_and_ci_install_every_package():
    packages = set(cli.XCB_LIBRARIES.values())
    readme = (ROOT / "README.md").read_text("utf-8")
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    for text in (readme, ci):
        named = set(re.findall(r"\blib[a-z0-9.+-]+", text))
        assert packages <= named, sorted(packages - named)
