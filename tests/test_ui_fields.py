"""The field widgets on their screens: dates, answers as buttons, communes, the
on-screen keypad and documents from the scanner folder."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QListWidget, QPushButton, QWidget

from kiosk import postal
from kiosk.answers_file import read_answers_file
from kiosk.flow import View
from tests.conftest import EXAMPLES
from tests.helpers import temporary_documents_folder
from tests.uihelpers import click, find, make_window, open_procedure
from ui import attachments, theme
from ui.attachments import AttachmentWidget, FileButton
from ui.fieldbase import FieldOptions
from ui.mainwindow import MainWindow

FILES = EXAMPLES / "files"


def settle() -> None:
    for _ in range(3):
        QApplication.processEvents()


def show_step(window: MainWindow, example: str, step_id: str, *, fill: bool = False) -> None:
    """Open a step of the example's procedure, the steps before answered from
    the example (through the session), the step itself too with ``fill``.

    From the home screen with nobody's session (a new window, or right after
    a wipe), it starts there: going home is a wipe, after which the scans
    already in the folder would be the last person's."""
    procedure_id = example.split("--")[0]
    answers = read_answers_file(EXAMPLES / f"{example}.json")
    given = {**answers.answers, **{k: str(v) for k, v in answers.attachments.items()}}
    if window.flow.view != View.HOME or window.flow.session is not None:
        window.go_home()
    window.flow.procedure = window.flow.procedures[procedure_id]
    window.start_session()
    session = window.flow.session
    while session.current_step.id != step_id:
        for f in session.visible_fields():
            if f.id in given:
                session.answer(f.id, given[f.id])
        assert session.next(), session.errors
    if fill:
        for f in session.visible_fields():
            if f.id in given:
                session.answer(f.id, given[f.id])
    window.flow.follow_session()
    window.show_current()
    settle()


def set_scale(window: MainWindow, scale: float) -> None:
    window.flow.text_size = theme.SCALES.index(scale)
    window.apply_style()
    window.refresh()
    settle()


def inside(widget: QWidget, window: QWidget) -> bool:
    """Entirely shown in the window's width (nothing cut on the right)."""
    top_left = widget.mapTo(window, widget.rect().topLeft())
    return top_left.x() >= 0 and top_left.x() + widget.width() <= window.width()


@pytest.fixture
def window(qtbot, isolated_environment) -> MainWindow:
    w = make_window(qtbot, isolated_environment)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


# -- dates ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_date_boxes_fit_their_digits_with_their_labels(window, scale):
    set_scale(window, scale)
    show_step(window, "permis-renouvellement", "date_naissance", fill=True)
    for part, digits in (("day", "15"), ("month", "03"), ("year", "1950")):
        box = find(window, f"field:date_naissance:{part}")
        assert isinstance(box, QLineEdit) and box.text() == digits
        room = box.contentsRect().width() - box.textMargins().left() - box.textMargins().right()
        assert box.fontMetrics().horizontalAdvance(digits) < room, (part, scale)
        assert box.width() >= 48 and box.height() >= 48
        labels = [w for w in window.findChildren(QLabel) if w.buddy() is box]
        assert labels and labels[0].isVisible() and labels[0].text() == box.accessibleName()
        assert labels[0].width() >= labels[0].sizeHint().width()
        assert inside(box, window)


def test_date_boxes_move_on_like_a_paper_form(window, qtbot):
    show_step(window, "permis-renouvellement", "date_naissance")
    day, month, year = (find(window, f"field:date_naissance:{p}") for p in ("day", "month", "year"))
    qtbot.waitUntil(day.hasFocus)
    qtbot.keyClicks(day, "15")  # a full box moves on
    assert month.hasFocus()
    qtbot.keyClicks(month, "3/")  # so does a separator, as in "15/3/1950"
    assert month.text() == "3" and year.hasFocus()
    qtbot.keyClick(year, Qt.Key.Key_Backspace)  # Backspace in an empty box goes back
    assert month.hasFocus()
    assert window.flow.session.raw("date_naissance") == {"day": "15", "month": "3", "year": ""}
    # Tab order is reading order: day, month, year.
    day.setFocus()
    qtbot.keyClick(day, Qt.Key.Key_Tab)
    assert month.hasFocus()
    qtbot.keyClick(month, Qt.Key.Key_Tab)
    assert year.hasFocus()


# -- answers as big buttons ------------------------------------------------------------------------


def test_choices_arrow_keys_move_space_picks_focus_goes_on(window, qtbot):
    show_step(window, "permis-renouvellement", "motif")
    first = find(window, "field:motif=fin_validite")
    second = find(window, "field:motif=visite_medicale")
    qtbot.waitUntil(first.hasFocus)
    qtbot.keyClick(first, Qt.Key.Key_Down)  # moves, does not choose
    assert second.hasFocus() and not second.isChecked()
    assert window.flow.session.raw("motif") is None
    qtbot.keyClick(second, Qt.Key.Key_Down)  # the last answer: stays
    assert second.hasFocus()
    qtbot.keyClick(second, Qt.Key.Key_Up)
    assert first.hasFocus()
    qtbot.keyClick(first, Qt.Key.Key_Space)
    assert first.isChecked() and first.text().startswith("✓")  # a sign, not colour alone
    assert first.accessibleName() == first.text().removeprefix("✓").strip()
    assert window.flow.session.raw("motif") == "fin_validite"
    assert find(window, "nav:next").hasFocus()  # Enter now continues
    # Another answer replaces the first; every answer is a Tab stop.
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Tab)
    assert second.hasFocus()
    qtbot.keyClick(second, Qt.Key.Key_Return)  # Enter on an answer picks it too
    assert second.isChecked() and not first.isChecked() and not first.text().startswith("✓")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    assert window.flow.session.current_step.id != "motif"


def test_yes_no_side_by_side_and_multi_choice_marks(window, qtbot):
    show_step(window, "permis-renouvellement", "permis_rose")
    yes, no = find(window, "field:permis_rose=yes"), find(window, "field:permis_rose=no")
    assert yes.y() == no.y() and yes.x() < no.x()
    click(qtbot, window, "field:permis_rose=no")
    assert no.text() == "✓  Non" and window.flow.session.raw("permis_rose") == "no"
    show_step(window, "permis-renouvellement--visite-medicale", "categories")
    click(qtbot, window, "field:categories=B")
    click(qtbot, window, "field:categories=C")
    click(qtbot, window, "field:categories=B")
    assert window.flow.session.raw("categories") == ["C"]
    assert find(window, "field:categories=C").text().startswith("✓")
    assert not find(window, "field:categories=B").text().startswith("✓")


# -- communes ------------------------------------------------------------------------------------


def commune_list(window: MainWindow) -> QListWidget:
    communes = find(window, "field:adresse:commune")
    assert isinstance(communes, QListWidget)
    return communes


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_commune_list_shows_every_commune_without_clipping(window, qtbot, scale):
    set_scale(window, scale)
    show_step(window, "permis-renouvellement", "adresse")
    postal_code = find(window, "field:adresse:postal_code")
    assert not commune_list(window).isVisible()
    for code in ("75015", "08090", "51290"):
        postal_code.selectAll()
        qtbot.keyClicks(postal_code, code)
        settle()
        communes = commune_list(window)
        count = len(postal.communes_for(code))
        assert communes.isVisible() and communes.count() == count
        viewport = communes.viewport().rect()
        for row in range(min(count, 5)):
            rect = communes.visualItemRect(communes.item(row))
            assert viewport.contains(rect), (code, row, rect, viewport)
        assert communes.verticalScrollBar().isVisible() == (count > 5)
        assert inside(communes, window)
        # The longest name wraps inside the list rather than being cut.
        longest = max(
            (communes.item(i) for i in range(count)),
            key=lambda item: communes.fontMetrics().horizontalAdvance(item.text()),
        )
        communes.scrollToItem(longest)
        settle()
        rect = communes.visualItemRect(longest)
        assert viewport.contains(rect), (code, longest.text())
        text_width = communes.fontMetrics().horizontalAdvance(longest.text())
        lines = -(-text_width // max(1, rect.width() - 24))
        assert rect.height() >= communes.fontMetrics().height() * lines, longest.text()
    assert postal_code.width() > postal_code.fontMetrics().horizontalAdvance("08090")


def test_commune_list_arrow_keys_then_enter_continues(window, qtbot):
    show_step(window, "permis-renouvellement", "adresse")
    street = find(window, "field:adresse:street")
    qtbot.waitUntil(street.hasFocus)
    qtbot.keyClicks(street, "1 rue de l'Exemple")
    qtbot.keyClick(street, Qt.Key.Key_Tab)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # past the complement
    postal_code = QApplication.focusWidget()
    assert postal_code.objectName() == "field:adresse:postal_code"
    qtbot.keyClicks(postal_code, "08000")
    qtbot.keyClick(postal_code, Qt.Key.Key_Tab)
    communes = commune_list(window)
    assert communes.hasFocus() and not communes.selectedItems()
    qtbot.keyClick(communes, Qt.Key.Key_Down)  # the first arrow chooses the first commune
    assert window.flow.session.raw("adresse")["commune"] == "Charleville-Mézières"
    qtbot.keyClick(communes, Qt.Key.Key_Down)
    assert window.flow.session.raw("adresse")["commune"] == "La Francheville"
    assert communes.selectedItems()[0].text() == "✓  La Francheville"
    qtbot.keyClick(communes, Qt.Key.Key_Return)
    assert window.flow.session.current_step.id == "telephone"
    assert window.flow.session.value("adresse")["commune"] == "La Francheville"


def test_the_second_of_two_communes_of_one_name_is_the_one_sent(window, qtbot):
    show_step(window, "permis-renouvellement", "adresse")
    postal_code = find(window, "field:adresse:postal_code")
    postal_code.setFocus()
    qtbot.keyClicks(postal_code, "62760")
    communes = commune_list(window)
    names = [communes.item(i).text() for i in range(communes.count())]
    second = [i for i, n in enumerate(names) if n == "Thièvres"][1]
    communes.scrollToItem(communes.item(second))
    rect = communes.visualItemRect(communes.item(second))
    qtbot.mouseClick(communes.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.flow.session.raw("adresse")["insee"] == "80756"
    raw = {**window.flow.session.raw("adresse"), "street": "1 rue de l'Église"}
    assert window.flow.session.field_type("adresse").clean(raw)["insee"] == "80756"
    window.refresh()  # drawn again from the session: still the second one
    again = commune_list(window)
    assert again.selectedItems()[0].data(Qt.ItemDataRole.UserRole + 1) == "80756"


def test_one_commune_is_chosen_for_the_person(window, qtbot):
    show_step(window, "permis-renouvellement", "adresse")
    postal_code = find(window, "field:adresse:postal_code")
    qtbot.keyClicks(postal_code, "51100")
    assert window.flow.session.raw("adresse")["commune"] == "Reims"


# -- the on-screen keypad ---------------------------------------------------------------------


@pytest.fixture
def touch_window(qtbot, isolated_environment, monkeypatch) -> MainWindow:
    monkeypatch.setenv("KIOSK_TOUCH_KEYPAD", "true")
    w = make_window(qtbot, isolated_environment)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow)
    return w


def visible_keypads(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget, "keypad") if w.isVisible()]


def test_no_keypad_unless_touch_or_kiosk_mode(window):
    show_step(window, "etre-rappele", "etape_telephone")
    assert window.findChild(QWidget, "keypad") is None
    from kiosk.config import Settings

    assert FieldOptions.from_settings(Settings(), kiosk_mode=True).keypad
    assert not FieldOptions.from_settings(Settings(), kiosk_mode=False).keypad
    assert FieldOptions.from_settings(Settings(touch_keypad=True), kiosk_mode=False).keypad


def test_kiosk_mode_shows_the_keypad(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment, kiosk_mode=True)
    window.kiosk_guard.exit_allowed = True  # let pytest-qt close it
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    show_step(window, "etre-rappele", "etape_telephone")
    qtbot.waitUntil(find(window, "field:telephone").hasFocus)
    assert len(visible_keypads(window)) == 1


def test_keypad_types_into_the_focused_input_without_taking_the_focus(touch_window, qtbot):
    window = touch_window
    show_step(window, "etre-rappele", "etape_telephone")
    edit = find(window, "field:telephone")
    qtbot.waitUntil(edit.hasFocus)
    (keypad,) = visible_keypads(window)
    assert keypad.y() > edit.y()  # under the input
    keys = [find(keypad, f"keypad:{n}") for n in [*map(str, range(10)), "erase"]]
    assert all(k.focusPolicy() == Qt.FocusPolicy.NoFocus for k in keys)
    assert find(keypad, "keypad:erase").text() == "Effacer"
    for n in "0612":
        click(qtbot, keypad, f"keypad:{n}")
    click(qtbot, keypad, "keypad:erase")
    assert edit.text() == "061" and edit.hasFocus()
    assert window.flow.session.raw("telephone") == "061"
    for key in keys:
        assert key.height() >= 48 and key.width() >= 48
        assert key.width() >= key.sizeHint().width()  # "Effacer" is not cut
    # Keys are not Tab stops: Tab goes from the input to the next control.
    qtbot.keyClick(edit, Qt.Key.Key_Tab)
    assert not QApplication.focusWidget().objectName().startswith("keypad:")


def test_keypad_follows_the_date_boxes(touch_window, qtbot):
    window = touch_window
    show_step(window, "permis-renouvellement", "date_naissance")
    day = find(window, "field:date_naissance:day")
    qtbot.waitUntil(day.hasFocus)
    (keypad,) = visible_keypads(window)
    for n in "15031950":
        click(qtbot, keypad, f"keypad:{n}")
    assert window.flow.session.raw("date_naissance") == {"day": "15", "month": "03", "year": "1950"}
    assert find(window, "field:date_naissance:year").hasFocus()


def test_keypad_only_under_the_postal_code_of_an_address(touch_window, qtbot):
    window = touch_window
    show_step(window, "permis-renouvellement", "adresse")
    street = find(window, "field:adresse:street")
    qtbot.waitUntil(street.hasFocus)
    assert visible_keypads(window) == []
    postal_code = find(window, "field:adresse:postal_code")
    postal_code.setFocus()
    (keypad,) = visible_keypads(window)
    assert keypad.y() > postal_code.y()
    for n in "08000":
        click(qtbot, keypad, f"keypad:{n}")
    assert commune_list(window).count() == 6
    street.setFocus()
    assert visible_keypads(window) == []


# -- documents -------------------------------------------------------------------------------------


@pytest.fixture
def scans(isolated_environment, monkeypatch) -> Path:
    folder = isolated_environment.parent / "scans"
    folder.mkdir()
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", str(folder))
    return folder


def put(folder: Path, source: str, name: str | None = None, age_s: float = 0) -> Path:
    target = folder / (name or source)
    shutil.copy(FILES / source, target)
    moment = time.time() - age_s
    os.utime(target, (moment, moment))
    return target


def attachment(window: MainWindow, field_id: str) -> AttachmentWidget:
    widget = find(window, f"field-box:{field_id}")
    assert isinstance(widget, AttachmentWidget)
    return widget


def test_newest_scans_are_large_buttons_with_a_thumbnail(scans, window, qtbot):
    put(scans, "exemple-permis.jpg", age_s=30)
    put(scans, "exemple-justificatif-domicile.pdf", age_s=10)
    put(scans, "exemple-piece-identite.png", age_s=20)
    put(scans, "exemple-controle-technique.pdf", age_s=40)  # a fourth: not offered
    put(scans, "exemple-cerfa-cession.pdf", age_s=3 * 3600)  # the last person's: not offered
    put(scans, "exemple-permis.jpg", ".cache.jpg")  # hidden
    (scans / "sous-dossier").mkdir()
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    names = [b.path.name for b in widget.file_buttons]
    assert names == [
        "exemple-justificatif-domicile.pdf",
        "exemple-piece-identite.png",
        "exemple-permis.jpg",
    ]
    for n, button in enumerate(widget.file_buttons, start=1):
        assert button.objectName() == f"field:carte_grise:file:{n}"
        assert not button.picture.pixmap().isNull()
        assert button.height() >= 64 and button.isVisible()
    pdf_thumb = widget.file_buttons[0].picture.pixmap()
    assert pdf_thumb.height() > pdf_thumb.width()  # a portrait page, drawn from the PDF
    # Tab order is reading order: the files, then « Voir tous mes documents ».
    assert widget.focus_targets()[: len(names) + 1] == [
        *widget.file_buttons,
        find(window, "field:carte_grise"),
    ]
    assert find(window, "field:carte_grise").text() == "Voir tous mes documents"


def test_a_chosen_scan_is_checked_then_shown_large(scans, window, qtbot):
    put(scans, "exemple-carte-grise.jpg")
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    (button,) = widget.file_buttons
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.flow.session.raw("carte_grise") == str(scans / "exemple-carte-grise.jpg")
    assert widget.chosen.isVisible() and not widget.chooser.isVisible()
    preview = find(window, "field:carte_grise:preview")
    assert preview.pixmap().width() > 200  # large
    assert find(window, "field:carte_grise:name").text().replace("\u200b", "") == (
        "exemple-carte-grise.jpg"
    )
    assert "Photo" in widget.chosen_size.text() and "Ko" in widget.chosen_size.text()
    assert find(window, "nav:next").hasFocus()  # picked: on to "Continuer"
    # "Changer de document", then keep the one chosen.
    click(qtbot, window, "field:carte_grise:change")
    assert widget.chooser.isVisible() and find(window, "field:carte_grise:keep").isVisible()
    click(qtbot, window, "field:carte_grise:keep")
    assert widget.chosen.isVisible()
    assert window.flow.session.raw("carte_grise") == str(scans / "exemple-carte-grise.jpg")


def test_the_content_decides_not_the_name(scans, window, qtbot):
    put(scans, "exemple-justificatif-domicile.pdf", "facture.jpg")
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    assert widget.choose(scans / "facture.jpg")
    assert widget.chosen_size.text().startswith("Document PDF")
    preview = widget.preview.pixmap()
    assert preview.height() > preview.width()  # the PDF's page, not a broken photo


def test_a_refused_file_is_explained_at_the_field(scans, window, qtbot, monkeypatch):
    (scans / "notes.pdf").write_text("not a PDF at all")
    big = scans / "enorme.pdf"
    with open(big, "wb") as f:
        f.truncate(11 * 1024 * 1024)  # sparse: over the 10 MB limit without writing it
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    problem = find(window, "attachment-problem:carte_grise")
    assert not widget.choose(scans / "notes.pdf")
    assert problem.isVisible() and "pas accepté" in problem.text()
    assert window.flow.session.raw("carte_grise") is None  # not accepted: nothing given
    assert not widget.choose(big)
    assert "trop gros" in problem.text()
    # The chooser's choice goes through the same check; a good file clears the message.
    good = put(scans, "exemple-carte-grise.jpg")
    monkeypatch.setattr(AttachmentWidget, "ask_for_file", lambda self: str(good))
    browse = find(window, "field:carte_grise")
    browse.setFocus()
    qtbot.keyClick(browse, Qt.Key.Key_Space)
    assert not problem.isVisible() and widget.chosen.isVisible()
    assert window.flow.session.raw("carte_grise") == str(good)


def test_only_this_persons_scans_can_be_attached(scans, window, qtbot, tmp_path):
    """The chooser opened the whole disk: the data directory, older people's
    scans. Now nothing outside this person's scans is taken, whatever way it comes."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = put(elsewhere, "exemple-carte-grise.jpg")
    older = put(scans, "exemple-permis.jpg", "someone-before.jpg", age_s=2 * 3600)
    (scans / "sub").mkdir()
    nested = put(scans / "sub", "exemple-carte-grise.jpg")
    link = scans / "link.jpg"
    link.symlink_to(outside)
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    problem = find(window, "attachment-problem:carte_grise")
    for path in (outside, older, nested, link, scans / ".." / "elsewhere" / outside.name):
        assert not widget.choose(path), path
        assert problem.isVisible() and "scanné" in problem.text()
        assert window.flow.session.raw("carte_grise") is None
    assert widget.choose(put(scans, "exemple-carte-grise.jpg"))


def test_the_chooser_offers_this_persons_scans_and_nothing_else(scans, window, qtbot):
    from ui.attachments import ScanChooser
    from ui.dialogs import KioskDialog

    put(scans, "exemple-permis.jpg", "someone-before.jpg", age_s=2 * 3600)
    mine = [put(scans, "exemple-carte-grise.jpg", f"scan-{i}.jpg", age_s=i) for i in range(5)]
    show_step(window, "carte-grise-changement-adresse", "documents")
    attachment(window, "carte_grise")
    seen: list[ScanChooser] = []

    def answer(chooser: ScanChooser) -> int:
        seen.append(chooser)
        assert isinstance(chooser, KioskDialog)
        assert chooser.findChildren(QLineEdit) == []  # no path to type
        assert [b.path for b in chooser.buttons] == mine  # newest first, no one else's
        chooser.buttons[3].click()
        return 1

    original = ScanChooser.exec
    ScanChooser.exec = answer  # type: ignore[method-assign]
    try:
        click(qtbot, window, "field:carte_grise")
    finally:
        ScanChooser.exec = original  # type: ignore[method-assign]
    assert seen and window.flow.session.raw("carte_grise") == str(mine[3])


def test_a_new_scan_shows_up_while_on_the_screen(scans, window, qtbot):
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    assert widget.file_buttons == [] and widget.recent_note.isVisible()
    assert find(window, "field:carte_grise").text() == "Voir tous mes documents"
    put(scans, "exemple-carte-grise.jpg")
    qtbot.waitUntil(lambda: len(widget.file_buttons) == 1)
    assert not widget.recent_note.isVisible()


def test_a_wipe_drops_the_previews(scans, window, qtbot):
    put(scans, "exemple-carte-grise.jpg")
    show_step(window, "carte-grise-changement-adresse", "documents")
    attachment(window, "carte_grise").choose(scans / "exemple-carte-grise.jpg")
    assert attachments._thumbnails
    window.flow.wipe()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert window.findChildren(AttachmentWidget) == []
    assert window.findChildren(FileButton) == []
    assert [lab for lab in window.step.findChildren(QLabel) if not lab.pixmap().isNull()] == []
    assert attachments._thumbnails == {}


@pytest.mark.parametrize("scale", [1.0, 2.0])
def test_documents_fit_at_every_text_size(scans, window, qtbot, scale):
    put(scans, "exemple-justificatif-domicile.pdf", "scan_2026-11-29_134122_justificatif.pdf")
    set_scale(window, scale)
    show_step(window, "permis-renouvellement", "documents", fill=True)
    widget = attachment(window, "piece_identite")
    widget._change()
    settle()
    page = window.step
    assert page.content.width() <= page.scroller.viewport().width()
    for w in [*widget.file_buttons, find(window, "field:piece_identite")]:
        assert inside(w, window)
    for lab in window.step.content.findChildren(QLabel):
        if lab.isVisible() and lab.text() and lab.wordWrap():
            assert lab.heightForWidth(lab.width()) <= lab.height(), lab.text()
    for button in window.step.content.findChildren(QPushButton):
        if button.isVisible() and button.text():
            assert button.width() >= button.sizeHint().width(), button.text()
    assert window.flow.view == View.STEP


# -- documents on a shared machine: the next person -----------------------------------------------


def test_the_next_person_is_not_offered_the_last_persons_scan(scans, window, qtbot):
    yesterday = put(scans, "exemple-permis.jpg", "hier.jpg", age_s=24 * 3600)  # someone else's
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    assert widget.file_buttons == []
    scan = put(scans, "exemple-carte-grise.jpg")  # the person scans
    qtbot.waitUntil(lambda: len(widget.file_buttons) == 1)
    qtbot.mouseClick(widget.file_buttons[0], Qt.MouseButton.LeftButton)
    assert window.flow.session.raw("carte_grise") == str(scan)
    window.go_home()  # "Terminer", the idle countdown, an error: the person left
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    # A folder set for the scanner: the person's scan is deleted, nothing older.
    assert not scan.exists()
    assert yesterday.exists()
    # The next person: nothing offered, until they scan.
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    assert widget.file_buttons == [] and widget.recent_note.isVisible()
    assert find(window, "field:carte_grise").text() == "Voir tous mes documents"
    put(scans, "exemple-justificatif-domicile.pdf")
    qtbot.waitUntil(lambda: len(widget.file_buttons) == 1)
    assert widget.file_buttons[0].path.name == "exemple-justificatif-domicile.pdf"


@pytest.fixture(params=["default folder", "deletion off"])
def kept_scans(request, isolated_environment, tmp_path, monkeypatch) -> Path:
    """A scanner folder where nothing may be deleted: the default one (the
    Documents folder, here a temporary one), or one set with
    scanner_delete_scans = false."""
    if request.param == "default folder":
        return temporary_documents_folder(tmp_path, monkeypatch)
    folder = isolated_environment.parent / "scans"
    folder.mkdir()
    monkeypatch.setenv("KIOSK_SCANNER_FOLDER", str(folder))
    monkeypatch.setenv("KIOSK_SCANNER_DELETE_SCANS", "false")
    return folder


def test_where_nothing_may_be_deleted_the_last_persons_scan_is_hidden(kept_scans, window, qtbot):
    assert window.step.field_options.scanner_folder == kept_scans
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    scan = put(kept_scans, "exemple-carte-grise.jpg")
    qtbot.waitUntil(lambda: len(widget.file_buttons) == 1)
    window.go_home()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert scan.exists()  # not deleted...
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    assert widget.file_buttons == []  # ...but not offered to the next person
    assert widget.recent_note.isVisible()


def test_going_back_before_the_first_question_keeps_the_scans(scans, window, qtbot):
    """Back from the first question to "what to prepare" drops the answers,
    but it is the same person: the scans they just made stay theirs."""
    scan = put(scans, "exemple-carte-grise.jpg")
    open_procedure(qtbot, window, "carte-grise-changement-adresse")
    assert window.flow.view == View.STEP
    click(qtbot, window, "nav:back")
    assert window.flow.view == View.PREPARE
    assert scan.exists()
    assert window.step.field_options.scanner.recent(3) == [scan]


def test_the_attachment_widgets_of_a_window_share_one_scanner_folder(scans, window, qtbot):
    show_step(window, "permis-renouvellement", "documents", fill=True)
    widgets = window.findChildren(AttachmentWidget)
    assert len(widgets) >= 2
    assert all(w.scanner is window.step.field_options.scanner for w in widgets)


def test_a_new_scan_takes_its_place_in_the_tab_order(scans, window, qtbot):
    """New buttons join the end of the window's focus chain, after
    « Continuer »: the field puts them back in its own place, so Tab goes from
    the new scan to « Choisir un autre fichier », and from the field's last
    button down to « Retour »."""
    show_step(window, "carte-grise-changement-adresse", "documents")
    widget = attachment(window, "carte_grise")
    put(scans, "exemple-carte-grise.jpg")
    qtbot.waitUntil(lambda: len(widget.file_buttons) == 1 and widget.file_buttons[0].isVisible())
    scan = widget.file_buttons[0]
    browse = find(window, "field:carte_grise")
    scan.setFocus()
    assert QApplication.focusWidget() is scan

    def tab() -> QWidget:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        return QApplication.focusWidget()

    assert tab() is browse
    for _ in range(10):
        if QApplication.focusWidget().objectName().startswith("nav:"):
            break
        tab()
    assert QApplication.focusWidget().objectName() == "nav:back"
    assert tab().objectName() == "nav:next"
    assert not scan.isAncestorOf(QApplication.focusWidget())
