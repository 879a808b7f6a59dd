"""The accessibility audit (ui.audit) over every screen of every shipped
procedure, at 100 % and 200 % text on a 1280×800 window: zero findings.

And the audit itself is checked against a window built to break each rule,
so that "zero findings" means something.
"""

from __future__ import annotations

import dataclasses

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from kiosk.resources import resource_path
from tests.uihelpers import find, make_window
from ui import audit, theme

PROCEDURES = sorted(p.stem for p in resource_path("procedures").glob("*.yaml"))


def _tour(window, procedure_id: str, scales=(1.0, 2.0), **kwargs) -> tuple[int, list]:
    screens, findings = 0, []
    for scale in scales:
        window.flow.text_size = theme.SCALES.index(scale)
        window.apply_style()
        for name in audit.tour(window, procedure_id, **kwargs):
            screens += 1
            findings += audit.audit(window, name)
    window.go_home()  # the example person is wiped
    return screens, findings


@pytest.mark.parametrize("procedure_id", PROCEDURES)
def test_every_screen_of_the_procedure_passes_the_audit(qtbot, isolated_environment, procedure_id):
    window = make_window(qtbot, isolated_environment)
    assert (window.width(), window.height()) == (1280, 800)
    screens, findings = _tour(window, procedure_id)
    steps = len(window.flow.procedures[procedure_id].steps)
    assert screens >= 2 * (4 + min(steps, 4)), "the tour stopped early"
    assert findings == [], "\n" + "\n".join(map(str, findings))


def test_training_in_high_contrast_passes_the_audit(qtbot, isolated_environment):
    """The training banner and the example hints, in the other theme, at 200 %
    (the longest procedure: most kinds of field)."""
    window = make_window(qtbot, isolated_environment)
    window.toggle_contrast()
    screens, findings = _tour(window, "identite-predemande", scales=(2.0,), training=True)
    assert screens > 20
    assert findings == [], "\n" + "\n".join(map(str, findings))


def test_theme_colour_pairs_have_enough_contrast():
    assert audit.audit_themes() == []
    # and the audit does hold them to the floors
    dull = dataclasses.replace(theme.DEFAULT, muted="#777777", focus="#DDDDDD")
    found = {(f.widget, f.rule) for f in audit.audit_themes([dull])}
    assert ("muted on background", "contrast") in found
    assert ("focus ring", "contrast") in found


def _place(parent: QWidget, widget: QWidget, x: int, y: int, w: int, h: int, name: str):
    widget.setParent(parent)
    widget.setObjectName(name)
    widget.setGeometry(x, y, w, h)
    return widget


def test_the_audit_finds_each_kind_of_problem(qtbot):
    """A window that breaks every rule once: each break is reported."""
    theme.load_fonts()
    bad = QWidget()
    bad.setObjectName("bad")
    qtbot.addWidget(bad)
    bad.resize(1000, 800)
    bad.setStyleSheet(f'* {{ font-family: "{theme.FONT_FAMILY}"; font-size: 22px; }}')
    tiny = _place(bad, QLabel("Petit"), 10, 10, 200, 40, "tiny")
    tiny.setStyleSheet("font-size: 14px;")
    heading = _place(bad, QLabel("Titre"), 10, 60, 300, 40, "heading")
    heading.setProperty("role", "heading")
    other = _place(bad, QLabel("Police"), 10, 110, 300, 40, "other-font")
    other.setStyleSheet('font-family: "Courier New", monospace;')
    _place(bad, QPushButton("x"), 10, 160, 30, 30, "small")
    _place(bad, QPushButton("Un"), 100, 160, 80, 60, "near-a")
    _place(bad, QPushButton("Deux"), 182, 160, 80, 60, "near-b")
    primary = _place(bad, QPushButton("Go"), 300, 160, 120, 50, "low-primary")
    primary.setProperty("role", "primary")
    _place(bad, QPushButton(), 450, 160, 60, 60, "unnamed")
    _place(bad, QLabel("Un texte bien trop long pour sa place"), 10, 240, 100, 40, "cut")
    wrapped = _place(bad, QLabel("Un texte qui passe à la ligne " * 4), 10, 290, 200, 40, "short")
    wrapped.setWordWrap(True)
    _place(bad, QLabel("Dessus"), 300, 240, 200, 40, "over-a")
    _place(bad, QLabel("Dessous"), 350, 250, 200, 40, "over-b")
    _place(bad, QLabel("Dehors"), 900, 300, 300, 40, "outside")
    wide = _place(bad, QScrollArea(), 10, 400, 300, 150, "sideways")
    wide.setWidget(QLabel("Large " * 40))
    wide.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
    # A screen squeezed to a letterbox, whose focused box is out of view.
    page = _place(bad, QWidget(), 400, 400, 500, 200, "letterbox")
    page.setProperty("page", "test")
    area = QScrollArea(page)
    QVBoxLayout(page).addWidget(area)
    content = QWidget()
    QVBoxLayout(content).addSpacing(900)
    box = QLineEdit()
    box.setObjectName("hidden-box")
    box.setAccessibleName("Nom")
    content.layout().addWidget(box)
    area.setWidget(content)
    area.setWidgetResizable(True)
    bad.show()
    qtbot.waitExposed(bad)
    box.setFocus()
    audit.settle(bad)
    assert box.mapTo(area.viewport(), QPoint(0, 0)).y() > area.viewport().height()

    findings = audit.audit(bad, "bad")
    found = {(name, rule) for name, rule in expected_breaks() if _has(findings, name, rule)}
    assert found == expected_breaks(), "\n".join(map(str, findings))


def expected_breaks() -> set[tuple[str, str]]:
    return {
        ("tiny", "text-size"),
        ("heading", "text-size"),
        ("other-font", "typeface"),
        ("small", "target-size"),
        ("near-a", "target-spacing"),
        ("low-primary", "target-size"),
        ("unnamed", "accessible-name"),
        ("cut", "clipped"),
        ("short", "clipped"),
        ("over-a", "overlap"),
        ("outside", "clipped"),
        ("sideways", "clipped"),  # its horizontal scroll bar
        ("sideways", "target-size"),  # its thin vertical one
        ("hidden-box", "focus-hidden"),
        ("letterbox", "room"),
    }


def _has(findings, name: str, rule: str) -> bool:
    return any(f.rule == rule and name in f.widget for f in findings)


def find_text(window, name: str) -> str:
    return find(window, name).text()


@pytest.mark.parametrize("procedure_id", PROCEDURES)
def test_every_screen_in_english_at_200_percent_passes_the_audit(
    qtbot, isolated_environment, procedure_id
):
    """English words and sentences are not the French ones' length: the
    hardest size again, in the other language."""
    window = make_window(qtbot, isolated_environment)
    window.set_locale("en")
    screens, findings = _tour(window, procedure_id, scales=(2.0,))
    assert window.flow.locale == "en" and find_text(window, "nav:language") == "Français"
    assert screens >= 4 + min(len(window.flow.procedures[procedure_id].steps), 4)
    assert findings == [], "\n" + "\n".join(map(str, findings))
