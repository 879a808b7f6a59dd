"""One resolver for shipped resources (procedures, fonts, data, pictures).

The same code finds them in a source checkout, in an installed wheel (where
``resources/`` ships as ``kiosk/_resources``) and in a PyInstaller bundle
(where build.spec puts it at ``<bundle>/resources``). ``KIOSK_RESOURCES_DIR``
overrides all three, for administrators who keep their own procedures.
"""

import os
import sys
from functools import cache
from pathlib import Path

ENV_VAR = "KIOSK_RESOURCES_DIR"


class ResourcesNotFound(RuntimeError):
    pass


def _candidates() -> list[Path]:
    found: list[Path] = []
    if env := os.environ.get(ENV_VAR):
        found.append(Path(env))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        found.append(Path(bundle) / "resources")
    here = Path(__file__).resolve().parent
    found.append(here / "_resources")  # installed wheel
    found.append(here.parent / "resources")  # source checkout
    return found


@cache
def resources_dir() -> Path:
    for candidate in _candidates():
        if (candidate / "procedures").is_dir():
            return candidate
    tried = ", ".join(str(p) for p in _candidates())
    raise ResourcesNotFound(f"The kiosk's resources folder was not found (looked in: {tried}).")


def resource_path(*parts: str) -> Path:
    return resources_dir().joinpath(*parts)


def procedures_dir() -> Path:
    return resource_path("procedures")


def examples_dir() -> Path:
    return resource_path("procedures", "examples")
