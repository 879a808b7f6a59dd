"""The kiosk's log files: rotating, size-capped, one line per event, nothing personal.

``setup(data_dir)`` writes ``<data dir>/logs/kiosk.log`` (1 MiB, then rotated,
5 old files kept: at most 6 MiB). Each event is one line: time, level,
component (the logger's name), message, and a traceback folded onto the same
line with `` | `` between its lines, so ``grep`` finds an event whole.

Every line goes through ``PersonalDataFilter`` first. Components log ids,
counts and states, never a person's answers; the filter is the safety net
for what slips through (an exception's message quoting a value): it blanks
e-mail addresses, telephone-like runs of digits, long token-like strings,
the file names of scans and photos, and every value registered with
``forget()`` (the device token when it is read, for instance).
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from pathlib import Path

__all__ = [
    "LOG_BACKUPS",
    "LOG_BYTES",
    "LOG_FILE",
    "forget",
    "log_dir",
    "redact",
    "setup",
]

LOG_FILE = "kiosk.log"
LOG_BYTES = 1024 * 1024
LOG_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "[hidden]"

_PATTERNS = [
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"(?<![\w.])\+?\d(?:[ .-]?\d){5,}(?![\w.])"),  # telephone-like digit runs
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"),  # dates as a person types them
    # tokens and keys: long runs with letters and digits (not a function's name)
    re.compile(r"\b(?=[A-Za-z_\-]*\d)(?=[\d_\-]*[A-Za-z])[A-Za-z0-9_\-]{24,}\b"),
    # the file names of scans and photos (the name a scanner or a person chose)
    re.compile(r"[^\s/\\'\"]+\.(?:jpe?g|png|pdf|tiff?|heic|webp|bmp)\b", re.IGNORECASE),
]

_forgotten: set[str] = set()
_lock = threading.Lock()


def forget(*values: str) -> None:
    """Never write these values (of 4 characters or more) in a log line."""
    with _lock:
        _forgotten.update(v for v in (s.strip() for s in values if s) if len(v) >= 4)


def redact(text: str) -> str:
    with _lock:
        secrets = sorted(_forgotten, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, HIDDEN)
    for pattern in _PATTERNS:
        text = pattern.sub(HIDDEN, text)
    return text


class OneLineFormatter(logging.Formatter):
    """One line per event (a traceback joined by `` | ``), without personal data.

    The redaction is the formatter's, not a filter's: a filter that rewrote
    the record would take the traceback from every other handler too (the
    console, a test's log capture)."""

    def format(self, record: logging.LogRecord) -> str:
        text = " | ".join(line for line in super().format(record).splitlines() if line)
        return redact(text)


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "logs"


_installed: dict[str, logging.Handler] = {}


def setup(data_dir: Path, *, level: int = logging.INFO) -> Path | None:
    """Send the kiosk's log to ``<data dir>/logs/kiosk.log``; its path, or None if it
    cannot be written (then the log goes to standard error only, and the kiosk runs)."""
    path = log_dir(data_dir) / LOG_FILE
    root = logging.getLogger()
    key = str(path)
    if key in _installed:
        if root.level == logging.NOTSET or root.level > level:
            root.setLevel(level)
        return path
    close_all()  # one data directory per process: the log follows the last one named
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
        )
    except OSError as e:
        logging.getLogger(__name__).warning("no log file (%s): %s", path.parent, e)
        return None
    handler.setFormatter(OneLineFormatter(FORMAT))
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _installed[key] = handler
    return path


def close_all() -> None:
    """Detach the log files (tests, and before a data directory is removed)."""
    root = logging.getLogger()
    for handler in _installed.values():
        root.removeHandler(handler)
        handler.close()
    _installed.clear()


def console(verbose: bool, *, quiet_level: int = logging.ERROR) -> None:
    """Standard error shows errors (everything with ``verbose``), whatever the files get."""
    root = logging.getLogger()
    if not any(getattr(h, "kiosk_console", False) for h in root.handlers):
        handler = logging.StreamHandler()
        handler.kiosk_console = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
    for h in root.handlers:
        if getattr(h, "kiosk_console", False):
            h.setLevel(logging.DEBUG if verbose else quiet_level)
    wanted = logging.DEBUG if verbose else quiet_level
    if root.level == logging.NOTSET or root.level == logging.WARNING or root.level > wanted:
        root.setLevel(wanted)
