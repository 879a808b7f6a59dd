"""``python -m receiver``: serve, manage device tokens, change a status, export, the fleet.

``--db`` is a SQLite file or a ``postgresql://`` URL, for every command.
Errors are one line on stderr; the details of anything unexpected go to
the log file: ``--log FILE``, else the one next to a SQLite database
(``receiver.db`` → ``receiver.log``, created 0600), else stderr with ``-v``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from kiosk.protocol import SUBMISSION_STATUSES
from receiver.app import DEFAULT_MAX_BODY_BYTES
from receiver.bundles import bundle_version, keygen, sign_bundle
from receiver.engines import open_store
from receiver.fleet import fleet, fleet_lines
from receiver.server import DEFAULT_HOST, DEFAULT_PORT, DEFAULT_THREADS, ReceiverServer
from receiver.store import StoreError, is_postgres_url

log = logging.getLogger("receiver")

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


class _OneLineFormatter(logging.Formatter):
    """For the console: the message, never a traceback (the log file has it)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def log_path(db: str | Path, explicit: Path | None = None) -> Path | None:
    """Where the log goes: ``--log``, else beside a SQLite file, else nowhere."""
    if explicit is not None:
        return explicit
    return None if is_postgres_url(db) else Path(db).with_suffix(".log")


class _PrivateFileHandler(logging.FileHandler):
    """A log file created 0600: it names kiosks, submissions and client addresses."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def _setup_logging(log_file: Path | None, console_level: int | None) -> list[logging.Handler]:
    """Log to ``log_file`` (if any), and to stderr at ``console_level``."""
    logging.raiseExceptions = False  # a log file we cannot write must not break a command
    handlers: list[logging.Handler] = []
    if log_file is not None:
        file_handler = _PrivateFileHandler(log_file, encoding="utf-8", delay=True)
        file_handler.setLevel(logging.INFO)
        file_handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
        )
        handlers.append(file_handler)
    if console_level is not None:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(_OneLineFormatter("%(asctime)s %(levelname)s %(message)s"))
        handlers.append(console)
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in handlers:
        root.addHandler(handler)
    return handlers


def _teardown_logging(handlers: list[logging.Handler], root_level: int) -> None:
    root = logging.getLogger()
    for handler in handlers:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(root_level)


def _db(text: str) -> str | Path:
    return text if is_postgres_url(text) else Path(text).expanduser()


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be above zero: {text!r}")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (0-65535): {text!r}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m receiver",
        description="The kiosk's reference back-office receiver (sync protocol v1).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def with_db(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument(
            "--db",
            required=True,
            type=_db,
            metavar="PATH|URL",
            help="SQLite file, or postgresql://user@host:port/dbname",
        )
        sub.add_argument(
            "--log",
            type=Path,
            metavar="FILE",
            help="log file (default: beside a SQLite file; none for PostgreSQL)",
        )
        sub.add_argument("-v", "--verbose", action="store_true", help="log details on stderr")
        return sub

    serve = with_db(commands.add_parser("serve", help="serve the protocol over HTTP"))
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}; 0: any free"
    )
    serve.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=DEFAULT_MAX_BODY_BYTES,
        metavar="N",
        help=f"largest submission or attachment accepted (default {DEFAULT_MAX_BODY_BYTES})",
    )
    serve.add_argument(
        "--threads", type=_positive_int, default=DEFAULT_THREADS, help=argparse.SUPPRESS
    )

    token = commands.add_parser("token", help="device tokens")
    actions = token.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = with_db(
        actions.add_parser("create", help="a new token for a kiosk (revokes its previous one)")
    )
    create.add_argument("kiosk_id", metavar="KIOSK_ID")
    revoke = with_db(actions.add_parser("revoke", help="revoke a kiosk's token"))
    revoke.add_argument("kiosk_id", metavar="KIOSK_ID")
    with_db(actions.add_parser("list", help="kiosks and their tokens' dates (never tokens)"))

    status = with_db(commands.add_parser("status", help="change a submission's status"))
    status.add_argument("submission_id", metavar="ID")
    status.add_argument("status", metavar="STATUS", choices=SUBMISSION_STATUSES)

    export = with_db(
        commands.add_parser("export", help="received submissions as JSON Lines on stdout")
    )
    export.add_argument(
        "--since",
        metavar="ISO",
        help="only those received at or after this date or date-time (no offset: local time)",
    )
    procedures = commands.add_parser("procedures", help="signed procedure bundles")
    steps = procedures.add_subparsers(dest="action", metavar="ACTION", required=True)
    keygen = steps.add_parser("keygen", help="a new signing key (keep it offline)")
    keygen.add_argument("--out", required=True, type=Path, metavar="KEYFILE")
    sign = steps.add_parser("sign", help="sign a folder of procedure files as a bundle")
    sign.add_argument("folder", type=Path, metavar="FOLDER")
    sign.add_argument("--key", required=True, type=Path, metavar="KEYFILE")
    sign.add_argument("--version", required=True, metavar="VERSION", help="e.g. 2026.12.1")
    sign.add_argument("--out", required=True, type=Path, metavar="BUNDLE")
    publish = with_db(steps.add_parser("publish", help="offer a signed bundle to the kiosks"))
    publish.add_argument("bundle", type=Path, metavar="BUNDLE")

    fleet = with_db(commands.add_parser("fleet", help="every kiosk and what needs attention"))
    fleet.add_argument("--json", action="store_true", help="a JSON list, for machines")
    return parser


def _keygen(args: argparse.Namespace) -> int:
    if args.out.exists():
        print(f"error: {args.out} exists; a signing key is never overwritten", file=sys.stderr)
        return EXIT_ERROR
    private, public = keygen()
    fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(private)
    print(public)
    print(
        f"Signing key written to {args.out} (keep it offline). Give the kiosks the public key"
        " above: kiosk config set procedure_public_key KEY",
        file=sys.stderr,
    )
    return EXIT_OK


def _sign(args: argparse.Namespace) -> int:
    try:
        pem = args.key.read_bytes()
    except OSError as e:
        print(f"error: cannot read the key {args.key}: {e.strerror}", file=sys.stderr)
        return EXIT_ERROR
    data = sign_bundle(args.folder, args.version, pem)
    args.out.write_bytes(data)
    print(f"Bundle {args.version} signed: {args.out} ({len(data)} bytes).", file=sys.stderr)
    return EXIT_OK


def _publish(args: argparse.Namespace) -> int:
    try:
        data = args.bundle.read_bytes()
    except OSError as e:
        print(f"error: cannot read {args.bundle}: {e.strerror}", file=sys.stderr)
        return EXIT_ERROR
    version = bundle_version(data)
    with open_store(args.db, create=False) as store:
        new = store.publish_bundle(version, data)
    log.info("procedure bundle %s published", version)
    print(f"Bundle {version} {'published' if new else 'was already published'}.")
    return EXIT_OK


def _fleet(args: argparse.Namespace) -> int:
    with open_store(args.db, create=False) as store:
        entries = fleet(store)
    if args.json:
        print(json.dumps(entries, ensure_ascii=False, indent=2))
    elif not entries:
        print("No kiosk yet: give one a token with `token create`.")
    else:
        print("\n".join(fleet_lines(entries)))
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    try:
        server = ReceiverServer(
            args.db,
            args.host,
            args.port,
            max_body_bytes=args.max_body_bytes,
            threads=args.threads,
        )
    except (OSError, ValueError) as e:  # waitress: ValueError for an unusable host
        reason = getattr(e, "strerror", None) or e
        print(f"error: cannot listen on {args.host}:{args.port}: {reason}", file=sys.stderr)
        return EXIT_ERROR

    def on_term(signum: int, frame: FrameType | None) -> None:
        server.request_stop()

    signal.signal(signal.SIGTERM, on_term)
    where = server.store.description  # never a URL's password
    log.info("listening on %s, database %s", server.url, where)
    print(f"Receiver listening on {server.url} (database {where}; Ctrl+C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is the way to stop it
        server.serve_forever()
    log.info("stopped")
    print("Receiver stopped.", file=sys.stderr, flush=True)
    return EXIT_OK


def _token_create(args: argparse.Namespace) -> int:
    with open_store(args.db) as store:
        token = store.create_token(args.kiosk_id)
    log.info("token created for kiosk %s", args.kiosk_id)
    print(token, flush=True)
    print(
        f"Token for kiosk {args.kiosk_id} created. It is shown only this once: "
        "put it in the kiosk's settings now. Any previous token of this kiosk is revoked.",
        file=sys.stderr,
    )
    return EXIT_OK


def _token_revoke(args: argparse.Namespace) -> int:
    with open_store(args.db, create=False) as store:
        count = store.revoke_tokens(args.kiosk_id)
    if count == 0:
        print(f"error: kiosk {args.kiosk_id} has no valid token", file=sys.stderr)
        return EXIT_ERROR
    log.info("token of kiosk %s revoked", args.kiosk_id)
    print(f"Revoked the token of kiosk {args.kiosk_id}.")
    return EXIT_OK


def _token_list(args: argparse.Namespace) -> int:
    with open_store(args.db, create=False) as store:
        devices = store.devices()
    for device in devices:
        state = f"revoked {device.revoked_at}" if device.revoked else "valid"
        print(f"{device.kiosk_id}\tcreated {device.created_at}\t{state}")
    return EXIT_OK


def _status(args: argparse.Namespace) -> int:
    with open_store(args.db, create=False) as store:
        record = store.set_status(args.submission_id, args.status)
    log.info("submission %s (%s) now %s", record.id, record.reference, record.status)
    print(f"{record.reference} ({record.id}): {record.status}")
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    since = None
    if args.since:
        try:
            since = datetime.fromisoformat(args.since)
        except ValueError:
            print(f"error: --since: not an ISO date or date-time: {args.since!r}", file=sys.stderr)
            return EXIT_USAGE
    out = sys.stdout.buffer
    try:
        with open_store(args.db, create=False) as store:
            for line in store.export(since):
                out.write(json.dumps(line, ensure_ascii=False).encode("utf-8") + b"\n")
        out.flush()
    except BrokenPipeError:
        # The reader (``| head``) left: not an error. Point stdout at nothing
        # so the interpreter's final flush does not complain again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    console_level = logging.DEBUG if getattr(args, "verbose", False) else None
    if args.command == "serve":
        console_level = logging.DEBUG if args.verbose else logging.INFO
    root_level = logging.getLogger().level
    db = getattr(args, "db", None)
    log_file = None if db is None else log_path(db, args.log)
    log_handlers = _setup_logging(log_file, console_level)
    handlers = {
        ("serve", None): _serve,
        ("token", "create"): _token_create,
        ("token", "revoke"): _token_revoke,
        ("token", "list"): _token_list,
        ("status", None): _status,
        ("export", None): _export,
        ("fleet", None): _fleet,
        ("procedures", "keygen"): _keygen,
        ("procedures", "sign"): _sign,
        ("procedures", "publish"): _publish,
    }
    handler = handlers[(args.command, getattr(args, "action", None))]
    try:
        return handler(args)
    except StoreError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except Exception as e:
        log.exception("unexpected error in %s", args.command)
        where = f"are in {log_file}" if log_file is not None else "come with --verbose"
        print(f"error: unexpected {type(e).__name__}; details {where}", file=sys.stderr)
        return EXIT_INTERNAL
    finally:
        _teardown_logging(log_handlers, root_level)
