"""A server in a process of its own for ``bench_receiver``: the receiver, or the bare app.

``python -m benchmarks._receiver_load_child receiver|bare DB KIOSK_ID``, where
DB is a SQLite path or a PostgreSQL URL: serves on a free loopback port with
waitress (8 threads, the receiver's default), prints ``{"url", "token",
"pid"}`` on one line, and serves until its standard input is closed.

The bare app is the floor a back-office cannot go below: waitress, and for
every ``PUT`` one durable insert of the body into the same engine (SQLite:
a connection per thread, WAL, ``synchronous=FULL``; PostgreSQL: a psycopg
pool, autocommit), answering 201 with a small JSON document. It checks no
token, no shape, no replay.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import sys
import threading
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from waitress.server import create_server

from receiver.engines import open_store
from receiver.server import DEFAULT_THREADS, start_in_thread
from receiver.store import is_postgres_url

StartResponse = Callable[..., Any]


def bare_app(db: str) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    if is_postgres_url(db):
        from psycopg_pool import ConnectionPool

        pool = ConnectionPool(
            db, min_size=1, max_size=DEFAULT_THREADS + 2, kwargs={"autocommit": True}, open=True
        )
        with pool.connection() as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bare (id TEXT PRIMARY KEY, body BYTEA)")

        def insert(submission_id: str, body: bytes) -> None:
            with pool.connection() as conn:
                conn.execute("INSERT INTO bare (id, body) VALUES (%s, %s)", (submission_id, body))

    else:
        local = threading.local()
        Path(db).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(db) as setup:
            setup.execute("PRAGMA journal_mode = WAL")
            setup.execute("CREATE TABLE IF NOT EXISTS bare (id TEXT PRIMARY KEY, body BLOB)")

        def insert(submission_id: str, body: bytes) -> None:
            conn = getattr(local, "conn", None)
            if conn is None:
                conn = local.conn = sqlite3.connect(db, isolation_level=None, timeout=30)
                conn.execute("PRAGMA synchronous = FULL")
            conn.execute("INSERT INTO bare (id, body) VALUES (?, ?)", (submission_id, body))

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        submission_id = environ.get("PATH_INFO", "").rpartition("/")[2] or str(uuid.uuid4())
        insert(submission_id, body)
        answer = json.dumps({"id": submission_id, "reference": "BARE"}).encode()
        start_response(
            "201 Created",
            [("Content-Type", "application/json"), ("Content-Length", str(len(answer)))],
        )
        return [answer]

    return app


def main() -> None:
    # 50 kiosks on 8 threads queue up by design: waitress warns at each request.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    mode, db, kiosk_id = sys.argv[1], sys.argv[2], sys.argv[3]
    if mode == "receiver":
        with open_store(db) as store:
            token = store.create_token(kiosk_id)
        server = start_in_thread(db, host="127.0.0.1", port=0)
        url, stop = server.url, server.stop
    else:
        token = "bare"
        waitress = create_server(bare_app(db), host="127.0.0.1", port=0, threads=DEFAULT_THREADS)
        port = getattr(waitress, "effective_port", 0)
        thread = threading.Thread(target=waitress.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"

        def stop() -> None:
            waitress.task_dispatcher.shutdown()

    try:
        print(json.dumps({"url": url, "token": token, "pid": os.getpid()}), flush=True)
        sys.stdin.read()  # until the benchmark closes the pipe
    finally:
        stop()


if __name__ == "__main__":
    main()
