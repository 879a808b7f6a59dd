"""What start-up hands the main window once the home screen is painted."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.bundles import BundleFolder
from kiosk.procedure import load_all

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
    #: procedure updates from the back-office, applied between two people
    bundles: BundleFolder

    def new_procedures(self) -> tuple[Procedure, ...] | None:
        """Between two people: switch to a staged procedure bundle, if one
        waits; the procedures now offered, or None when nothing changed.
        (A bundle that does not load is rolled back by ``apply_staged``.)"""
        if self.bundles.staged_version() is None:
            return None
        before = self.bundles.installed_version()
        if self.bundles.apply_staged() == before:
            return None
        procedures, problems = load_all(procedure_source(self.bundles))
        for problem in problems:
            log.error("procedure not offered: %s", problem)
        log.info("procedure bundle %s in use", self.bundles.installed_version())
        return tuple(procedures)


log = logging.getLogger(__name__)


def procedure_source(bundles: BundleFolder) -> list[Path] | None:
    """The folder of the bundle in use, or None: the shipped procedures."""
    active = bundles.active_dir()
    return [active] if active is not None else None
