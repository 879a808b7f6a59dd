"""Colours, sizes, the typeface and the stylesheet.

Numbers come from the project's UX rules: body text at least 22 px and
headings at least 32 px at 100 %, text contrast at least 7:1 in the default
theme, targets at least 48 px, primary buttons at least 64 px tall, a focus
ring of at least 3 px. The whole stylesheet is rebuilt when the text size
or the theme changes, so every widget follows at once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtGui import QFontDatabase

from kiosk.resources import resource_path

log = logging.getLogger(__name__)

FONT_FAMILY = "Atkinson Hyperlegible"
SCALES = (1.0, 1.5, 2.0)

BODY_PX = 22
HEADING_PX = 34
SMALL_PX = 22  # nothing a person must read is smaller than body text
TARGET_PX = 56
PRIMARY_PX = 72
#: a tile is at least this tall, border included; taller when its texts need it
TILE_MIN_PX = 120
FOCUS_PX = 4


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    surface: str  # cards, tiles
    text: str
    muted: str  # secondary text, still >= 7:1
    border: str  # input borders, >= 3:1 against background
    primary: str  # primary button background
    on_primary: str
    secondary: str  # secondary button background
    on_secondary: str
    selected: str  # a chosen answer
    on_selected: str
    focus: str  # focus ring, >= 3:1 against background and surface
    error: str  # error text and border
    error_surface: str
    on_error_surface: str
    banner: str  # training banner
    on_banner: str

    def text_pairs(self) -> list[tuple[str, str, str]]:
        """(what, foreground, background) for every text colour on its background."""
        return [
            ("text on background", self.text, self.background),
            ("text on surface", self.text, self.surface),
            ("muted on background", self.muted, self.background),
            ("muted on surface", self.muted, self.surface),
            ("primary button", self.on_primary, self.primary),
            ("secondary button", self.on_secondary, self.secondary),
            ("selected answer", self.on_selected, self.selected),
            ("error on background", self.error, self.background),
            ("error summary", self.on_error_surface, self.error_surface),
            ("training banner", self.on_banner, self.banner),
        ]

    def ui_pairs(self) -> list[tuple[str, str, str]]:
        """Borders and the focus ring against what they sit on (>= 3:1)."""
        return [
            ("input border", self.border, self.background),
            ("input border on surface", self.border, self.surface),
            ("focus ring", self.focus, self.background),
            ("focus ring on surface", self.focus, self.surface),
            # Around a primary button or a chosen answer the ring is a double
            # line with a gap of what lies behind (see stylesheet): it never
            # touches their fill, which no one colour could contrast with at
            # 3:1 as well as with the light surface.
        ]


DEFAULT = Theme(
    name="default",
    background="#FFFFFF",
    surface="#F5F3EE",
    text="#1A1A1A",
    muted="#3D3D3D",
    border="#4A4A4A",
    primary="#0B3D91",
    on_primary="#FFFFFF",
    secondary="#FFFFFF",
    on_secondary="#0B3D91",
    selected="#0B3D91",
    on_selected="#FFFFFF",
    focus="#C2410C",
    error="#9F1D1D",
    error_surface="#FFE8CC",
    on_error_surface="#7A2E00",
    banner="#FFF1C2",
    on_banner="#5C3B00",
)

HIGH_CONTRAST = Theme(
    name="high-contrast",
    background="#000000",
    surface="#111111",
    text="#FFFFFF",
    muted="#F0F0F0",
    border="#FFFFFF",
    primary="#FFD500",
    on_primary="#000000",
    secondary="#000000",
    on_secondary="#FFD500",
    selected="#FFD500",
    on_selected="#000000",
    focus="#00E5FF",
    error="#FF8A80",
    error_surface="#000000",
    on_error_surface="#FF8A80",
    banner="#FFD500",
    on_banner="#000000",
)

THEMES = {t.name: t for t in (DEFAULT, HIGH_CONTRAST)}


def relative_luminance(colour: str) -> float:
    h = colour.lstrip("#")
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


_fonts_loaded: bool | None = None


def load_fonts() -> bool:
    """Register the shipped typeface with Qt (once). False if it could not be loaded."""
    global _fonts_loaded
    if _fonts_loaded is not None:
        return _fonts_loaded
    families: set[str] = set()
    # The bundle carries TrueType (Windows does not read WOFF2); a checkout has WOFF2.
    folder = resource_path("fonts")
    for path in sorted(folder.glob("*.ttf")) or sorted(folder.glob("*.woff2")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("font not loaded: %s", path.name)
            continue
        families.update(QFontDatabase.applicationFontFamilies(font_id))
    _fonts_loaded = FONT_FAMILY in families
    if not _fonts_loaded:
        log.warning("%s not available; falling back to the system font", FONT_FAMILY)
    return _fonts_loaded


def px(value: float, scale: float) -> int:
    return round(value * scale)


#: The bars around every screen (help, read-aloud, size, language, back,
#: continue) grow up to 150 % only: at 200 % their text is still 33 px, and
#: the question keeps enough of a 1280×800 screen to be seen with its answer.
CHROME_MAX_SCALE = 1.5


def chrome_scale(scale: float) -> float:
    return min(scale, CHROME_MAX_SCALE)


def _tick(theme: Theme) -> str:
    """The tick drawn in a ticked box: a shape, not only a colour."""
    name = "coche-blanche" if relative_luminance(theme.on_selected) > 0.5 else "coche-noire"
    return resource_path("pictures", "icons", f"{name}.svg").as_posix()


def stylesheet(theme: Theme, scale: float) -> str:
    t = theme
    body = px(BODY_PX, scale)
    chrome = px(BODY_PX, chrome_scale(scale))
    heading = px(HEADING_PX, scale)
    target = max(px(TARGET_PX, min(scale, 1.5)), 48)
    primary = max(px(PRIMARY_PX, min(scale, 1.5)), 64)
    pad = px(12, scale)
    # min-height counts the content only: take off the padding and the 3 px
    # borders, so that a target is ``target`` px tall, not 30 px more (at
    # 200 % text those extra pixels left the question a letterbox).
    return f"""
* {{
    font-family: "{FONT_FAMILY}";
    font-size: {body}px;
    color: {t.text};
}}
QMainWindow, QWidget#screen, QScrollArea, QScrollArea > QWidget > QWidget, QDialog {{
    background: {t.background};
}}
QDialog[role="dialog"] {{ border: {FOCUS_PX}px solid {t.focus}; }}
QLabel {{ background: transparent; }}
QLabel[role="heading"] {{ font-size: {heading}px; font-weight: bold; }}
QLabel[role="subheading"] {{ font-size: {px(26, scale)}px; font-weight: bold; }}
QLabel[role="muted"] {{ color: {t.muted}; }}
QLabel[role="error"] {{ color: {t.error}; font-weight: bold; }}
QLabel[role="reference"] {{
    font-size: {px(48, min(scale, CHROME_MAX_SCALE))}px; font-weight: bold; letter-spacing: 2px;
    border: 3px solid {t.border}; padding: {pad}px; background: {t.surface};
}}
QFrame[role="card"] {{
    background: {t.surface}; border: 2px solid {t.border}; border-radius: 8px;
}}
QFrame[role="error-summary"] {{
    background: {t.error_surface}; border: 3px solid {t.error}; border-radius: 8px;
}}
QFrame[role="error-summary"] QLabel {{ color: {t.on_error_surface}; }}
QFrame[role="banner"] {{ background: {t.banner}; }}
QFrame[role="banner"] QLabel {{ color: {t.on_banner}; font-weight: bold; }}
QFrame[role="notice"] {{
    background: {t.surface}; border: 0; border-bottom: 4px solid {t.primary};
    border-top: 4px solid {t.primary};
}}
QLabel[role="notice-text"] {{ font-weight: bold; }}
QFrame[role="topbar"], QFrame[role="bottombar"] {{
    background: {t.surface}; border: 0; border-top: 2px solid {t.border};
}}
QFrame[role="topbar"] {{ border-top: 0; border-bottom: 2px solid {t.border}; }}
QWidget#page-header QLabel[role="heading"] {{
    font-size: {px(HEADING_PX, chrome_scale(scale))}px;
}}
QFrame[role="topbar"] QPushButton, QFrame[role="bottombar"] QPushButton,
QFrame[role="bottombar"] QLabel, QLabel[chrome="true"] {{
    font-size: {chrome}px;
}}
QPushButton {{
    min-height: {target - 2 * px(6, scale) - 6}px; min-width: {target}px;
    padding: {px(6, scale)}px {px(18, scale)}px;
    background: {t.secondary}; color: {t.on_secondary};
    border: 3px solid {t.on_secondary}; border-radius: 10px;
    font-weight: bold;
}}
QPushButton[role="primary"] {{
    min-height: {primary - 2 * px(6, scale) - 24}px; background: {t.primary};
    color: {t.on_primary}; border: 12px solid {t.primary}; border-radius: 20px;
    padding: {px(6, scale)}px {px(28, scale) - 9}px;
}}
QPushButton[role="tile"] {{
    min-height: {TILE_MIN_PX - 2 * pad - 6}px; text-align: left;
    padding: {pad}px {px(20, scale)}px; background: {t.surface}; color: {t.text};
    border: 3px solid {t.border};
}}
QPushButton[role="choice"] {{
    text-align: left; padding: {pad}px {px(20, scale)}px;
    background: {t.background}; color: {t.text}; border: 3px solid {t.border};
}}
QPushButton[role="choice"]:checked {{
    background: {t.selected}; color: {t.on_selected}; border-color: {t.selected};
}}
QPushButton:focus, QPushButton[role="primary"]:focus, QPushButton[role="tile"]:focus,
QPushButton[role="choice"]:focus {{
    border: {FOCUS_PX}px solid {t.focus};
    outline: none;
}}
QPushButton[role="primary"]:focus, QPushButton[role="choice"]:checked:focus {{
    border: 12px double {t.focus}; background-clip: padding;
}}
QPushButton[role="choice"]:checked:focus {{ padding: {pad - 9}px {px(20, scale) - 9}px; }}
QPushButton:disabled {{ color: {t.muted}; border-style: dashed; }}
QLineEdit, QPlainTextEdit, QListWidget {{
    min-height: {target - 2 * px(4, scale) - 6}px; padding: {px(4, scale)}px {pad}px;
    background: {t.background}; color: {t.text};
    border: 3px solid {t.border}; border-radius: 6px;
    selection-background-color: {t.selected}; selection-color: {t.on_selected};
}}
QLineEdit:focus, QPlainTextEdit:focus, QListWidget:focus {{
    border: {FOCUS_PX}px solid {t.focus};
}}
QLineEdit[invalid="true"], QPlainTextEdit[invalid="true"] {{
    border: {FOCUS_PX}px solid {t.error};
}}
QListWidget::item {{ min-height: {target}px; padding: {px(4, scale)}px; }}
QListWidget::item:selected {{ background: {t.selected}; color: {t.on_selected}; }}
QListWidget[invalid="true"] {{ border: {FOCUS_PX}px solid {t.error}; }}
QPushButton[role="key"] {{
    font-size: {px(30, scale)}px; min-height: {target}px; padding: {px(4, scale)}px {pad}px;
}}
QWidget#keyboard QPushButton[role="key"] {{
    font-size: {max(body, px(30, min(scale, 1.5)))}px; min-height: {TARGET_PX - 14}px;
    padding: 4px 6px;
}}
QCheckBox {{ spacing: {pad}px; min-height: {target}px; font-weight: bold; }}
QCheckBox::indicator {{
    width: {px(40, min(scale, 1.5))}px; height: {px(40, min(scale, 1.5))}px;
    border: 3px solid {t.border}; background: {t.background}; border-radius: 4px;
}}
QCheckBox::indicator:checked {{
    background: {t.selected}; border-color: {t.selected}; image: url("{_tick(t)}");
}}
QCheckBox:focus {{ outline: none; border: {FOCUS_PX}px solid {t.focus}; border-radius: 6px; }}
QProgressBar {{
    min-height: {px(18, scale)}px; max-height: {px(18, scale)}px;
    border: 2px solid {t.border}; border-radius: 6px; background: {t.background};
}}
QProgressBar::chunk {{ background: {t.primary}; border-radius: 4px; }}
QScrollBar:vertical {{ width: 48px; background: {t.surface}; }}
QScrollBar::handle:vertical {{ background: {t.border}; min-height: 60px; border-radius: 6px; }}
"""
