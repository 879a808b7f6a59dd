"""Pictograms shipped in resources/pictures/icons (SVG, drawn for this kiosk)."""

from __future__ import annotations

from functools import cache

from PySide6.QtGui import QIcon

from kiosk.resources import resource_path


@cache
def icon(name: str) -> QIcon:
    path = resource_path("pictures", "icons", f"{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()
