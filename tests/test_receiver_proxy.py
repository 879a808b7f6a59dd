"""deploy/receiver/nginx.conf, run by a real nginx in front of two receivers on loopback.

Skipped without nginx (``apt-get install nginx-light``), except under CI
(the ``CI`` variable set), where ``.ci/run`` installs it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import select
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.protocol import canonical_json
from receiver.server import ReceiverServer, start_in_thread
from receiver.store import SqliteStore
from tests.test_receiver import KIOSK_ID, Kiosk, submission

CONFIG = Path(__file__).resolve().parent.parent / "deploy" / "receiver" / "nginx.conf"
NGINX = shutil.which("nginx") or next(
    (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if Path(p).exists()), None
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Proxy:
    def __init__(self, url: str, cert: Path, receivers: list[ReceiverServer]) -> None:
        self.url = url
        self.cert = cert
        self.receivers = receivers


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[Proxy]:
    if NGINX is None:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing; CI must test the reverse-proxy configuration")
        pytest.skip("nginx is not installed (apt-get install nginx-light)")
    db_path = tmp_path / "receiver.db"
    SqliteStore(db_path).close()
    first = start_in_thread(db_path)
    second = start_in_thread(db_path)
    cert, key = _certificate(tmp_path)
    port = _free_port()
    site = CONFIG.read_text(encoding="utf-8")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{port} ssl;")
    site = site.replace("/etc/ssl/certs/guichet.example.fr.pem", str(cert))
    site = site.replace("/etc/ssl/private/guichet.example.fr.key", str(key))
    site = site.replace("127.0.0.1:8765", f"127.0.0.1:{first.port}")
    site = site.replace("127.0.0.1:8766", f"127.0.0.1:{second.port}")
    (tmp_path / "receiver.conf").write_text(site, encoding="utf-8")
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers read the temp folders
    (tmp_path / "nginx.conf").write_text(
        f"{user}daemon off;\nworker_processes 1;\npid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n access_log off;\n client_body_temp_path {tmp_path}/body;\n"
        f" proxy_temp_path {tmp_path}/proxy;\n fastcgi_temp_path {tmp_path}/fastcgi;\n"
        f" uwsgi_temp_path {tmp_path}/uwsgi;\n scgi_temp_path {tmp_path}/scgi;\n"
        f" include {tmp_path}/receiver.conf;\n}}\n",
        encoding="utf-8",
    )
    nginx = subprocess.Popen(
        [NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            assert nginx.poll() is None, nginx.stderr.read() if nginx.stderr else ""
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start listening"
                select.select([], [], [], 0.05)  # until it listens
        yield Proxy(f"https://127.0.0.1:{port}", cert, [first, second])
    finally:
        nginx.terminate()
        nginx.communicate(timeout=15)
        first.stop()
        second.stop()


@pytest.fixture
def kiosk(proxy: Proxy) -> Iterator[Kiosk]:
    with SqliteStore(proxy.receivers[0].store.path) as store:  # type: ignore[attr-defined]
        token = store.create_token(KIOSK_ID)
    with requests.Session() as http:
        http.trust_env = False  # a REQUESTS_CA_BUNDLE would override verify
        http.verify = str(proxy.cert)
        http.headers["Authorization"] = f"Bearer {token}"
        yield Kiosk(proxy.url, http)


def test_the_protocol_goes_through_the_proxy_over_https(kiosk: Kiosk) -> None:
    health = kiosk.http.get(f"{kiosk.url}/v1/health")
    assert health.status_code == 200
    assert health.json()["protocol"] == 1
    submission_id, document = submission()
    first = kiosk.put_submission(submission_id, document)
    assert first.status_code == 201
    replay = kiosk.put_submission(submission_id, canonical_json(document))
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert kiosk.http.get(f"{kiosk.url}/admin").status_code == 404


def test_a_stopped_receiver_process_is_passed_over(kiosk: Kiosk, proxy: Proxy) -> None:
    proxy.receivers[0].stop()
    for _ in range(4):  # both upstreams get their turn; the stopped one is skipped
        submission_id, document = submission()
        assert kiosk.put_submission(submission_id, document).status_code == 201


def test_a_body_over_the_limit_is_refused_by_the_proxy(kiosk: Kiosk) -> None:
    response = kiosk.http.put(
        f"{kiosk.url}/v1/attachments/{'0' * 64}", data=b"x" * (22 * 1024 * 1024)
    )
    assert response.status_code == 413


@pytest.mark.slow
def test_the_proxy_drops_a_client_dripping_its_headers(proxy: Proxy) -> None:
    context = ssl.create_default_context(cafile=str(proxy.cert))
    port = int(re.sub(r".*:", "", proxy.url))
    started = time.monotonic()
    closed = False
    with (
        socket.create_connection(("127.0.0.1", port), timeout=30) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as sock,
    ):
        request = b"GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Padding: " + b"a" * 200
        for byte in request:
            readable, _, _ = select.select([sock], [], [], 0.25)  # the close, or a drip
            if readable:
                try:
                    data = sock.recv(1024)
                except (OSError, ssl.SSLError):
                    data = b""
                if not data or data.startswith(b"HTTP/1.1 408"):
                    closed = True
                    break
            try:
                sock.send(bytes([byte]))
            except (OSError, ssl.SSLError):
                closed = True
                break
    assert closed, "nginx kept a client dripping its headers"
    assert time.monotonic() - started < 20  # client_header_timeout 10s, not reset per byte
