"""Where the kiosk keeps its data: the one thing ``kiosk run`` needs before
its home screen shows, kept apart from the settings' machinery (start-up
time). ``kiosk.config`` re-exports it."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "KIOSK_DATA_DIR"
APP_NAME = "kiosk"


def resolve_data_dir(cli_value: str | Path | None = None) -> Path:
    """``--data-dir``, else ``KIOSK_DATA_DIR``, else the platform's user data directory."""
    if cli_value is not None and str(cli_value).strip():
        chosen = Path(cli_value)
    elif os.environ.get(DATA_DIR_ENV, "").strip():
        chosen = Path(os.environ[DATA_DIR_ENV].strip())
    else:
        import platformdirs

        chosen = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    return chosen.expanduser().absolute()
