"""The syncer against a hostile or broken server, over real sockets on loopback.

Each server here misbehaves at the byte level (dripping, lying about its
length, sending forever, compressing a bomb) or stands in the way (a proxy
from the environment). Nothing sleeps a fixed time: the tests wait on what
the servers saw.
"""

from __future__ import annotations

import gzip
import json
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from kiosk import protocol
from kiosk.config import Settings
from kiosk.outbox import Outbox
from kiosk.syncer import MAX_ANSWER_BYTES, Syncer
from tests.faultserver import make_submission

TOKEN = "hostile-token"
HEALTH = protocol.canonical_json({"protocol": protocol.PROTOCOL_VERSION, "time": "x"})

Behaviour = Callable[["_Conn", str, dict[str, str]], None]


class _Conn:
    """One accepted connection: what the client asked, and how much we managed to send."""

    def __init__(self, sock: socket.socket, server: RawServer) -> None:
        self.sock = sock
        self.server = server

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
        except OSError:
            return False
        with self.server.lock:
            self.server.bytes_sent += len(data)
        return True

    def drip(self, data: bytes, every_s: float) -> None:
        for i in range(len(data)):
            if not self.send(data[i : i + 1]) or self.server.stopping.wait(every_s):
                return

    def endless(self, head: bytes, chunk: bytes) -> None:
        if not self.send(head):
            return
        while not self.server.stopping.is_set() and self.send(chunk):
            pass


class _Handler(socketserver.BaseRequestHandler):
    server: _TCP

    def handle(self) -> None:
        sock: socket.socket = self.request
        sock.settimeout(10)
        owner = self.server.owner
        reader = sock.makefile("rb")
        try:
            while not owner.stopping.is_set():
                line = reader.readline(65536)
                if not line:
                    return
                request_line = line.decode("latin-1").strip()
                headers: dict[str, str] = {}
                while True:
                    raw = reader.readline(65536)
                    if raw in (b"\r\n", b"\n", b""):
                        break
                    name, _, value = raw.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length") or 0)
                if length:
                    reader.read(length)
                with owner.lock:
                    owner.seen.append((request_line, headers))
                    owner.cond.notify_all()
                owner.behaviour(_Conn(sock, owner), request_line, headers)
                if headers.get("connection", "").lower() == "close":
                    return
        except OSError:
            return
        finally:
            reader.close()


class _TCP(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, owner: RawServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _Handler)


class RawServer:
    """A loopback HTTP/1.1 server whose every answer is written by ``behaviour``."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.bytes_sent = 0
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.stopping = threading.Event()
        self._tcp = _TCP(self)
        self._thread = threading.Thread(target=self._tcp.serve_forever, args=(0.05,))

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self._tcp.shutdown()
        self._thread.join()
        self._tcp.server_close()

    @property
    def url(self) -> str:
        host, port = self._tcp.server_address[:2]
        return f"http://{host!s}:{port}"

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> bool:
        with self.cond:
            return self.cond.wait_for(predicate, timeout)


def answer(status: int, body: bytes, **headers: str) -> bytes:
    head = [f"HTTP/1.1 {status} X", f"Content-Length: {len(body)}"]
    head.append("Content-Type: application/json")
    head += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def healthy_then(behaviour: Behaviour) -> Behaviour:
    """A proper health answer, then ``behaviour`` for every other request."""

    def serve(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        if protocol.HEALTH_PATH in request_line:
            conn.send(answer(200, HEALTH))
        else:
            behaviour(conn, request_line, headers)

    return serve


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "server_url": url,
        "kiosk_id": "test-kiosk",
        "backoff_base_s": 0.01,
        "backoff_cap_s": 0.05,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 1.0,
        "request_deadline_s": 2.0,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def outbox(tmp_path: Any) -> Iterator[Outbox]:
    with Outbox.open(tmp_path / "data", settings_for("http://127.0.0.1:1")) as o:
        yield o


def one_round(outbox: Outbox, url: str, **overrides: Any) -> tuple[Any, float]:
    with Syncer(outbox, settings_for(url, **overrides), TOKEN) as syncer:
        started = time.monotonic()
        report = syncer.run_once()
        return report, time.monotonic() - started


def last_error(outbox: Outbox) -> str | None:
    (item,) = outbox.items()
    return item.last_error


# -- time -------------------------------------------------------------------------------------


def test_a_server_dripping_its_answer_is_cut_at_the_deadline(outbox):
    body = protocol.canonical_json({"id": "x", "reference": "R"})

    def drip(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        # Each byte comes well within the read timeout: only a total deadline ends it.
        conn.drip(answer(200, body), every_s=0.2)

    outbox.enqueue(make_submission())
    with RawServer(healthy_then(drip)) as server:
        report, took = one_round(outbox, server.url, read_timeout_s=1.0, request_deadline_s=1.5)
    assert report.sent == 0 and report.transient == 1
    assert last_error(outbox) == "deadline passed"
    # The deadline, plus the small delay of noticing it; never the whole drip (> 10 s).
    assert took < 1.5 + 1.0


def test_a_server_dripping_its_headers_is_cut_at_the_deadline(outbox):
    def drip(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        conn.drip(b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 200 + b"\r\n\r\n", every_s=0.2)

    with RawServer(drip) as server, Syncer(outbox, settings_for(server.url), TOKEN) as syncer:
        started = time.monotonic()
        assert syncer.probe() is False
        assert time.monotonic() - started < 2.0 + 1.0


def test_a_stop_cuts_a_dripping_answer_within_the_read_timeout(outbox):
    outbox.enqueue(make_submission())

    def drip(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        conn.drip(answer(200, b"{}" * 100), every_s=0.2)

    with RawServer(healthy_then(drip)) as server:
        settings = settings_for(server.url, read_timeout_s=1.0, request_deadline_s=60.0)
        with Syncer(outbox, settings, TOKEN) as syncer:
            done: list[float] = []

            def run() -> None:
                syncer.run_once()
                done.append(time.monotonic())

            thread = threading.Thread(target=run)
            thread.start()
            assert server.wait_for(lambda: any("PUT" in line for line, _ in server.seen))
            assert server.wait_for(lambda: server.bytes_sent > 0)
            stopped_at = time.monotonic()
            syncer.stop()
            thread.join(timeout=10)
            assert not thread.is_alive()
    # Within the read timeout (and a check's delay), not the deadline (60 s) nor the
    # whole drip: the request in flight had its chance, then its socket is cut.
    assert done[0] - stopped_at < 1.0 + 1.0


# -- size -------------------------------------------------------------------------------------


def test_a_huge_content_length_is_refused_before_reading(outbox):
    def huge(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Length: 2147483648\r\n\r\n"
        conn.endless(head, b"{" * 65536)

    outbox.enqueue(make_submission())
    with RawServer(healthy_then(huge)) as server:
        report, _ = one_round(outbox, server.url, request_deadline_s=30.0)
        sent = server.bytes_sent
    assert report.transient == 1
    assert last_error(outbox) == "answer too large"
    # What the kernel's buffers took before the kiosk hung up; nowhere near 2 GB.
    assert sent < 64 * MAX_ANSWER_BYTES


def test_an_endless_body_is_cut_at_the_size_cap(outbox):
    def forever(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
        conn.endless(head, b" " * 65536)

    outbox.enqueue(make_submission())
    with RawServer(healthy_then(forever)) as server:
        report, took = one_round(outbox, server.url, request_deadline_s=30.0)
        sent = server.bytes_sent
    assert report.transient == 1
    assert last_error(outbox) == "answer too large"
    assert sent < 64 * MAX_ANSWER_BYTES
    assert took < 10


def test_an_endless_chunked_health_answer_is_not_connected(outbox):
    def forever(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        conn.endless(head, b"10000\r\n" + b" " * 65536 + b"\r\n")

    with RawServer(forever) as server, Syncer(outbox, settings_for(server.url), TOKEN) as syncer:
        assert syncer.probe() is False
        assert server.bytes_sent < 64 * MAX_ANSWER_BYTES


def test_the_kiosk_asks_for_no_compression_and_refuses_a_gzip_bomb(outbox):
    bomb = gzip.compress(b" " * (64 << 20), compresslevel=9)  # 64 MiB of spaces in ~64 KiB

    def compressed(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        conn.send(answer(200, bomb, Content_Encoding="gzip"))

    outbox.enqueue(make_submission())
    with RawServer(healthy_then(compressed)) as server:
        report, _ = one_round(outbox, server.url)
        seen = list(server.seen)
    assert report.transient == 1
    assert last_error(outbox) == "compressed answer refused"
    assert all(h.get("accept-encoding") == "identity" for _, h in seen)


def test_a_normal_answer_still_delivers(outbox):
    item = outbox.enqueue(make_submission())

    def ok(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        body = protocol.canonical_json({"id": item.id, "reference": "REF-1"})
        conn.send(answer(200, body))

    with RawServer(healthy_then(ok)) as server:
        report, _ = one_round(outbox, server.url)
    assert report.sent == 1


# -- proxies ----------------------------------------------------------------------------------


def recording_proxy(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
    conn.send(answer(502, b"{}", Connection="close"))


def test_environment_proxies_never_see_the_token(outbox, monkeypatch):
    item = outbox.enqueue(make_submission())

    def ok(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        body = protocol.canonical_json({"id": item.id, "reference": "REF-1"})
        conn.send(answer(200, body))

    with RawServer(recording_proxy) as proxy, RawServer(healthy_then(ok)) as backoffice:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
            monkeypatch.setenv(name, proxy.url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        report, _ = one_round(outbox, backoffice.url)
        assert report.sent == 1
        assert proxy.seen == []
        assert all(h.get("authorization") == f"Bearer {TOKEN}" for _, h in backoffice.seen)


def test_a_configured_proxy_carries_https_through_a_tunnel_only(outbox):
    outbox.enqueue(make_submission())
    with RawServer(recording_proxy) as proxy:
        url = "https://backoffice.invalid"
        report, _ = one_round(outbox, url, proxy_url=proxy.url)
        seen = list(proxy.seen)
    assert report.connected is False
    # The proxy is asked for a tunnel (CONNECT), and never sees the token.
    assert seen and all(line.startswith("CONNECT backoffice.invalid:443") for line, _ in seen)
    assert all("authorization" not in h for _, h in seen)


def test_status_json_of_a_normal_server_is_parsed(outbox):
    # A well-formed acknowledgement larger than a socket read still parses.
    item = outbox.enqueue(make_submission())
    padding = "x" * 200_000

    def ok(conn: _Conn, request_line: str, headers: dict[str, str]) -> None:
        body = json.dumps({"id": item.id, "reference": "REF-2", "note": padding}).encode()
        conn.send(answer(200, body))

    with RawServer(healthy_then(ok)) as server:
        report, _ = one_round(outbox, server.url)
    assert report.sent == 1
