"""Secret codes on a public screen: masked, shown only on request, never read
aloud, never on the review in clear, never on the receipt."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QLineEdit

from kiosk.flow import View
from kiosk.procedure import ProcedureError, load_procedure
from tests.test_ui_fields import show_step, window  # noqa: F401  (the window fixture)
from tests.uihelpers import click, find
from ui import receipt

CODE = "EXEMPLE12"


def test_the_shipped_codes_are_secret(window) -> None:  # noqa: F811
    for procedure_id, field_id in (
        ("carte-grise-duplicata", "code_confidentiel"),
        ("vehicule-changement-titulaire", "code_cession"),
    ):
        assert window.flow.procedures[procedure_id].fields[field_id].secret


def test_a_secret_code_is_masked_then_shown_on_request(window, qtbot) -> None:  # noqa: F811
    show_step(window, "carte-grise-duplicata", "question_code_confidentiel")
    box = find(window, "field:code_confidentiel")
    assert isinstance(box, QLineEdit)
    qtbot.keyClicks(box, CODE)
    assert box.echoMode() == QLineEdit.EchoMode.Password
    assert window.flow.session.raw("code_confidentiel") == CODE
    show = find(window, "field:code_confidentiel:show")
    assert show.text() == "Afficher le code" and show.height() >= 48
    click(qtbot, window, "field:code_confidentiel:show")
    assert box.echoMode() == QLineEdit.EchoMode.Normal and show.text() == "Cacher le code"
    click(qtbot, window, "field:code_confidentiel:show")
    assert box.echoMode() == QLineEdit.EchoMode.Password
    # « Écouter » reads the question and its help, never what was typed.
    window.listen()
    assert CODE not in window.speaker.last_text


def test_the_review_and_the_receipt_never_show_the_code(window, qtbot) -> None:  # noqa: F811
    show_step(window, "carte-grise-duplicata", "verification")
    assert window.flow.view == View.REVIEW
    value = find(window, "review:value:code_confidentiel").text()
    assert CODE not in value and "caché" in value
    assert CODE not in window.review.spoken_text()
    while window.flow.view != View.CONFIRMATION:
        for f in window.flow.session.visible_fields():
            window.on_answered(f.id, True)
        window.go_next()
    made = receipt.receipt_for(window.flow.session, window.flow.result)
    assert CODE not in receipt.receipt_html(made)
    assert CODE.encode() in window.flow.result.body  # it is sent, of course


def test_secret_is_for_an_answer_typed_on_one_line(tmp_path: Path) -> None:
    source = Path("resources/procedures/etre-rappele.yaml").read_text(encoding="utf-8")
    broken = source.replace("      - id: moment\n", "      - id: moment\n        secret: true\n", 1)
    assert broken != source
    path = tmp_path / "etre-rappele.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ProcedureError, match="secret"):
        load_procedure(path)
