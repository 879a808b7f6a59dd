"""The attachment widget: a document from the scanner folder, checked before
it is accepted, shown large once chosen.

The newest files of the scanner folder are large buttons with a thumbnail
(a photo scaled down, or the first page of a PDF); « Voir tous mes
documents » opens the kiosk's own chooser with every scan of this person,
as the same large buttons: no path to type, no other folder, nobody else's
files (a generic file dialog opened the whole disk). Whatever way a file
comes, ``ScannerFolder.holds`` must accept it before the field type reads
it. Whether a file is accepted is then the field type's decision
(``AttachmentField.parse`` reads its content): this widget never judges a
file by its name. What goes to the session is the file's path.

Which files are offered is the core's rule (``kiosk.scanner``): only those
that arrived since the last person left. This widget only shows them.

Privacy: decoded pictures live only in the labels that show them (and in a
small thumbnail cache that ``forget_previews`` empties when a session is
wiped), so wiping the screen drops them. ``forget_person`` also lets the
scanner folder forget the person's scans (deleting them when it may).
"""

from __future__ import annotations

import itertools
import logging
import os
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QFileSystemWatcher, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPen, QPixmap, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from kiosk.fields import FieldError
from kiosk.fields.attachment import sniff
from ui.dialogs import KioskDialog
from ui.fieldbase import FieldOptions, FieldWidget, Translate, reveal, text_label

log = logging.getLogger(__name__)

#: how many of the newest files are offered as buttons (the person's own:
#: kiosk.scanner decides; older files are reached through "Choisir un autre
#: fichier" only)
RECENT_COUNT = 3
#: how many of this person's scans the chooser offers at most
ALL_COUNT = 30
THUMBNAIL_BOX = QSize(144, 144)
PREVIEW_BOX = QSize(340, 400)

ZERO_WIDTH_SPACE = "\u200b"
_CACHE_SIZE = 16
_thumbnails: OrderedDict[tuple[str, int, int, int, int], QImage] = OrderedDict()


def forget_previews() -> None:
    """Drop every cached thumbnail (a session was wiped)."""
    _thumbnails.clear()


def forget_person(options: FieldOptions, *, person_left: bool = True) -> None:
    """A session was wiped: drop the thumbnails; when the person left (not just
    went back before the first question), the scanner folder forgets their scans
    and offers none of them to the next person."""
    forget_previews()
    if person_left and options.scanner is not None:
        options.scanner.forget_person()


def document_kind(path: Path) -> str | None:
    """The kind of document ("image", "pdf") from its first bytes, or None."""
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError:
        return None
    found = sniff(head)
    return found[1] if found else None


def _on_white(image: QImage) -> QImage:
    """A page on a white sheet with a thin dark edge, readable on any theme."""
    sheet = QImage(image.size(), QImage.Format.Format_RGB32)
    sheet.fill(QColor("#FFFFFF"))
    painter = QPainter(sheet)
    painter.drawImage(0, 0, image)
    painter.setPen(QPen(QColor("#4A4A4A"), 2))
    painter.drawRect(QRect(1, 1, sheet.width() - 2, sheet.height() - 2))
    painter.end()
    return sheet


def render_document(path: Path, box: QSize) -> QImage | None:
    """A picture of the document that fits in ``box``: the photo, or the
    first page of the PDF. None when it cannot be drawn."""
    kind = document_kind(path)
    if kind == "image":
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid() and not size.isEmpty():
            # Decoded straight at the small size: the full picture never sits in memory.
            reader.setScaledSize(size.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        return None if image.isNull() else _on_white(image)
    if kind == "pdf":
        document = QPdfDocument()
        try:
            if document.load(str(path)) != QPdfDocument.Error.None_ or document.pageCount() < 1:
                return None
            page = document.pagePointSize(0).toSize()
            if page.isEmpty():
                return None
            image = document.render(0, page.scaled(box, Qt.AspectRatioMode.KeepAspectRatio))
        finally:
            document.close()
        return None if image.isNull() else _on_white(image)
    return None


def thumbnail(path: Path) -> QImage | None:
    try:
        info = path.stat()
    except OSError:
        return None
    key = (str(path), info.st_mtime_ns, info.st_size, THUMBNAIL_BOX.width(), THUMBNAIL_BOX.height())
    if key in _thumbnails:
        _thumbnails.move_to_end(key)
        return _thumbnails[key]
    image = render_document(path, THUMBNAIL_BOX)
    if image is not None:
        _thumbnails[key] = image
        while len(_thumbnails) > _CACHE_SIZE:
            _thumbnails.popitem(last=False)
    return image


def blank_page(box: QSize) -> QPixmap:
    """Drawn when a document cannot be shown: a page with a few lines."""
    size = QSize(box.height() * 5 // 7, box.height()).boundedTo(box)
    image = QImage(size, QImage.Format.Format_RGB32)
    image.fill(QColor("#FFFFFF"))
    painter = QPainter(image)
    painter.setPen(QPen(QColor("#4A4A4A"), 2))
    margin = size.width() // 6
    for i in range(5):
        y = margin + i * size.height() // 8
        painter.drawLine(margin, y, size.width() - margin, y)
    painter.end()
    return QPixmap.fromImage(_on_white(image))


def breakable(name: str) -> str:
    """A file name that may wrap at 200 % text: an invisible break opportunity
    after separators, and inside long runs without any."""
    out: list[str] = []
    run = 0
    for ch in name:
        out.append(ch)
        run += 1
        if ch in "-_.+ " or run >= 14:
            out.append(ZERO_WIDTH_SPACE)
            run = 0
    return "".join(out).rstrip(ZERO_WIDTH_SPACE)


def _clock(moment: datetime, locale: str) -> str:
    return f"{moment.hour} h {moment.minute:02d}" if locale == "fr" else f"{moment:%H:%M}"


def size_words(size: int, locale: str) -> str:
    kilo = "Ko" if locale == "fr" else "KB"
    mega = "Mo" if locale == "fr" else "MB"
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} {kilo}"
    shown = f"{size / (1024 * 1024):.1f}"
    return f"{shown.replace('.', ',') if locale == 'fr' else shown} {mega}"


class FileButton(QPushButton):
    """A large button for one file: its thumbnail, its name, when it arrived.

    QPushButton cannot wrap its text, so the texts are labels inside it."""

    def __init__(self, path: Path, name: str, when: str) -> None:
        super().__init__()
        self.path = path
        self.setProperty("role", "tile")
        shown = breakable(path.name)
        # The name as shown (its invisible break marks are not read aloud).
        self.setAccessibleName(shown)
        self.setAccessibleDescription(when)
        self.setObjectName(name)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        row = QHBoxLayout(self)
        row.setContentsMargins(16, 12, 16, 12)
        row.setSpacing(20)
        self.picture = QLabel()
        self.picture.setObjectName("attachment:thumbnail")
        image = thumbnail(path)
        self.picture.setPixmap(
            QPixmap.fromImage(image) if image is not None else blank_page(THUMBNAIL_BOX)
        )
        self.picture.setFixedSize(THUMBNAIL_BOX)
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        row.addWidget(self.picture, 0, Qt.AlignmentFlag.AlignVCenter)
        texts = QVBoxLayout()
        texts.setSpacing(4)
        texts.addStretch(1)
        texts.addWidget(text_label(shown, role="subheading"))
        texts.addWidget(text_label(when))
        texts.addStretch(1)
        row.addLayout(texts, 1)
        for child in self.findChildren(QLabel):
            child.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)


class ScanChooser(KioskDialog):
    """Every scan of this person, newest first, as large buttons; nothing else."""

    def __init__(
        self,
        parent: QWidget,
        paths: list[Path],
        tr: Translate,
        when: Callable[[Path], str | None],
    ) -> None:
        super().__init__(parent)
        self.setObjectName("scans:dialog")
        self.setWindowTitle(tr("Mes documents scannés"))
        self.chosen: Path | None = None
        box = QVBoxLayout(self)
        box.setContentsMargins(32, 24, 32, 24)
        box.setSpacing(16)
        heading = text_label(tr("Mes documents scannés"), role="heading")
        box.addWidget(heading)
        listing = QWidget()
        rows = QVBoxLayout(listing)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(12)
        self.buttons: list[FileButton] = []
        for n, path in enumerate(paths, start=1):
            text = when(path)
            if text is None:
                continue
            button = FileButton(path, f"scans:file:{n}", text)
            button.clicked.connect(lambda _=False, p=path: self._choose(p))
            rows.addWidget(button)
            self.buttons.append(button)
        if not self.buttons:
            rows.addWidget(
                text_label(
                    tr(
                        "Aucun document scanné pour le moment. Posez votre document sur le "
                        "scanner et lancez le scan."
                    )
                )
            )
        rows.addStretch(1)
        scroller = QScrollArea()
        scroller.setWidgetResizable(True)
        scroller.setFrameShape(QFrame.Shape.NoFrame)
        scroller.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroller.setWidget(listing)
        box.addWidget(scroller, 1)
        close = QPushButton(tr("Fermer"))
        close.setObjectName("scans:close")
        close.setAccessibleName(close.text())
        close.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Fixed)
        close.clicked.connect(self.reject)
        box.addWidget(close, 0, Qt.AlignmentFlag.AlignLeading)
        window = parent.window()
        self.resize(max(window.width() - 96, 400), max(window.height() - 96, 300))

    def _choose(self, path: Path) -> None:
        self.chosen = path
        self.accept()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        first = self.buttons[0] if self.buttons else self.findChild(QPushButton, "scans:close")
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)


class AttachmentWidget(FieldWidget):
    """Pick a scanned document; it is checked, then shown large."""

    def _build(self) -> None:
        self.setObjectName(f"field-box:{self.spec.id}")
        self.scanner = self.options.scanner
        self.folder = self.options.scanner_folder
        self._path: str | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(12)

        self.problem = text_label("", role="error")
        self.problem.setObjectName(f"attachment-problem:{self.spec.id}")
        self.problem.hide()
        layout.addWidget(self.problem)

        # Choosing: the newest scans, then any other file.
        self.chooser = QWidget()
        choose = QVBoxLayout(self.chooser)
        choose.setContentsMargins(0, 0, 0, 0)
        choose.setSpacing(12)
        self.recent_title = text_label(self.tr_("Les derniers documents scannés :"))
        self.recent_note = text_label("")
        self.recent_box = QVBoxLayout()
        self.recent_box.setSpacing(12)
        self.file_buttons: list[FileButton] = []
        self.browse = QPushButton()
        self.browse.setObjectName(f"field:{self.spec.id}")
        self.browse.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.browse.clicked.connect(self.browse_files)
        self.keep = QPushButton(self.tr_("Garder le document choisi"))
        self.keep.setObjectName(f"field:{self.spec.id}:keep")
        self.keep.setAccessibleName(self.keep.text())
        self.keep.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.keep.clicked.connect(self._keep)
        self.keep.hide()
        choose.addWidget(self.recent_title)
        choose.addWidget(self.recent_note)
        choose.addLayout(self.recent_box)
        # One under the other: side by side they would not fit at 200 %.
        choose.addWidget(self.browse, 0, Qt.AlignmentFlag.AlignLeading)
        choose.addWidget(self.keep, 0, Qt.AlignmentFlag.AlignLeading)
        layout.addWidget(self.chooser)

        # Chosen: the document large, its name and size, and a way to change it.
        self.chosen = QFrame()
        self.chosen.setProperty("role", "card")
        self.chosen.setObjectName(f"attachment-chosen:{self.spec.id}")
        shown = QHBoxLayout(self.chosen)
        shown.setContentsMargins(16, 16, 16, 16)
        shown.setSpacing(24)
        self.preview = QLabel()
        self.preview.setObjectName(f"field:{self.spec.id}:preview")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        shown.addWidget(self.preview, 0, Qt.AlignmentFlag.AlignTop)
        about = QVBoxLayout()
        about.setSpacing(8)
        self.added = text_label("✓  " + self.tr_("Document ajouté"), role="subheading")
        self.chosen_name = text_label("")
        self.chosen_name.setObjectName(f"field:{self.spec.id}:name")
        self.chosen_size = text_label("", role="muted")
        self.change = QPushButton(self.tr_("Changer de document"))
        self.change.setObjectName(f"field:{self.spec.id}:change")
        self.change.setAccessibleName(self.change.text())
        self.change.setSizePolicy(QSizePolicy.Policy.Maximum, QSizePolicy.Policy.Preferred)
        self.change.clicked.connect(self._change)
        for w in (self.added, self.chosen_name, self.chosen_size):
            about.addWidget(w)
        about.addWidget(self.change, 0, Qt.AlignmentFlag.AlignLeading)
        about.addStretch(1)
        shown.addLayout(about, 1)
        layout.addWidget(self.chosen)
        self.chosen.hide()

        # New scans show up while the person is on the screen.
        self._refresh_timer = QTimer(self)
        self._refresh_timer.setSingleShot(True)
        self._refresh_timer.setInterval(150)
        self._refresh_timer.timeout.connect(self.refresh_files)
        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _p: self._refresh_timer.start())
        self.watcher.fileChanged.connect(lambda _p: self._refresh_timer.start())
        if self.folder is not None and self.folder.is_dir():
            self.watcher.addPath(str(self.folder))
        self.refresh_files()

    # -- the files offered ---------------------------------------------------------
    def refresh_files(self) -> None:
        tr = self.tr_
        focused = next((b.path for b in self.file_buttons if b.hasFocus()), None)
        for button in self.file_buttons:
            button.setObjectName("")
            button.hide()
            button.deleteLater()
        self.file_buttons = []
        watched = self.watcher.files()
        if watched:
            self.watcher.removePaths(watched)
        paths = self.scanner.recent(RECENT_COUNT) if self.scanner is not None else []
        for n, path in enumerate(paths, start=1):
            text = self._when(path)
            if text is None:
                continue
            button = FileButton(path, f"field:{self.spec.id}:file:{n}", text)
            button.clicked.connect(lambda _=False, p=path: self.choose(p))
            self.recent_box.addWidget(button)
            self.file_buttons.append(button)
            if focused == path:
                button.setFocus(Qt.FocusReason.OtherFocusReason)
        if paths:
            self.watcher.addPaths([str(p) for p in paths])
        self._order_tabs()
        has_files = bool(self.file_buttons)
        self.recent_title.setVisible(has_files)
        if self.folder is None or not self.folder.is_dir():
            note = tr("Le dossier du scanner est introuvable. Un médiateur peut vous aider.")
        elif not has_files:
            note = tr(
                "Aucun document scanné pour le moment. Posez votre document sur le scanner "
                "et lancez le scan. Il apparaîtra ici."
            )
        else:
            note = ""
        self.recent_note.setText(note)
        self.recent_note.setVisible(bool(note))
        self.browse.setText(tr("Voir tous mes documents"))
        self.browse.setAccessibleName(self.browse.text())

    def _when(self, path: Path) -> str | None:
        """When a scan arrived, in words (None: it is gone)."""
        tr = self.tr_
        try:
            moment = datetime.fromtimestamp(path.stat().st_mtime)
        except OSError:
            return None
        when = _clock(moment, self.lang)
        today = datetime.now().date()
        if moment.date() == today:
            return tr("Ajouté aujourd'hui à {heure}").replace("{heure}", when)
        if moment.date() == today - timedelta(days=1):
            return tr("Ajouté hier à {heure}").replace("{heure}", when)
        return (
            tr("Ajouté le {date} à {heure}")
            .replace("{date}", f"{moment:%d/%m/%Y}")
            .replace("{heure}", when)
        )

    def _order_tabs(self) -> None:
        """Tab in reading order: the files, then the other buttons, where the
        field's buttons stand in the window. (New buttons join the end of the
        window's focus chain, after « Continuer », and moving this widget into
        the screen rebuilds its chain in the order the children were made.)"""
        # Anchored on the control before this field's buttons where they stand
        # now (the window may have moved them; setTabOrder links controls that
        # take the focus, not this widget or the labels between them).
        anchor = self.browse.previousInFocusChain()
        while (
            anchor is not None
            and anchor is not self.browse
            and (self.isAncestorOf(anchor) or not anchor.focusPolicy() & Qt.FocusPolicy.TabFocus)
        ):
            anchor = anchor.previousInFocusChain()
        first = [anchor] if anchor is not None and anchor is not self.browse else []
        chain = [*first, *self.file_buttons, self.browse, self.keep, self.change]
        for before, after in itertools.pairwise(chain):
            QWidget.setTabOrder(before, after)

    def event(self, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.ParentChange, QEvent.Type.Show):
            self._order_tabs()
        return super().event(event)

    # -- choosing ------------------------------------------------------------------
    def ask_for_file(self) -> str | None:
        """The kiosk's chooser of this person's scans (tests replace this method)."""
        paths = self.scanner.recent(ALL_COUNT) if self.scanner is not None else []
        chooser = ScanChooser(self.window(), paths, self.tr_, self._when)
        try:
            chooser.exec()
            return os.fspath(chooser.chosen) if chooser.chosen is not None else None
        finally:
            chooser.deleteLater()

    def browse_files(self) -> None:
        chosen = self.ask_for_file()
        if chosen:
            self.choose(chosen)

    def choose(self, path: str | os.PathLike[str]) -> bool:
        """Check the file with the field type; show it, or say what is wrong.
        Only this person's scans may be chosen (``ScannerFolder.holds``)."""
        if self.scanner is None or not self.scanner.holds(path):
            log.warning("a file outside this person's scans was refused")
            self._show_problem(
                self.tr_("Choisissez un document scanné, dans la liste."), Path(path).name
            )
            return False
        try:
            value = self.ftype.parse(os.fspath(path))
        except FieldError as e:
            self._show_problem(e.text(self.lang), Path(path).name)
            return False
        self._path = os.fspath(path)
        self._show_chosen(Path(self._path), value.size)
        self._emit()
        self.picked.emit()
        return True

    def _show_problem(self, message: str, name: str) -> None:
        """The field type's message, with the name of the file it is about."""
        text = self.tr_("« {fichier} » : {message}").replace("{fichier}", breakable(name))
        self.problem.setText("⚠  " + text.replace("{message}", message))
        self.problem.show()
        reveal(self.problem)

    def _show_chosen(self, path: Path, size: int) -> None:
        self.problem.hide()
        image = render_document(path, PREVIEW_BOX)
        self.preview.setPixmap(
            QPixmap.fromImage(image) if image is not None else blank_page(PREVIEW_BOX)
        )
        del image  # the label's pixmap is the only copy
        kind = document_kind(path)
        what = {"pdf": self.tr_("Document PDF"), "image": self.tr_("Photo")}.get(kind or "", "")
        self.chosen_name.setText(breakable(path.name))
        self.chosen_size.setText(", ".join(p for p in (what, size_words(size, self.lang)) if p))
        self.chooser.hide()
        self.chosen.show()

    def _change(self) -> None:
        self.problem.hide()
        self.chosen.hide()
        self.keep.setVisible(self._path is not None)
        self.chooser.show()
        self.refresh_files()
        self.focus_input()

    def _keep(self) -> None:
        if self._path is not None:
            self.problem.hide()
            self.chooser.hide()
            self.chosen.show()
            self.change.setFocus(Qt.FocusReason.OtherFocusReason)

    def _clear(self) -> None:
        self._path = None
        self.preview.clear()
        self.chosen.hide()
        self.keep.hide()
        self.chooser.show()

    # -- the session's side -----------------------------------------------------------
    def _set_raw(self, raw: Any) -> None:
        if not isinstance(raw, str | os.PathLike) or not os.fspath(raw):
            self._clear()
            return
        try:
            value = self.ftype.parse(os.fspath(raw))
        except FieldError as e:
            self._clear()
            self._path = os.fspath(raw)
            self._show_problem(e.text(self.lang), Path(raw).name)
            return
        self._path = os.fspath(raw)
        self._show_chosen(Path(self._path), value.size)

    def raw(self) -> str | None:
        return self._path
