"""The printed receipt: a PDF for the mediator when no printer exists, 80 mm or A4 layouts."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSizeF
from PySide6.QtGui import QPageSize
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import QLabel

from kiosk.flow import View
from kiosk.session import Mode
from tests.helpers import play_example
from tests.uihelpers import CALLBACK_ANSWERS, click, find, make_window
from ui import receipt
from ui.screenshots import walk

MM_PER_PT = 25.4 / 72


def pdf_text(path: Path) -> tuple[str, list[QSizeF]]:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    pages = range(document.pageCount())
    text = "\n".join(document.getAllText(page).text() for page in pages)
    sizes = [document.pagePointSize(page) for page in pages]
    document.close()
    return " ".join(text.split()), sizes


@pytest.fixture
def no_printer(monkeypatch: pytest.MonkeyPatch) -> None:
    # Never print on the machine running the tests.
    monkeypatch.setattr(receipt, "default_printer", lambda: None)


def test_without_a_printer_the_receipt_is_a_pdf_for_the_mediator(
    qtbot, isolated_environment: Path, no_printer
) -> None:
    window = make_window(qtbot, isolated_environment)
    assert (
        walk(window, "etre-rappele", CALLBACK_ANSWERS, lambda *_: None, before_steps=False) is None
    )
    assert window.flow.view == View.CONFIRMATION
    reference = window.flow.result.local_reference
    with qtbot.waitSignal(window.receipt_saved) as saved:
        click(qtbot, window, "confirmation:print")
    path = Path(saved.args[0])
    assert path.parent == isolated_environment / "receipts"
    text, sizes = pdf_text(path)
    assert reference in text
    assert "Être rappelé par la mairie" in text
    # It may be left at the printer: nothing the person answered is on it.
    assert "Camille" not in text and "06 12" not in text
    assert len(sizes) == 1 and round(sizes[0].width() * MM_PER_PT) == 210  # A4
    message = window.findChild(QLabel, "confirmation:receipt-message")
    assert message.isVisible() and "Demandez-le au médiateur" in message.text()
    # A second press says it again, once.
    click(qtbot, window, "confirmation:print")
    assert len(window.findChildren(QLabel, "confirmation:receipt-message")) == 1
    assert find(window, "confirmation:reference").text() == reference
    window.go_home()


def test_on_the_confirmation_enter_prints_then_enter_ends(
    qtbot, isolated_environment: Path, no_printer
) -> None:
    """« Imprimer le reçu » has the focus, beside « Terminer » in the bottom bar:
    the first Enter prints (the number to take away), the next one ends."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from ui import theme

    window = make_window(qtbot, isolated_environment)
    window.flow.text_size = theme.SCALES.index(2.0)
    window.apply_style()
    window.refresh()
    assert (
        walk(window, "etre-rappele", CALLBACK_ANSWERS, lambda *_: None, before_steps=False) is None
    )
    assert window.flow.view == View.CONFIRMATION
    printer = find(window, "confirmation:print")
    assert printer.isVisible() and printer.accessibleName() == "Imprimer le reçu"
    qtbot.waitUntil(lambda: QApplication.focusWidget() is printer)
    # Both wholly in view at 200 %: the button in the bar, the number in the page.
    for widget, frame in (
        (printer, window),
        (find(window, "confirmation:reference"), window.confirmation.scroller.viewport()),
    ):
        assert frame.rect().contains(widget.mapTo(frame, widget.rect().topLeft()))
        assert frame.rect().contains(widget.mapTo(frame, widget.rect().bottomRight()))
    with qtbot.waitSignal(window.receipt_saved):
        qtbot.keyClick(printer, Qt.Key.Key_Return)
    assert window.findChild(QLabel, "confirmation:receipt-message").isVisible()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.next_button)
    qtbot.keyClick(window.next_button, Qt.Key.Key_Return)
    assert window.flow.view == View.HOME
    assert not find(window, "confirmation:print").isVisible()


def test_receipt_roll_is_80_mm_wide_one_strip_and_says_training(tmp_path: Path, qapp) -> None:
    session, outcome = play_example("permis-perte-vol", mode=Mode.TRAINING)
    made = receipt.receipt_for(session, outcome.result)
    assert made.training
    path = receipt.save_pdf(made, tmp_path / "roll.pdf", receipt.PAPER_ROLL)
    text, sizes = pdf_text(path)
    assert len(sizes) == 1
    assert round(sizes[0].width() * MM_PER_PT) == 80
    assert 100 < sizes[0].height() * MM_PER_PT < 400  # as long as the text, not a page
    assert made.reference in text
    assert "Entraînement — rien n'est envoyé" in text
    assert "34 00" in text  # whom to call


def test_receipt_printer_or_office_printer_by_paper_width() -> None:
    class FakePrinter:
        def __init__(self, width_mm: float, height_mm: float) -> None:
            self.size = QPageSize(QSizeF(width_mm, height_mm), QPageSize.Unit.Millimeter)

        def defaultPageSize(self) -> QPageSize:
            return self.size

    assert receipt.paper_for(FakePrinter(80, 297)) == (receipt.PAPER_ROLL, 80)
    assert receipt.paper_for(FakePrinter(58, 210)) == (receipt.PAPER_ROLL, 58)
    assert receipt.paper_for(FakePrinter(210, 297))[0] == receipt.PAPER_A4


def test_dates_in_words() -> None:
    assert receipt.when_text("2026-11-29T10:05:02+01:00", "fr") == "29 novembre 2026 à 10 h 05"
    assert receipt.when_text("2026-03-01T09:30:00+01:00", "en") == "1 March 2026 at 9:30"
