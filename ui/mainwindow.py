"""The main window: it draws the Qt-free flow and forwards the person's input.

Where the person is, the mode, the session and what was saved live in
``kiosk.flow.Flow``; the window keeps no state of its own about them. Each
gesture goes to the flow, then the window draws what the flow says next.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from kiosk.flow import Flow, Outcome, Sending, View
from ui import help, speech, theme, training
from ui.chrome import BottomBar, SendingLine, TopBar, TrainingBanner
from ui.errors import ErrorGuard, ErrorNotice, calm_message
from ui.i18n import LANGUAGE_NAMES, Translations, available_languages, layout_direction, tr
from ui.idle import IdleWatcher, forget_traces
from ui.keyboard import EnterContinues, order_tabs
from ui.page import Page, size_pictures
from ui.screens import ScreenStack

if TYPE_CHECKING:
    from ui.kioskmode import KioskGuard
    from ui.services import Services

log = logging.getLogger(__name__)


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

    def __init__(self, *, kiosk_mode: bool = False, data_dir: Path | None = None) -> None:
        super().__init__()
        self.setObjectName("main-window")
        self.flow = Flow()
        self.flow.wiped.connect(lambda _: self._forget_person())
        self.flow.stored.connect(self.submitted.emit)
        self.kiosk_mode = kiosk_mode
        #: the working parts, once start-up is complete (``attach``)
        self.services: Services | None = None
        self.translations = Translations()
        self.is_ready = False
        #: completes start-up at once (a touch quicker than the start-up)
        self.finish_start: Callable[[], None] | None = None
        self._build()
        self.apply_style()
        self.go_home()
        # Locked before the window is ever shown: never a moment without it.
        self.kiosk_guard: KioskGuard | None = None
        if kiosk_mode:
            # Start-up seam: a windowed kiosk does not pay for the PIN's modules.
            from ui.kioskmode import KioskGuard

            self.kiosk_guard = KioskGuard(self, data_dir, look=lambda: (self.theme, self.scale))
            self.session_wiped.connect(self.kiosk_guard.close_dialog)

    # -- construction -----------------------------------------------------------
    def _build(self) -> None:
        central = QWidget()
        central.setObjectName("screen")
        root = self._rows = QVBoxLayout(central)
        root.setContentsMargins(0, 0, 0, 0)
        root.setSpacing(0)
        self.banner = TrainingBanner()
        self.top = TopBar()
        self.bottom = BottomBar()
        self.status = SendingLine()
        self.help_button, self.next_button = self.top.help_button, self.bottom.next_button
        self.back_button, self.print_button = self.bottom.back_button, self.bottom.print_button
        self.stack = stack = ScreenStack()
        self.home, self.categories, self.procedure_list = (
            stack.home,
            stack.categories,
            stack.procedure_list,
        )
        self.prepare, self.step, self.review = stack.prepare, stack.step, stack.review
        self.confirmation, self.pages = stack.confirmation, stack.pages
        for part in (self.banner, self.top, self.stack, self.bottom, self.status):
            root.addWidget(part, 1 if part is self.stack else 0)
        self.setCentralWidget(central)
        self.help_notice = help.HelpNotice(self, self.flow, self.current_page, lambda: self.scale)
        # Started once the home screen is painted (``attach``).
        self.speaker = speech.Speaker(self, start=False)

        self.home.start.connect(lambda: self.open_categories(training=False))
        self.home.training.connect(lambda: self.open_categories(training=True))
        self.categories.chosen.connect(self.open_category)
        self.procedure_list.chosen.connect(self.open_procedure)
        self.step.answered.connect(self.on_answered)
        self.step.picked.connect(lambda: self.next_button.setFocus(Qt.FocusReason.OtherFocusReason))
        self.review.edit.connect(self.on_edit)
        self.back_button.clicked.connect(self.go_back)
        # Before leaving what the person was doing, the kiosk asks (help.Asking).
        self.asking = help.Asking(self, self.flow, self.help_notice, self)
        self.asking.help_requested.connect(self.help_requested)
        self.top.stop_button.clicked.connect(self.asking.stop)
        self.bottom.abandon_button.clicked.connect(self.asking.abandon)
        self.top.help_button.clicked.connect(self.asking.ask_for_help)
        self.next_button.clicked.connect(self.go_next)
        self.print_button.clicked.connect(self.print_receipt)
        self.top.size_button.clicked.connect(self.cycle_text_size)
        self.top.language_button.clicked.connect(self.cycle_language)
        self.top.listen_button.clicked.connect(self.listen)
        self.top.contrast_button.clicked.connect(self.toggle_contrast)
        self.speaker.availability_changed.connect(lambda _ok: self._draw_chrome())
        self.stack.currentChanged.connect(lambda _i: self.speaker.stop())
        self.session_wiped.connect(self.speaker.stop)
        self.installEventFilter(EnterContinues(self, self.next_button, self.current_page))
        # A shared machine: a calm word after an error; the idle warning, then a wipe.
        self.error_notice = ErrorNotice(self)
        self.stack.currentChanged.connect(lambda _i: self.error_notice.hide())
        self.error_guard = ErrorGuard(self, self._recover)
        self.idle = IdleWatcher(
            self,
            in_procedure=lambda: self.flow.view != View.HOME and self.isVisible(),
            look=lambda: (self.theme, self.scale),
            expire=self.next_person,
        )
        self.stack.currentChanged.connect(lambda _i: self.idle.view_changed())

    def attach(self, services: Services) -> None:
        """The rest of start-up is done: offer the procedures, store, send, speak."""
        # Start-up seam: the documents' widgets load after the home screen is painted.
        from ui.attachments import forget_person

        self.services = services
        self.flow.set_procedures(services.procedures)
        self.flow.set_store(services.sink)
        self.flow.set_kiosk(services.kiosk)
        self.step.field_options = services.field_options
        self.session_wiped.connect(
            lambda: forget_person(services.field_options, person_left=self.flow.procedure is None)
        )
        self.session_wiped.connect(self._offer_new_procedures)
        services.sync.changed.connect(self.show_sending)
        self.submitted.connect(services.sync.on_submitted)
        self.show_sending(services.sync.sending())
        self.idle.set_timeouts(services.settings.idle_timeout_s, services.settings.idle_countdown_s)
        self.speaker.start()
        self.is_ready = True
        if self.flow.view == View.HOME and not self.flow.can_save:
            self.show_current()  # say at once that nothing can be kept
        else:
            self._draw_chrome()
        self.ready.emit()

    def _offer_new_procedures(self) -> None:
        """The person left (never during a session): a procedure update may apply."""
        found = None
        if self.services is not None and self.flow.procedure is None:
            found = self.services.new_procedures()
        if found is not None:
            self.flow.set_procedures(found)

    def add_top_row(self, widget: QWidget) -> None:  # the demo's banner, above everything
        self._rows.insertWidget(0, widget)

    # -- look -------------------------------------------------------------------
    @property
    def scale(self) -> float:
        return self.flow.scale

    @property
    def theme(self) -> theme.Theme:
        return theme.HIGH_CONTRAST if self.flow.high_contrast else theme.DEFAULT

    def current_page(self) -> Page:
        return self.pages[self.flow.view]

    def apply_style(self) -> None:
        self.setStyleSheet(theme.stylesheet(self.theme, self.scale))
        self._size_icons()

    def _size_icons(self) -> None:
        size = round(theme.BODY_PX * self.scale * 1.4)
        chrome = round(theme.BODY_PX * theme.chrome_scale(self.scale) * 1.4)
        bars = (*self.bottom.buttons(), *self.top.buttons())
        for button in self.findChildren(QPushButton):
            button.setIconSize(QSize(chrome, chrome) if button in bars else QSize(size, size))
        size_pictures(self, round(theme.BODY_PX * min(self.scale, 1.5) * 3.2))

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LayoutDirectionChange:
            self.bottom.mirror(self.layoutDirection() == Qt.LayoutDirection.RightToLeft)

    def cycle_text_size(self) -> None:
        self.flow.cycle_text_size()
        self.apply_style()
        self.refresh()

    def toggle_contrast(self) -> None:
        self.flow.toggle_contrast()
        self.apply_style()
        self._draw_chrome()

    @property
    def languages(self) -> list[str]:
        """The languages offered: translated interface and procedure texts."""
        return available_languages(self.flow.procedures.values())

    def cycle_language(self) -> None:
        """Two languages: switch to the other. More: a small chooser."""
        offered = self.languages
        if len(offered) > 2:
            dialog = help.language_dialog(self, [(c, LANGUAGE_NAMES[c]) for c in offered])
            chosen = help.ask(self.exec_dialog, dialog)
            if chosen and chosen != self.flow.locale:
                self.set_locale(chosen)
            return
        others = [loc for loc in offered if loc != self.flow.locale]
        if others:
            self.set_locale(others[0])

    def set_locale(self, locale: str) -> None:
        self.flow.set_locale(locale)
        self._apply_locale()
        self.refresh()

    def _apply_locale(self) -> None:
        self.translations.switch(self.flow.locale)
        self.speaker.stop()
        self.setLayoutDirection(layout_direction(self.flow.locale))

    # -- the person's gestures, forwarded to the flow ---------------------------------
    def open_categories(self, *, training: bool) -> None:
        if not self.is_ready and self.finish_start is not None:
            self.finish_start()  # a touch quicker than the start-up: load now
        if not self.is_ready and self.finish_start is not None:
            self.recover_from_error()  # it failed: the calm message, on the home screen
            return
        self.flow.open_categories(training=training)  # refused while nothing can be kept
        self.show_current()

    def open_category(self, category: str) -> None:
        self.flow.open_category(category)
        self.show_current()

    def open_procedure(self, procedure_id: str) -> None:
        self.flow.open_procedure(procedure_id)
        self.show_current()

    def start_session(self) -> None:
        self.flow.start()
        self.show_current()

    def on_answered(self, field_id: str, raw: object) -> None:
        self.flow.answer(field_id, raw)

    def on_edit(self, field_id: str) -> None:
        self.flow.edit(field_id)
        self.show_current()

    def go_next(self) -> None:
        outcome = self.flow.next()
        session = self.flow.session
        if outcome is Outcome.MOVED:
            self.show_current()
        elif outcome is Outcome.RETRIED:
            self.refresh()
        elif session is not None and outcome in (Outcome.INVALID, Outcome.REFUSED):
            if outcome is Outcome.REFUSED:
                self.show_current()
            self.step.show_errors(session)

    def go_back(self) -> None:
        if self.flow.back() is Outcome.MOVED:
            self.show_current()

    def go_home(self) -> None:
        self.flow.go_home()
        self.show_current()

    def next_person(self, leave: Callable[[], None] | None = None) -> None:
        """The person is done (« Terminer », gone idle, or left without saving:
        ``leave``): the home screen as the next person expects it, in French,
        normal size and contrast."""
        before = (self.flow.locale, self.scale, self.flow.high_contrast)
        (leave or self.flow.next_person)()
        if before[0] != self.flow.locale:
            self._apply_locale()
        if before[1:] != (self.scale, self.flow.high_contrast):
            self.apply_style()
        self.show_current()

    def fill_with_example(self, field_id: str) -> None:
        """Training: answer as the example person would, as typing does."""
        session = self.flow.session
        raw = training.example_answers(session.procedure.id).get(field_id) if session else None
        if raw is None:
            return
        self.flow.answer(field_id, raw)
        self.refresh()  # the widgets show the session's answer
        widget = self.step.widgets.get(field_id)
        if widget is not None:
            widget.focus_input()

    # -- help, read-aloud, receipt ------------------------------------------------------
    def exec_dialog(self, dialog: QDialog) -> int:
        """Every modal dialog goes through here, so that a test can answer it."""
        return dialog.exec()

    def listen(self) -> None:
        """« Écouter »: read the current question, its help and its error aloud."""
        text = speech.screen_text(self.flow.session, self.flow.view, self.current_page())
        self.speaker.say(text, self.flow.locale)

    def print_receipt(self) -> None:
        from ui.receipt import print_for  # start-up seam: Qt's print support is slow to load

        session, result = self.flow.session, self.flow.result
        if session is not None and result is not None:
            data_dir = self.services.data_dir if self.services else None
            outcome = print_for(session, result, data_dir, self.confirmation)
            if outcome.pdf is not None:
                self.receipt_saved.emit(str(outcome.pdf))
        # Printed (or saved): the next Enter ends, instead of printing again.
        if self.next_button.isVisible():
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def show_sending(self, sending: Sending) -> None:
        """What the sending thread last said, on the status line."""
        self.flow.set_sending(sending)
        self.status.draw(self.flow.status_line())

    # -- privacy ----------------------------------------------------------------
    def _forget_person(self) -> None:
        """The flow forgot the person: so do the widgets."""
        self.step.forget()
        self.review.reset()
        self.confirmation.reset()
        forget_traces(self)
        self.session_wiped.emit()

    def recover_from_error(self) -> None:
        """After an unexpected error: the person's session wiped, the home screen, a calm word."""
        self.error_guard.recover()

    def _recover(self) -> None:
        self.idle.reset()
        try:
            self.go_home()
        except Exception:
            log.exception("the home screen failed after an error; forgetting the person directly")
            for step in (self.flow.go_home, self._forget_person,
                         lambda: self.stack.setCurrentWidget(self.home)):  # fmt: skip
                try:
                    step()
                except Exception:
                    log.exception("recovery step failed")
        try:
            forget_traces(self, flush=True)
        except Exception:
            log.exception("could not remove every trace after an error")
        self.error_notice.say(*calm_message(), self.theme, self.scale)

    # -- drawing ------------------------------------------------------------------
    def show_current(self) -> None:
        """Draw the flow's screen, bring it forward, and put the focus where it reads."""
        self.refresh()
        view = self.flow.view
        page = self.pages[view]
        self.stack.setCurrentWidget(page)
        if view == View.REVIEW:
            # Enter continues on the review: the focus must not sit on the
            # first "Modifier", where Enter would reopen the first answer.
            self.review.scroller.verticalScrollBar().setValue(0)
            self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)
        elif view == View.CONFIRMATION and self.print_button.isVisible():
            # Enter prints the receipt first, then « Terminer » (print_receipt).
            self.confirmation.scroller.verticalScrollBar().setValue(0)
            self.print_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            page.focus_first()
            focus, content = self.focusWidget(), page.content
            # The page itself may hold the focus (the stacked widget hands it
            # over), which no one can see: on a screen to read, Enter continues.
            inside = focus is not None and content is not None and content.isAncestorOf(focus)
            if not inside and self.next_button.isVisible():
                self.next_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def refresh(self) -> None:
        """Draw the current screen in the current language and size."""
        self._draw_chrome()
        self.stack.draw(self.flow, ready=self.is_ready)
        session = self.flow.session
        if self.flow.training and self.flow.view == View.STEP and session is not None:
            training.add_hints(self.step, session, self.fill_with_example)
        self.help_notice.place()
        self._size_icons()
        self.order_tabs()

    def _draw_chrome(self) -> None:
        screen = self.flow.screen()
        self.banner.draw(screen.training, self.theme, self.scale)
        others = [LANGUAGE_NAMES[loc] for loc in self.languages if loc != self.flow.locale]
        self.top.draw(scale=self.scale, other_languages=others,
                      high_contrast=self.flow.high_contrast, stop=screen.stop_offered)  # fmt: skip
        speech.dress_button(self.top.listen_button, self.speaker)
        self.bottom.draw(screen)
        self.status.draw(screen.status)
        self.setWindowTitle(tr("Borne de démarches"))

    def order_tabs(self) -> None:
        """Tab follows the reading order: the top bar, the page, the bottom bar."""
        order_tabs(self.current_page().content, self.top.stop_button, self.bottom.buttons())
