"""Interface texts through Qt's translation tools.

Source texts are French (the kiosk's first language) and go through
``tr()``. ``tools/update_translations.py`` collects them into
``resources/translations/kiosk_<lang>.ts`` (Qt Linguist's format) and
compiles them with ``pyside6-lrelease``; the app loads the ``.qm`` file of
the chosen language with a ``QTranslator``. Procedure texts are translated
in the procedure files themselves.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator

from kiosk.i18n import DEFAULT_LOCALE, LOCALES
from kiosk.resources import resource_path

if TYPE_CHECKING:
    from kiosk.procedure import Procedure

log = logging.getLogger(__name__)

CONTEXT = "kiosk"

# Each language written in itself, for the language button. A language is
# offered to people only once it is complete (see ``available_languages``):
# Arabic is ready in the structure (right-to-left layouts), not yet translated.
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}
RIGHT_TO_LEFT = {"ar"}
SOURCE_LANGUAGE = DEFAULT_LOCALE  # the texts in the code are French


def translation_file(locale: str) -> Path:
    return resource_path("translations", f"kiosk_{locale}.qm")


def available_languages(procedures: Iterable[Procedure]) -> list[str]:
    """Languages a person may choose: named, known to the session, with an
    interface translation, and with the texts of every procedure."""
    procs = list(procedures)
    return [
        loc
        for loc in LANGUAGE_NAMES
        if loc in LOCALES
        and (loc == SOURCE_LANGUAGE or translation_file(loc).is_file())
        and all(loc in p.locales for p in procs)
    ]


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class Translations:
    """Installs the translator of the current interface language.

    The application has one interface language: a new ``Translations``
    starts in French, removing whatever translator an earlier one left.
    """

    _installed: QTranslator | None = None  # shared: translators are app-wide

    def __init__(self) -> None:
        self.locale = SOURCE_LANGUAGE
        self.switch(SOURCE_LANGUAGE)

    def switch(self, locale: str) -> bool:
        app = QCoreApplication.instance()
        if app is None:
            return False
        if Translations._installed is not None:
            app.removeTranslator(Translations._installed)
            Translations._installed.deleteLater()
            Translations._installed = None
        self.locale = locale
        ok = True
        if locale != SOURCE_LANGUAGE:
            translator = QTranslator(app)
            path = translation_file(locale)
            if translator.load(str(path)):
                app.installTranslator(translator)
                Translations._installed = translator
            else:
                log.warning("no interface translation for %s", locale)
                translator.deleteLater()
                ok = False
        QLocale.setDefault(QLocale(locale))
        return ok


def layout_direction(locale: str) -> Qt.LayoutDirection:
    if locale in RIGHT_TO_LEFT:
        return Qt.LayoutDirection.RightToLeft
    return Qt.LayoutDirection.LeftToRight
