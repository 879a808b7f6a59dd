"""Pictures of every screen: ``python -m ui.screenshots OUTDIR``.

Each shipped procedure is walked from its example answers through the real
window (offscreen, 1280×800), at 100 % and 200 % text: the home screen, the
categories, the procedures, "what to prepare", then every step it reaches,
review and confirmation included. Steps that only another branch reaches
come from the procedure's other example files (``<id>--<branch>.json``).

Files are named ``<procedure>--<NN>-<screen>--<scale>.png``: NN is 00 to 03
for the screens before the questions, then 04 + the step's place in the
procedure file, so a name always means the same screen.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.flow import Sending

if TYPE_CHECKING:
    from kiosk.submission import Submission

log = logging.getLogger(__name__)

# Qt and the screens are imported inside the functions, after ``main`` has
# chosen the offscreen platform (Qt reads it when it first loads).

SIZE = (1280, 800)
SCALES = {100: 1.0, 150: 1.5, 200: 2.0}
FIRST_STEP_NUMBER = 4  # 00 home, 01 categories, 02 procedures, 03 prepare


@dataclass
class Shots:
    written: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def examples_of(procedure_id: str) -> list[Path]:
    """The procedure's main example first, then its branches."""
    from kiosk.resources import resource_path

    folder = resource_path("procedures", "examples")
    main = folder / f"{procedure_id}.json"
    branches = sorted(folder.glob(f"{procedure_id}--*.json"))
    return ([main] if main.is_file() else []) + branches


def settle(window: Any, rounds: int = 4) -> None:
    """Process events until layouts and style changes have landed."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.processEvents()
    layout = window.layout()
    if layout is not None:
        layout.activate()
    QApplication.processEvents()


def fill_step(window: Any, answers: dict[str, Any]) -> None:
    """Give the current step's fields their example answers, through its widgets.

    A field may appear once another is answered (a follow-up question on the
    same screen), so the screen is rendered again until nothing new shows.
    """
    for _ in range(4):
        widgets = dict(window.step.widgets)
        missing = [
            fid for fid in widgets if fid in answers and window.flow.session.raw(fid) is None
        ]
        if not missing:
            break
        for fid in missing:
            widgets[fid].set_raw(answers[fid])
            window.on_answered(fid, answers[fid])
        window.refresh()
    # Rendering again replaced the widgets: the focus goes back where a person starts.
    window.step.focus_first()


def _answers(path: Path) -> dict[str, Any]:
    from kiosk.answers_file import read_answers_file

    data = read_answers_file(path)
    return {**data.answers, **{k: str(v) for k, v in data.attachments.items()}}


def walk(
    window: Any,
    procedure_id: str,
    answers: dict[str, Any],
    on_screen: Callable[[str, str], None],
    *,
    before_steps: bool = True,
) -> str | None:
    """Drive the window through a procedure; ``on_screen(number, name)`` at each screen.

    Returns None at the confirmation (or a step that ends the procedure), else
    why the walk stopped.
    """
    from kiosk.flow import View

    procedure = window.flow.procedures[procedure_id]
    window.go_home()
    if before_steps:
        on_screen("00", "home")
    window.open_categories(training=False)
    if before_steps:
        on_screen("01", "categories")
    window.open_category(procedure.category)
    if before_steps:
        on_screen("02", "procedures")
    window.open_procedure(procedure_id)
    if before_steps:
        on_screen("03", "prepare")
    window.start_session()
    for _ in range(len(procedure.steps) * 2 + 2):
        session = window.flow.session
        step = session.current_step
        if window.flow.view == View.STEP:
            fill_step(window, answers)
        number = f"{FIRST_STEP_NUMBER + procedure.steps.index(step):02d}"
        on_screen(number, step.id)
        if window.flow.view == View.CONFIRMATION:
            return None
        if step.stop:
            return None  # a branch that ends the procedure here, on purpose
        window.go_next()
        if window.flow.session is session and session.current_step is step and not session.finished:
            errors = ", ".join(f"{k}: {session.error_text(k)}" for k in session.errors)
            return f"step {step.id!r} refused the example answers ({errors})"
    return "the walk never reached the confirmation"


class _KeepNothing:
    """A store for pictures: every request is "saved", none is kept."""

    problem: str | None = None

    def store(self, submission: Submission) -> None:
        log.debug("screenshots: %s not kept", submission.local_reference)


def make_window() -> Any:
    """A window on the shipped procedures that queues nothing (pictures only)."""
    from PySide6.QtWidgets import QApplication

    from kiosk.kinds import KioskIdentity
    from kiosk.procedure import load_all
    from ui.app import ensure_application
    from ui.mainwindow import MainWindow

    ensure_application()
    procedures, problems = load_all()
    for problem in problems:
        log.error("procedure not offered: %s", problem)
    window = MainWindow()
    window.flow.set_procedures(procedures)
    window.flow.set_store(_KeepNothing())
    window.flow.set_kiosk(KioskIdentity("kiosk-mairie"))
    window.resize(*SIZE)
    window.show()
    # Activated now, not in the middle of the first screen: activation gives
    # the focus to the first control in the window, the help button.
    QApplication.processEvents()
    return window


def set_scale(window: Any, percent: int) -> None:
    from ui import theme

    window.flow.text_size = theme.SCALES.index(SCALES[percent])
    window.apply_style()
    window.refresh()


def render_procedure(
    window: Any, procedure_id: str, out_dir: Path, percents: Iterable[int]
) -> Shots:
    shots = Shots()
    out_dir.mkdir(parents=True, exist_ok=True)
    for percent in percents:
        set_scale(window, percent)
        # By number and name: a step may share its name with a screen before
        # the steps (permis-renouvellement has a step "categories").
        done: set[str] = set()

        def shoot(number: str, name: str, percent: int = percent, done: set[str] = done) -> None:
            if f"{number}-{name}" in done:
                return
            done.add(f"{number}-{name}")
            window.show_sending(Sending(connected=True, waiting=0))
            settle(window)
            path = out_dir / f"{procedure_id}--{number}-{name}--{percent}.png"
            if not window.grab().save(str(path)):
                shots.problems.append(f"{path.name}: could not be written")
                return
            shots.written.append(path)

        for i, example in enumerate(examples_of(procedure_id)):
            try:
                why = walk(window, procedure_id, _answers(example), shoot, before_steps=i == 0)
            except Exception as e:  # one broken screen must not hide the others
                log.exception("%s at %s %%", example.name, percent)
                why = f"{type(e).__name__}: {e}"
            if why:
                shots.problems.append(f"{example.name} at {percent} %: {why}")
        window.go_home()
        steps = window.flow.procedures[procedure_id].steps
        missing = [
            s.id for i, s in enumerate(steps) if f"{FIRST_STEP_NUMBER + i:02d}-{s.id}" not in done
        ]
        if missing:
            shots.problems.append(
                f"{procedure_id} at {percent} %: no example reaches {', '.join(missing)}"
            )
    return shots


def render_all(
    out_dir: Path,
    procedure_ids: Sequence[str] | None = None,
    percents: Sequence[int] = (100, 200),
) -> Shots:
    window = make_window()
    try:
        ids = list(procedure_ids) if procedure_ids else list(window.flow.procedures)
        total = Shots()
        for procedure_id in ids:
            if procedure_id not in window.flow.procedures:
                total.problems.append(f"{procedure_id}: no such procedure")
                continue
            shots = render_procedure(window, procedure_id, Path(out_dir), percents)
            total.written += shots.written
            total.problems += shots.problems
        return total
    finally:
        window.close()
        window.deleteLater()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ui.screenshots",
        description="Render every screen of every shipped procedure to PNG files.",
    )
    parser.add_argument("out_dir", metavar="OUTDIR", type=Path)
    parser.add_argument(
        "--procedure", action="append", metavar="ID", help="only this procedure (repeatable)"
    )
    parser.add_argument(
        "--scale",
        action="append",
        type=int,
        choices=sorted(SCALES),
        metavar="PERCENT",
        help="text size: 100, 150 or 200 (repeatable; default: 100 and 200)",
    )
    args = parser.parse_args(argv)
    # Pictures need no screen: render offscreen unless told otherwise.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    shots = render_all(args.out_dir, args.procedure, args.scale or (100, 200))
    print(f"{len(shots.written)} pictures in {args.out_dir}")
    for problem in shots.problems:
        print(f"problem: {problem}", file=sys.stderr)
    return 1 if shots.problems else 0


if __name__ == "__main__":
    sys.exit(main())
