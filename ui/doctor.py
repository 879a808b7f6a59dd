"""The screens' checks for ``kiosk doctor`` and the bundle's ``--self-check``.

``kiosk doctor`` runs every check of ``kiosk.doctor`` and these (the typeface
as Qt loads it, Qt's platform, print and text-to-speech plugins, a printer,
a French voice) and exits 1 on any problem. ``kiosk --self-check`` checks
what the bundle itself must carry, with a key-store round trip in a temporary
data directory; it fails only on those, and reports the printer and the voice
(a CI machine has neither).
"""

from __future__ import annotations

import logging
import sys
import tempfile
from pathlib import Path

from kiosk import doctor
from kiosk.doctor import OK, PROBLEM, SKIPPED, Check

log = logging.getLogger(__name__)

PLATFORM_PLUGINS = {
    "linux": ("libqwayland", "libqxcb", "libqoffscreen"),
    "win32": ("qwindows",),
    "darwin": ("libqcocoa",),
}


def _plugins(kind: str) -> list[str]:
    from PySide6.QtCore import QLibraryInfo

    folder = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / kind
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def check_platform_plugins() -> Check:
    wanted = PLATFORM_PLUGINS.get(sys.platform, ())
    found = _plugins("platforms")
    missing = [w for w in wanted if not any(name.startswith(w) for name in found)]
    if missing:
        return Check(PROBLEM, f"Qt platform plugins missing: {', '.join(missing)}", "reinstall")
    from PySide6.QtGui import QGuiApplication

    return Check(
        OK,
        f"Qt platform plugins present ({len(found)}); running on {QGuiApplication.platformName()}",
    )


def check_typeface_loaded() -> Check:
    from ui import theme

    if theme.load_fonts():
        return Check(OK, f"typeface {theme.FONT_FAMILY} loaded")
    return Check(
        PROBLEM, f"typeface {theme.FONT_FAMILY} did not load (the system font is used)", "reinstall"
    )


def check_print_support() -> list[Check]:
    plugins = _plugins("printsupport")
    checks = []
    if sys.platform.startswith("linux") and not plugins:
        checks.append(Check(PROBLEM, "Qt's print support plugin (CUPS) missing", "reinstall"))
    else:
        checks.append(Check(OK, f"Qt print support ({', '.join(plugins) or 'built in'})"))
    from PySide6.QtPrintSupport import QPrinterInfo

    names = QPrinterInfo.availablePrinterNames()
    default = QPrinterInfo.defaultPrinterName()
    if names:
        checks.append(Check(OK, f"printer found: {default or names[0]} ({len(names)} in all)"))
    else:
        checks.append(
            Check(PROBLEM, "no printer found", "add one in CUPS (lpadmin) or the system's "
                  "settings; receipts cannot be printed", required=False)
        )  # fmt: skip
    return checks


def check_read_aloud() -> list[Check]:
    from PySide6.QtCore import QLocale
    from PySide6.QtTextToSpeech import QTextToSpeech

    engines = [e for e in QTextToSpeech.availableEngines() if e != "mock"]
    if not _plugins("texttospeech"):
        return [Check(PROBLEM, "Qt's text-to-speech plugins missing", "reinstall")]
    if not engines:
        return [
            Check(PROBLEM, "no read-aloud engine", "apt-get install speech-dispatcher "
                  "speech-dispatcher-espeak-ng libspeechd2", required=False)
        ]  # fmt: skip
    checks = [Check(OK, f"Qt text-to-speech plugins: {', '.join(engines)}")]
    for engine in engines:
        speech = QTextToSpeech(engine)
        if speech.state() == QTextToSpeech.State.Error:
            continue
        french = [v for v in speech.availableVoices() if v.language() == QLocale.Language.French]
        speech.deleteLater()
        if french:
            checks.append(Check(OK, f"read-aloud: {engine}, French voice {french[0].name()}"))
            return checks
    checks.append(
        Check(PROBLEM, "read-aloud: no engine with a French voice answers",
              "install speech-dispatcher-espeak-ng and start speech-dispatcher", required=False)
    )  # fmt: skip
    return checks


def qt_checks() -> list[Check]:
    from ui.app import ensure_application

    ensure_application()
    checks = [check_platform_plugins(), check_typeface_loaded()]
    checks += check_print_support()
    checks += check_read_aloud()
    return checks


def _run(data_dir: Path, *, bundle: bool) -> int:
    checks = doctor.kiosk_checks(data_dir, bundle=bundle)
    try:
        checks += qt_checks()
    except Exception as e:
        log.exception("the screens' checks failed")
        checks.append(Check(PROBLEM, f"the screens cannot start ({type(e).__name__}: {e})"))
    if bundle and getattr(sys, "_MEIPASS", None) is None:
        checks.append(Check(SKIPPED, "not run from a bundle (the installed package was checked)",
                            required=False))  # fmt: skip
    for check in checks:
        print(doctor.format_check(check))
    code = doctor.exit_code(checks, only_required=bundle)
    if code != 0:
        print("Some checks have a problem (see above).")
    elif bundle and any(c.state == PROBLEM for c in checks):
        print("The bundle carries all it needs; the problems above are this machine's.")
    else:
        print("All is well.")
    return code


def main(data_dir: Path) -> int:
    """``kiosk doctor``: everything, on this data directory."""
    return _run(data_dir, bundle=False)


def self_check() -> int:
    """``kiosk --self-check``: what the bundle carries, on a temporary data directory."""
    with tempfile.TemporaryDirectory(prefix="kiosk-self-check-") as tmp:
        return _run(Path(tmp), bundle=True)
