"""What every screen shares: the training banner, the top bar, the bottom bar
and the sending status line.

Each piece draws plain data computed by the Qt-free flow
(``kiosk.flow.Screen``); the window wires their buttons to its actions.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QWidget,
)

from kiosk.flow import NextAction, Screen, StatusKind, StatusLine
from ui import theme
from ui.flowlayout import FlowLayout
from ui.i18n import tr
from ui.page import label
from ui.pictures import icon


def nav_button(name: str, picture: str, *, primary: bool = False) -> QPushButton:
    button = QPushButton()
    button.setObjectName(name)
    button.setIcon(icon(picture))
    if primary:
        button.setProperty("role", "primary")
    button.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
    return button


def _named(button: QPushButton, text: str) -> None:
    button.setText(text)
    button.setAccessibleName(text)


class TrainingBanner(QFrame):
    """Shown on every screen of a training session, in words and with a pictogram."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "banner")
        self.setObjectName("training-banner")
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 8, 24, 8)
        row.setSpacing(16)
        self.picture = QLabel()
        self.picture.setObjectName("training-banner:picture")
        self.picture.setAccessibleName("")
        self.words = QLabel()
        self.words.setWordWrap(True)
        row.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.words, 1)

    def draw(self, shown: bool, t: theme.Theme, scale: float) -> None:
        self.setVisible(shown)
        text = tr("Entraînement — rien n'est envoyé")
        self.words.setText(text)
        self.setAccessibleName(text)
        side = round(theme.BODY_PX * min(scale, 1.5) * 1.8)
        self.picture.setPixmap(icon("entrainement").pixmap(side, side))
        self.picture.setFixedSize(side, side)
        # Larger than body text at 100 %, never smaller than it at 200 %.
        size = max(theme.px(28, min(scale, 1.5)), theme.px(theme.BODY_PX, scale))
        self.setStyleSheet(
            f"""
QFrame#training-banner {{
    background: {t.banner}; border: 0; border-bottom: 4px solid {t.on_banner};
}}
QFrame#training-banner QLabel {{ color: {t.on_banner}; font-weight: bold; font-size: {size}px; }}
"""
        )


class TopBar(QFrame):
    """Help, read-aloud, language, text size, contrast: on every screen."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "topbar")
        flow = FlowLayout(self, spacing=12)
        flow.setContentsMargins(16, 10, 16, 10)
        self.listen_button = nav_button("nav:listen", "ecouter")
        self.size_button = nav_button("nav:text-size", "taille")
        self.language_button = nav_button("nav:language", "langue")
        self.help_button = nav_button("nav:help", "besoin-aide")
        self.contrast_button = nav_button("nav:contrast", "contraste")
        # « Arrêter » on every step: not « Retour » many times, nor the idle wipe.
        # Up here: at 200 % the bottom bar has no room left, the top bar's second row has.
        self.stop_button = nav_button("nav:stop", "arreter")
        # In this order the five fit on two lines at 200 % text on 1280 px.
        for b in self.buttons():
            flow.addWidget(b)

    def buttons(self) -> tuple[QPushButton, ...]:
        return (self.help_button, self.listen_button, self.language_button, self.size_button,
                self.contrast_button, self.stop_button)  # fmt: skip

    def draw(
        self, *, scale: float, other_languages: list[str], high_contrast: bool, stop: bool
    ) -> None:
        _named(self.stop_button, tr("Arrêter"))
        self.stop_button.setVisible(stop)
        _named(self.listen_button, tr("Écouter"))
        _named(
            self.size_button,
            tr("Taille du texte : {n} %").replace("{n}", str(round(scale * 100))),
        )
        _named(self.language_button, " / ".join(other_languages))
        self.language_button.setVisible(bool(other_languages))
        _named(self.help_button, tr("J'ai besoin d'aide"))
        contrast = tr("Contraste normal") if high_contrast else tr("Contraste élevé")
        _named(self.contrast_button, contrast)


def next_text(action: NextAction) -> str:
    """The main button's words for what it does."""
    return {
        NextAction.START: tr("Commencer"),
        NextAction.CONTINUE: tr("Continuer"),
        NextAction.SEND: tr("Envoyer ma demande"),
        NextAction.PRACTISE_SEND: tr("M'entraîner : envoyer"),
        NextAction.HOME: tr("Revenir à l'accueil"),
        NextAction.FINISH: tr("Terminer"),
        NextAction.RETRY: tr("Réessayer"),
    }[action]


class BottomBar(QFrame):
    """« Retour », « Imprimer le reçu », "Étape i sur n", the main button."""

    def __init__(self) -> None:
        super().__init__()
        self.setProperty("role", "bottombar")
        row = QHBoxLayout(self)
        row.setContentsMargins(24, 12, 24, 12)
        self.back_button = nav_button("nav:back", "retour")
        # On the confirmation: the number to take away, in the bar beside
        # « Terminer » (in the page it fell below the fold at 200 %).
        self.print_button = nav_button("confirmation:print", "imprimer")
        # Saving failed: the person may leave without their request (never stuck).
        self.abandon_button = nav_button("nav:abandon", "retour")
        self.next_button = nav_button("nav:next", "continuer", primary=True)
        self.next_button.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
        for button in self.buttons():
            # Never narrower than their words: "Étape i sur n" gives way first.
            button.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)
        self.progress_row = QWidget()
        progress = QHBoxLayout(self.progress_row)
        progress.setContentsMargins(0, 0, 0, 0)
        progress.setSpacing(16)
        self.progress_label = label("", "muted", "progress:label")
        self.progress_label.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.progress_label.setWordWrap(False)
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progress:bar")
        self.progress_bar.setTextVisible(False)
        progress.addWidget(self.progress_label)
        progress.addWidget(self.progress_bar, 1)
        # "Étape i sur n" sits between "Retour" and "Continuer": a row of its
        # own cost the question 60 px of a 800 px screen at 200 % text.
        row.setSpacing(16)  # at least 8 px between targets; four buttons fit at 200 %
        row.addWidget(self.back_button)
        row.addWidget(self.print_button)
        row.addWidget(self.abandon_button)
        row.addWidget(self.progress_row, 1)
        row.addStretch(0)
        row.addWidget(self.next_button)

    def buttons(self) -> tuple[QPushButton, ...]:
        return (self.back_button, self.print_button, self.abandon_button, self.next_button)

    def draw(self, screen: Screen) -> None:
        _named(self.back_button, tr("Retour"))
        self.back_button.setVisible(screen.back_offered)
        _named(self.print_button, tr("Imprimer le reçu"))
        self.print_button.setVisible(screen.print_offered)
        _named(self.abandon_button, tr("Partir sans enregistrer"))
        self.abandon_button.setVisible(screen.abandon_offered)
        action = screen.next_action
        _named(self.next_button, next_text(action) if action is not None else "")
        self.next_button.setVisible(action is not None)
        self.progress_row.setVisible(screen.progress is not None)
        if screen.progress is not None:
            i, n = screen.progress
            self.progress_label.setText(
                tr("Étape {i} sur {n}").replace("{i}", str(i)).replace("{n}", str(n))
            )
            self.progress_bar.setRange(0, n)
            self.progress_bar.setValue(i)
            self.progress_bar.setAccessibleName(self.progress_label.text())
        # Empty on the home screen: its room goes to the two tiles at 200 %.
        self.setVisible(
            screen.back_offered or action is not None or screen.print_offered
            or screen.abandon_offered
        )  # fmt: skip

    def mirror(self, rtl: bool) -> None:
        """Right to left, « Retour » sits on the right and points right,
        « Continuer » on the left and points left: mirror images of left to right."""
        self.back_button.setIcon(icon("continuer" if rtl else "retour"))
        self.next_button.setIcon(icon("retour" if rtl else "continuer"))
        self.next_button.setLayoutDirection(
            Qt.LayoutDirection.LeftToRight if rtl else Qt.LayoutDirection.RightToLeft
        )

    def size_icons(self, px: int) -> None:
        for button in self.buttons():
            button.setIconSize(QSize(px, px))


def status_text(line: StatusLine) -> str:
    """The line about storing and sending, in the interface's language."""
    kind = line.kind
    parts: list[str] = []
    if kind is StatusKind.CANNOT_SAVE:
        parts.append(tr("Cette borne ne peut pas enregistrer de demande pour le moment."))
        parts.append(tr("Un médiateur peut vous aider."))
    elif kind is StatusKind.CONNECTED:
        parts.append(tr("Connexion au service : oui."))
    elif kind is StatusKind.OFFLINE:
        parts.append(tr("Connexion au service : non. Les demandes partiront plus tard."))
    if kind is not StatusKind.CANNOT_SAVE:
        if line.waiting:
            parts.append(tr("Demandes en attente d'envoi : {n}.").replace("{n}", str(line.waiting)))
        elif kind is StatusKind.CONNECTED and line.waiting == 0:
            parts.append(tr("Aucune demande en attente d'envoi."))
    if kind is StatusKind.NOT_LINKED:
        parts.append(tr("Cette borne n'est pas reliée au service. Les demandes restent ici."))
    elif kind is StatusKind.TOKEN_REFUSED:
        parts.append(tr("Le service refuse cette borne. Un médiateur doit la reconnecter."))
    elif kind is StatusKind.FAILING:
        parts.append(
            tr("L'envoi ne marche pas pour le moment. Les demandes restent sur cette borne.")
        )
    if line.set_aside:
        parts.append(
            tr("Un fichier de la file d'attente est abîmé. Un médiateur doit le récupérer.")
        )
    if line.needs_person:
        parts.append(
            tr("Demandes à revoir par un médiateur : {n}.").replace("{n}", str(line.needs_person))
        )
    return " ".join(parts)


class SendingLine(QLabel):
    """Can requests be stored and sent, how many wait: for the mediator."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("status:line")
        self.setProperty("role", "muted")
        self.setProperty("chrome", "true")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setContentsMargins(24, 4, 24, 8)

    def draw(self, line: StatusLine) -> None:
        text = status_text(line)
        self.setText(text)
        self.setVisible(bool(text) and line.shown)
