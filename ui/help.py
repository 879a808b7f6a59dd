"""« J'ai besoin d'aide », and the small dialogs of the chrome.

In an assisted session (a mediator sits beside the person) the window
emits ``help_requested`` for the mediator console and shows a calm notice
that stays until the person closes it or the screen changes. On a
self-service kiosk a dialog says whom to call and offers the call-back
request procedure, started at once (the window's ``ask_for_help``).

Every dialog is opened through ``ask`` with the window's ``exec_dialog``,
so that a test can answer it instead of a person.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from PySide6.QtCore import QObject, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ui import theme
from ui.dialogs import KioskDialog
from ui.i18n import tr
from ui.pictures import icon

if TYPE_CHECKING:
    from kiosk.flow import Flow
    from ui.page import Page

#: the procedure "Être rappelé" opens.
CALLBACK_PROCEDURE = "etre-rappele"
NOTICE = "help:notice"
NOTICE_TEXT = "help:notice-text"


def _label(text: str, role: str | None = None, name: str | None = None) -> QLabel:
    widget = QLabel(text)
    widget.setWordWrap(True)
    widget.setTextFormat(Qt.TextFormat.PlainText)
    widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    if role:
        widget.setProperty("role", role)
    if name:
        widget.setObjectName(name)
    return widget


def _button(text: str, name: str, *, primary: bool = False) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    button.setAccessibleName(text)
    if primary:
        button.setProperty("role", "primary")
    button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return button


class HelpNotice(QObject):
    """« Un médiateur a été appelé. Il arrive. » until closed or the screen changes.

    The notice sits at the top of the screen's scrolling content, not in the
    chrome: at 200 % text the chrome already fills most of a 1280×800
    screen. Screens rebuild their content at every render, so the notice
    widget is rebuilt with it (``place``, called after each render); this
    object only remembers on which screen the mediator was called.
    """

    def __init__(
        self,
        parent: QObject,
        flow: Flow,
        current_page: Callable[[], Page],
        scale: Callable[[], float],
    ) -> None:
        super().__init__(parent)
        self.flow = flow
        self._page = current_page
        self._scale = scale
        self.screen: tuple[str, str | None] | None = None

    @property
    def active(self) -> bool:
        return self.screen is not None

    def show_called(self) -> None:
        self.screen = self.flow.where()
        self.place()

    def dismiss(self) -> None:
        self.screen = None
        widget = self.widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()

    def widget(self) -> QFrame | None:
        content = self._page().content
        return content.findChild(QFrame, NOTICE) if content is not None else None

    def place(self) -> None:
        """After a render: show the notice on the same screen, drop it on another."""
        if self.screen is None:
            return
        if self.flow.where() != self.screen:
            self.screen = None
            return
        if self.widget() is not None:
            return
        body = self._page().body
        notice = self._build()
        body.insertWidget(0, notice)
        notice.show()

    def _build(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName(NOTICE)
        frame.setProperty("role", "notice")
        row = QHBoxLayout(frame)
        row.setContentsMargins(20, 12, 20, 12)
        row.setSpacing(20)
        px = round(theme.BODY_PX * self._scale() * 1.4)
        picture = QLabel()
        picture.setPixmap(icon("besoin-aide").pixmap(QSize(px, px)))
        row.addWidget(picture, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(
            _label(tr("Un médiateur a été appelé. Il arrive."), "notice-text", NOTICE_TEXT), 1
        )
        dismiss = QPushButton(tr("D'accord"))
        dismiss.setObjectName("help:dismiss")
        dismiss.setAccessibleName(dismiss.text())
        dismiss.setIconSize(QSize(px, px))
        dismiss.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        dismiss.clicked.connect(self.dismiss)
        row.addWidget(dismiss, 0, Qt.AlignmentFlag.AlignVCenter)
        return frame


class Chooser(KioskDialog):
    """A heading, a few lines of text and one large button per choice.

    ``choices`` are (key, label, object name, primary); after ``exec`` the
    key of the button pressed is in ``chosen`` (None: closed).
    """

    def __init__(
        self,
        parent: QWidget,
        heading: str,
        lines: Sequence[str],
        choices: Sequence[tuple[str, str, str, bool]],
        *,
        name: str,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(heading)
        self.chosen: str | None = None
        self.buttons: dict[str, QPushButton] = {}
        box = QVBoxLayout(self)
        box.setContentsMargins(40, 32, 40, 32)
        box.setSpacing(20)
        box.addWidget(_label(heading, "heading", f"{name}:heading"))
        for line in lines:
            box.addWidget(_label(line))
        for key, text, object_name, primary in choices:
            button = _button(text, object_name, primary=primary)
            button.clicked.connect(lambda _=False, k=key: self._choose(k))
            box.addWidget(button)
            self.buttons[key] = button

    def _choose(self, key: str) -> None:
        self.chosen = key
        self.accept()

    def _fit(self) -> None:
        """As wide as two thirds of the window (more at large text), as tall as
        its wrapped lines: a top-level window does not do it by itself."""
        self.ensurePolished()
        parent = self.parentWidget()
        room = parent.width() if parent is not None else 1280
        body = self.fontMetrics().height()
        width = max(min(room - 40, 900), min(room - 40, body * 28))
        layout = self.layout()
        height = layout.totalHeightForWidth(width) if layout is not None else 0
        self.setFixedSize(width, max(height, layout.totalMinimumSize().height() if layout else 0))

    def showEvent(self, event: Any) -> None:
        self._fit()
        super().showEvent(event)
        first = next(iter(self.buttons.values()), None)
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)


def help_dialog(window: QWidget, *, callback: bool) -> Chooser:
    lines = [
        tr("Pour parler à quelqu'un : appelez le 34\u00a000 (ANTS)."),
        tr("L'ANTS, c'est l'Agence nationale des titres sécurisés."),
    ]
    choices = []
    if callback:
        lines.append(tr("Vous pouvez aussi laisser votre numéro. La mairie vous rappelle."))
        choices.append(("callback", tr("Être rappelé"), "help:callback", True))
    choices.append(("close", tr("Fermer"), "help:close", False))
    return Chooser(window, tr("Besoin d'aide ?"), lines, choices, name="help:dialog")


def confirm_dialog(window: QWidget, question: str) -> Chooser:
    return Chooser(
        window,
        question,
        [],
        [
            ("yes", tr("Oui, continuer"), "confirm:yes", False),
            ("no", tr("Non, rester ici"), "confirm:no", True),
        ],
        name="confirm:dialog",
    )


def stop_dialog(window: QWidget) -> Chooser:
    """« Arrêter » with answers given: a plain question, staying is the default."""
    return Chooser(
        window,
        tr("Voulez-vous arrêter cette démarche ?"),
        [tr("Vos réponses seront effacées.")],
        [
            ("stop", tr("Oui, arrêter"), "stop:confirm", False),
            ("stay", tr("Non, continuer la démarche"), "stop:cancel", True),
        ],
        name="stop:dialog",
    )


def language_dialog(window: QWidget, languages: Sequence[tuple[str, str]]) -> Chooser:
    """One button per language, each written in itself."""
    return Chooser(
        window,
        tr("Choisissez votre langue"),
        [],
        [(code, name, f"language:{code}", False) for code, name in languages],
        name="language:dialog",
    )


class Window(Protocol):
    """What asking needs from the window: its dialogs and where to go."""

    def exec_dialog(self, dialog: QDialog) -> int: ...
    def go_home(self) -> None: ...
    def open_procedure(self, procedure_id: str) -> None: ...
    def next_person(self, leave: Callable[[], None] | None = None) -> None: ...


class Asking(QObject):
    """The kiosk asks before a person leaves what they were doing: help, a
    call back, « Arrêter », leaving a request that could not be saved."""

    #: "J'ai besoin d'aide" in an assisted session (the procedure's id)
    help_requested = Signal(str)

    def __init__(self, parent: QWidget, flow: Flow, notice: HelpNotice, window: Window) -> None:
        super().__init__(parent)
        self._parent, self.flow, self.notice, self.window = parent, flow, notice, window

    def _ask(self, dialog: Chooser) -> str | None:
        return ask(self.window.exec_dialog, dialog)

    def ask_for_help(self) -> None:
        """Assisted: call the mediator. Self-service: whom to call, or a call back."""
        if self.flow.mediator_id:
            self.help_requested.emit(self.flow.procedure.id if self.flow.procedure else "")
            self.notice.show_called()
            return
        # A call-back request is offered only when it can be kept.
        offered = CALLBACK_PROCEDURE in self.flow.procedures and self.flow.can_save
        if self._ask(help_dialog(self._parent, callback=offered)) == "callback":
            self.request_call_back()

    def request_call_back(self) -> None:
        """Leave what the person was doing (after asking, if they typed answers)
        and open the call-back procedure's « what to prepare » screen."""
        if self.flow.has_answers():
            question = tr("Vos réponses seront effacées. Continuer ?")
            if self._ask(confirm_dialog(self._parent, question)) != "yes":
                return
        self.window.go_home()
        self.window.open_procedure(CALLBACK_PROCEDURE)

    def stop(self) -> None:
        """« Arrêter »: home, answers forgotten (after asking, if there are any)."""
        if not self.flow.has_answers() or self._ask(stop_dialog(self._parent)) == "stop":
            self.window.go_home()

    def abandon(self) -> None:
        """« Partir sans enregistrer », after saying what it means."""
        question = tr("Votre demande ne sera pas enregistrée. Vos réponses seront effacées.")
        if self._ask(confirm_dialog(self._parent, question)) == "yes":
            self.window.next_person(self.flow.abandon)


def ask(exec_dialog: Callable[[QDialog], int], dialog: Chooser) -> str | None:
    """Open ``dialog`` through ``exec_dialog`` (which a test may answer); the key chosen."""
    try:
        exec_dialog(dialog)
        return dialog.chosen
    finally:
        dialog.deleteLater()
