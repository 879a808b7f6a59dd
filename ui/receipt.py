"""The printed receipt: the reference to keep, on the kiosk's printer or as a PDF.

A receipt may be left at the printer, so it holds nothing personal: the
procedure, the reference, the date, what happens next, how long it takes and
whom to call. Never a name, a number or an answer.

The default printer gets the receipt laid out for its paper: a receipt
printer (paper 90 mm wide or less: 80 mm rolls, 58 mm…) gets a strip as tall
as the text, any other printer an A4 page. With no printer, the receipt is
saved as an A4 PDF in the data directory's ``receipts`` folder for the
mediator, and the person is told to ask them for it.
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QRectF, QSizeF
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrinterInfo
from PySide6.QtWidgets import QLabel

from kiosk.datadir import resolve_data_dir
from kiosk.fields.dates import month_names
from kiosk.i18n import pick
from kiosk.kinds import StepKind
from kiosk.session import Session
from kiosk.submission import Submission, TrainingSubmission
from ui import theme
from ui.i18n import tr
from ui.page import label

if TYPE_CHECKING:
    from ui.screens import ConfirmationScreen

log = logging.getLogger(__name__)

PAPER_ROLL = "roll"  # a receipt printer: 80 mm (or narrower) paper, as long as needed
PAPER_A4 = "a4"
ROLL_WIDTH_MM = 80.0
#: A printer whose paper is at most this wide is a receipt printer.
ROLL_MAX_WIDTH_MM = 90.0
RECEIPTS_FOLDER = "receipts"
#: Saved receipts older than this are deleted when a new one is saved.
KEEP_RECEIPTS_DAYS = 30

# Type sizes in points: large, for people who read with difficulty.
_SIZES = {
    PAPER_ROLL: {"body": 12, "title": 15, "reference": 25, "banner": 13},
    PAPER_A4: {"body": 16, "title": 24, "reference": 44, "banner": 18},
}
# Margins in millimetres: left, top, right, bottom (a roll needs room to tear).
_MARGINS = {PAPER_ROLL: (4.0, 4.0, 4.0, 12.0), PAPER_A4: (20.0, 20.0, 20.0, 20.0)}


class ReceiptError(Exception):
    """The receipt could not be printed or saved."""


@dataclass(frozen=True)
class Receipt:
    """What a receipt says; nothing the person answered."""

    reference: str
    procedure: str
    when: str
    what_next: tuple[str, ...]
    delay: str | None
    contact: str | None
    training: bool
    locale: str = "fr"


def when_text(created_at: str, locale: str) -> str:
    """ "29 novembre 2026 à 10 h 15", in the person's language."""
    try:
        moment = datetime.fromisoformat(created_at)
    except ValueError:
        return created_at
    months = month_names(locale)
    day = f"{moment.day} {months[moment.month - 1]} {moment.year}"
    if locale == "fr":
        return f"{day} à {moment.hour} h {moment.minute:02d}"
    return f"{day} at {moment.hour}:{moment.minute:02d}"


def receipt_for(session: Session, result: Submission | TrainingSubmission) -> Receipt:
    """The receipt of a finalized session, from the confirmation step's texts."""
    step = next((s for s in session.procedure.steps if s.kind == StepKind.CONFIRMATION), None)
    t = session.t
    lines: list[str] = []
    if step is not None:
        for text in (step.text, *step.next_steps):
            if text:
                lines += [line.strip() for line in t(text).split("\n") if line.strip()]
    return Receipt(
        reference=result.local_reference,
        procedure=pick(session.procedure.title, session.locale),
        when=when_text(result.created_at, session.locale),
        what_next=tuple(lines),
        delay=t(step.delay) if step is not None and step.delay else None,
        contact=t(step.contact) if step is not None and step.contact else None,
        training=isinstance(result, TrainingSubmission),
        locale=session.locale,
    )


# -- layout -------------------------------------------------------------------------------
def _keep_numbers(text: str) -> str:
    """No line break inside a number written in groups ("34 00", "06 12 34 56 78")."""
    return re.sub(r"(?<=\d) (?=\d)", "\u00a0", text)


def receipt_html(receipt: Receipt, paper: str = PAPER_ROLL) -> str:
    """The receipt as Qt rich text, black on white (thermal printers have no grey).

    Qt's rich text ignores margins in points: they are given in CSS pixels
    (1/96 inch), which Qt scales to the printer's resolution.
    """
    size = _SIZES[paper]
    e = html.escape
    parts: list[str] = []

    def px(pt: float) -> int:
        return round(pt * 96 / 72)

    def para(
        text: str,
        pt: int,
        *,
        bold: bool = False,
        top: int = 0,
        center: bool = False,
    ) -> None:
        style = f"font-size:{pt}pt; margin-top:{px(top)}px; margin-bottom:0"
        if bold:
            style += "; font-weight:bold"
        align = ' align="center"' if center else ""
        parts.append(f'<p{align} style="{style}">{e(_keep_numbers(text))}</p>')

    training = tr("Entraînement — rien n'est envoyé")
    if receipt.training:
        parts.append(
            f'<table width="100%" cellpadding="{px(4)}" cellspacing="0" border="{px(1.5)}" '
            'style="border-style:solid; border-color:#000; border-collapse:collapse">'
            f'<tr><td align="center" style="font-size:{size["banner"]}pt; font-weight:bold">'
            f"{e(training)}</td></tr></table>"
        )
    para(receipt.procedure, size["title"], bold=True, top=6 if receipt.training else 0)
    para(tr("Votre numéro de demande :"), size["body"], top=10)
    parts.append(
        f'<table width="100%" cellpadding="{px(4)}" cellspacing="0" border="{px(2.5)}" '
        'style="border-style:solid; border-color:#000; border-collapse:collapse; '
        f'margin-top:{px(4)}px">'
        f'<tr><td align="center" style="font-size:{size["reference"]}pt; font-weight:bold">'
        f"{e(receipt.reference)}</td></tr></table>"
    )
    para(tr("Gardez ce reçu. Ce numéro sert à suivre votre demande."), size["body"], top=6)
    para(receipt.when, size["body"], bold=True, top=6)
    if receipt.what_next:
        para(tr("Et maintenant ?"), size["body"] + 2, bold=True, top=12)
        # A list, so wrapped lines start under the text, not under the dot.
        parts.append('<ul style="margin-top:0; margin-bottom:0">')
        for line in receipt.what_next:
            parts.append(
                f'<li style="font-size:{size["body"]}pt; margin-top:{px(4)}px">'
                f"{e(_keep_numbers(line))}</li>"
            )
        parts.append("</ul>")
    if receipt.delay:
        para(tr("Combien de temps ?"), size["body"] + 2, bold=True, top=12)
        para(receipt.delay, size["body"], top=4)
    if receipt.contact:
        para(tr("Une question ?"), size["body"] + 2, bold=True, top=12)
        para(receipt.contact, size["body"], top=4)
    if receipt.training:
        para(training, size["body"], bold=True, top=12, center=True)
    return "<html><body>" + "".join(parts) + "</body></html>"


def _document(receipt: Receipt, paper: str, printer: QPrinter) -> QTextDocument:
    theme.load_fonts()
    document = QTextDocument()
    document.documentLayout().setPaintDevice(printer)
    font = QFont(theme.FONT_FAMILY)
    font.setPointSizeF(_SIZES[paper]["body"])
    document.setDefaultFont(font)
    document.setDocumentMargin(0)
    # A list's indent (CSS pixels, scaled like the rest): about one and a half letters.
    document.setIndentWidth(_SIZES[paper]["body"] * 1.5 * 96 / 72)
    document.setHtml(receipt_html(receipt, paper))
    return document


def _set_layout(printer: QPrinter, paper: str, width_mm: float, height_mm: float) -> None:
    left, top, right, bottom = _MARGINS[paper]
    if paper == PAPER_A4:
        size = QPageSize(QPageSize.PageSizeId.A4)
    else:
        size = QPageSize(QSizeF(width_mm, height_mm), QPageSize.Unit.Millimeter, "receipt")
    layout = QPageLayout(
        size,
        QPageLayout.Orientation.Portrait,
        QMarginsF(left, top, right, bottom),
        QPageLayout.Unit.Millimeter,
    )
    if not printer.setPageLayout(layout):
        log.warning("the printer refused the %s page layout; using its own", paper)


def render(
    receipt: Receipt, printer: QPrinter, paper: str, *, width_mm: float = ROLL_WIDTH_MM
) -> int:
    """Lay the receipt out on ``printer`` and print it; the number of pages."""
    _set_layout(printer, paper, width_mm, 297.0)
    document = _document(receipt, paper, printer)
    page = printer.pageRect(QPrinter.Unit.DevicePixel)
    document.setTextWidth(page.width())
    if paper == PAPER_ROLL:
        # As long as the text: measure at this width, then make the page that tall.
        _, top, _, bottom = _MARGINS[paper]
        height_mm = document.size().height() / printer.resolution() * 25.4 + top + bottom + 1
        _set_layout(printer, paper, width_mm, height_mm)
        page = printer.pageRect(QPrinter.Unit.DevicePixel)
    document.setPageSize(QSizeF(page.width(), page.height()))
    pages = max(1, document.pageCount())
    painter = QPainter()
    if not painter.begin(printer):
        raise ReceiptError("the printer cannot be opened")
    try:
        for number in range(pages):
            if number:
                printer.newPage()
            painter.save()
            painter.translate(0, -number * page.height())
            document.drawContents(
                painter, QRectF(0, number * page.height(), page.width(), page.height())
            )
            painter.restore()
    finally:
        painter.end()
    return pages


def save_pdf(
    receipt: Receipt, path: Path, paper: str = PAPER_A4, *, width_mm: float = ROLL_WIDTH_MM
) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setCreator("kiosk")
    printer.setDocName(tr("Reçu") + " " + receipt.reference)
    render(receipt, printer, paper, width_mm=width_mm)
    if not path.is_file() or path.stat().st_size == 0:
        raise ReceiptError(f"the receipt could not be written to {path}")
    return path


# -- choosing where it goes ------------------------------------------------------------------
def default_printer() -> QPrinterInfo | None:
    """The system's default printer, or None (tests replace this)."""
    info = QPrinterInfo.defaultPrinter()
    return None if info.isNull() else info


def paper_for(info: QPrinterInfo) -> tuple[str, float]:
    """(layout, paper width in mm) for a printer, from its default paper size."""
    width = info.defaultPageSize().size(QPageSize.Unit.Millimeter).width()
    if 0 < width <= ROLL_MAX_WIDTH_MM:
        return PAPER_ROLL, width
    return PAPER_A4, ROLL_WIDTH_MM


@dataclass(frozen=True)
class Printed:
    printer: str | None  # the printer it went to
    pdf: Path | None  # or the PDF saved for the mediator
    message: str  # what the person is told


def receipt_path(receipts_dir: Path, receipt: Receipt) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S")
    prefix = "entrainement" if receipt.training else "recu"
    name = re.sub(r"[^A-Z0-9-]", "", receipt.reference.upper())
    return Path(receipts_dir) / f"{prefix}-{name}-{stamp}.pdf"


def prune(receipts_dir: Path, *, days: float = KEEP_RECEIPTS_DAYS) -> int:
    """Delete saved receipts older than ``days``; how many went."""
    cutoff = time.time() - days * 86400
    gone = 0
    for path in Path(receipts_dir).glob("*.pdf"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                gone += 1
        except OSError:
            log.warning("could not delete the old receipt %s", path.name)
    return gone


def print_receipt(receipt: Receipt, receipts_dir: Path) -> Printed:
    """On the default printer if there is one, else a PDF for the mediator."""
    info = default_printer()
    if info is not None:
        paper, width = paper_for(info)
        printer = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        printer.setDocName(tr("Reçu") + " " + receipt.reference)
        try:
            render(receipt, printer, paper, width_mm=width)
        except ReceiptError as e:
            log.error("printing on %s failed (%s); saving a PDF instead", info.printerName(), e)
        else:
            log.info("receipt %s printed on %s (%s)", receipt.reference, info.printerName(), paper)
            return Printed(
                info.printerName(), None, tr("Le reçu s'imprime. Prenez-le à l'imprimante.")
            )
    try:
        prune(receipts_dir)
        path = save_pdf(receipt, receipt_path(receipts_dir, receipt), PAPER_A4)
    except (OSError, ReceiptError) as e:
        log.error("the receipt could not be saved: %s", e)
        return Printed(
            None,
            None,
            tr("Le reçu ne peut pas être imprimé. Notez votre numéro ou demandez au médiateur."),
        )
    log.info("no printer: receipt %s saved for the mediator in %s", receipt.reference, path)
    return Printed(None, path, tr("Le reçu est prêt. Demandez-le au médiateur."))


# -- the confirmation's button ------------------------------------------------------------
def print_for(
    session: Session,
    result: Submission | TrainingSubmission,
    data_dir: Path | None,
    screen: ConfirmationScreen,
) -> Printed:
    """ "Imprimer le reçu" on the confirmation screen: print, then say so on the screen."""
    if data_dir is None:
        data_dir = resolve_data_dir()
    outcome = print_receipt(receipt_for(session, result), Path(data_dir) / RECEIPTS_FOLDER)
    show_on_confirmation(screen, outcome.message)
    return outcome


def show_on_confirmation(screen: ConfirmationScreen, text: str) -> None:
    """The printing message under the reference (replaced on each press)."""
    old = screen.findChild(QLabel, "confirmation:receipt-message")
    if old is not None:
        old.setText(text)
        old.setAccessibleName(text)
        return
    message = label(text, "subheading", "confirmation:receipt-message")
    message.setAccessibleName(text)
    body = screen.body
    reference = screen.reference
    index = body.indexOf(reference) + 1 if reference is not None else 0
    body.insertWidget(index if index > 0 else body.count(), message)
    message.show()
    screen.scroller.ensureWidgetVisible(message)


__all__: Sequence[str] = (
    "PAPER_A4",
    "PAPER_ROLL",
    "Printed",
    "Receipt",
    "ReceiptError",
    "default_printer",
    "print_for",
    "print_receipt",
    "receipt_for",
    "receipt_html",
    "render",
    "save_pdf",
)
