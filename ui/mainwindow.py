"""The main window: the chrome every screen shares, and the flow between screens.

The window owns the person's ``Session`` and is the only place that calls
it: screens report gestures with signals, the window passes them to the
session and renders what the session says next.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from kiosk.i18n import DEFAULT_LOCALE
from ui import errors, help, speech, theme, training
from ui.flowlayout import FlowLayout
from ui.i18n import LANGUAGE_NAMES, Translations, available_languages, layout_direction, tr
from ui.idle import IdleWatcher, forget_traces
from ui.pictures import icon
from ui.screens import (
    CategoryScreen,
    ConfirmationScreen,
    HomeScreen,
    Page,
    PrepareScreen,
    ProceduresScreen,
    ReviewScreen,
    StepScreen,
    label,
    size_pictures,
)
from ui.views import View

if TYPE_CHECKING:
    # Imported once the home screen is painted (see ``ui.app``): a person sees
    # the welcome before the procedures, the session and the outbox are loaded.
    from kiosk.procedure import Procedure
    from kiosk.session import KioskIdentity, Session
    from kiosk.submission import Submission, TrainingSubmission

log = logging.getLogger(__name__)

Submit = Callable[["Submission"], None]


class SubmitFailed(Exception):
    """The submission could not be stored; the person's answers are kept."""


class MainWindow(QMainWindow):
    #: "J'ai besoin d'aide" in an assisted session: the mediator console listens.
    help_requested = Signal(str)
    #: everything of the last person is gone (end, timeout, error).
    session_wiped = Signal()
    #: a finalized submission went into the outbox (the sync worker wakes).
    submitted = Signal(str)
    #: no printer: the receipt was saved as this PDF for the mediator.
    receipt_saved = Signal(str)
    #: start-up is complete: procedures offered, outbox open, sending started.
    ready = Signal()

    def __init__(
        self,
        procedures: Iterable[Procedure] = (),
        *,
        submit: Submit | None = None,
        kiosk: KioskIdentity | None = None,
        kiosk_mode: bool = False,
    ) -> None:
        super().__init__()
        self.setObjectName("main-window")
        self.procedures = {p.id: p for p in procedures}
        self._submit = submit
        #: who this kiosk is in the submissions (from the settings)
        self.kiosk = kiosk
        self.kiosk_mode = kiosk_mode
        self.translations = Translations()
        self.locale = DEFAULT_LOCALE
        self.scale_index = 0
        self.theme = theme.DEFAULT
        self.training = False
        self.mediator_id: str | None = None
        self.session: Session | None = None
        self.category: str | None = None
        self.procedure: Procedure | None = None
        self.result: Submission | TrainingSubmission | None = None
        self.saved = True  # the shown result is safe in the outbox
        self.view = View.HOME
        self._history: list[View] = []
        self.is_ready = False
        #: completes start-up at once (set by ``ui.app.start_main_window``)
        self.finish_start: Callable[[], None] | None = None
        self._build()
        self.apply_style()
        self.go_home()

    # -- construction -----------------------------------------------------------
    def _build(self) -> None:
        central = QWidget()
        central.setObjectName("screen")
        root = QVBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)

        self.banner = QFrame()
        self.banner.setProperty("role", "banner")
        self.banner.setObjectName("training-banner")
        banner_row = QHBoxLayout(self.banner)
        self.banner_label = QLabel()
        self.banner_label.setWordWrap(True)
        banner_row.addWidget(self.banner_label)
        root.addWidget(self.banner)

        top = QFrame()
        top.setProperty("role", "topbar")
        top_flow = FlowLayout(top, spacing=12)
        top_flow.setContentsMargins(16, 10, 16, 10)
        self.listen_button = self._nav_button("nav:listen", "ecouter")
        self.size_button = self._nav_button("nav:text-size", "taille")
        self.language_button = self._nav_button("nav:language", "langue")
        self.help_button = self._nav_button("nav:help", "besoin-aide")
        self.contrast_button = self._nav_button("nav:contrast", "contraste")
        # In this order the five fit on two lines at 200 % text on 1280 px.
        for b in (self.help_button, self.listen_button, self.language_button, self.size_button,
                  self.contrast_button):  # fmt: skip
            top_flow.addWidget(b)
        root.addWidget(top)
        self.help_notice = help.HelpNotice(self)
        # Started once the home screen is painted (``mark_ready``).
        self.speaker = speech.Speaker(self, start=False)

        self.progress_row = QWidget()
        progress = QHBoxLayout(self.progress_row)
        progress.setContentsMargins(0, 0, 0, 0)
        progress.setSpacing(16)
        self.progress_label = label("", "muted", "progress:label")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progress:bar")
        self.progress_bar.setTextVisible(False)
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.progress_label.setWordWrap(False)
        progress.addWidget(self.progress_label)
        progress.addWidget(self.progress_bar, 1)

        self.stack = QStackedWidget()
        self.home = HomeScreen()
        self.categories = CategoryScreen()
        self.procedure_list = ProceduresScreen()
        self.prepare = PrepareScreen()
        self.step = StepScreen()
        self.review = ReviewScreen()
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
            self.stack.addWidget(page)
        root.addWidget(self.stack, 1)

        bottom = self.bottom_bar = QFrame()
        bottom.setProperty("role", "bottombar")
        row = QHBoxLayout(bottom)
        row.setContentsMargins(24, 12, 24, 12)
        self.back_button = self._nav_button("nav:back", "retour")
        # On the confirmation: the number to take away, in the bar beside
        # « Terminer » (in the page it fell below the fold at 200 %).
        self.print_button = self._nav_button("confirmation:print", "imprimer")
        self.next_button = self._nav_button("nav:next", "continuer", primary=True)
        self.next_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        # "Étape i sur n" sits between "Retour" and "Continuer": a row of its
        # own cost the question 60 px of a 800 px screen at 200 % text.
        row.setSpacing(24)
        row.addWidget(self.back_button)
        row.addWidget(self.print_button)
        row.addWidget(self.progress_row, 1)
        row.addStretch(0)
        row.addWidget(self.next_button)
        root.addWidget(bottom)

        self.status_label = label("", "muted", "status:line")
        self.status_label.setProperty("chrome", "true")
        self.status_label.setContentsMargins(24, 4, 24, 8)
        root.addWidget(self.status_label)

        self.setCentralWidget(central)

        self.home.start.connect(lambda: self.open_categories(training=False))
        self.home.training.connect(lambda: self.open_categories(training=True))
        self.categories.chosen.connect(self.open_category)
        self.procedure_list.chosen.connect(self.open_procedure)
        self.step.answered.connect(self.on_answered)
        self.step.picked.connect(lambda: self.next_button.setFocus(Qt.FocusReason.OtherFocusReason))
        self.review.edit.connect(self.on_edit)
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.size_button.clicked.connect(self.cycle_text_size)
        self.language_button.clicked.connect(self.cycle_language)
        self.help_button.clicked.connect(self.ask_for_help)
        self.listen_button.clicked.connect(self.listen)
        self.contrast_button.clicked.connect(self.toggle_contrast)
        self.speaker.availability_changed.connect(lambda _ok: self._chrome())
        self.stack.currentChanged.connect(lambda _i: self.speaker.stop())
        self.session_wiped.connect(self.speaker.stop)
        self.print_button.clicked.connect(self.print_receipt)
        self._enter = _EnterContinues(self)
        self.installEventFilter(self._enter)
        # A shared machine: a calm word after an error; the idle warning, then a wipe.
        self.error_notice = errors.add_notice(self)
        self.idle = IdleWatcher(self)

    def _nav_button(self, name: str, picture: str, *, primary: bool = False) -> QPushButton:
        button = QPushButton()
        button.setObjectName(name)
        button.setIcon(icon(picture))
        if primary:
            button.setProperty("role", "primary")
        button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        return button

    # -- look -------------------------------------------------------------------
    @property
    def scale(self) -> float:
        return theme.SCALES[self.scale_index]

    def apply_style(self) -> None:
        self.setStyleSheet(theme.stylesheet(self.theme, self.scale))
        self._size_icons()

    def top_buttons(self) -> tuple[QPushButton, ...]:
        return (self.help_button, self.listen_button, self.language_button, self.size_button,
                self.contrast_button)  # fmt: skip

    def _size_icons(self) -> None:
        size = round(theme.BODY_PX * self.scale * 1.4)
        chrome = round(theme.BODY_PX * theme.chrome_scale(self.scale) * 1.4)
        bars = (self.back_button, self.print_button, self.next_button, *self.top_buttons())
        for button in self.findChildren(QPushButton):
            button.setIconSize(QSize(chrome, chrome) if button in bars else QSize(size, size))
        size_pictures(self, round(theme.BODY_PX * min(self.scale, 1.5) * 3.2))

    def set_theme(self, name: str) -> None:
        self.theme = theme.THEMES[name]
        self.apply_style()
        self._chrome()

    def toggle_contrast(self) -> None:
        high = self.theme is not theme.HIGH_CONTRAST
        self.set_theme((theme.HIGH_CONTRAST if high else theme.DEFAULT).name)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self._mirror_navigation()

    def _mirror_navigation(self) -> None:
        """Right to left, « Retour » sits on the right and points right,
        « Continuer » on the left and points left: mirror images of left to right."""
        rtl = self.layoutDirection() == Qt.LayoutDirection.RightToLeft
        self.back_button.setIcon(icon("continuer" if rtl else "retour"))
        self.next_button.setIcon(icon("retour" if rtl else "continuer"))
        self.next_button.setLayoutDirection(
            Qt.LayoutDirection.LeftToRight if rtl else Qt.LayoutDirection.RightToLeft
        )

    def cycle_text_size(self) -> None:
        self.scale_index = (self.scale_index + 1) % len(theme.SCALES)
        self.apply_style()
        self.refresh()

    @property
    def languages(self) -> list[str]:
        """The languages offered: translated interface and procedure texts."""
        return available_languages(self.procedures.values())

    def cycle_language(self) -> None:
        """Two languages: switch to the other. More: a small chooser."""
        offered = self.languages
        if len(offered) > 2:
            chosen = help.ask(
                self, help.language_dialog(self, [(c, LANGUAGE_NAMES[c]) for c in offered])
            )
            if chosen and chosen != self.locale:
                self.set_locale(chosen)
            return
        others = [loc for loc in offered if loc != self.locale]
        if others:
            self.set_locale(others[0])

    def set_locale(self, locale: str) -> None:
        self.locale = locale
        self.translations.switch(locale)
        self.speaker.stop()
        self.setLayoutDirection(layout_direction(locale))
        if self.session is not None:
            self.session.set_locale(locale)
        self.refresh()

    # -- flow -------------------------------------------------------------------
    def show_view(self, view: View, *, remember: bool = True) -> None:
        if remember and self.view != view and view not in (View.STEP, View.REVIEW):
            self._history.append(self.view)
        self.view = view
        self.refresh()
        self.stack.setCurrentWidget(self.pages[view])
        if view == View.REVIEW:
            # Enter continues on the review: the focus must not sit on the
            # first "Modifier", where Enter would reopen the first answer.
            self.review.scroll.verticalScrollBar().setValue(0)
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif view == View.CONFIRMATION and self.print_button.isVisible():
            # Enter prints the receipt first, then « Terminer » (print_receipt).
            self.confirmation.scroll.verticalScrollBar().setValue(0)
            self.print_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self._focus_page(view)

    def _focus_page(self, view: View) -> None:
        """The first control of the page, else « Continuer » on a page to read."""
        self.pages[view].focus_first()
        focus = self.focusWidget()
        # In the page's content: the page itself may hold the focus (the
        # stacked widget hands it over), which no one can see.
        content = self.pages[view].content
        inside = focus is not None and content is not None and content.isAncestorOf(focus)
        if not inside and self.next_button.isVisible():
            # A screen to read (information, prepare): Enter continues.
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def next_person(self) -> None:
        """The person is done (« Terminer », or gone idle): the home screen as the
        next person expects it, in French, normal size and contrast."""
        if self.locale != DEFAULT_LOCALE:
            self.set_locale(DEFAULT_LOCALE)
        if self.scale_index != 0 or self.theme is not theme.DEFAULT:
            self.scale_index = 0
            self.theme = theme.DEFAULT
            self.apply_style()
        self.go_home()

    def go_home(self) -> None:
        self.wipe()
        self._history = []
        self.view = View.HOME
        self.refresh()
        self.stack.setCurrentWidget(self.home)
        self.home.focus_first()

    def open_categories(self, *, training: bool) -> None:
        if not self.is_ready and self.finish_start is not None:
            self.finish_start()  # a touch quicker than the start-up: load now
        if not self.is_ready and self.finish_start is not None:
            self.recover_from_error()  # it failed: the calm message, on the home screen
            return
        self.training = training
        self.show_view(View.CATEGORIES)

    def open_category(self, category: str) -> None:
        self.category = category
        self.show_view(View.PROCEDURES)

    def open_procedure(self, procedure_id: str) -> None:
        self.procedure = self.procedures[procedure_id]
        self.show_view(View.PREPARE)

    def set_procedures(self, procedures: Iterable[Procedure]) -> None:
        """The procedures offered (they arrive once the home screen is shown)."""
        self.procedures = {p.id: p for p in procedures}
        self._chrome()

    def set_submit(self, submit: Submit) -> None:
        """Where finalized submissions go (the outbox, opened after the first paint)."""
        self._submit = submit

    def mark_ready(self) -> None:
        self.speaker.start()
        self.is_ready = True
        self.ready.emit()

    def start_session(self) -> None:
        from kiosk.session import KioskIdentity, Mode, Session

        assert self.procedure is not None
        if self.training:
            mode, mediator = Mode.TRAINING, None
        elif self.mediator_id:
            mode, mediator = Mode.ASSISTED, self.mediator_id
        else:
            mode, mediator = Mode.SELF_SERVICE, None
        self.session = Session(
            self.procedure,
            locale=self.locale,
            mode=mode,
            mediator_id=mediator,
            kiosk=self.kiosk or KioskIdentity(),
        )
        self.result = None
        self._show_session()

    def _show_session(self) -> None:
        assert self.session is not None
        kind = self.session.current_step.kind
        view = {"review": View.REVIEW, "confirmation": View.CONFIRMATION}.get(kind, View.STEP)
        self.show_view(view, remember=False)

    def go_next(self) -> None:
        if self.view == View.PREPARE:
            self.start_session()
            return
        if self.view == View.CONFIRMATION:
            from kiosk.submission import Submission

            if not self.saved and isinstance(self.result, Submission):
                self._store(self.result)
                self.refresh()
                return
            self.next_person()
            return
        session = self.session
        if session is None:
            return
        if session.current_step.stop:
            # The procedure ends here (a stolen vehicle gets no duplicate):
            # this person may want another one, in their language and size.
            self.go_home()
            return
        if session.current_step.kind == "declaration":
            self._finalize(session)
            return
        if session.next():
            self._show_session()
        else:
            self.step.show_errors(session)

    def _finalize(self, session: Session) -> None:
        from kiosk.session import FinalizeRefused
        from kiosk.submission import Submission

        try:
            result = session.finalize()
        except FinalizeRefused:
            self._show_session()
            self.step.show_errors(session)
            return
        self.result = result
        self.saved = True
        if isinstance(result, Submission):
            self._store(result)
        self._show_session()

    def _store(self, submission: Submission) -> None:
        """Put the frozen submission in the outbox; on failure keep it to try again."""
        try:
            if self._submit is None:
                raise SubmitFailed("no outbox")
            self._submit(submission)
        except SubmitFailed as e:
            log.error("submission %s not stored: %s", submission.id, e)
            self.saved = False
            return
        self.saved = True
        self.submitted.emit(submission.id)

    def go_back(self) -> None:
        if self.view in (View.STEP, View.REVIEW) and self.session is not None:
            if self.session.back():
                self._show_session()
                return
            # Before the first question: back to "what to prepare", answers dropped.
            self.wipe(keep_choice=True)
            self.view = View.PREPARE
            self.refresh()
            self.stack.setCurrentWidget(self.prepare)
            self._focus_page(View.PREPARE)
            return
        if self._history:
            self.view = self._history.pop()
            self.refresh()
            self.stack.setCurrentWidget(self.pages[self.view])
            self._focus_page(self.view)

    def on_answered(self, field_id: str, raw: object) -> None:
        if self.session is not None and not self.session.finished:
            self.session.answer(field_id, raw)

    def on_edit(self, field_id: str) -> None:
        if self.session is not None:
            self.session.edit(field_id)
            self._show_session()

    # -- help -------------------------------------------------------------------
    def ask_for_help(self) -> None:
        """Assisted: call the mediator. Self-service: whom to call, or a call back."""
        help.ask_for_help(self)

    def request_call_back(self) -> None:
        help.request_call_back(self)

    def exec_dialog(self, dialog: QDialog) -> int:
        """Every modal dialog goes through here, so that a test can answer it."""
        return dialog.exec()

    def listen(self) -> None:
        """« Écouter »: read the current question, its help and its error aloud."""
        self.speaker.say(speech.screen_text(self), self.locale)

    def show_message(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def update_status(
        self,
        *,
        connected: bool | None,
        waiting: int | None,
        problem: str | None = None,
        note: str | None = None,
    ) -> None:
        """The line at the bottom: can requests be stored and sent, how many wait."""
        if problem:
            text = tr("Cette borne ne peut pas enregistrer de demande pour le moment.") + " "
            text += tr("Un médiateur peut vous aider.")
        elif connected is None:
            text = ""
        elif connected:
            text = tr("Connexion au service : oui.")
        else:
            text = tr("Connexion au service : non. Les demandes partiront plus tard.")
        if waiting:
            text += " " + tr("Demandes en attente d'envoi : {n}.").replace("{n}", str(waiting))
        elif connected and waiting == 0:
            text += " " + tr("Aucune demande en attente d'envoi.")
        if note:
            text += " " + note
        self.status_label.setText(text.strip())
        self.status_label.setVisible(bool(text.strip()) and self._status_shown())

    def _status_shown(self) -> bool:
        """The line about sending is for the mediator and for the end of a
        request: on the home screen and the confirmation, outside training
        (where nothing is sent). On the screens a person reads and answers,
        at 200 % text it took the room of what to prepare or of the question."""
        return not self.training and self.view in (View.HOME, View.CONFIRMATION)

    def print_receipt(self) -> None:
        from ui.receipt import print_from_window

        print_from_window(self)
        # Printed (or saved): the next Enter ends, instead of printing again.
        if self.next_button.isVisible():
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- privacy ----------------------------------------------------------------
    def wipe(self, *, keep_choice: bool = False) -> None:
        """Forget the person: answers, widgets, the result shown."""
        if self.session is not None:
            self.session.wipe()
        self.session = None
        self.result = None
        self.step.reset()
        self.review.reset()
        self.confirmation.reset()
        if not keep_choice:
            self.procedure = None
            self.category = None
            self.training = False
        self.step.widgets, self.step.error_labels = {}, {}
        forget_traces(self)
        self.session_wiped.emit()

    def recover_from_error(self) -> None:
        """After an unexpected error: the person's session wiped, the home screen, a calm word."""
        errors.recover(self)

    # -- rendering --------------------------------------------------------------
    def refresh(self) -> None:
        """Render the current view in the current language and size."""
        self._render()
        self.help_notice.place()
        self._size_icons()
        self.order_tabs()

    def order_tabs(self) -> None:
        """Tab follows the reading order: the top bar, the page, then « Retour »,
        « Imprimer le reçu », « Continuer ». A page's widgets are made after the
        bars, so Qt put them last and Tab went from the last answer back up to
        « J'ai besoin d'aide ». Run after each render (a field that adds
        controls later keeps them in its own place in the chain)."""
        content = self.pages[self.view].content
        last: QWidget | None = None
        if content is not None:
            tab = Qt.FocusPolicy.TabFocus.value
            # The page's widgets in chain order, from the page on: its last control.
            left = set(content.findChildren(QWidget))
            w = content.nextInFocusChain()
            while left and w is not None and w is not content:
                if w in left:
                    left.discard(w)
                    if w.focusPolicy().value & tab:
                        last = w
                w = w.nextInFocusChain()
        bottom = (self.back_button, self.print_button, self.next_button)
        chain = (last or self.contrast_button, *bottom)
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def _render(self) -> None:
        self._chrome()
        loc = self.locale
        if self.view == View.HOME:
            self.home.render()
        elif self.view == View.CATEGORIES:
            from kiosk.procedure import CATEGORIES

            present = [
                c for c in CATEGORIES if any(p.category == c for p in self.procedures.values())
            ]
            self.categories.render(present, loc, self.training)
        elif self.view == View.PROCEDURES and self.category:
            procs = [p for p in self.procedures.values() if p.category == self.category]
            self.procedure_list.render(self.category, procs, loc)
        elif self.view == View.PREPARE and self.procedure:
            self.prepare.render(self.procedure, loc)
        elif self.view == View.STEP and self.session:
            self.step.render(self.session)
            training.add_hints(self)
        elif self.view == View.REVIEW and self.session:
            self.review.render(self.session)
        elif self.view == View.CONFIRMATION and self.session and self.result:
            self.confirmation.render(self.session, self.result, saved=self.saved)

    def _chrome(self) -> None:
        self.listen_button.setText(tr("Écouter"))
        self.size_button.setText(
            tr("Taille du texte : {n} %").replace("{n}", str(round(self.scale * 100)))
        )
        others = [LANGUAGE_NAMES[loc] for loc in self.languages if loc != self.locale]
        self.language_button.setText(" / ".join(others))
        self.language_button.setVisible(bool(others))
        self.help_button.setText(tr("J'ai besoin d'aide"))
        self.back_button.setText(tr("Retour"))
        high = self.theme is theme.HIGH_CONTRAST
        self.contrast_button.setText(tr("Contraste normal") if high else tr("Contraste élevé"))
        for b in (self.listen_button, self.size_button, self.language_button, self.help_button,
                  self.back_button, self.contrast_button):  # fmt: skip
            b.setAccessibleName(b.text())
        speech.dress_button(self.listen_button, self.speaker)
        training.update_banner(self)
        self.back_button.setVisible(self.view != View.HOME and not self._is_confirmation())
        self.print_button.setText(tr("Imprimer le reçu"))
        self.print_button.setAccessibleName(self.print_button.text())
        self.print_button.setVisible(
            self._is_confirmation() and self.saved and self.result is not None
        )
        next_text = self._next_text()
        self.next_button.setVisible(next_text is not None)
        self.next_button.setText(next_text or "")
        self.next_button.setAccessibleName(next_text or "")
        in_session = (
            self.session is not None
            and self.view in (View.STEP, View.REVIEW)
            and not self.session.current_step.stop  # no "step 3 of 5" where it ends
        )
        self.progress_row.setVisible(in_session)
        # Empty on the home screen: its room goes to the two tiles at 200 %.
        self.bottom_bar.setVisible(self.view != View.HOME or next_text is not None)
        self.status_label.setVisible(bool(self.status_label.text()) and self._status_shown())
        if in_session and self.session is not None:
            i, n = self.session.progress
            self.progress_label.setText(
                tr("Étape {i} sur {n}").replace("{i}", str(i)).replace("{n}", str(n))
            )
            self.progress_bar.setRange(0, n)
            self.progress_bar.setValue(i)
            self.progress_bar.setAccessibleName(self.progress_label.text())
        self.setWindowTitle(tr("Borne de démarches"))

    def _is_confirmation(self) -> bool:
        return self.view == View.CONFIRMATION

    def _next_text(self) -> str | None:
        if self.view in (View.HOME, View.CATEGORIES, View.PROCEDURES):
            return None
        if self.view == View.PREPARE:
            return tr("Commencer")
        if self.view == View.CONFIRMATION:
            return tr("Terminer") if self.saved else tr("Réessayer")
        if self.session is not None:
            step = self.session.current_step
            if step.stop:
                return tr("Revenir à l'accueil")
            if step.kind == "declaration":
                return tr("M'entraîner : envoyer") if self.training else tr("Envoyer ma demande")
        return tr("Continuer")


class _EnterContinues(QObject):
    """Enter continues, wherever the focus is, except in a multi-line text
    (where Enter starts a new line) and on a button (which Enter presses)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        if event.key() in (Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
            page = self.window.stack.currentWidget()
            if isinstance(page, Page):
                bar = page.scroll.verticalScrollBar()
                step = bar.pageStep() if event.key() == Qt.Key.Key_PageDown else -bar.pageStep()
                bar.setValue(bar.value() + step)
                return True
            return False
        if event.key() not in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            return False
        focus = self.window.focusWidget()
        if isinstance(focus, QPlainTextEdit):
            return False
        if isinstance(focus, QPushButton) and focus is not self.window.next_button:
            if focus.isVisible() and focus.isEnabled():
                focus.click()
            return True
        if self.window.next_button.isVisible():
            self.window.next_button.click()
            return True
        return False
