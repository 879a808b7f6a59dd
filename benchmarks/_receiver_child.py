"""The reference receiver in a process of its own, for the sync benchmark.

``python -m benchmarks._receiver_child DB KIOSK_ID``: creates a token for the
kiosk, serves on a free loopback port, prints ``{"url": …, "token": …}`` on one
line, and serves until its standard input is closed.
"""

from __future__ import annotations

import json
import sys

from receiver.server import start_in_thread
from receiver.store import Store


def main() -> None:
    db_path, kiosk_id = sys.argv[1], sys.argv[2]
    token = Store(db_path).create_token(kiosk_id)
    server = start_in_thread(db_path, host="127.0.0.1", port=0)
    try:
        print(json.dumps({"url": server.url, "token": token}), flush=True)
        sys.stdin.read()  # until the benchmark closes the pipe
    finally:
        server.stop()


if __name__ == "__main__":
    main()
