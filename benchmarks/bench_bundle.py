"""The bundle: start-up from the bundle against the installed package, and its size.

- **start**: from spawning ``kiosk run`` to the home screen's first paint and
  to ready (start-up complete), for the PyInstaller bundle
  (``dist/kiosk/kiosk``) and for the installed package (``python -m ui``),
  alternately in the same run, several times each, on an empty data
  directory. Both sides are timed the same way, from outside: the kiosk tells
  its supervisor through ``$NOTIFY_SOCKET`` (``STATUS=home screen shown...``
  at the first paint, ``READY=1`` when complete), and this process listens.
  Both take the outbox's key from ``$CREDENTIALS_DIRECTORY`` (the systemd
  key store), so neither needs a desktop keyring.
- **size**: the bundle's folder on disk.

Figures, no target: the bundle should not start slower than the package.
Without a bundle (build it with ``pyinstaller build.spec``), it says so and
exits 0. Run: ``python -m benchmarks.bench_bundle [--starts N] [--bundle DIR]``.
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = ROOT / "dist" / "kiosk"


def _env(work: Path, where: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK_")}
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    credentials = work / "credentials"
    credentials.mkdir(exist_ok=True)
    (credentials / "kiosk-data-key").write_text(base64.b64encode(os.urandom(32)).decode())
    env.update(
        KIOSK_KEY_STORE="systemd-credentials",
        CREDENTIALS_DIRECTORY=str(credentials),
        KIOSK_DATA_DIR=str(work / "data"),
        NOTIFY_SOCKET=where,
    )
    env.pop("WATCHDOG_USEC", None)
    return env


def start_once(command: list[str], timeout: float = 60) -> tuple[float, float]:
    """Milliseconds from spawning to the first paint and to ready."""
    name = f"kiosk-bench-{secrets.token_hex(6)}"
    with (
        tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp,
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock,
    ):
        sock.bind("\0" + name)
        env = _env(Path(tmp), "@" + name)
        started = time.perf_counter()
        child = subprocess.Popen(
            command, cwd=tmp, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        painted = ready = None
        try:
            deadline = started + timeout
            while ready is None and time.perf_counter() < deadline:
                sock.settimeout(max(0.01, deadline - time.perf_counter()))
                try:
                    lines = sock.recv(4096).decode().split("\n")
                except TimeoutError:
                    break
                now = time.perf_counter()
                if painted is None and any(x.startswith("STATUS=home screen") for x in lines):
                    painted = now
                if "READY=1" in lines:
                    ready = now
        finally:
            child.terminate()
            child.wait(timeout=30)
    if ready is None:
        raise RuntimeError(f"{command[0]} never said it was ready")
    return ((painted or ready) - started) * 1000, (ready - started) * 1000


def size_on_disk(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_bundle")
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    args = parser.parse_args(argv)
    exe = args.bundle / ("kiosk.exe" if os.name == "nt" else "kiosk")
    if not exe.is_file():
        print(f"skipped: no bundle at {exe} (build it with: pyinstaller build.spec)")
        return 0
    if not hasattr(socket, "AF_UNIX"):
        print("skipped: start-up is timed through a Unix notify socket")
        return 0
    sides = {"installed package": [sys.executable, "-m", "ui", "run"], "bundle": [str(exe), "run"]}
    times: dict[str, list[tuple[float, float]]] = {side: [] for side in sides}
    for _ in range(args.starts):
        for side, command in sides.items():  # alternately: the same machine load
            times[side].append(start_once(command))
    print(f"start-up, median of {args.starts} starts each (QT_QPA_PLATFORM="
          f"{os.environ.get('QT_QPA_PLATFORM', 'offscreen')}):")  # fmt: skip
    for side, values in times.items():
        paint = statistics.median(v[0] for v in values)
        ready = statistics.median(v[1] for v in values)
        print(f"  {side:18} first paint {paint:6.0f} ms   ready {ready:6.0f} ms")
    print(f"bundle size on disk: {size_on_disk(args.bundle) / 2**20:.0f} MiB ({args.bundle})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
