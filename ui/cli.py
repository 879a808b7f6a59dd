"""The ``kiosk`` command: the screens' commands, then everything else.

``kiosk`` and ``kiosk run`` start the app; ``kiosk demo`` starts it with a
back-office on loopback. Every other command (procedures, queue, sync,
config…) belongs to the Qt-free core in ``kiosk.cli``, which never imports
the screens.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence

UI_COMMANDS = {"run", "demo", "doctor"}


def _first_command(argv: Sequence[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--data-dir":
            skip = True
            continue
        if arg.startswith("-"):
            continue
        return arg
    return None


def no_screen_problem(environ: Mapping[str, str], platform: str) -> str | None:
    """A clear sentence when there is no screen to open a window on (Linux).

    Without one, Qt aborts the process with a list of plug-ins, which tells an
    administrator on a remote shell nothing useful.
    """
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM"):
        return None
    if environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "There is no screen to show the kiosk on (neither DISPLAY nor WAYLAND_DISPLAY is set). "
        "Start it from the kiosk's desktop session, or set QT_QPA_PLATFORM "
        "(for example QT_QPA_PLATFORM=offscreen to try it without a screen)."
    )


# What Qt's xcb platform plug-in loads (``ldd`` on PySide6's libqxcb.so and
# libQt6XcbQpa.so), with the Debian 12 package of each. Qt names only the
# first one it misses (libxcb-cursor0) and aborts; a fresh Debian lacks
# several. The same list is in the README's set-up and in .ci/run.
XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}


def _dlopen(name: str) -> None:
    import ctypes

    ctypes.CDLL(name)  # OSError when the dynamic loader cannot find it


def missing_library_problem(
    environ: Mapping[str, str],
    platform: str,
    load: Callable[[str], None] | None = None,
) -> str | None:
    """One sentence naming the system libraries Qt's screen plug-in lacks (Linux, xcb).

    Checked before Qt starts: without them Qt aborts the process (exit 134)
    naming at most one of them.
    """
    if not platform.startswith("linux") or environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return None
    load = load or _dlopen
    missing = []
    for library, package in XCB_LIBRARIES.items():
        try:
            load(library)
        except OSError:
            missing.append((library, package))
    if not missing:
        return None
    names = ", ".join(library for library, _ in missing)
    packages = " ".join(package for _, package in missing)
    return (
        f"The kiosk's screens cannot start: this computer lacks {names} "
        f"(on Debian or Ubuntu: apt-get install {packages})."
    )


def _core(args: list[str]) -> int:
    # Imported only for the core's commands: `kiosk run` shows its home screen
    # without loading the procedures' machinery first (start-up time).
    from kiosk import cli as core_cli

    return core_cli.main(args)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--self-check" in args:  # the bundle's smoke test (build.spec, .ci/run)
        from ui import doctor

        return doctor.self_check()
    command = _first_command(args)
    if command is not None and command not in UI_COMMANDS:
        return _core(args)
    if any(a in ("-h", "--help", "--version") for a in args) and command is None:
        if "--version" not in args:
            print(
                "The screens: kiosk (or kiosk run [--kiosk-mode]) starts the kiosk; "
                "kiosk demo starts it with a back-office on this computer.\n"
            )
        return _core(args)
    parser = argparse.ArgumentParser(prog="kiosk", description="Start the kiosk.")
    parser.add_argument("--data-dir", metavar="DIR")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command")
    run = sub.add_parser("run", help="start the kiosk (the default)")
    run.add_argument("--kiosk-mode", action="store_true", help="full screen; leaving needs the PIN")
    sub.add_parser("demo", help="the kiosk and a back-office on this computer, with throwaway data")
    doc = sub.add_parser("doctor", help="a checklist of what the kiosk needs, one line per check")
    doc.add_argument("--data-dir", metavar="DIR", default=argparse.SUPPRESS)
    ns = parser.parse_args(args)
    from kiosk import logs
    from kiosk.datadir import resolve_data_dir

    logs.console(ns.verbose, quiet_level=logging.INFO)
    data_dir = resolve_data_dir(ns.data_dir)
    if ns.command != "demo":
        logs.setup(data_dir, level=logging.DEBUG if ns.verbose else logging.INFO)
    if ns.command == "doctor":
        from ui import doctor

        if no_screen_problem(os.environ, sys.platform) is not None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the checks need no screen
        return doctor.main(data_dir)
    if (problem := no_screen_problem(os.environ, sys.platform)) is not None:
        print(problem, file=sys.stderr)
        return 1
    if (problem := missing_library_problem(os.environ, sys.platform)) is not None:
        print(problem, file=sys.stderr)
        return 1
    try:
        from ui.app import run as run_app

        if ns.command == "demo":  # the demo's receiver is not imported for `kiosk run`
            from ui.demo import run_demo
    except ImportError as e:
        print(f"The kiosk's screens cannot start: {e}.", file=sys.stderr)
        return 1
    if ns.command == "demo":
        return run_demo()
    return run_app(data_dir, kiosk_mode=getattr(ns, "kiosk_mode", False))
