"""HTTP to the back-office that a hostile or broken server cannot hold or flood.

``requests`` bounds each socket operation (connect, one read), not a whole
request: a server sending one byte a second within the read timeout keeps a
request going for ever, a 2 GB Content-Length or an endless body grows
memory, and a small gzip body inflates to gigabytes. Here:

- every connection registers with a ``Guard``; a watcher shuts its socket
  (``shutdown(SHUT_RDWR)`` wakes a blocked read at once) when the request's
  total deadline passes, or one read timeout after the syncer is asked to
  stop (the request in flight may end and be recorded; a dripping one is cut);
- answers are read with ``stream=True`` in bounded pieces, refused past
  ``max_bytes`` (before reading, when Content-Length says so);
- the kiosk asks for ``Accept-Encoding: identity`` and refuses any other
  encoding instead of inflating it;
- the session ignores the environment (``trust_env = False``): HTTP_PROXY
  and the like never see the bearer token; a proxy is used only when the
  kiosk's ``proxy_url`` setting names one, for https:// (a CONNECT tunnel:
  the proxy sees the host name, never the token).

Qt-free; one ``Transport`` belongs to the thread that sends.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

__all__ = ["CHECK_EVERY_S", "Answer", "Guard", "RequestFailed", "Transport"]

#: How often the watcher looks at the deadline and the stop flag.
CHECK_EVERY_S = 0.05
_PIECE = 64 * 1024
# A Content-Length longer than this many digits is absurd before it is too big.
_MAX_LENGTH_DIGITS = 15


class RequestFailed(Exception):
    """The request did not give a usable answer; ``text`` is short and fixed."""

    def __init__(self, text: str, *, network: bool = True, status: int | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.network = network
        self.status = status


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    body: bytes


class Guard:
    """The sockets of one session, so a watcher can cut the request in flight."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: weakref.WeakSet[HTTPConnection] = weakref.WeakSet()
        self._cut_reason: str | None = None

    def add(self, conn: HTTPConnection) -> None:
        with self._lock:
            self._open.add(conn)
            cut = self._cut_reason is not None
        if cut:  # connected after the cut: it must not outlive it
            _shut(conn)

    def cut(self, reason: str) -> None:
        with self._lock:
            if self._cut_reason is None:
                self._cut_reason = reason
            conns = list(self._open)
        for conn in conns:
            _shut(conn)

    def reset(self) -> None:
        with self._lock:
            self._cut_reason = None

    @property
    def cut_reason(self) -> str | None:
        with self._lock:
            return self._cut_reason


def _shut(conn: HTTPConnection) -> None:
    sock = getattr(conn, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


class _GuardedAdapter(HTTPAdapter):
    """An adapter whose every new connection registers with a ``Guard``."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard
        super().__init__()

    def _guarded_pools(self) -> dict[str, type[HTTPConnectionPool]]:
        guard = self.guard

        class Conn(HTTPConnection):
            def connect(self) -> None:
                super().connect()
                guard.add(self)

        class ConnS(HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                guard.add(self)

        class Pool(HTTPConnectionPool):
            ConnectionCls = Conn

        class PoolS(HTTPSConnectionPool):
            ConnectionCls = ConnS

        return {"http": Pool, "https": PoolS}

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._guarded_pools()

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = self._guarded_pools()
        return manager


class Transport:
    """Requests with a total deadline, a size cap, no compression, no ambient proxy."""

    def __init__(
        self,
        session: requests.Session,
        *,
        timeout: tuple[float, float],
        deadline_s: float,
        max_bytes: int,
        verify: str | bool,
        proxy_url: str | None,
        stop_event: threading.Event,
    ) -> None:
        self.session = session
        self.guard = Guard()
        adapter = _GuardedAdapter(self.guard)
        # Mounted on a session given with requests' plain adapters too. A caller
        # that mounted its own (the screens' worker cuts its sockets on stop) keeps
        # it: the size cap, the identity encoding and the proxy rule still hold,
        # the deadline needs this adapter.
        for prefix in ("https://", "http://"):
            if type(session.get_adapter(prefix + "x")) is HTTPAdapter:
                session.mount(prefix, adapter)
        session.trust_env = False
        self._timeout = timeout
        self._deadline_s = deadline_s
        self._max_bytes = max_bytes
        self._verify = verify
        # https only: http:// is accepted for loopback alone, which no proxy should see.
        self._proxies = {"https": proxy_url} if proxy_url else {}
        self._stop = stop_event

    def request(
        self,
        method: str,
        url: str,
        *,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Answer:
        if self._stop.is_set():
            raise RequestFailed("stopped")
        sent_headers = dict(headers or {})
        sent_headers["Accept-Encoding"] = "identity"
        self.guard.reset()
        finished = threading.Event()
        deadline = time.monotonic() + self._deadline_s
        watcher = threading.Thread(
            target=self._watch, args=(finished, deadline), name="kiosk-http-deadline", daemon=True
        )
        watcher.start()
        try:
            return self._exchange(method, url, data, sent_headers)
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as e:
            reason = self.guard.cut_reason
            if reason is not None:
                raise RequestFailed(reason) from None
            raise RequestFailed(network_error_text(e)) from None
        finally:
            finished.set()
            watcher.join()

    def _watch(self, finished: threading.Event, deadline: float) -> None:
        stop_seen: float | None = None
        while not finished.wait(CHECK_EVERY_S):
            now = time.monotonic()
            if stop_seen is None and self._stop.is_set():
                stop_seen = now
            # A stop lets the request in flight end (its answer gets recorded) for
            # up to one read timeout, then cuts it: the stop promise.
            if stop_seen is not None and now - stop_seen >= self._timeout[1]:
                self.guard.cut("stopped")
                return
            if now >= deadline:
                self.guard.cut("deadline passed")
                return

    def _exchange(
        self, method: str, url: str, data: bytes | None, headers: Mapping[str, str]
    ) -> Answer:
        with self.session.request(
            method,
            url,
            data=data,
            headers=headers,
            timeout=self._timeout,
            verify=self._verify,
            proxies=self._proxies,
            # A captive portal redirects; following would turn a PUT into a GET.
            allow_redirects=False,
            stream=True,
        ) as response:
            status = response.status_code
            if method == "HEAD":
                return Answer(status, response.headers, b"")
            body = self._read_body(response)
            if self.guard.cut_reason is not None:
                # Cut just as the last piece came: the answer may be short.
                raise RequestFailed(self.guard.cut_reason)
            return Answer(status, response.headers, body)

    def _read_body(self, response: requests.Response) -> bytes:
        status = response.status_code
        encoding = response.headers.get("Content-Encoding", "").strip().lower()
        if encoding not in ("", "identity"):
            raise RequestFailed("compressed answer refused", network=False, status=status)
        length = response.headers.get("Content-Length", "").strip()
        if length.isdigit() and (len(length) > _MAX_LENGTH_DIGITS or int(length) > self._max_bytes):
            raise RequestFailed("answer too large", network=False, status=status)
        pieces: list[bytes] = []
        total = 0
        while True:
            want = min(_PIECE, self._max_bytes + 1 - total)
            piece = response.raw.read(want, decode_content=False)
            if not piece:
                break
            total += len(piece)
            if total > self._max_bytes:
                raise RequestFailed("answer too large", network=False, status=status)
            pieces.append(piece)
        response.raw.release_conn()
        return b"".join(pieces)


def network_error_text(error: BaseException) -> str:
    # Short, fixed texts: the exception's own message holds the URL and more.
    if isinstance(error, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError):
        return "timeout"
    if isinstance(error, requests.exceptions.SSLError):
        return "TLS error"
    if isinstance(error, requests.exceptions.ProxyError):
        return "proxy error"
    if isinstance(error, requests.ConnectionError | urllib3.exceptions.ProtocolError | OSError):
        message = str(error).lower()
        if "refused" in message:
            return "connection refused"
        if any(word in message for word in ("reset", "aborted", "closed", "disconnected")):
            return "connection reset"
        if "resolve" in message or "name or service" in message or "nodename" in message:
            return "name not resolved"
        return "connection error"
    return "request error"
