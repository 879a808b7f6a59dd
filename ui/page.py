"""A screen's frame: a heading that stays put, a vertical scroll area (never
a horizontal one), and the placement of the focus in it at every text size.

Also the small builders every screen uses: a wrapped label, a large tile.
"""

from __future__ import annotations

import re

import shiboken6
from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui.pictures import icon

_SPACE_BEFORE = re.compile(r" ([?!:;»])")
_SPACE_AFTER = re.compile(r"« ")


def typeset(text: str) -> str:
    """French typography: a non-breaking space before ? ! : ; » and after «,
    so a question mark never starts a line of its own at 200 %."""
    return _SPACE_AFTER.sub("«\u00a0", _SPACE_BEFORE.sub("\u00a0\\1", text))


def label(text: str, role: str | None = None, name: str | None = None) -> QLabel:
    widget = QLabel(typeset(text))
    widget.setWordWrap(True)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    return widget


def tile(text: str, name: str, picture: str | None = None) -> QPushButton:
    """A large button: a pictogram, a title in bold, and a line of explanation.

    QPushButton cannot wrap its text, so the texts are labels inside it; the
    button takes its height from them (through its layout) at every size.
    """
    title, _, detail = text.partition("\n")
    button = QPushButton()
    button.setObjectName(name)
    button.setProperty("role", "tile")
    button.setAccessibleName(title)
    if detail:
        button.setAccessibleDescription(detail)
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    row = QHBoxLayout(button)
    # The tile's height follows its width (wrapped texts), not the height its
    # texts would need wrapped at their narrowest: at 200 % that doubled it.
    row.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)
    row.setContentsMargins(20, 10, 20, 10)
    row.setSpacing(20)
    if picture:
        picture_label = QLabel()
        picture_label.setObjectName("tile:picture")
        picture_label.setProperty("picture", picture)
        picture_label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        row.addWidget(picture_label, 0, Qt.AlignmentFlag.AlignVCenter)
    texts = QVBoxLayout()
    texts.setSpacing(4)
    for part, role in ((title, "subheading"), (detail, None)):
        if part:
            lab = label(part, role)
            lab.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            texts.addWidget(lab)
    row.addLayout(texts, 1)
    return button


def size_pictures(root: QWidget, px: int) -> None:
    """Give every tile its pictogram at a size that follows the text size."""
    for picture_label in root.findChildren(QLabel, "tile:picture"):
        picture_label.setPixmap(icon(str(picture_label.property("picture"))).pixmap(px, px))
        picture_label.setFixedSize(px, px)


def _typed(widget: QWidget) -> bool:
    """A control seen whole when it has the focus (one types or ticks in it)."""
    return isinstance(widget, QLineEdit | QPlainTextEdit | QListWidget | QCheckBox)


class Page(QWidget):
    """A screen with a vertical scroll area; never a horizontal one."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.setObjectName("screen")
        self.setProperty("page", name)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        # A heading that stays put above the scrolling part (the question of
        # a step): at 200 % text the question and its box rarely both fit,
        # and the box must be seen whole when it has the focus.
        self.header = QWidget()
        self.header.setObjectName("page-header")
        self.header_layout = QVBoxLayout(self.header)
        self.header_layout.setContentsMargins(48, 16, 48, 0)
        self.header.hide()
        outer.addWidget(self.header)
        self.scroller = QScrollArea()
        self.scroller.setWidgetResizable(True)
        self.scroller.setFrameShape(QFrame.Shape.NoFrame)
        self.scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # Not a Tab stop: it drew no focus ring, so Tab seemed to go nowhere.
        # The page follows the focus, and Page Up / Page Down scroll it (window).
        self.scroller.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.scroller)
        #: what the focus was last placed with: (focus, also, context)
        self._placing: tuple[QWidget, QWidget | None, QWidget | None] | None = None
        self.scroller.verticalScrollBar().rangeChanged.connect(lambda *_: self._replace())
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self.content: QWidget | None = None
        self.body = QVBoxLayout()
        self.reset()

    def set_header(self, widget: QWidget | None) -> None:
        while self.header_layout.count():
            item = self.header_layout.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                # Out of the window at once (finders and screen readers must
                # not meet the last question); deleted when Qt is ready.
                old.hide()
                old.setParent(None)
                old.deleteLater()
        if widget is not None:
            self.header_layout.addWidget(widget)
        self.header.setVisible(widget is not None)

    def reset(self) -> None:
        self.set_header(None)
        # takeWidget() hands the old content back instead of deleting it at
        # once: a signal from one of its buttons may still be on the stack.
        old = self.scroller.takeWidget()
        self.content = QWidget()
        self.body = QVBoxLayout(self.content)
        self.body.setContentsMargins(48, 20, 48, 24)
        self.body.setSpacing(14)
        self.scroller.setWidget(self.content)
        if old is not None:
            old.deleteLater()

    def finish(self) -> None:
        self.body.addStretch(1)

    def spoken_text(self) -> str:
        """What "Écouter" reads on this screen."""
        if self.content is None:
            return ""
        parts = [
            w.text()
            for w in self.header.findChildren(QLabel) + self.content.findChildren(QLabel)
            if w.property("role") in ("heading", "subheading", "error", None)
            and w.isVisibleTo(self)
        ]
        return "\n".join(p for p in parts if p)

    def settle(self) -> None:
        """Widgets just added to a shown page are shown by queued calls, then
        laid out by posted layout requests: run those now (nothing else),
        until the sizes hold, so that their places are known."""
        if self.content is None:
            return
        viewport = self.scroller.viewport()
        for _ in range(5):
            sizes = self.content.size(), viewport.size()
            QApplication.sendPostedEvents(None, QEvent.Type.MetaCall)
            QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            if (self.content.size(), viewport.size()) == sizes:
                break

    def in_view(self, w: QWidget) -> bool:
        """``w`` is whole in the page's visible part."""
        viewport = self.scroller.viewport()
        return viewport.rect().contains(QRect(w.mapTo(viewport, QPoint(0, 0)), w.size()))

    def focus_first(self) -> None:
        if self.content is None:
            return
        self.settle()
        for w in self.content.findChildren(QWidget):
            if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(self):
                w.setFocus(Qt.FocusReason.OtherFocusReason)
                if self.isVisible():  # hidden: nothing to scroll (the window at start)
                    self.reveal_focus()
                return

    def reveal_focus(self, also: QWidget | None = None, context: QWidget | None = None) -> None:
        """Scroll the focus into view, as little as possible: a box one types
        in, whole (typing into a hidden box is typing blind); a button, only
        when none of it shows (the question above stays in view). ``also``
        (an error message above its box) first, so that the focus wins.
        ``context`` (the top of the question the focus answers: its label,
        its help) is brought into view too when it fits with the focus. No
        line of text is left cut in half under the top edge.

        At 200 % text the focus is often below the fold, and QScrollArea
        follows it only when Tab moves it. The new content is laid out
        first (``settle``), so that its place is known.
        """
        focus = self.focusWidget()
        if focus is None or self.content is None or not self.content.isAncestorOf(focus):
            return
        self.settle()
        viewport = self.scroller.viewport()
        typed = _typed(focus)
        for widget in (also, focus):
            if widget is None:
                continue
            place = QRect(widget.mapTo(viewport, QPoint(0, 0)), widget.size())
            if widget is focus and not typed and viewport.rect().intersects(place):
                continue
            # Not ensureWidgetVisible: for a text box it shows only the cursor.
            middle = widget.mapTo(self.content, widget.rect().center())
            half = widget.size() / 2
            self.scroller.ensureVisible(
                middle.x(), middle.y(), half.width() + 16, half.height() + 16
            )
        self._place(focus, also, context)
        # The header and the bars may still change size once the page is laid
        # out and shown, and a field may grow (a document chosen): place it
        # again then, while the focus has not moved.
        self._placing = (focus, also, context)
        QTimer.singleShot(0, self, self._replace)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        """The focus moved inside this page (Tab, a field's own move): once Qt
        has scrolled to it, no line is left cut in half above it."""
        if new is None or self.content is None or not self.content.isAncestorOf(new):
            return
        self._placing = (new, None, None)
        QTimer.singleShot(0, self, self._replace)

    def _replace(self) -> None:
        """Place the focus again, while it has not moved and its page stands."""
        if self._placing is None:
            return
        focus, also, context = self._placing
        if not shiboken6.isValid(focus) or self.focusWidget() is not focus:
            self._placing = None
            return
        if self.content is None or not self.content.isAncestorOf(focus):
            return
        if any(w is not None and not shiboken6.isValid(w) for w in (also, context)):
            return
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        self._place(focus, also, context)

    def _place(self, focus: QWidget, also: QWidget | None, context: QWidget | None) -> None:
        """The question above the focus in view when it fits with it, and no
        line of text cut in half under the top edge."""
        assert self.content is not None
        content = self.content
        bar = self.scroller.verticalScrollBar()
        height = self.scroller.viewport().height()

        def top_of(w: QWidget) -> int:
            return w.mapTo(content, QPoint(0, 0)).y()

        # What must stay in view: the typed box whole, or a first line of a button.
        needed = top_of(focus) + (focus.height() if _typed(focus) else min(focus.height(), 48))
        if needed > bar.value() + height:  # the focus itself first
            bar.setValue(needed - height + 8)
        for first in (context, also):
            if first is not None and top_of(first) < bar.value():
                if needed - top_of(first) + 8 <= height:
                    bar.setValue(max(0, top_of(first) - 8))
                break
        # A text straddling the top edge: whole when the focus still shows
        # with it, else from its first whole line (never half a line of
        # letters under the question). Scrolling that far may need a little
        # room under the last field.
        texts = [
            t
            for t in content.findChildren(QLabel)
            if t.isVisible() and t.text() and not focus.isAncestorOf(t)
        ]
        for _ in range(4):  # texts side by side: until none is cut
            value = bar.value()
            cut = [t for t in texts if top_of(t) < value < top_of(t) + t.height()]
            if not cut:
                break
            y = min(top_of(t) for t in cut)
            if needed - y + 8 <= height:
                target = max(0, y - 8)
            else:
                text = min(cut, key=top_of)
                line = max(1, text.fontMetrics().lineSpacing())
                target = min(y + -(-(value - y) // line) * line, y + text.height())
                if text.property("role") in ("heading", "subheading"):
                    target = y + text.height()  # the end of a question alone misleads
                if target <= value:
                    break
            if target > bar.maximum():
                margins = self.body.contentsMargins()
                margins.setBottom(margins.bottom() + target - bar.maximum())
                self.body.setContentsMargins(margins)
                QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
            bar.setValue(target)
