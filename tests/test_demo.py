"""`kiosk demo`: the kiosk and the reference back-office, connected, then cleaned up."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from tests.helpers import example
from ui import cli
from ui.demo import setup_demo
from ui.screenshots import walk


def test_demo_sends_a_finished_procedure_to_its_back_office(qtbot) -> None:
    demo = setup_demo()  # its own temporary folder, deleted by close()
    try:
        window = demo.window
        qtbot.addWidget(window)
        banner = window.findChild(QLabel, "demo:banner-text")
        assert demo.receiver.url in banner.text()
        assert "Demandes reçues : 0." in banner.text()
        assert window.services.sync.running
        answers = example("etre-rappele").answers
        assert walk(window, "etre-rappele", answers, lambda *_: None, before_steps=False) is None
        submission_id = window.flow.result.id
        qtbot.waitUntil(lambda: demo.receiver.store.find_submission(submission_id) is not None)
        qtbot.waitUntil(lambda: "Demandes reçues : 1." in banner.text())
        assert not (demo.data_dir / "outbox.key").exists()  # the key lives outside the data
        assert demo.key_file.is_file()
    finally:
        demo.close()
    assert not window.services.sync.running
    assert not demo.root.exists()


def test_demo_is_a_screens_command() -> None:
    assert "demo" in cli.UI_COMMANDS
    assert cli._first_command(["--data-dir", "x", "demo"]) == "demo"
