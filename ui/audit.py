"""An automated accessibility audit of what a window shows.

``audit(window)`` looks at every visible widget of the window as laid out
now and returns a ``Finding`` for each broken rule of the project's UX
rules (docs in ``../shared/docs/ux-rules.md``; the numbers here are the
rules' floors, not the theme's own sizes, so lowering a size in the theme
is caught):

- text size: body text at least 22 px at 100 % (33 px at 150 %, 44 px at
  200 %), headings at least 32 px at 100 %, read from the font Qt really
  uses (after the stylesheet), in Atkinson Hyperlegible;
- targets: every enabled button, box and list at least 48×48 px, primary
  buttons at least 64 px tall, at least 8 px between two targets, scroll
  bars at least 48 px thick;
- focus: the widget with the keyboard focus is a control (not a page that
  draws no focus ring) and is scrolled into view (a box one types in, whole);
- room: the bars around the screen leave it at least 30 % of the height;
- whole lines: no line of text cut in half by the top edge of a screen's
  scrolling part (half a line of letters under the question);
- accessible names: every control has one, equal to its visible label
  (``ui.accessibility.problems``);
- nothing clipped: no horizontal scroll bar, no wrapped label shorter than
  its text, no single-line text wider than its room, no widget past the
  window's right edge or its scroll area's, no two sibling texts overlapping.

``audit_themes()`` checks the contrast of every theme's text/background
and border/focus pairs. ``tour(window, procedure_id)`` walks the window
through one procedure with its shipped example answers and yields at each
screen, laid out, so a test can audit every screen the person can see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QScrollBar,
    QWidget,
)

from kiosk.answers_file import read_answers_file
from kiosk.resources import resource_path
from ui import theme
from ui.accessibility import problems as accessible_name_problems

# The floors of the UX rules, at 100 % text.
BODY_FLOOR_PX = 22
HEADING_FLOOR_PX = 32
TARGET_FLOOR_PX = 48
PRIMARY_FLOOR_PX = 64
GAP_FLOOR_PX = 8
TEXT_CONTRAST = 7.0  # text in the default theme
ANY_CONTRAST = 4.5  # text anywhere
UI_CONTRAST = 3.0  # borders of inputs, focus ring
# The screen's own area (between the bars) against the window's height: at
# 200 % a one-line question and its box need about 240 px of an 800 px window.
ROOM_FLOOR = 0.3

TEXT_WIDGETS = (QLabel, QAbstractButton, QLineEdit, QPlainTextEdit, QListWidget)
TARGETS = (QAbstractButton, QLineEdit, QPlainTextEdit, QListWidget)


@dataclass(frozen=True)
class Finding:
    screen: str
    widget: str  # objectName, else class and the start of its text
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.screen}] {self.widget}: {self.rule}: {self.detail}"


# -- layout --------------------------------------------------------------------
def _snapshot(window: QWidget) -> tuple[Any, ...]:
    return tuple(
        (w.isVisible(), w.geometry().getRect()) for w in [window, *window.findChildren(QWidget)]
    )


def settle(window: QWidget, *, rounds: int = 40) -> None:
    """Process events until the geometry of every widget stops changing.

    Layouts settle asynchronously (posted LayoutRequest events, word-wrapped
    labels asking for a second pass), so one processEvents() is not enough.
    """
    app = QApplication.instance()
    assert app is not None
    previous = None
    for _ in range(rounds):
        app.processEvents()
        current = _snapshot(window)
        if current == previous:
            return
        previous = current


# -- helpers -------------------------------------------------------------------
def describe(w: QWidget) -> str:
    if w.objectName():
        return f"{type(w).__name__}#{w.objectName()}"
    text = _text(w)
    if text:
        short = text if len(text) <= 40 else text[:39] + "…"
        return f"{type(w).__name__} {short!r}"
    return type(w).__name__


def _text(w: QWidget) -> str:
    if isinstance(w, QLabel | QAbstractButton | QLineEdit):
        return w.text()
    if isinstance(w, QPlainTextEdit):
        return w.toPlainText()
    return ""


def _rect_in(w: QWidget, ancestor: QWidget) -> QRect:
    return QRect(w.mapTo(ancestor, QPoint(0, 0)), w.size())


def _visible(window: QWidget) -> list[QWidget]:
    return [w for w in window.findChildren(QWidget) if w.isVisible()]


def _scale(window: QWidget) -> float:
    scale = getattr(window, "scale", 1.0)
    return float(scale) if isinstance(scale, int | float) else 1.0


def screen_name(window: QWidget) -> str:
    """Where the window is: procedure / view / step, and the text size."""
    parts = []
    procedure = getattr(window, "procedure", None)
    if procedure is not None:
        parts.append(procedure.id)
    view = getattr(window, "view", None)
    if view is not None:
        parts.append(str(view))
    session = getattr(window, "session", None)
    if session is not None and str(view) == "step":
        parts.append(session.current_step.id)
    if getattr(window, "training", False):
        parts.append("training")
    return "/".join(parts or [window.objectName() or type(window).__name__]) + (
        f" @{round(_scale(window) * 100)}%"
    )


def _bar_owner(bar: QScrollBar) -> QWidget:
    """The scroll area a scroll bar belongs to (its parent is a container)."""
    parent = bar.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent or bar


def _gap(a: QRect, b: QRect) -> int:
    """Pixels between two rectangles along the axis where they are apart
    (negative when they overlap)."""
    gap_x = max(b.x() - (a.x() + a.width()), a.x() - (b.x() + b.width()))
    gap_y = max(b.y() - (a.y() + a.height()), a.y() - (b.y() + b.height()))
    return max(gap_x, gap_y)


# -- the rules -----------------------------------------------------------------
def _in_header(w: QWidget) -> bool:
    parent = w.parentWidget()
    return parent is not None and parent.objectName() == "page-header"


def _in_chrome(w: QWidget) -> bool:
    if w.property("chrome") == "true":
        return True
    parent = w.parentWidget()
    while parent is not None:
        if parent.property("role") in ("topbar", "bottombar"):
            return True
        parent = parent.parentWidget()
    return False


def _text_size(widgets: list[QWidget], scale: float, add: Callable[..., None]) -> None:
    body = round(BODY_FLOOR_PX * scale)
    heading = round(HEADING_FLOOR_PX * scale)
    # The bars around the screens grow to 150 % at most, by design (ui.theme).
    chrome = round(BODY_FLOOR_PX * theme.chrome_scale(scale))
    for w in widgets:
        if not isinstance(w, TEXT_WIDGETS):
            continue
        if isinstance(w, QLabel | QAbstractButton) and not w.text():
            continue  # a pictogram, or a tile whose texts are labels of their own
        info = QFontInfo(w.font())
        floor = heading if w.property("role") == "heading" else body
        if _in_chrome(w):
            floor = chrome
        elif w.property("role") == "heading" and _in_header(w):
            # The question above the scrolling part grows to 150 % like the
            # bars (ui.theme), and always stays larger than the body text.
            floor = max(round(HEADING_FLOOR_PX * theme.chrome_scale(scale)), body + 1)
        if info.pixelSize() < floor:
            add(w, "text-size", f"{info.pixelSize()} px, needs at least {floor} px")
        if info.family() != theme.FONT_FAMILY:
            add(w, "typeface", f"{info.family()!r}, not {theme.FONT_FAMILY!r}")


def _targets(widgets: list[QWidget], window: QWidget, add: Callable[..., None]) -> None:
    targets = [w for w in widgets if isinstance(w, TARGETS) and w.isEnabled()]
    # A scroll bar is what a person drags to see the rest of a long screen.
    bars = [w for w in widgets if isinstance(w, QScrollBar) and w.isEnabled()]
    for bar in bars:
        vertical = bar.orientation() == Qt.Orientation.Vertical
        thickness = bar.width() if vertical else bar.height()
        if thickness < TARGET_FLOOR_PX:
            add(_bar_owner(bar), "target-size", f"scroll bar {thickness} px thick, needs 48")
    for w in targets:
        if w.width() < TARGET_FLOOR_PX or w.height() < TARGET_FLOOR_PX:
            add(w, "target-size", f"{w.width()}×{w.height()} px, needs {TARGET_FLOOR_PX}×48")
        if w.property("role") == "primary" and w.height() < PRIMARY_FLOOR_PX:
            add(w, "target-size", f"primary button {w.height()} px tall, needs 64")
    # What can be touched now: a target half scrolled out of its view is
    # touched in its shown part (the rest is under the bars around the view).
    rects = [(w, _shown_rect(w, window)) for w in targets]
    rects = [(w, r) for w, r in rects if not r.isEmpty()]
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1 :]:
            if a.isAncestorOf(b) or b.isAncestorOf(a):
                continue
            gap = _gap(ra, rb)
            if gap < GAP_FLOOR_PX:
                what = "overlaps" if gap < 0 else f"is {gap} px from"
                add(a, "target-spacing", f"{what} {describe(b)}, needs {GAP_FLOOR_PX} px")


def _focus_shown(window: QWidget, add: Callable[..., None]) -> None:
    """The control with the keyboard focus is in view; a box one types in,
    whole when it fits: typing into a box one cannot see is typing blind."""
    focus = window.focusWidget()
    if focus is None or not focus.isVisible():
        return
    if not focus.focusPolicy() & Qt.FocusPolicy.TabFocus:
        # A page or a frame: it draws no focus ring, so Enter and Space act on
        # something nobody can see.
        add(focus, "focus-invisible", "holds the keyboard focus but shows no focus ring")
        return
    shown, whole = _shown_rect(focus, window), _rect_in(focus, window)
    if shown.isEmpty():
        add(focus, "focus-hidden", "has the keyboard focus but is scrolled out of view")
        return
    if not isinstance(focus, QLineEdit | QPlainTextEdit | QListWidget):
        return  # a button partly in view still shows where Enter or Space acts
    area = _scroll_area_of(focus)
    fits = area is None or whole.height() <= area.viewport().height()
    if fits and shown.height() < whole.height():
        add(
            focus,
            "focus-hidden",
            f"has the keyboard focus, {shown.height()} of its {whole.height()} px in view",
        )


def _room(window: QWidget, add: Callable[..., None]) -> None:
    """The bars around a screen (a widget with a "page" property holding a
    scroll area) leave its question room to be read."""
    for area in window.findChildren(QScrollArea):
        page = area.parentWidget()
        if not area.isVisible() or page is None or page.property("page") is None:
            continue
        share = area.viewport().height() / max(window.height(), 1)
        if share < ROOM_FLOOR:
            room = area.viewport().height()
            add(page, "room", f"{room} px of {window.height()} ({share:.0%}), needs 30 %")


def _half_lines(window: QWidget, add: Callable[..., None]) -> None:
    """No line of a text cut by the top edge of a page's scrolling part."""
    for area in window.findChildren(QScrollArea):
        page, content = area.parentWidget(), area.widget()
        if not area.isVisible() or page is None or page.property("page") is None:
            continue
        if content is None:
            continue
        top = area.verticalScrollBar().value()
        for text in content.findChildren(QLabel):
            if not text.isVisible() or not text.text():
                continue
            y = text.mapTo(content, QPoint(0, 0)).y()
            if not y < top < y + text.height():
                continue
            line = max(1, text.fontMetrics().lineSpacing())
            if (top - y) % line:
                add(text, "half-line", f"a line cut by the top edge ({(top - y) % line} px hidden)")


def _accessible_names(window: QWidget, add: Callable[..., None]) -> None:
    for problem in accessible_name_problems(window):
        widget, _, detail = problem.partition(": ")
        add(widget, "accessible-name", detail or problem)


def _button_room(w: QAbstractButton) -> tuple[int, int] | None:
    """(needed, available) width for a button's one line of text.

    Qt's own size hint is the measure: the text, the icon, the padding and
    the border (the style's contents rectangle is a pixel narrower on each
    side than what the size hint gives, so comparing to it would cry wolf).
    """
    if not w.text() or not isinstance(w, QPushButton | QCheckBox) or w.layout() is not None:
        return None
    return w.sizeHint().width(), w.width()


def _clipping(widgets: list[QWidget], window: QWidget, add: Callable[..., None]) -> None:
    for w in widgets:
        if isinstance(w, QScrollBar) and w.orientation() == Qt.Orientation.Horizontal:
            add(_bar_owner(w), "clipped", "a horizontal scroll bar is shown")
        inner = w.widget() if isinstance(w, QScrollArea) else None
        if isinstance(w, QScrollArea) and inner is not None:
            content, viewport = inner, w.viewport()
            if content.isVisible() and content.width() > viewport.width():
                add(w, "clipped", f"content {content.width()} px wide in {viewport.width()} px")
        if isinstance(w, QListWidget) and w.count():
            needed = w.sizeHintForColumn(0)
            if needed > w.viewport().width():
                add(w, "clipped", f"items need {needed} px, list is {w.viewport().width()} px")
        if isinstance(w, QLabel) and w.text() and w.pixmap().isNull():
            if w.wordWrap():
                needed = w.heightForWidth(w.width())
                if needed > w.height():
                    add(w, "clipped", f"text needs {needed} px of height, has {w.height()}")
            else:
                fm = w.fontMetrics()
                lines = w.text().split("\n")
                needed = max(fm.horizontalAdvance(line) for line in lines)
                room = w.contentsRect().width() - 2 * w.margin() - max(w.indent(), 0)
                if needed > room:
                    add(w, "clipped", f"text needs {needed} px of width, has {room}")
                if fm.height() * len(lines) > w.contentsRect().height():
                    add(w, "clipped", f"text needs {fm.height() * len(lines)} px of height")
        if isinstance(w, QAbstractButton):
            widths = _button_room(w)
            if widths is not None and widths[0] > widths[1]:
                add(w, "clipped", f"text needs {widths[0]} px of width, has {widths[1]}")
    _past_edges(widgets, window, add)
    _overlaps(widgets, window, add)


def _past_edges(widgets: list[QWidget], window: QWidget, add: Callable[..., None]) -> None:
    def out(w: QWidget) -> str | None:
        r = _rect_in(w, window)
        if r.x() < 0 or r.x() + r.width() > window.width():
            return f"spans x {r.x()}..{r.x() + r.width()} in a {window.width()} px window"
        area = _scroll_area_of(w)
        if area is not None:
            vr, room = _rect_in(w, area.viewport()), area.viewport().width()
            if vr.x() < 0 or vr.x() + vr.width() > room:
                return f"spans x {vr.x()}..{vr.x() + vr.width()} in a {room} px view"
        return None

    for w in widgets:
        why = out(w)
        parent = w.parentWidget()
        # Name only the outermost widget that sticks out, not all its children.
        if why and (parent is None or parent is window or not out(parent)):
            add(w, "clipped", why)


def _shown_rect(w: QWidget, window: QWidget) -> QRect:
    rect = _rect_in(w, window)
    area = _scroll_area_of(w)
    while area is not None:
        rect = rect.intersected(_rect_in(area.viewport(), window))
        area = _scroll_area_of(area)
    return rect


def _scroll_area_of(w: QWidget) -> QAbstractScrollArea | None:
    parent = w.parentWidget()
    while parent is not None:
        grand = parent.parentWidget()
        if isinstance(grand, QAbstractScrollArea) and parent is grand.viewport():
            return grand
        parent = grand
    return None


def _overlaps(widgets: list[QWidget], window: QWidget, add: Callable[..., None]) -> None:
    by_parent: dict[int, list[QWidget]] = defaultdict(list)
    for w in widgets:
        if isinstance(w, TEXT_WIDGETS) and w.parentWidget() is not None:
            by_parent[id(w.parentWidget())].append(w)
    for siblings in by_parent.values():
        for i, a in enumerate(siblings):
            for b in siblings[i + 1 :]:
                if a.geometry().intersects(b.geometry()):
                    add(a, "overlap", f"overlaps {describe(b)}")


# -- entry points ----------------------------------------------------------------
def audit(window: QWidget, screen: str | None = None) -> list[Finding]:
    """Every broken rule on what the window shows now (call ``settle`` first)."""
    where = screen or screen_name(window)
    findings: list[Finding] = []

    def add(w: QWidget | str, rule: str, detail: str) -> None:
        findings.append(Finding(where, w if isinstance(w, str) else describe(w), rule, detail))

    widgets = _visible(window)
    _text_size(widgets, _scale(window), add)
    _targets(widgets, window, add)
    _accessible_names(window, add)
    _clipping(widgets, window, add)
    _focus_shown(window, add)
    _room(window, add)
    _half_lines(window, add)
    return findings


def audit_themes(themes: Iterable[theme.Theme] = theme.THEMES.values()) -> list[Finding]:
    """Contrast of every text/background and border/focus pair of each theme."""
    findings = []
    for t in themes:
        text_floor = TEXT_CONTRAST if t is theme.DEFAULT else ANY_CONTRAST
        pairs = [(p, text_floor) for p in t.text_pairs()] + [(p, UI_CONTRAST) for p in t.ui_pairs()]
        for (what, fg, bg), floor in pairs:
            ratio = theme.contrast_ratio(fg, bg)
            if ratio < floor:
                findings.append(
                    Finding(
                        f"theme {t.name}",
                        what,
                        "contrast",
                        f"{fg} on {bg} is {ratio:.2f}:1, needs {floor}:1",
                    )
                )
    return findings


# -- walking a procedure -----------------------------------------------------------
def example_answers(procedure_id: str) -> dict[str, Any]:
    """The raw answers of the procedure's main example (attachments as paths)."""
    found = read_answers_file(resource_path("procedures", "examples", f"{procedure_id}.json"))
    return {**found.answers, **{k: str(v) for k, v in found.attachments.items()}}


def press(window: QWidget, name: str) -> None:
    button = window.findChild(QAbstractButton, name)
    if button is None or not button.isVisible() or not button.isEnabled():
        raise LookupError(f"no visible, enabled button {name!r} on {screen_name(window)}")
    button.click()


def fill(window: Any, answers: dict[str, Any]) -> None:
    """Give the current step's visible fields their answers, as a person
    would: each field widget shows the answer and reports it."""
    for field_id, widget in window.step.widgets.items():
        if field_id in answers:
            widget.set_raw(answers[field_id])
            widget.edited.emit(field_id, answers[field_id])


def tour(
    window: Any,
    procedure_id: str,
    answers: dict[str, Any] | None = None,
    *,
    errors: bool = True,
    training: bool = False,
) -> Iterator[str]:
    """From the home screen to the confirmation of one procedure, pressing
    the window's own buttons; yields each screen's name once it is laid out.

    With ``errors``, the first question that needs an answer is also shown
    once with its error summary (continued while empty).
    """
    answers = example_answers(procedure_id) if answers is None else answers
    procedure = window.flow.procedures[procedure_id]
    window.go_home()
    settle(window)
    yield screen_name(window)
    press(window, "home:training" if training else "home:start")
    settle(window)
    yield screen_name(window)
    press(window, f"category:{procedure.category}")
    settle(window)
    yield screen_name(window)
    press(window, f"procedure:{procedure_id}")
    settle(window)
    yield screen_name(window)
    press(window, "nav:next")
    for _ in range(4 * len(procedure.steps) + 4):
        view = str(window.flow.view)
        if view == "confirmation":
            settle(window)
            yield screen_name(window)
            return
        step = window.flow.session.current_step
        if (
            errors
            and view == "step"
            and any(f.required for f in window.flow.session.visible_fields())
        ):
            errors = False
            press(window, "nav:next")
            if window.flow.session.errors:
                settle(window)
                yield screen_name(window) + " errors"
            if window.flow.session.current_step is not step:
                raise RuntimeError(f"{procedure_id}: {step.id} continued without its answer")
        if view == "step":
            fill(window, answers)
        settle(window)
        yield screen_name(window)
        press(window, "nav:next")
        if window.flow.session.current_step is step and str(window.flow.view) != "confirmation":
            problems = {k: e.text("en") for k, e in window.flow.session.errors.items()}
            raise RuntimeError(f"{procedure_id}: {step.id} refused the example: {problems}")
    raise RuntimeError(f"{procedure_id}: the confirmation was never reached")
