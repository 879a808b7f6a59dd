"""Serving the receiver with waitress, in the foreground or in a thread.

waitress's own ``run()`` has no stop from another thread, so the loop here
turns one round at a time until asked to stop, then shuts down in the
thread that ran it: the worker threads first, then every socket (the
listener, open connections, waitress's wake-up pipe).
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from waitress import trigger, wasyncore
from waitress.server import MultiSocketServer, create_server

from receiver.app import DEFAULT_MAX_BODY_BYTES, ReceiverApp
from receiver.store import Store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_THREADS = 8
# Room above the protocol limit for the request line and headers: bodies a
# little too large still reach the app, which answers them 413 in JSON.
_WAITRESS_BODY_MARGIN = 64 * 1024


class ReceiverServer:
    """A bound (listening) receiver; call ``serve_forever()`` or use ``start_in_thread``."""

    def __init__(
        self,
        db_path: str | Path,
        host: str = DEFAULT_HOST,
        port: int = DEFAULT_PORT,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        threads: int = DEFAULT_THREADS,
        store: Store | None = None,
    ) -> None:
        self.store = store if store is not None else Store(db_path)
        self.app = ReceiverApp(self.store, max_body_bytes)
        self._map: dict[int, Any] = {}
        self._server = create_server(
            self.app,
            map=self._map,
            host=host,
            port=port,
            threads=threads,
            ident="kiosk-receiver",
            max_request_body_size=max_body_bytes + _WAITRESS_BODY_MARGIN,
            clear_untrusted_proxy_headers=True,
        )
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
        try:
            while not self._stopping.is_set():
                wasyncore.loop(timeout=1.0, map=self._map, count=1)
        finally:
            self._close()

    def _close(self) -> None:
        with self._close_lock:
            if self._stopped.is_set():
                return
            self._server.task_dispatcher.shutdown()
            wasyncore.close_all(self._map)
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
    db_path: str | Path,
    host: str = DEFAULT_HOST,
    port: int = 0,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    threads: int = DEFAULT_THREADS,
) -> ReceiverServer:
    """A receiver serving from a background thread; ``.url``, then ``.stop()``.

    Also a context manager: ``with start_in_thread(db) as server: ...``.
    """
    server = ReceiverServer(db_path, host, port, max_body_bytes=max_body_bytes, threads=threads)
    thread = threading.Thread(target=server.serve_forever, name="receiver", daemon=True)
    server._thread = thread
    server._started.set()  # from now on the thread owns the sockets
    thread.start()
    return server
