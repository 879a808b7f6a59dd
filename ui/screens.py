"""The screens. Each renders what the main window gives it and reports the
person's gestures with signals; none decides anything about answers."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import shiboken6
from PySide6.QtCore import QEvent, QPoint, QRect, Qt, QTimer, Signal
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

from kiosk.i18n import Text, pick
from kiosk.kinds import CATEGORIES, StepKind
from ui.i18n import tr
from ui.pictures import icon

if TYPE_CHECKING:
    # The home screen paints before the procedures, the session and the field
    # widgets are imported (start-up time); the screens that need them import
    # them when they first render.
    from kiosk.procedure import Procedure
    from kiosk.session import Session
    from kiosk.submission import Submission, TrainingSubmission
    from ui.fieldwidgets import FieldOptions, FieldWidget

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


class HomeScreen(Page):
    start = Signal()
    training = Signal()

    def __init__(self) -> None:
        super().__init__("home")

    def draw(self) -> None:
        self.reset()
        self.body.addWidget(label(tr("Bonjour"), "heading"))
        self.body.addWidget(
            label(
                tr(
                    "Cette borne vous aide à faire une démarche. "
                    "Touchez un grand bouton pour commencer."
                )
            )
        )
        start = tile(
            tr("Faire une démarche") + "\n" + tr("Permis, carte grise, carte d'identité"),
            "home:start",
            "demarche",
        )
        practise = tile(
            tr("M'entraîner") + "\n" + tr("Essayer une démarche. Rien n'est envoyé."),
            "home:training",
            "entrainement",
        )
        for button in (start, practise):
            self.body.addWidget(button)
        start.clicked.connect(self.start)
        practise.clicked.connect(self.training)
        self.finish()


class CategoryScreen(Page):
    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__("categories")

    def draw(self, categories: Sequence[str], locale: str, training: bool) -> None:
        self.reset()
        heading = tr("Quelle démarche voulez-vous essayer ?") if training else None
        self.body.addWidget(label(heading or tr("Quelle démarche voulez-vous faire ?"), "heading"))
        self.body.addWidget(label(tr("Touchez le sujet de votre démarche.")))
        for category in categories:
            button = tile(pick(CATEGORIES[category], locale), f"category:{category}", category)
            button.clicked.connect(lambda _=False, c=category: self.chosen.emit(c))
            self.body.addWidget(button)
        self.finish()


class ProceduresScreen(Page):
    chosen = Signal(str)

    def __init__(self) -> None:
        super().__init__("procedures")

    def draw(self, category: str, procedures: Sequence[Procedure], locale: str) -> None:
        self.reset()
        self.body.addWidget(label(pick(CATEGORIES[category], locale), "heading"))
        self.body.addWidget(label(tr("Touchez la démarche qui vous concerne.")))
        for proc in procedures:
            text = pick(proc.title, locale) + "\n" + pick(proc.summary, locale)
            button = tile(text, f"procedure:{proc.id}", category)
            button.clicked.connect(lambda _=False, p=proc.id: self.chosen.emit(p))
            self.body.addWidget(button)
        self.finish()


def _euros(amount: float, locale: str) -> str:
    shown = f"{int(amount)}" if float(amount).is_integer() else f"{amount:.2f}"
    return f"{shown.replace('.', ',')} €" if locale == "fr" else f"€{shown}"


class PrepareScreen(Page):
    def __init__(self) -> None:
        super().__init__("prepare")

    def draw(self, proc: Procedure, locale: str) -> None:
        self.reset()
        self.body.addWidget(label(pick(proc.title, locale), "heading"))
        self.body.addWidget(label(pick(proc.summary, locale)))
        minutes = proc.duration_minutes
        self.body.addWidget(
            label(tr("Cela prend environ {n} minutes.").replace("{n}", str(minutes)), "subheading")
        )
        if proc.prepare:
            self.body.addWidget(label(tr("Préparez :"), "subheading"))
            card = QFrame()
            card.setProperty("role", "card")
            lines = QVBoxLayout(card)
            for item in proc.prepare:
                lines.addWidget(label("•  " + pick(item, locale)))
            self.body.addWidget(card)
        self.body.addWidget(label(tr("Combien ça coûte ?"), "subheading"))
        if not proc.fees:
            self.body.addWidget(label(tr("Cette démarche est gratuite.")))
        for fee in proc.fees:
            amount = "" if fee.amount_eur is None else f" : {_euros(fee.amount_eur, locale)}"
            self.body.addWidget(label(pick(fee.label, locale) + amount))
            note = pick(fee.note, locale)
            if not fee.confirmed:
                note = (note + " " if note else "") + tr("Ce montant est donné à titre indicatif.")
            if note:
                self.body.addWidget(label(note, "muted"))
        self.finish()


class StepScreen(Page):
    """An information, question, documents or declaration step."""

    answered = Signal(str, object)
    picked = Signal()

    def __init__(self) -> None:
        super().__init__("step")
        self.widgets: dict[str, FieldWidget] = {}
        self.error_labels: dict[str, QLabel] = {}
        #: the first line of each question (its label, else its help…)
        self.field_tops: dict[str, QWidget] = {}
        self.read_first = False
        self.summary: QFrame | None = None
        self._field_options: FieldOptions | None = None

    @property
    def field_options(self) -> FieldOptions:
        """The kiosk's setup for the field widgets (keypad, scanner folder)."""
        if self._field_options is None:
            from ui.fieldwidgets import FieldOptions

            self._field_options = FieldOptions()
        return self._field_options

    @field_options.setter
    def field_options(self, options: FieldOptions) -> None:
        self._field_options = options

    def draw(self, session: Session) -> None:
        from ui.fieldwidgets import make_field_widget

        self.reset()
        self.widgets = {}
        self.error_labels = {}
        step = session.current_step
        t = session.t
        fields = session.visible_fields()
        self.set_header(label(t(step.heading), "heading", "step:heading"))
        #: read before answering: opens at the top (see focus_first)
        self.read_first = step.kind in (StepKind.DECLARATION, StepKind.DOCUMENTS)
        self.summary = QFrame()
        self.summary.setProperty("role", "error-summary")
        self.summary.setObjectName("step:error-summary")
        summary_layout = QVBoxLayout(self.summary)
        self.summary_title = label("⚠  " + tr("Il y a un problème"), "subheading")
        summary_layout.addWidget(self.summary_title)
        self.summary_lines = QVBoxLayout()
        summary_layout.addLayout(self.summary_lines)
        self.summary.hide()
        self.body.addWidget(self.summary)
        if step.text:
            self.body.addWidget(label(t(step.text), None, "step:text"))
        single = len(fields) == 1 and not step.title
        self.field_tops = {}
        for f in fields:
            ftype = session.field_type(f.id)
            box = QVBoxLayout()
            box.setSpacing(8)
            if not single and not ftype.labels_itself:
                box.addWidget(label(t(f.label), "subheading", f"label:{f.id}"))
            if f.help:
                box.addWidget(label(t(f.help), None, f"help:{f.id}"))
            notes = [t(f.example)] if f.example else []
            # One question on the screen: its help says, in its own words, that it
            # may be left empty (docs/procedure-format.md); among several, the
            # optional ones are marked. A scan is skipped, not "left empty".
            if not f.required and not single and ftype.marks_optional:
                notes.append(tr("Vous pouvez laisser vide."))
            if notes:
                # One line, not two: at 200 % the question and its box then fit.
                if len(notes) == 2 and not notes[0].rstrip().endswith((".", "!", "?")):
                    notes[0] = notes[0].rstrip() + "."
                box.addWidget(label(" ".join(notes), "muted", f"example:{f.id}"))
            error = label("", "error", f"error:{f.id}")
            error.hide()
            box.addWidget(error)
            widget = make_field_widget(f, ftype, session.locale, tr, self.field_options)
            widget.set_raw(session.raw(f.id))
            widget.edited.connect(self.answered)
            widget.picked.connect(lambda fid=f.id: self._picked(fid))
            box.addWidget(widget)
            self.body.addLayout(box)
            top = box.itemAt(0).widget() if box.count() else None
            self.field_tops[f.id] = top if top is not None else widget
            self.widgets[f.id] = widget
            self.error_labels[f.id] = error
        self.finish()
        self.show_errors(session, focus=False)

    def forget(self) -> None:
        """The person left: their widgets and messages go with the page's content."""
        self.reset()
        self.widgets, self.error_labels, self.field_tops = {}, {}, {}

    def _picked(self, field_id: str) -> None:
        """An answer picked in one gesture: on to the next field, else "Continuer"."""
        ids = list(self.widgets)
        later = ids[ids.index(field_id) + 1 :] if field_id in ids else []
        if later:
            self.widgets[later[0]].focus_input()
            self.reveal_focus(context=self.field_tops.get(later[0]))
        else:
            self.picked.emit()

    def show_errors(self, session: Session, *, focus: bool = True) -> None:
        """The summary at the top, each message at its field, focus on the first."""
        while self.summary_lines.count():
            item = self.summary_lines.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        first: tuple[str, str | None] | None = None
        for field_id, widget in self.widgets.items():
            message = session.error_text(field_id)
            error_label = self.error_labels[field_id]
            error_label.setVisible(bool(message))
            error = session.errors.get(field_id)
            widget.set_invalid(bool(message), error.part if error else None)
            if message:
                error_label.setText("⚠  " + message)
                name = session.t(session.procedure.fields[field_id].label)
                self.summary_lines.addWidget(label(f"{name} — {message}"))
                if first is None:
                    first = (field_id, error.part if error else None)
        if self.summary is not None:
            self.summary.setVisible(first is not None)
        if focus and first is not None:
            widget = self.widgets[first[0]]
            widget.focus_input(first[1])
            self.reveal_focus(also=self.error_labels[first[0]], context=self.field_tops[first[0]])

    def focus_first(self) -> None:
        if not self.widgets:
            super().focus_first()
            return
        field_id, widget = next(iter(self.widgets.items()))
        if self.read_first:
            # A declaration to agree to, documents to scan: the page opens at
            # its top, to be read. The first control has the focus only if it
            # is in view there; else « Continuer » gets it (the window), and
            # Tab or an error message leads down to the control.
            self._placing = None
            self.settle()
            self.scroller.verticalScrollBar().setValue(0)
            targets = widget.focus_targets()
            if targets and self.in_view(targets[0]):
                widget.focus_input()
            return
        widget.focus_input()
        self.reveal_focus(context=self.field_tops.get(field_id))


class ReviewScreen(Page):
    edit = Signal(str)

    def __init__(self) -> None:
        super().__init__("review")

    def draw(self, session: Session) -> None:
        self.reset()
        step = session.current_step
        title: Text = step.title or {"fr": "Vérifiez vos réponses", "en": "Check your answers"}
        self.body.addWidget(label(session.t(title), "heading", "step:heading"))
        self.body.addWidget(
            label(tr("Lisez chaque réponse. Touchez « Modifier » pour changer une réponse."))
        )
        for line in session.review_lines():
            card = QFrame()
            card.setProperty("role", "card")
            card.setObjectName(f"review:{line.field.id}")
            rows = QVBoxLayout(card)
            rows.addWidget(label(line.label, "muted"))
            rows.addWidget(label(line.shown, "subheading", f"review:value:{line.field.id}"))
            button = QPushButton(tr("Modifier"))
            button.setObjectName(f"review:edit:{line.field.id}")
            button.setAccessibleName(tr("Modifier") + " : " + line.label)
            button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
            button.clicked.connect(lambda _=False, f=line.field.id: self.edit.emit(f))
            rows.addWidget(button)
            self.body.addWidget(card)
        self.finish()


class ConfirmationScreen(Page):
    """The reference in large characters, what happens next. « Imprimer le
    reçu » is the window's, in the bottom bar beside « Terminer »."""

    def __init__(self) -> None:
        super().__init__("confirmation")
        #: the reference shown (the printing message goes under it)
        self.reference: QLabel | None = None

    def draw(
        self, session: Session, result: Submission | TrainingSubmission, *, saved: bool = True
    ) -> None:
        from kiosk.submission import TrainingSubmission

        self.reset()
        self.reference = None
        step = session.current_step
        t = session.t
        if not saved:
            self.body.addWidget(
                label(tr("Votre demande n'est pas encore enregistrée"), "heading", "step:heading")
            )
            self.body.addWidget(
                label(
                    tr(
                        "Ce n'est pas de votre faute. Vos réponses sont gardées. "
                        "Touchez « Réessayer ». Si cela ne marche pas, appelez un médiateur."
                    ),
                    "error",
                )
            )
            self.finish()
            return
        self.body.addWidget(label(t(step.title), "heading", "step:heading"))
        if isinstance(result, TrainingSubmission):
            self.body.addWidget(
                label(
                    tr("C'était un entraînement. Rien n'a été envoyé."),
                    "subheading",
                    "confirmation:training",
                )
            )
            self.body.addWidget(label(tr("Pour une vraie demande, vous recevez un numéro :")))
        else:
            self.body.addWidget(label(tr("Gardez ce numéro. Il sert à suivre votre demande :")))
        ref = label(result.local_reference, "reference", "confirmation:reference")
        ref.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        ref.setAccessibleName(tr("Votre numéro") + " " + " ".join(result.local_reference))
        self.body.addWidget(ref)
        self.reference = ref
        self.body.addWidget(label(t(step.text)))
        if step.next_steps:
            self.body.addWidget(label(tr("Et maintenant ?"), "subheading"))
            for item in step.next_steps:
                for line in t(item).split("\n"):
                    if line.strip():
                        self.body.addWidget(label("•  " + line.strip()))
        if step.delay:
            self.body.addWidget(label(tr("Combien de temps ?"), "subheading"))
            self.body.addWidget(label(t(step.delay)))
        if step.contact:
            self.body.addWidget(label(tr("Une question ?"), "subheading"))
            self.body.addWidget(label(t(step.contact)))
        self.finish()


def describe(widget: Any) -> str:
    return f"{type(widget).__name__}({widget.objectName()!r})"
