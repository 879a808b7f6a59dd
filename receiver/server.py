"""Serving the receiver with waitress, in the foreground or in a thread.

waitress's own ``run()`` has no stop from another thread, so the loop here
turns one round at a time until asked to stop, then shuts down in the
thread that ran it: the worker threads first, then every socket (the
listener, open connections, waitress's wake-up pipe).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from waitress import trigger, wasyncore
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, MultiSocketServer, create_server

from receiver.app import DEFAULT_MAX_BODY_BYTES, EARLY_REFUSAL_HEADER, ReceiverApp
from receiver.engines import open_store
from receiver.store import Store, StoreError

log = logging.getLogger("receiver")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_THREADS = 8
# Room above the protocol limit for the request line and headers: bodies a
# little too large still reach the app, which answers them 413 in JSON.
_WAITRESS_BODY_MARGIN = 64 * 1024

#: Seconds a request's line and headers may take, however they trickle in.
DEFAULT_HEADER_TIMEOUT = 10.0
#: The slowest body accepted (bytes/s) past the header time: 20 MiB in 21 min.
DEFAULT_MIN_BODY_RATE = 16 * 1024
#: Seconds an idle keep-alive connection stays open.
DEFAULT_IDLE_TIMEOUT = 60
#: Seconds between two clean-ups of the attachments no submission names.
EXPIRY_INTERVAL_S = 3600.0
#: Bodies at least this large wait for a known, valid token before being read.
EARLY_AUTH_BYTES = 64 * 1024


class _Limits:
    """What the channels and parsers of one server check, set by ``ReceiverServer``."""

    def __init__(self, store: Store, header_timeout: float, min_body_rate: float) -> None:
        self.store = store
        self.header_timeout = header_timeout
        self.min_body_rate = min_body_rate

    def token_refused(self, authorization: str, content_length: int) -> bool:
        """True when the request cannot be allowed, judging by its headers alone."""
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return True
        if content_length < EARLY_AUTH_BYTES:
            return False  # a small body costs less than a lookup on the I/O thread
        try:
            device = self.store.device_for_token(token.strip())
        except StoreError:
            return False  # the application answers 503 for the whole request
        return device is None or device.revoked


class _Parser(HTTPRequestParser):
    """waitress's parser, refusing a request without a usable token at its headers.

    The body of a refused request is never received: the application answers
    401 with ``Connection: close`` and the channel drops whatever follows.
    """

    limits: _Limits
    refused_early = False

    def received(self, data: bytes) -> int:
        had_headers = self.headers_finished
        consumed: int = super().received(data)
        if had_headers or not self.headers_finished or self.completed:
            return consumed
        if self.limits.token_refused(self.headers.get("AUTHORIZATION", ""), self.content_length):
            self.refused_early = True
            headers: dict[str, str] = self.headers  # type: ignore[assignment]
            headers[EARLY_REFUSAL_HEADER] = "1"
            # The body was not read: waitress closes the connection after the answer.
            headers["CONNECTION"] = "close"
            self.body_rcv = None
            self.completed = True
            return len(data)  # the rest of this read is the refused body
        return consumed


class _Channel(HTTPChannel):
    """A channel with deadlines a slow client cannot push back byte by byte."""

    limits: _Limits
    request_started: float | None = None
    refusing = False

    def received(self, data: bytes) -> bool:
        if self.refusing:
            return False  # what follows a refused request's headers is its body
        if self.request is None and data.strip():
            self.request_started = time.monotonic()
        result: bool = super().received(data)
        if any(getattr(r, "refused_early", False) for r in self.requests):
            self.refusing = True
        if self.request is None:
            self.request_started = None
        return result

    def overdue(self, now: float) -> bool:
        """The request in progress has had its time (headers, then body at the minimum rate)."""
        request = self.request
        if request is None or self.request_started is None:
            return False
        allowed = self.limits.header_timeout
        if request.headers_finished:
            allowed += request.content_length / self.limits.min_body_rate
        return now - self.request_started > allowed


def _parser_class(limits: _Limits) -> type[_Parser]:
    return type("ReceiverParser", (_Parser,), {"limits": limits})


def _channel_class(limits: _Limits) -> type[_Channel]:
    return type(
        "ReceiverChannel", (_Channel,), {"limits": limits, "parser_class": _parser_class(limits)}
    )


def _install(server: BaseWSGIServer, limits: _Limits) -> None:
    """Give one waitress listener our channels and a maintenance that enforces deadlines."""
    listener: Any = server  # the stubs miss channel_class and active_channels' type
    listener.channel_class = _channel_class(limits)
    plain_maintenance = listener.maintenance

    def maintenance(now: float) -> None:
        plain_maintenance(now)
        moment = time.monotonic()
        for channel in list(listener.active_channels.values()):
            if isinstance(channel, _Channel) and channel.overdue(moment):
                channel.will_close = True

    listener.maintenance = maintenance


class ReceiverServer:
    """A bound (listening) receiver; call ``serve_forever()`` or use ``start_in_thread``."""

    def __init__(
        self,
        db: str | Path | None,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        threads: int = DEFAULT_THREADS,
        store: Store | None = None,
        header_timeout: float = DEFAULT_HEADER_TIMEOUT,
        min_body_rate: float = DEFAULT_MIN_BODY_RATE,
        idle_timeout: int = DEFAULT_IDLE_TIMEOUT,
    ) -> None:
        """Serve the store at ``db`` (a SQLite path or a PostgreSQL URL), or ``store``."""
        if store is None:
            if db is None:
                raise ValueError("a database or a store is needed")
            store = open_store(db)
            self._owns_store = True
        else:
            self._owns_store = False
        self.store = store
        self.app = ReceiverApp(self.store, max_body_bytes)
        self._map: dict[int, Any] = {}
        try:
            self._server = create_server(
                self.app,
                map=self._map,
                host=host,
                port=port,
                threads=threads,
                ident="kiosk-receiver",
                max_request_body_size=max_body_bytes + _WAITRESS_BODY_MARGIN,
                clear_untrusted_proxy_headers=True,
                channel_timeout=idle_timeout,
                # The deadlines are checked at each clean-up: once a second.
                cleanup_interval=1,
            )
        except BaseException:
            if self._owns_store:
                self.store.close()
            raise
        limits = _Limits(self.store, header_timeout, min_body_rate)
        listeners: list[Any] = (
            list((self._server.map or {}).values())
            if isinstance(self._server, MultiSocketServer)
            else [self._server]
        )
        for listener in listeners:
            if isinstance(listener, BaseWSGIServer):
                _install(listener, limits)
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._stopped = threading.Event()
        self._close_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        if isinstance(self._server, MultiSocketServer):  # a name with several addresses
            bound_host, bound_port = self._server.effective_listen[0]
        else:
            # effective_host/port are set by TcpWSGIServer, missing from the stubs.
            bound_host = getattr(self._server, "effective_host", host)
            bound_port = getattr(self._server, "effective_port", port)
        self.host = str(bound_host)
        self.port = int(bound_port)
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown}:{self.port}"

    def serve_forever(self) -> None:
        """Serve in this thread until ``stop()``; then release every socket."""
        self._started.set()
        next_expiry = 0.0
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._map, count=1)
                if time.monotonic() >= next_expiry:
                    next_expiry = time.monotonic() + EXPIRY_INTERVAL_S
                    self._expire()
        finally:
            self._close()

    def _expire(self) -> None:
        """Delete the uploads no submission named in time (at start, then hourly)."""
        try:
            count = self.store.expire_unreferenced()
        except StoreError as e:
            log.warning("could not expire unreferenced attachments: %s", e)
            return
        if count:
            log.info("expired %d unreferenced attachment(s)", count)

    def _close(self) -> None:
        with self._close_lock:
            if self._stopped.is_set():
                return
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._map)
            if self._owns_store:
                self.store.close()
            self._stopped.set()

    def request_stop(self) -> None:
        """Ask the loop to end within a second; safe in a signal handler."""
        self._stopping.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for it; safe from any thread, and twice."""
        self._stopping.set()
        if not self._started.is_set():
            self._close()  # never served: nobody else will release the sockets
            return
        # Under the lock, so the wake-up pipe cannot be closed (and its file
        # descriptor reused) between the check and the write.
        with self._close_lock:
            if not self._stopped.is_set():
                self._wake()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _wake(self) -> None:
        """Make the loop's select() return now: write to waitress's wake-up pipe."""
        for channel in list(self._map.values()):
            if isinstance(channel, trigger.trigger):
                channel.pull_trigger()
                return

    def __enter__(self) -> ReceiverServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_in_thread(
    db: str | Path | None,
    host: str = DEFAULT_HOST,
    port: int = 0,
    **options: Any,
) -> ReceiverServer:
    """A receiver serving from a background thread; ``.url``, then ``.stop()``.

    ``db`` is a SQLite path or a PostgreSQL URL (or None with ``store=``);
    ``options`` are ``ReceiverServer``'s. Also a context manager:
    ``with start_in_thread(db) as server: ...``.
    """
    server = ReceiverServer(db, host, port, **options)
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    server._thread = thread
    server._started.set()  # from now on the thread owns the sockets
    thread.start()
    return server
