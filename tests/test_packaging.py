"""Resources are found from a checkout and from an installed wheel."""

import json
import subprocess
import sys
import zipfile

import pytest

from kiosk.resources import ENV_VAR, ResourcesNotFound, resources_dir
from tests.helpers import ROOT


def test_source_checkout_resources():
    assert resources_dir() == ROOT / "resources"


def test_env_override(monkeypatch, tmp_path):
    (tmp_path / "procedures").mkdir()
    resources_dir.cache_clear()
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    try:
        assert resources_dir() == tmp_path
    finally:
        resources_dir.cache_clear()


def test_missing_resources_is_a_clear_error(monkeypatch, tmp_path):
    import kiosk.resources as res

    resources_dir.cache_clear()
    monkeypatch.setattr(res, "_candidates", lambda: [tmp_path / "nowhere"])
    try:
        with pytest.raises(ResourcesNotFound, match="resources folder was not found"):
            resources_dir()
    finally:
        resources_dir.cache_clear()


@pytest.mark.slow
def test_installed_wheel_finds_its_resources(tmp_path):
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-q", "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    [wheel] = wheels.glob("kiosk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "kiosk/_resources/procedures/permis-perte-vol.yaml" in names
    assert "kiosk/_resources/data/codes-postaux.tsv.gz" in names
    assert "kiosk/_resources/fonts/OFL.txt" in names
    assert "kiosk/procedure.schema.json" in names
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q",
         "--target", str(site), str(wheel)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    # Run from elsewhere, with only the installed copy importable.
    code = "import json, kiosk.resources as r, kiosk.cli;print(json.dumps(str(r.resources_dir())))"
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(site)!r}); {code}"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == str(site / "kiosk" / "_resources")
    listing = subprocess.run(
        [sys.executable, "-I", "-c",
         f"import sys; sys.path.insert(0, {str(site)!r}); from kiosk.cli import main;"
         "sys.exit(main(['procedures', 'check']))"],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert listing.returncode == 0, listing.stdout + listing.stderr


def test_the_typeface_converts_to_truetype_that_qt_loads(tmp_path, qapp):
    """What build.spec ships: TrueType (Windows does not read WOFF2), licence beside."""
    pytest.importorskip("fontTools", reason="the bundle extra (fonttools) is not installed")
    pytest.importorskip("brotli", reason="the bundle extra (brotli) is not installed")
    from PySide6.QtGui import QFontDatabase

    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import build_fonts
    finally:
        sys.path.remove(str(ROOT / "tools"))
    written = build_fonts.convert(tmp_path / "a")
    again = build_fonts.convert(tmp_path / "b")
    assert (tmp_path / "a" / "OFL.txt").is_file()
    assert [p.read_bytes() for p in written] == [p.read_bytes() for p in again]  # reproducible
    for path in written:
        assert path.read_bytes()[:4] == b"\x00\x01\x00\x00"  # a TrueType file, not WOFF2
        font_id = QFontDatabase.addApplicationFont(str(path))
        assert font_id >= 0
        assert "Atkinson Hyperlegible" in QFontDatabase.applicationFontFamilies(font_id)
        QFontDatabase.removeApplicationFont(font_id)
