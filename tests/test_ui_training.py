"""Training mode: the banner on every screen, the example as a hint, nothing in the outbox."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit

from kiosk.flow import View
from kiosk.outbox import Outbox
from tests.test_ui_idle import press
from tests.uihelpers import click, find, make_window
from ui.training import example_answers


def banner_shown(window) -> bool:
    banner = find(window, "training-banner")
    picture = banner.findChild(QLabel, "training-banner:picture")
    return (
        banner.isVisible()
        and window.banner.words.text() == "Entraînement — rien n'est envoyé"
        and picture is not None
        and picture.isVisible()
        and not picture.pixmap().isNull()
    )


def test_a_training_session_with_the_examples_sends_nothing(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    submitted = []
    window.submitted.connect(submitted.append)
    assert not find(window, "training-banner").isVisible()
    press(qtbot, window, "home:training")
    assert banner_shown(window)
    press(qtbot, window, "category:aide")
    press(qtbot, window, "procedure:etre-rappele")
    assert banner_shown(window)
    click(qtbot, window, "nav:next")  # "Commencer"
    examples = example_answers("etre-rappele")
    hinted = []
    for _ in range(12):
        assert banner_shown(window), window.flow.view
        if window.flow.view == View.REVIEW:
            click(qtbot, window, "nav:next")
            continue
        step = window.flow.session.current_step
        if step.kind == "declaration":
            break
        for spec in window.flow.session.visible_fields():
            hint = find(window, f"training:example:{spec.id}")
            assert hint.text().startswith("Exemple à recopier : ")
            press(qtbot, window, f"training:fill:{spec.id}")
            assert window.flow.session.raw(spec.id) == examples[spec.id]
            hinted.append(spec.id)
        click(qtbot, window, "nav:next")
    assert hinted == ["nom", "telephone", "moment", "sujet", "message"]
    # The declaration: no hint, the person ticks it themselves.
    assert window.findChild(QLabel, "training:example:accord") is None
    window.findChild(QCheckBox, "field:accord").click()
    click(qtbot, window, "nav:next")  # "M'entraîner : envoyer"

    assert window.flow.view == View.CONFIRMATION and banner_shown(window)
    said = find(window, "confirmation:training").text()
    assert said == "C'était un entraînement. Rien n'a été envoyé."
    assert submitted == []
    with Outbox.open(isolated_environment) as outbox:
        assert outbox.counts()["total"] == 0
    click(qtbot, window, "nav:next")  # "Terminer"
    assert window.flow.view == View.HOME and not find(window, "training-banner").isVisible()


def test_the_hint_shows_the_answer_as_the_review_would(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    press(qtbot, window, "home:training")
    press(qtbot, window, "category:aide")
    press(qtbot, window, "procedure:etre-rappele")
    click(qtbot, window, "nav:next")
    click(qtbot, window, "nav:next")  # past the introduction
    assert find(window, "training:example:nom").text() == "Exemple à recopier : Camille Exemple"
    press(qtbot, window, "training:fill:nom")
    assert window.findChild(QLineEdit, "field:nom").text() == "Camille Exemple"
    click(qtbot, window, "nav:next")
    click(qtbot, window, "nav:next")  # the phone number was not filled: an error, as usual
    assert window.flow.session.current_step.fields[0].id == "telephone"
    press(qtbot, window, "training:fill:telephone")
    click(qtbot, window, "nav:next")
    assert find(window, "training:example:moment").text() == "Exemple à recopier : Le matin"
    # Not in training: no hint.
    click(qtbot, window, "nav:back")
    window.flow.training = False
    window.refresh()
    assert window.findChild(QLabel, "training:example:telephone") is None
