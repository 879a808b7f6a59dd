"""Sending in the background: the syncer in a ``QThread``, reporting through signals.

The screens never wait for the network. ``SyncWorker`` is a ``QObject``
moved to its own ``QThread``; it opens its own ``Outbox`` there (one SQLite
connection per thread) and runs ``kiosk.syncer.Syncer`` rounds until asked
to stop, reporting each round with ``status``. It never touches a widget.

``SyncController`` lives in the screens' thread: it owns the thread's
lifetime, wakes the worker when a submission is queued (``on_submitted``),
and turns the reports into a ``kiosk.flow.Sending`` (``changed``), which the
window draws on its status line.

Stopping must be prompt even when the back-office hangs mid-answer (a read
timeout of 30 s would otherwise freeze the window on close), so the worker's
HTTP sockets can be shut from the stopping thread: the request in flight
fails at once, the item keeps its place in the queue.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import socket
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from PySide6.QtCore import QCoreApplication, QObject, QThread, Signal, Slot
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from kiosk.config import Settings
from kiosk.flow import Sending
from kiosk.heartbeat import Heartbeat
from kiosk.keystore import KeyStoreError, get_device_token
from kiosk.syncer import SyncLoop, SyncReport

log = logging.getLogger(__name__)

#: When nothing waits, probe the back-office this often so the status line stays true.
IDLE_POLL_S = 60.0
#: After a round that could not run (a full disk, an unreadable outbox).
ERROR_RETRY_S = 30.0
#: How long a stop may take before it is logged as slow (it still waits).
STOP_WARN_S = 10.0


# -- HTTP that can be cut from another thread --------------------------------------------
class _Connections:
    """The sockets of one worker's HTTP session, so ``abort()`` can shut them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[HTTPConnection] = weakref.WeakSet()
        self.aborted = False

    def add(self, conn: HTTPConnection) -> None:
        with self._lock:
            aborted = self.aborted
            if not aborted:
                self._open.add(conn)
        if aborted:
            _shut(conn)

    def abort(self) -> None:
        with self._lock:
            self.aborted = True
            conns = list(self._open)
        for conn in conns:
            _shut(conn)


def _shut(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _AbortableAdapter(HTTPAdapter):
    """An adapter whose connections register with ``_Connections``; refuses after abort."""

    def __init__(self, connections: _Connections) -> None:
        self.connections = connections
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        connections = self.connections

        class Conn(HTTPConnection):
            def connect(self) -> None:
                super().connect()
                connections.add(self)

        class ConnS(HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                connections.add(self)

        class Pool(HTTPConnectionPool):
            ConnectionCls = Conn

        class PoolS(HTTPSConnectionPool):
            ConnectionCls = ConnS

        self.poolmanager.pool_classes_by_scheme = {"http": Pool, "https": PoolS}

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        if self.connections.aborted:
            raise requests.ConnectionError("sending stopped")
        return super().send(request, *args, **kwargs)


def abortable_session() -> tuple[requests.Session, Callable[[], None]]:
    """A requests session and a function that cuts its connections (thread-safe)."""
    connections = _Connections()
    session = requests.Session()
    adapter = _AbortableAdapter(connections)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session, connections.abort


# -- the worker --------------------------------------------------------------------------
class SyncWorker(QObject):
    """Sync rounds in the thread it was moved to; reports through signals only."""

    #: after every round: connected (True, False or None: unknown), requests waiting,
    #: requests that need a person, whether the back-office refused the token.
    status = Signal(object, int, int, bool)
    #: damaged queue files set aside and not yet recovered (each round)
    set_aside = Signal(int)
    #: a round could not run (the outbox cannot be opened or written).
    failed = Signal(str)
    #: the loop has ended; the thread may quit.
    finished = Signal()

    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        token: str | None,
        *,
        idle_poll_s: float = IDLE_POLL_S,
        error_retry_s: float = ERROR_RETRY_S,
        device_status: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.settings = settings
        self._http, self._abort = abortable_session()
        # The same Qt-free loop as ``kiosk sync``; this object only turns its
        # reports into signals.
        self.loop = SyncLoop(
            data_dir,
            settings,
            token,
            on_report=self._report,
            http_factory=lambda: self._http,
            idle_poll_s=idle_poll_s,
            error_retry_s=error_retry_s,
        )
        if device_status is not None:
            # The heartbeat also says what only the screens know (printer, read-aloud).
            updates = self.loop.updates
            own = updates.status if updates is not None else dict
            self.loop.heartbeat = Heartbeat(extra=lambda: {**own(), **device_status()})

    # Called from the screens' thread: they only set events, never block.
    def wake(self) -> None:
        """Run a round now (a submission was queued)."""
        self.loop.wake()

    def stop(self) -> None:
        """End the loop soon; a request in flight is cut, not waited for."""
        self.loop.stop()
        self._abort()

    @property
    def stopping(self) -> bool:
        return self.loop.stopping

    @Slot()
    def run(self) -> None:
        try:
            self.loop.run()
        finally:
            self._http.close()
            self.finished.emit()

    def _report(self, report: SyncReport) -> None:
        if self.loop.stopping:
            return  # the screens are being closed: nobody to tell
        if report.error:
            self.failed.emit(report.error)
            return
        self.status.emit(
            report.connected,
            int(report.queued_left),
            int(report.needs_person),
            bool(report.auth_failed),
        )
        self.set_aside.emit(int(report.set_aside))


# -- the controller, in the screens' thread --------------------------------------------------
_live: weakref.WeakSet[SyncController] = weakref.WeakSet()


@atexit.register
def _stop_all() -> None:
    # A QThread destroyed while running aborts the interpreter (pytest-qt #276):
    # whatever forgot to stop its sending, it stops here.
    for controller in list(_live):
        controller.stop()


class SyncController(QObject):
    """Owns the sync thread of one window and says what to show about sending."""

    #: re-emitted from the worker, for tests and the mediator's console.
    status = Signal(object, int, int, bool)
    #: what the status line should say now: a ``kiosk.flow.Sending``
    changed = Signal(object)

    def __init__(
        self,
        data_dir: Path,
        settings: Settings,
        *,
        token: str | None = None,
        waiting: Callable[[], int | None] | None = None,
        idle_poll_s: float = IDLE_POLL_S,
    ) -> None:
        super().__init__()
        self.data_dir = Path(data_dir)
        self.settings = settings
        self._token = token
        self._waiting = waiting or (lambda: None)
        self._idle_poll_s = idle_poll_s
        self.qthread: QThread | None = None
        self.worker: SyncWorker | None = None
        self.connected: bool | None = None
        self.needs_person = 0
        self.auth_failed = False
        self.failure: str | None = None
        self.rounds = 0
        self._stopped = False
        #: what the screens know of the kiosk, for the heartbeat (printer, read-aloud)
        self.device_status: dict[str, str] = {}
        #: damaged queue files set aside (the mediator recovers them)
        self.set_aside_files = 0

    @property
    def enabled(self) -> bool:
        return bool(self.settings.server_url)

    @property
    def running(self) -> bool:
        return self.qthread is not None and self.qthread.isRunning()

    def start(self) -> None:
        """Start sending if a back-office is configured; show the status either way."""
        if self.enabled and self.qthread is None:
            token = self._token
            if token is None:
                try:
                    token = get_device_token(self.settings)
                except KeyStoreError as e:
                    log.error("no device token: %s", e)
            if not token:
                log.warning("no device token is set: requests wait on this kiosk")
            worker = SyncWorker(
                self.data_dir,
                self.settings,
                token,
                idle_poll_s=self._idle_poll_s,
                device_status=lambda: dict(self.device_status),
            )
            thread = QThread()
            thread.setObjectName("kiosk-sync")
            worker.moveToThread(thread)
            thread.started.connect(worker.run)
            worker.finished.connect(thread.quit)
            worker.status.connect(self._on_status)
            worker.set_aside.connect(self._on_set_aside)
            worker.failed.connect(self._on_failed)
            self.worker, self.qthread = worker, thread
            _live.add(self)
            app = QCoreApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(self.stop)
            thread.start()
        self.show()

    def stop(self) -> None:
        """Stop the worker and wait for its thread to end (safe twice, from anywhere)."""
        self._stopped = True
        worker, thread = self.worker, self.qthread
        if worker is None or thread is None:
            return
        worker.stop()
        thread.quit()
        if not thread.wait(round(STOP_WARN_S * 1000)):
            log.warning("the sync thread is slow to stop; waiting for it")
            thread.wait()
        self.worker = self.qthread = None
        _live.discard(self)
        app = QCoreApplication.instance()
        if app is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                app.aboutToQuit.disconnect(self.stop)

    def set_device_status(self, status: dict[str, str]) -> None:
        """What the screens know of the kiosk changed: the fleet view hears it soon."""
        self.device_status = dict(status)
        if self.worker is not None:
            self.worker.loop.heartbeat.send_soon()
            self.worker.wake()

    def on_submitted(self, _submission_id: str = "") -> None:
        if self.worker is not None:
            self.worker.wake()
        self.show()

    def _on_set_aside(self, count: int) -> None:
        if count != self.set_aside_files:
            self.set_aside_files = count
            self.show()

    def _on_status(
        self, connected: object, waiting: int, needs_person: int, auth_failed: bool
    ) -> None:
        if self._stopped:
            return  # a report queued before the stop, for a window that may be gone
        self.connected = connected if isinstance(connected, bool) else None
        self.needs_person = needs_person
        self.auth_failed = auth_failed
        self.failure = None
        self.rounds += 1
        self.show(waiting)
        self.status.emit(connected, waiting, needs_person, auth_failed)

    def _on_failed(self, text: str) -> None:
        if self._stopped:
            return
        log.error("sending: %s", text)
        self.failure = text
        self.rounds += 1
        self.show()

    def sending(self, waiting: int | None = None) -> Sending:
        """What is known about sending, for the status line."""
        return Sending(
            enabled=self.enabled,
            connected=self.connected,
            waiting=self._waiting() if waiting is None else waiting,
            needs_person=self.needs_person,
            token_refused=self.auth_failed,
            set_aside=self.set_aside_files,
            failure=self.failure,
        )

    def show(self, waiting: int | None = None) -> None:
        self.changed.emit(self.sending(waiting))


def start_sync(
    data_dir: Path,
    settings: Settings,
    *,
    token: str | None = None,
    waiting: Callable[[], int | None] | None = None,
) -> SyncController:
    controller = SyncController(data_dir, settings, token=token, waiting=waiting)
    controller.start()
    return controller
