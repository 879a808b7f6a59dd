"""The themes' colours meet the UX rules' contrast floors, and the
high-contrast theme is one tap away, live, on any screen."""

import pytest

from tests.uihelpers import click, find, make_window, open_procedure
from ui import theme

THEMES = list(theme.THEMES.values())


def _extra_text_pairs(t: theme.Theme) -> list[tuple[str, str, str]]:
    """Text colours the stylesheet also uses, beyond the theme's own list."""
    return [
        ("disabled button text", t.muted, t.secondary),
        ("help notice text", t.text, t.surface),
    ]


def _extra_ui_pairs(t: theme.Theme) -> list[tuple[str, str, str]]:
    return [
        ("button border on the top bar", t.on_secondary, t.surface),
        ("error summary border", t.error, t.error_surface),
        ("progress bar", t.primary, t.background),
    ]


def test_contrast_ratio_reference_values():
    assert theme.contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert theme.contrast_ratio("#777777", "#777777") == pytest.approx(1.0)
    # WCAG's worked value: #767676 on white is just above 4.5:1.
    assert theme.contrast_ratio("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)


def test_both_themes_exist():
    assert {theme.DEFAULT.name, theme.HIGH_CONTRAST.name} <= set(theme.THEMES)


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_text_contrast(t):
    floor = 7.0 if t is theme.DEFAULT else 4.5
    low = [
        f"{what}: {theme.contrast_ratio(fg, bg):.2f}"
        for what, fg, bg in t.text_pairs() + _extra_text_pairs(t)
        if theme.contrast_ratio(fg, bg) < floor
    ]
    assert not low, f"{t.name}: text under {floor}:1: {low}"


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_high_contrast_theme_is_at_least_as_strong_as_aaa(t):
    # The theme someone picks because they see poorly keeps 7:1 as well.
    ratios = [theme.contrast_ratio(fg, bg) for _w, fg, bg in t.text_pairs()]
    assert min(ratios) >= (7.0 if t in (theme.DEFAULT, theme.HIGH_CONTRAST) else 4.5)


@pytest.mark.parametrize("t", THEMES, ids=lambda t: t.name)
def test_borders_and_focus_ring_contrast(t):
    assert any("focus" in what for what, _f, _b in t.ui_pairs())
    pairs = t.ui_pairs() + _extra_ui_pairs(t)
    low = [
        f"{what}: {theme.contrast_ratio(fg, bg):.2f}"
        for what, fg, bg in pairs
        if theme.contrast_ratio(fg, bg) < 3.0
    ]
    assert not low, f"{t.name}: borders under 3:1: {low}"


def test_focus_ring_is_at_least_3px_in_every_stylesheet():
    assert theme.FOCUS_PX >= 3
    for t in THEMES:
        for scale in theme.SCALES:
            css = theme.stylesheet(t, scale)
            assert f"{theme.FOCUS_PX}px solid {t.focus}" in css


def test_contrast_button_switches_theme_live(qtbot, isolated_environment):
    window = make_window(qtbot, isolated_environment)
    open_procedure(qtbot, window, "etre-rappele")
    click(qtbot, window, "nav:next")
    edit = find(window, "field:nom")
    qtbot.keyClicks(edit, "Camille Exemple")
    button = find(window, "nav:contrast")
    assert button.text() == button.accessibleName() == "Contraste élevé"

    click(qtbot, window, "nav:contrast")
    assert window.theme is theme.HIGH_CONTRAST
    assert theme.HIGH_CONTRAST.background in window.styleSheet()
    assert button.text() == button.accessibleName() == "Contraste normal"
    assert find(window, "field:nom").text() == "Camille Exemple"

    click(qtbot, window, "nav:language")
    assert button.text() == "Normal contrast"
    click(qtbot, window, "nav:contrast")
    assert window.theme is theme.DEFAULT
    assert button.text() == button.accessibleName() == "High contrast"
