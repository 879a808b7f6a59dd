"""One resolver for shipped resources (procedures, fonts, data, pictures).

The same code finds them in a source checkout, in an installed wheel (where
``resources/`` ships as ``kiosk/_resources``) and in a PyInstaller bundle
(where build.spec puts it at ``<bundle>/resources``). ``KIOSK_RESOURCES_DIR``
overrides all three (a whole resources folder: procedures, fonts, pictures,
postal data).

An administrator who only adds or replaces procedures sets a procedures
folder instead (``procedures_dir`` / ``KIOSK_PROCEDURES_DIR``): it is laid
over the shipped procedures (a file there adds a procedure, or replaces the
shipped one with the same id), and everything else still comes from the
shipped resources.
"""

import os
import sys
from functools import cache
from pathlib import Path

ENV_VAR = "KIOSK_RESOURCES_DIR"
PROCEDURES_ENV_VAR = "KIOSK_PROCEDURES_DIR"

# The procedures_dir setting, once settings are loaded (``use_procedures_dir``);
# the environment variable wins, as for every setting.
_configured_procedures_dir: Path | None = None


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


def use_procedures_dir(folder: Path | str | None) -> None:
    """Lay this administrator's procedures folder over the shipped ones (from settings)."""
    global _configured_procedures_dir
    _configured_procedures_dir = Path(folder) if folder else None


def extra_procedures_dir() -> Path | None:
    """The administrator's procedures folder, if one is set."""
    if env := os.environ.get(PROCEDURES_ENV_VAR, "").strip():
        return Path(env)
    return _configured_procedures_dir


def procedures_dirs() -> list[Path]:
    """The folders procedures are read from, lowest first: a later one wins by id."""
    folders = [procedures_dir()]
    extra = extra_procedures_dir()
    if extra is not None and extra.resolve() != folders[0].resolve():
        folders.append(extra)
    return folders
