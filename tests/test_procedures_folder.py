"""An administrator's procedures folder, laid over the shipped procedures."""

from __future__ import annotations

import json

from kiosk.cli import main
from kiosk.procedure import find_procedure, load_all
from tests.helpers import EXAMPLES, ROOT

SHIPPED = ROOT / "resources" / "procedures"


def admin_folder(tmp_path):
    folder = tmp_path / "mes-procedures"
    folder.mkdir()
    source = (SHIPPED / "etre-rappele.yaml").read_text("utf-8")
    (folder / "etre-rappele.yaml").write_text(
        source.replace('version: "', 'version: "9', 1), "utf-8"
    )
    return folder


def test_an_admin_folder_replaces_by_id_and_keeps_the_shipped_resources(
    tmp_path, monkeypatch, capsys
):
    folder = admin_folder(tmp_path)
    monkeypatch.setenv("KIOSK_PROCEDURES_DIR", str(folder))
    procedures, problems = load_all()
    assert problems == []
    by_id = {p.id: p for p in procedures}
    assert by_id["etre-rappele"].path == folder / "etre-rappele.yaml"
    assert by_id["etre-rappele"].version.startswith("9")
    assert by_id["permis-perte-vol"].path == SHIPPED / "permis-perte-vol.yaml"
    assert find_procedure("etre-rappele").path == folder / "etre-rappele.yaml"
    # Postal data still comes from the shipped resources: a postal code answer works.
    answers = EXAMPLES / "carte-grise-changement-adresse.json"
    code = main(["procedures", "try", "carte-grise-changement-adresse", "--answers", str(answers)])
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["procedures", "list"]) == 0
    out = capsys.readouterr().out
    assert f"From {folder}: etre-rappele" in out and f"From {SHIPPED}:" in out
    assert main(["procedures", "list", "--json"]) == 0
    items = {i["id"]: i for i in json.loads(capsys.readouterr().out)}
    assert items["etre-rappele"]["folder"] == str(folder)


def test_the_setting_in_the_settings_file_is_used(tmp_path, isolated_environment, capsys):
    folder = admin_folder(tmp_path)
    isolated_environment.mkdir(parents=True, exist_ok=True)
    (isolated_environment / "settings.toml").write_text(f'procedures_dir = "{folder}"\n', "utf-8")
    try:
        assert main(["procedures", "list", "--json"]) == 0
        items = {i["id"]: i for i in json.loads(capsys.readouterr().out)}
        assert items["etre-rappele"]["folder"] == str(folder)
    finally:
        from kiosk.resources import use_procedures_dir

        use_procedures_dir(None)
