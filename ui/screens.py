"""The screens. Each renders what the main window gives it and reports the
person's gestures with signals; none decides anything about answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow import Flow, View
from kiosk.i18n import Text, pick
from kiosk.kinds import CATEGORIES, StepKind
from ui.i18n import tr
from ui.page import Page, label, tile

if TYPE_CHECKING:
    # The home screen paints before the procedures, the session and the field
    # widgets are imported (start-up time); the screens that need them import
    # them when they first render.
    from kiosk.procedure import Procedure
    from kiosk.session import Session
    from kiosk.submission import Submission, TrainingSubmission
    from ui.fieldwidgets import FieldOptions, FieldWidget


class HomeScreen(Page):
    start = Signal()
    training = Signal()

    def __init__(self) -> None:
        super().__init__("home")

    def draw(self, *, can_save: bool = True) -> None:
        """``can_save`` False: requests cannot be kept on this kiosk now; only
        training is offered, with whom to ask (never twenty steps for nothing)."""
        self.reset()
        self.body.addWidget(label(tr("Bonjour"), "heading"))
        if not can_save:
            card = QFrame()
            card.setObjectName("home:cannot-save")
            card.setProperty("role", "error-summary")
            lines = QVBoxLayout(card)
            warning = tr("Aujourd'hui, cette borne ne peut pas garder de demande.")
            lines.addWidget(label("⚠  " + warning, "subheading"))
            lines.addWidget(
                label(
                    tr(
                        "Vous pouvez vous entraîner. Pour une vraie demande, demandez à "
                        "un médiateur, ou appelez le 34\u00a000 (ANTS)."
                    )
                )
            )
            self.body.addWidget(card)
            practise = tile(
                tr("M'entraîner") + "\n" + tr("Essayer une démarche. Rien n'est envoyé."),
                "home:training",
                "entrainement",
            )
            self.body.addWidget(practise)
            practise.clicked.connect(self.training)
            self.finish()
            return
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
            from ui.fieldwidgets import FieldOptions  # start-up seam (see the imports above)

            self._field_options = FieldOptions()
        return self._field_options

    @field_options.setter
    def field_options(self, options: FieldOptions) -> None:
        self._field_options = options

    def draw(self, session: Session) -> None:
        from ui.fieldwidgets import make_field_widget  # start-up seam (see the imports above)

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
            first_item = box.itemAt(0)
            top = first_item.widget() if first_item is not None else None
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
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
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
        from kiosk.submission import TrainingSubmission  # start-up seam (see the imports above)

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


class ScreenStack(QStackedWidget):
    """Every screen of the kiosk, one shown at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.home, self.categories = HomeScreen(), CategoryScreen()
        self.procedure_list, self.prepare = ProceduresScreen(), PrepareScreen()
        self.step, self.review = StepScreen(), ReviewScreen()
        self.confirmation = ConfirmationScreen()
        self.pages: dict[View, Page] = {
            View.HOME: self.home,
            View.CATEGORIES: self.categories,
            View.PROCEDURES: self.procedure_list,
            View.PREPARE: self.prepare,
            View.STEP: self.step,
            View.REVIEW: self.review,
            View.CONFIRMATION: self.confirmation,
        }
        for page in self.pages.values():
            self.addWidget(page)

    def draw(self, flow: Flow, *, ready: bool) -> Page:
        """Draw the flow's current screen (not yet brought forward)."""
        view, loc, session = flow.view, flow.locale, flow.session
        if view == View.HOME:
            self.home.draw(can_save=flow.can_save or not ready)
        elif view == View.CATEGORIES:
            self.categories.draw(flow.categories(), loc, flow.training)
        elif view == View.PROCEDURES and flow.category:
            self.procedure_list.draw(flow.category, flow.procedures_in(flow.category), loc)
        elif view == View.PREPARE and flow.procedure:
            self.prepare.draw(flow.procedure, loc)
        elif view == View.STEP and session:
            self.step.draw(session)
        elif view == View.REVIEW and session:
            self.review.draw(session)
        elif view == View.CONFIRMATION and session and flow.result:
            self.confirmation.draw(session, flow.result, saved=flow.saved)
        return self.pages[view]


def describe(widget: Any) -> str:
    return f"{type(widget).__name__}({widget.objectName()!r})"
