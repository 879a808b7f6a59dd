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

from PySide6.QtCore import QCoreApplication, QLocale, Qt, QTranslator

from kiosk.resources import resource_path

log = logging.getLogger(__name__)

CONTEXT = "kiosk"

# Each language written in itself, for the language button.
LANGUAGE_NAMES = {"fr": "Français", "en": "English", "ar": "العربية"}
RIGHT_TO_LEFT = {"ar"}


def tr(text: str) -> str:
    return QCoreApplication.translate(CONTEXT, text)


class Translations:
    """Installs the translator of the current interface language."""

    def __init__(self) -> None:
        self._translator: QTranslator | None = None
        self.locale = "fr"

    def switch(self, locale: str) -> bool:
        app = QCoreApplication.instance()
        if app is None:
            return False
        if self._translator is not None:
            app.removeTranslator(self._translator)
            self._translator = None
        self.locale = locale
        ok = True
        if locale != "fr":
            translator = QTranslator(app)
            path = resource_path("translations", f"kiosk_{locale}.qm")
            if translator.load(str(path)):
                app.installTranslator(translator)
                self._translator = translator
            else:
                log.warning("no interface translation for %s", locale)
                ok = False
        QLocale.setDefault(QLocale(locale))
        return ok


def layout_direction(locale: str) -> Qt.LayoutDirection:
    if locale in RIGHT_TO_LEFT:
        return Qt.LayoutDirection.RightToLeft
    return Qt.LayoutDirection.LeftToRight
