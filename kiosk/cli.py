"""The ``kiosk`` command.

Every command prints clear sentences and exits with a documented code; an
unexpected error is logged with its traceback and shown as one line.

Each command imports what it needs inside its own function: this module is
the command line's start-up seam (``kiosk procedures list`` must not open
the outbox's cryptography nor the syncer's HTTP stack, and a broken key
store must not stop ``kiosk config get``).
"""

from __future__ import annotations

import argparse
import json
import logging
import operator
import os
import signal
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from kiosk import __version__
from kiosk.answers_file import AnswersFileError, play, read_answers_file
from kiosk.i18n import LOCALES, pick
from kiosk.kinds import CATEGORIES
from kiosk.procedure import (
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
    p.add_argument(
        "--data-dir", metavar="DIR",
        help="the kiosk's data folder (default: KIOSK_DATA_DIR, else the user data folder)",
    )  # fmt: skip
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
    _queue_parsers(sub)
    _mediator_parsers(sub)
    return p


def _use_procedures_setting(args: argparse.Namespace) -> None:
    """Lay the procedures_dir setting over the shipped procedures, as the screens do."""
    from kiosk.config import SettingsError, load_settings, resolve_data_dir
    from kiosk.resources import use_procedures_dir

    try:
        settings = load_settings(resolve_data_dir(args.data_dir))
    except SettingsError as e:
        # The procedure commands work without the kiosk's settings; say why they are ignored.
        print(f"note: settings ignored: {e}", file=sys.stderr)
        return
    use_procedures_dir(settings.procedures_dir)


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
                "folder": str(p.path.parent) if p.path else None,
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
    folders: dict[str, list[str]] = {}
    for p in procedures:
        folders.setdefault(str(p.path.parent) if p.path else "?", []).append(p.id)
    for folder, ids in folders.items():
        print(f"From {folder}: {', '.join(ids)}")
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


# -- queue, sync, device token, settings ---------------------------------------------------
# The heavy modules (outbox, syncer, requests, cryptography) load only for these commands.

EXIT_QUEUED = 3
EXIT_AUTH = 4
EXIT_NEEDS_PERSON = 5
#: A damaged queue file was set aside and not recovered: its requests wait for a mediator.
EXIT_SET_ASIDE = 6


class QueueCommandError(Exception):
    """A clear sentence for the operator, and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_INVALID) -> None:
        super().__init__(message)
        self.code = code


def _queue_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    queue = sub.add_parser("queue", help="the requests waiting to be sent (the outbox)")
    qsub = queue.add_subparsers(dest="action", metavar="ACTION", required=True)

    add = qsub.add_parser("add", help="queue a request from an answers file")
    add.add_argument("--procedure", required=True, metavar="ID")
    add.add_argument("--answers", required=True, type=Path, metavar="FILE")
    add.add_argument(
        "--attach", action="append", default=[], metavar="FIELD=PATH", help="an attachment"
    )
    add.add_argument("--mode", choices=("self_service", "assisted"), default="self_service")
    add.add_argument("--mediator", metavar="ID", help="the mediator's id (assisted mode)")
    add.add_argument("--locale", choices=LOCALES, default="fr")
    add.add_argument("--json", action="store_true", help="machine-readable output")

    ls = qsub.add_parser("list", help="the queued, sent and refused requests, newest first")
    ls.add_argument("--state", choices=("queued", "sending", "sent", "rejected", "conflict"))
    ls.add_argument(
        "--limit", type=_count, default=LIST_LIMIT, metavar="N",
        help=f"show at most N requests (default {LIST_LIMIT}; 0: all of them)",
    )  # fmt: skip
    ls.add_argument("--after", metavar="ID", help="continue after this request (the last shown)")
    ls.add_argument("--json", action="store_true", help="machine-readable output")

    show = qsub.add_parser("show", help="one request: state, attempts, references")
    show.add_argument("item", metavar="ID", help="the request's id or local reference")
    show.add_argument("--json", action="store_true", help="machine-readable output")

    retry = qsub.add_parser("retry", help="send a request again now (also a refused one)")
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("item", nargs="?", metavar="ID", help="the request's id or local reference")
    which.add_argument(
        "--all", action="store_true", help="every waiting or refused request; lifts a pause"
    )

    recover = qsub.add_parser(
        "recover", help="queue again the requests a damaged, set-aside queue file still holds"
    )
    recover.add_argument(
        "file", type=Path, metavar="FILE", help="the outbox.sqlite3.damaged-… file"
    )

    sync = sub.add_parser("sync", help="send the queued requests to the back-office")
    how = sync.add_mutually_exclusive_group()
    how.add_argument("--once", action="store_true", help="one round, then exit")
    how.add_argument(
        "--until-idle", action="store_true", help="until nothing is left to send, then exit"
    )
    sync.add_argument(
        "--timeout", type=float, metavar="S", help="with --until-idle: give up after S seconds"
    )
    sync.add_argument("--json", action="store_true", help="print the report as JSON")

    token = sub.add_parser("device-token", help="the token this kiosk shows the back-office")
    tsub = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    tsub.add_parser("set", help="store the token read from standard input in the keyring")

    config = sub.add_parser("config", help="read or change a setting")
    csub = config.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = csub.add_parser("get", help="a setting's value (all settings without KEY)")
    get.add_argument("key", nargs="?", metavar="KEY")
    set_ = csub.add_parser("set", help="change a setting (an empty VALUE restores the default)")
    set_.add_argument("key", metavar="KEY")
    set_.add_argument("value", metavar="VALUE")


#: Requests `kiosk queue list` shows unless told otherwise: a screenful.
LIST_LIMIT = 50


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of requests (0 or more)")
    return value


def _run_queue_command(args: argparse.Namespace) -> int:
    from kiosk.config import SettingsError, resolve_data_dir
    from kiosk.keystore import KeyStoreError
    from kiosk.outbox import OutboxError

    data_dir = resolve_data_dir(args.data_dir)
    from kiosk import logs

    logs.setup(data_dir, level=logging.DEBUG if args.verbose else logging.INFO)
    commands = {
        ("queue", "add"): _queue_add,
        ("queue", "list"): _queue_list,
        ("queue", "show"): _queue_show,
        ("queue", "retry"): _queue_retry,
        ("queue", "recover"): _queue_recover,
        ("sync", None): _sync,
        ("device-token", "set"): _device_token_set,
        ("config", "get"): _config_get,
        ("config", "set"): _config_set,
    }
    which = (args.command, getattr(args, "action", None))
    command = commands[which]
    # Where a mediator looks at the queue, a damaged file set aside is told (and exit 6).
    tells = which in (("queue", "list"), ("queue", "show"), ("sync", None))
    try:
        code = command(args, data_dir)
        return _told_set_aside(data_dir, code) if tells else code
    except QueueCommandError:
        if tells:
            _told_set_aside(data_dir, EXIT_OK)
        raise
    except (SettingsError, KeyStoreError, OutboxError) as e:
        # Each of these says what is wrong and what to do, without a secret.
        log.debug("%s", type(e).__name__, exc_info=True)
        raise QueueCommandError(str(e)) from e


def _open_outbox(data_dir: Path) -> Any:
    from kiosk.config import load_settings
    from kiosk.outbox import Outbox

    return Outbox.open(data_dir, load_settings(data_dir))


def _told_set_aside(data_dir: Path, code: int) -> int:
    """One line on stderr per damaged queue file not recovered; then exit 6, else ``code``."""
    from kiosk.outbox.setaside import notice_line, set_aside_files

    found = set_aside_files(data_dir)
    for one in found:
        print(notice_line(one), file=sys.stderr)
    # A refused token (4) still comes first, as in SyncReport.exit_code.
    return EXIT_SET_ASIDE if found and code in (EXIT_OK, EXIT_QUEUED, EXIT_NEEDS_PERSON) else code


def _queue_recover(args: argparse.Namespace, data_dir: Path) -> int:
    from kiosk.outbox.setaside import DAMAGED_INFIX, recover

    path = args.file if args.file.is_absolute() else Path.cwd() / args.file
    if not path.name.startswith(f"outbox.sqlite3{DAMAGED_INFIX}") or not path.is_file():
        raise QueueCommandError(
            f"'{args.file}' is not a damaged queue file set aside by the kiosk "
            "(outbox.sqlite3.damaged-…); the command that found it printed its name."
        )
    with _open_outbox(data_dir) as outbox:
        done = recover(path, outbox)
    print(f"{done.recovered} recovered, {done.unreadable} unreadable.")
    if done.already_queued or done.delivered:
        print(
            f"{done.already_queued} already in the queue, {done.delivered} already delivered "
            "(nothing to do for them)."
        )
    print(f"The file is kept as {done.moved_to}.")
    return _told_set_aside(data_dir, EXIT_OK)


def _when(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp).astimezone().isoformat(timespec="seconds")


def _find_item(outbox: Any, wanted: str) -> Any:
    from kiosk.submission import normalise_reference

    try:
        return outbox.get(wanted.strip().lower())
    except KeyError:
        pass
    reference = normalise_reference(wanted)
    if reference is not None:
        item = outbox.find_by_reference(reference)  # indexed: no scan, nothing decrypted
        if item is not None:
            return item
    raise QueueCommandError(f"No request '{wanted}' in the queue; see them with: kiosk queue list")


def _item_json(item: Any, attachments: int | None = None) -> dict[str, Any]:
    """An item (``OutboxItem``) or a list's line (``ItemSummary``) as JSON."""
    return {
        "id": item.id,
        "procedure": item.procedure_id,
        "procedure_version": item.procedure_version,
        "mode": item.mode,
        "state": item.state,
        "local_reference": item.local_reference,
        "server_reference": item.server_reference,
        "attempts": item.attempts,
        "created_at": item.created_at,
        "enqueued_at": _when(item.enqueued_at),
        "next_attempt_at": _when(item.next_attempt_at) if item.state == "queued" else None,
        "sent_at": _when(item.sent_at),
        "needs_person": bool(item.needs_person),
        "last_status": item.last_status,
        "last_error": item.last_error,
        "attachments": len(item.attachments) if attachments is None else attachments,
    }


def _queue_add(args: argparse.Namespace, data_dir: Path) -> int:
    from kiosk.config import load_settings
    from kiosk.session import KioskIdentity, SessionError
    from kiosk.submission import Submission

    if args.mode == "assisted" and not args.mediator:
        raise QueueCommandError("An assisted request needs the mediator's id: --mediator ID")
    if args.mode != "assisted" and args.mediator:
        raise QueueCommandError("Only an assisted request has a mediator: add --mode assisted")
    try:
        procedure = find_procedure(args.procedure)
    except ProcedureNotFound:
        raise QueueCommandError(
            f"No procedure with the id '{args.procedure}'; see the list with: kiosk procedures list"
        ) from None
    except ProcedureError as e:
        raise QueueCommandError(str(e)) from None
    try:
        answers = read_answers_file(args.answers, _parse_attach(args.attach))
    except AnswersFileError as e:
        raise QueueCommandError(str(e)) from None
    settings = load_settings(data_dir)
    try:
        session = Session(
            procedure,
            locale=args.locale,
            mode=args.mode,
            mediator_id=args.mediator,
            kiosk=KioskIdentity(kiosk_id=settings.kiosk_id),
        )
    except SessionError as e:
        raise QueueCommandError(f"{e}.") from None
    outcome = play(session, answers)
    for field_id in outcome.ignored:
        print(f"note: '{field_id}' was not asked (its question is hidden)", file=sys.stderr)
    if outcome.unknown:
        for field_id in outcome.unknown:
            print(f"  {field_id}: no such field in '{procedure.id}'", file=sys.stderr)
        raise QueueCommandError("Nothing was queued: the answers name unknown fields.")
    if outcome.stopped:
        step = session.current_step
        raise QueueCommandError(
            f"Nothing was queued: the procedure stops at step '{step.id}': "
            f"{session.t(step.heading)}"
        )
    if not isinstance(outcome.result, Submission):
        step = session.current_step
        print(f"Step '{step.id}' ({session.t(step.heading)}):", file=sys.stderr)
        for field_id, message in outcome.errors:
            print(f"  {field_id}: {message}", file=sys.stderr)
        raise QueueCommandError("Nothing was queued: some answers are not valid (above).")
    with _open_outbox(data_dir) as outbox:
        item = outbox.enqueue(outcome.result)
    if args.json:
        print(json.dumps(_item_json(item), ensure_ascii=False, indent=2))
    else:
        print(f"Queued {item.local_reference} (id {item.id}).")
    return EXIT_OK


def _queue_list(args: argparse.Namespace, data_dir: Path) -> int:
    """Newest first, streamed page by page from the outbox: flat memory at any size."""
    states = (args.state,) if args.state else None
    limit = args.limit or None
    out = sys.stdout
    with _open_outbox(data_dir) as outbox:
        after = None
        if args.after:
            try:
                after = outbox.get(args.after.strip().lower())
            except KeyError:
                raise QueueCommandError(
                    f"No request '{args.after}' in the queue; see them with: kiosk queue list"
                ) from None
        lines = outbox.iter_summaries(
            states, limit=limit, after=None if after is None else (after.enqueued_at, after.id)
        )
        if args.json:
            out.write("[")
            separator = "\n  "
            for line in lines:
                out.write(separator)
                out.write(json.dumps(_item_json(line, line.attachment_count), ensure_ascii=False))
                separator = ",\n  "
            out.write("]\n" if separator == "\n  " else "\n]\n")
            return EXIT_OK
        paused = outbox.paused()
        if paused:
            print(f"Sending is paused: {paused}.", file=sys.stderr)
        shown = 0
        last = None
        # A million lines at the speed of a bare SELECT-and-print: the shown
        # columns taken in one call per line, written a batch at a time.
        columns = operator.attrgetter(
            "needs_person", "local_reference", "state", "procedure_id", "attempts",
            "created_at", "server_reference", "last_error",
        )  # fmt: skip
        batch: list[str] = []
        for i in lines:
            flag, reference, state, procedure, attempts, created, server_ref, error = columns(i)
            batch.append(
                f"{'!' if flag else ' '} {reference}  {state:<9} {procedure:<32} "
                f"{attempts:>3} tries  {created}  {server_ref or error or ''}".rstrip()
            )
            last = i
            if len(batch) == 1000:
                out.write("\n".join(batch) + "\n")
                shown += len(batch)
                batch.clear()
        if batch:
            out.write("\n".join(batch) + "\n")
            shown += len(batch)
        counts = outbox.counts()
    if not shown:
        print("No request in the queue." if not args.state else f"No request '{args.state}'.")
        return EXIT_OK
    total = counts[args.state] if args.state else counts["total"]
    flagged = counts["needs_person"]
    summary = f"{shown} of {total} request(s)" if shown < total else f"{shown} request(s)"
    if flagged:
        summary += f", {flagged} needing a person (!) in all"
    print(summary + ", newest first.")
    if shown < total and last is not None:
        more = f" --state {args.state}" if args.state else ""
        print(f"Next: kiosk queue list{more} --limit {args.limit} --after {last.id}")
    return EXIT_OK


def _queue_show(args: argparse.Namespace, data_dir: Path) -> int:
    with _open_outbox(data_dir) as outbox:
        item = _find_item(outbox, args.item)
        attempts = outbox.attempts_of(item.id)
    if args.json:
        document = _item_json(item)
        document["rejection"] = item.rejection
        document["attachments"] = [
            {"field": a.field, "filename": a.filename, "media_type": a.media_type,
             "size": a.size, "sha256": a.sha256}
            for a in item.attachments
        ]  # fmt: skip
        document["history"] = [
            {"at": _when(a.at), "outcome": a.outcome, "status": a.status, "error": a.error}
            for a in attempts
        ]
        print(json.dumps(document, ensure_ascii=False, indent=2))
        return EXIT_OK
    lines = [
        ("Request", f"{item.local_reference} (id {item.id})"),
        ("Procedure", f"{item.procedure_id} {item.procedure_version} ({item.mode})"),
        ("State", item.state + (", needs a person" if item.needs_person else "")),
        ("Created", item.created_at),
        ("Queued", _when(item.enqueued_at)),
        ("Attempts", str(item.attempts)),
    ]
    if item.state == "queued" and item.attempts:
        lines.append(("Next attempt", _when(item.next_attempt_at)))
    if item.server_reference:
        lines.append(("Back-office reference", item.server_reference))
        lines.append(("Sent", _when(item.sent_at)))
    if item.last_error:
        lines.append(("Last error", item.last_error))
    for label, value in lines:
        print(f"{label + ':':<23}{value}")
    for a in item.attachments:
        print(f"Attachment:            {a.field}: {a.filename} ({a.media_type}, {a.size} bytes)")
    for detail in item.rejection or []:
        print(f"Refused:               {detail.get('field', '')}: {detail.get('message', '')}")
    for a in attempts:
        status = f" HTTP {a.status}" if a.status else ""
        error = f" {a.error}" if a.error else ""
        print(f"  {_when(a.at)}  {a.outcome}{status}{error}")
    return EXIT_OK


def _queue_retry(args: argparse.Namespace, data_dir: Path) -> int:
    from kiosk.syncer import AUTH_PAUSE_PREFIX

    with _open_outbox(data_dir) as outbox:
        if args.all:
            count = outbox.retry_all()
            paused = outbox.paused()
            if paused:
                outbox.set_paused(None)
                print(f"Sending was paused ({paused}); it is resumed.")
                if paused.startswith(AUTH_PAUSE_PREFIX):
                    print("If the token is still refused, set a new one: kiosk device-token set")
            print(f"{count} request(s) will be sent at the next sync.")
            return EXIT_OK
        item = _find_item(outbox, args.item)
        if item.state == "sent":
            raise QueueCommandError(
                f"Request {item.local_reference} was already delivered "
                f"(back-office reference {item.server_reference}); there is nothing to retry."
            )
        outbox.retry(item.id)
    print(f"Request {item.local_reference} will be sent at the next sync.")
    return EXIT_OK


def _sync_summary(report: Any) -> str:
    parts = [f"{report.sent} sent"]
    if report.transient:
        parts.append(f"{report.transient} failed for now (retried later)")
    if report.rejected:
        parts.append(f"{report.rejected} rejected")
    if report.conflict:
        parts.append(f"{report.conflict} in conflict")
    left = f"{report.queued_left} still queued"
    if report.needs_person:
        left += f", {report.needs_person} need a person (kiosk queue list)"
    return f"{', '.join(parts)}; {left}."


def _sync(args: argparse.Namespace, data_dir: Path) -> int:
    from kiosk.config import load_settings
    from kiosk.keystore import get_device_token
    from kiosk.outbox import Outbox
    from kiosk.syncer import SyncConfigError, Syncer, SyncReport, check_server_url

    if args.timeout is not None and not args.until_idle:
        raise QueueCommandError("--timeout goes with --until-idle.", EXIT_USAGE)
    if args.timeout is not None and args.timeout < 0:
        raise QueueCommandError("--timeout takes a number of seconds, zero or more.", EXIT_USAGE)
    settings = load_settings(data_dir)
    try:
        check_server_url(settings.server_url)
    except SyncConfigError as e:
        raise QueueCommandError(str(e)) from None
    token = get_device_token(settings)
    if not token:
        raise QueueCommandError(
            "No device token is set: kiosk device-token set (the back-office administrator "
            "gives it), or set KIOSK_DEVICE_TOKEN.",
            EXIT_AUTH,
        )
    total = SyncReport()
    with Outbox.open(data_dir, settings) as outbox, Syncer(outbox, settings, token) as syncer:
        # A signal ends the round after the request in flight, so that request is
        # recorded; a second Ctrl-C stops at once (it is re-sent next time: a replay).
        stopped_by: list[int] = []

        def on_signal(signum: int, frame: Any) -> None:
            if stopped_by and signum == signal.SIGINT:
                raise KeyboardInterrupt
            stopped_by.append(signum)
            if signum == signal.SIGINT:
                print(
                    "Stopping after the request in flight (Ctrl-C again: at once).", file=sys.stderr
                )
            syncer.stop()

        previous = _set_signal_handlers(on_signal)
        try:
            if args.once:
                total = syncer.run_once()
            elif args.until_idle:
                total = syncer.run_until_idle(args.timeout)
            else:
                total = _sync_forever(syncer)
        except KeyboardInterrupt:
            print("Stopped.", file=sys.stderr)
            return 130
        finally:
            _set_signal_handlers(previous)
    if stopped_by:
        print(f"Stopped. {_sync_summary(total)}", file=sys.stderr)
        # Ctrl-C is an interruption; SIGTERM is how a service manager ends a service.
        return 130 if signal.SIGINT in stopped_by else EXIT_OK
    if args.json:
        print(json.dumps(total.as_dict(), indent=2))
    code: int = total.exit_code()
    if code == EXIT_AUTH:
        print(
            f"Sending is paused: {total.paused or 'the device token was refused'}. "
            "Set a new token: kiosk device-token set",
            file=sys.stderr,
        )
    elif total.connected is False:
        print(
            "The back-office cannot be reached (no network, a Wi-Fi login page, or a wrong "
            "address); the requests stay queued.",
            file=sys.stderr,
        )
    print(_sync_summary(total), file=sys.stderr)
    return code


def _set_signal_handlers(handler: Any) -> Any:
    """Handle SIGINT and SIGTERM with ``handler`` (or with each of a previous pair)."""
    handlers = handler if isinstance(handler, tuple) else (handler, handler)
    try:
        return (
            signal.signal(signal.SIGINT, handlers[0]),
            signal.signal(signal.SIGTERM, handlers[1]),
        )
    except ValueError:  # not the main thread: leave signals alone
        return (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))


def _sync_forever(syncer: Any) -> Any:
    """Rounds until stopped; between rounds, wait for the next item due (or poll for new ones)."""
    from kiosk.syncer import SyncReport

    total = SyncReport()
    idle_poll_s = 10.0
    while not syncer.stopping:
        report = syncer.run_once()
        total.add(report)
        if report.sent or report.transient or report.rejected or report.conflict:
            print(f"{_when(time.time())} {_sync_summary(report)}", file=sys.stderr)
        if report.auth_failed:
            break
        wait = syncer.seconds_to_wait()
        syncer.wait(idle_poll_s if wait is None else min(wait, idle_poll_s))
    return total


def _device_token_set(args: argparse.Namespace, data_dir: Path) -> int:
    import getpass

    from kiosk.config import DEVICE_TOKEN_ENV
    from kiosk.keystore import set_device_token
    from kiosk.outbox import DB_NAME
    from kiosk.syncer import AUTH_PAUSE_PREFIX

    if sys.stdin is not None and sys.stdin.isatty():
        token = getpass.getpass("Device token (not shown): ")
    else:
        token = sys.stdin.readline() if sys.stdin is not None else ""
    token = token.strip()
    if not token:
        raise QueueCommandError("No token was given on standard input; nothing was changed.")
    from kiosk.config import load_settings

    set_device_token(token, load_settings(data_dir))
    print("The device token is stored in the system keyring.")
    if os.environ.get(DEVICE_TOKEN_ENV, "").strip():
        print(f"Note: {DEVICE_TOKEN_ENV} is set and wins over the keyring.", file=sys.stderr)
    if (data_dir / DB_NAME).exists():
        with _open_outbox(data_dir) as outbox:
            paused = outbox.paused()
            if paused and paused.startswith(AUTH_PAUSE_PREFIX):
                outbox.set_paused(None)
                print("Sending was paused after a refused token; it is resumed.")
    return EXIT_OK


def _config_get(args: argparse.Namespace, data_dir: Path) -> int:
    from kiosk.config import SETTINGS_KEYS, get_setting

    if args.key:
        print(get_setting(data_dir, args.key))
        return EXIT_OK
    for key in SETTINGS_KEYS:
        print(f"{key} = {get_setting(data_dir, key)}")
    return EXIT_OK


def _config_set(args: argparse.Namespace, data_dir: Path) -> int:
    from kiosk.config import SETTINGS_KEYS, get_setting, set_setting

    set_setting(data_dir, args.key, args.value)
    value = get_setting(data_dir, args.key)
    env = SETTINGS_KEYS[args.key].env
    print(f"{args.key} = {value}")
    if os.environ.get(env) is not None:
        print(f"Note: {env} is set and wins over the settings file.", file=sys.stderr)
    return EXIT_OK


# -- mediator ------------------------------------------------------------------------------


def _mediator_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mediator = sub.add_parser("mediator", help="the mediator's PIN (leaving kiosk mode)")
    msub = mediator.add_subparsers(dest="action", metavar="ACTION", required=True)
    msub.add_parser(
        "set-pin",
        help="set the PIN that leaves kiosk mode (6 to 8 digits; asked twice, never shown)",
        description="Asks for the PIN twice on a terminal (never shown). "
        "Without a terminal, reads it from the first line of standard input "
        "(a second line, if any, must repeat it).",
    )


def _mediator_command(args: argparse.Namespace) -> int:
    import getpass

    from kiosk.config import resolve_data_dir
    from kiosk.pin import LOCK_SECONDS, MAX_TRIES, PinError, set_pin, validate_new_pin

    data_dir = resolve_data_dir(args.data_dir)
    if sys.stdin is not None and sys.stdin.isatty():
        first = getpass.getpass("New mediator PIN, 6 to 8 digits (not shown): ")
        try:
            validate_new_pin(first)
        except PinError as e:
            raise QueueCommandError(f"{e} Nothing was changed.") from None
        again: str | None = getpass.getpass("The same PIN again: ")
    else:
        lines = sys.stdin.read().splitlines() if sys.stdin is not None else []
        first = lines[0] if lines else ""
        again = lines[1] if len(lines) > 1 and lines[1].strip() else None
    if not first.strip():
        raise QueueCommandError("No PIN was given; nothing was changed.")
    if again is not None and again.strip() != first.strip():
        raise QueueCommandError("The two PINs differ; nothing was changed.")
    try:
        set_pin(data_dir, first)
    except PinError as e:
        raise QueueCommandError(f"{e} Nothing was changed.") from None
    print(
        f"The mediator PIN is set (stored as a salted hash in {data_dir}). "
        f"{MAX_TRIES} wrong tries lock it for {round(LOCK_SECONDS / 60)} minutes, "
        "each further lock twice as long, up to an hour."
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from kiosk import logs

    logs.console(args.verbose)
    try:
        if args.command is None:
            # Until the screens land, starting the kiosk shows what it offers.
            return _procedures_list(as_json=False)
        if args.command == "mediator":
            return _mediator_command(args)
        if args.command != "procedures":
            return _run_queue_command(args)
        _use_procedures_setting(args)
        if args.action == "list":
            return _procedures_list(args.json)
        if args.action == "check":
            return _procedures_check(args.paths)
        if args.action == "try":
            return _procedures_try(args)
    except KeyboardInterrupt:
        return 130
    except QueueCommandError as e:
        print(e, file=sys.stderr)
        return e.code
    except Exception as e:
        # The traceback only with --verbose: a person must never be shown one.
        if args.verbose:
            log.exception("unexpected error")
        print(
            f"Something went wrong inside the kiosk ({type(e).__name__}). "
            "Run again with --verbose to see the details.",
            file=sys.stderr,
        )
        return 70
    return EXIT_USAGE
