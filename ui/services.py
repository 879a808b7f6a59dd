"""What start-up hands the main window once the home screen is painted."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import Settings
    from kiosk.kinds import KioskIdentity
    from kiosk.procedure import Procedure
    from kiosk.store import OutboxStore
    from ui.fieldbase import FieldOptions
    from ui.syncworker import SyncController


@dataclass(frozen=True)
class Services:
    """The kiosk's working parts, made by ``ui.app.complete_main_window``."""

    settings: Settings
    data_dir: Path
    #: the procedures offered (the others were refused, and logged)
    procedures: tuple[Procedure, ...]
    kiosk: KioskIdentity
    #: where finished requests are kept (the outbox)
    sink: OutboxStore
    #: sending in its own thread
    sync: SyncController
    #: the field widgets' set-up: keypad, scanner folder
    field_options: FieldOptions
