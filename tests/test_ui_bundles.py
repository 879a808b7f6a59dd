"""A procedure update reaches the screens between two people, never during a session."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.flow import View
from kiosk.resources import procedures_dir
from receiver.bundles import keygen, sign_bundle
from tests.uihelpers import click, make_window, open_procedure


def staged_bundle(tmp_path: Path, data_dir: Path) -> None:
    """A signed bundle with only two procedures, staged as the kiosk would."""
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name in ("etre-rappele.yaml", "permis-perte-vol.yaml"):
        shutil.copyfile(procedures_dir() / name, folder / name)
    private, public = keygen()
    from kiosk.bundles import BundleFolder

    assert BundleFolder(data_dir / "bundles").accept(
        sign_bundle(folder, "2026.12.1", private), public
    )


def test_a_staged_bundle_applies_when_the_person_leaves(qtbot, tmp_path, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    assert len(window.flow.procedures) == 9
    staged_bundle(tmp_path, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")  # « Commencer »: a session is open
    click(qtbot, window, "nav:back")  # back to what to prepare: the same person
    assert window.flow.view == View.PREPARE
    assert len(window.flow.procedures) == 9  # never under someone's hands
    window.next_person()
    assert sorted(window.flow.procedures) == ["etre-rappele", "permis-perte-vol"]
    assert window.services.bundles.installed_version() == "2026.12.1"
    # And at the next start, the bundle in use is the one offered.
    window.services.sync.stop()
    second = make_window(qtbot, isolated_environment)
    assert sorted(second.flow.procedures) == ["etre-rappele", "permis-perte-vol"]
    second.services.sync.stop()
