"""The ``kiosk`` command.

Every command prints clear sentences and exits with a documented code; an
unexpected error is logged with its traceback and shown as one line.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from kiosk import __version__
from kiosk.answers_file import AnswersFileError, play, read_answers_file
from kiosk.i18n import LOCALES, pick
from kiosk.procedure import (
    CATEGORIES,
    ProcedureError,
    ProcedureNotFound,
    find_procedure,
    load_all,
    procedure_files,
)
from kiosk.session import Mode, Session

log = logging.getLogger("kiosk")

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kiosk",
        description="Guided kiosk for French administrative procedures.",
    )
    p.add_argument("--version", action="version", version=f"kiosk {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log details to standard error")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    procs = sub.add_parser("procedures", help="list, check and try procedure files")
    psub = procs.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = psub.add_parser("list", help="the shipped procedures")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

    check = psub.add_parser("check", help="check procedure files (default: the shipped ones)")
    check.add_argument("paths", nargs="*", type=Path, metavar="PATH")

    try_ = psub.add_parser("try", help="run a procedure headless with an answers file")
    try_.add_argument("procedure_id", metavar="ID")
    try_.add_argument("--answers", required=True, type=Path, metavar="FILE")
    try_.add_argument(
        "--attach", action="append", default=[], metavar="FIELD=PATH", help="an attachment"
    )
    try_.add_argument("--locale", choices=LOCALES, default="fr")
    try_.add_argument(
        "--procedures", type=Path, action="append", metavar="PATH",
        help="where to find the procedure (default: the shipped ones)",
    )  # fmt: skip
    return p


def _procedures_list(as_json: bool) -> int:
    procedures, problems = load_all()
    for problem in problems:
        print(problem, file=sys.stderr)
    if as_json:
        items = [
            {
                "id": p.id,
                "version": p.version,
                "category": p.category,
                "title": {loc: pick(p.title, loc) for loc in p.locales},
                "summary": {loc: pick(p.summary, loc) for loc in p.locales},
                "duration_minutes": p.duration_minutes,
            }
            for p in procedures
        ]
        print(json.dumps(items, ensure_ascii=False, indent=2))
        return EXIT_OK
    by_category: dict[str, list[str]] = {}
    for p in procedures:
        line = f"  {p.id:<34} {p.version:<9} {pick(p.title, 'fr')} / {pick(p.title, 'en')}"
        by_category.setdefault(p.category, []).append(line)
    for category, lines in by_category.items():
        print(f"{pick(CATEGORIES[category], 'fr')} / {pick(CATEGORIES[category], 'en')}")
        print("\n".join(lines))
    print(f"{len(procedures)} procedures.")
    return EXIT_OK if not problems else EXIT_INVALID


def _procedures_check(paths: list[Path]) -> int:
    missing = [p for p in paths if not p.exists()]
    for p in missing:
        print(f"{p}:1: no such file or folder", file=sys.stderr)
    files = procedure_files([p for p in paths if p.exists()] if paths else None)
    procedures, problems = load_all(files) if files else ([], [])
    for problem in problems:
        print(problem)
    sys.stdout.flush()
    if not files and not missing:
        print("No procedure file found.", file=sys.stderr)
        return EXIT_INVALID
    print(
        f"{len(procedures)} valid, {len(files) - len(procedures)} with problems.", file=sys.stderr
    )
    return EXIT_INVALID if problems or missing else EXIT_OK


def _parse_attach(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        field_id, sep, path = item.partition("=")
        if not sep or not field_id or not path:
            raise AnswersFileError(f"--attach takes FIELD=PATH, not {item!r}")
        out[field_id] = path
    return out


def _procedures_try(args: argparse.Namespace) -> int:
    try:
        procedure = find_procedure(args.procedure_id, args.procedures)
    except ProcedureNotFound:
        print(f"No procedure with the id '{args.procedure_id}'.", file=sys.stderr)
        print("See the list with: kiosk procedures list", file=sys.stderr)
        return EXIT_INVALID
    except ProcedureError as e:
        print(e, file=sys.stderr)
        return EXIT_INVALID
    try:
        answers = read_answers_file(args.answers, _parse_attach(args.attach))
    except AnswersFileError as e:
        print(e, file=sys.stderr)
        return EXIT_INVALID
    session = Session(procedure, locale=args.locale, mode=Mode.SELF_SERVICE)
    outcome = play(session, answers)
    for field_id in outcome.ignored:
        print(f"note: '{field_id}' was not asked (its question is hidden)", file=sys.stderr)
    if outcome.unknown:
        for field_id in outcome.unknown:
            print(f"  {field_id}: no such field in '{procedure.id}'", file=sys.stderr)
        return EXIT_INVALID
    if outcome.stopped:
        step = session.current_step
        print(
            f"The procedure stops at step '{step.id}': {session.t(step.heading)}", file=sys.stderr
        )
        return EXIT_INVALID
    if outcome.result is None:
        step = session.current_step
        print(f"Step '{step.id}' ({session.t(step.heading)}):", file=sys.stderr)
        for field_id, message in outcome.errors:
            print(f"  {field_id}: {message}", file=sys.stderr)
        return EXIT_INVALID
    body = getattr(outcome.result, "body", b"")
    sys.stdout.buffer.write(body + b"\n")
    sys.stdout.flush()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.ERROR,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        if args.command is None:
            # Until the screens land, starting the kiosk shows what it offers.
            return _procedures_list(as_json=False)
        if args.action == "list":
            return _procedures_list(args.json)
        if args.action == "check":
            return _procedures_check(args.paths)
        if args.action == "try":
            return _procedures_try(args)
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected error")
        print(
            "Something went wrong inside the kiosk. Details are in the log "
            "(run again with --verbose to see them).",
            file=sys.stderr,
        )
        return 70
    return EXIT_USAGE
