"""``kiosk demo``: the kiosk and the reference back-office, side by side, on this computer.

A newcomer sees a request travel from the screen to the back-office: the
receiver runs on loopback, the kiosk gets a fresh device token and a
throwaway data directory (its data key in a file next to it, never in the
system keyring), and a banner on the window says where the back-office
listens and how many requests it has received. Everything is deleted on exit.
"""

from __future__ import annotations

import logging
import shutil
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout

from kiosk.config import Settings, set_setting
from receiver.server import ReceiverServer, start_in_thread
from ui import theme
from ui.app import create_main_window, ensure_application
from ui.i18n import tr
from ui.page import label

log = logging.getLogger(__name__)

DEMO_KIOSK_ID = "kiosk-demo"


class Demo:
    """The demo's pieces, connected; ``close()`` stops and deletes them all."""

    def __init__(self, root: Path, *, remove_root: bool) -> None:
        self.root = Path(root)
        self._remove_root = remove_root
        self.data_dir = self.root / "kiosk-data"
        self.key_file = self.root / "keys" / "outbox.key"
        self.receiver: ReceiverServer | None = None
        self.window: Any = None
        self.banner_label: Any = None
        self._closed = False

    def received(self) -> int:
        """How many requests the back-office holds."""
        if self.receiver is None:
            return 0
        with self.receiver.store.connect() as conn:
            return int(conn.execute("SELECT count(*) FROM submissions").fetchone()[0])

    def update_banner(self, *_report: object) -> None:
        if self.banner_label is None or self.receiver is None:
            return
        text = (
            tr("Démo : le service reçoit les demandes à {url}.").replace("{url}", self.receiver.url)
            + " "
            + tr("Demandes reçues : {n}.").replace("{n}", str(self.received()))
        )
        self.banner_label.setText(text)
        self.banner_label.setAccessibleName(text)

    def close(self) -> None:
        """Stop sending, close the outbox, stop the back-office, delete the files."""
        if self._closed:
            return
        self._closed = True
        window = self.window
        if window is not None:
            window.services.sync.stop()
            window.go_home()  # the last person's answers leave memory too
            window.services.sink.close()
        if self.receiver is not None:
            self.receiver.stop()
        if self._remove_root:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Demo:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def demo_settings(url: str, key_file: Path) -> Settings:
    return Settings(
        server_url=url,
        kiosk_id=DEMO_KIOSK_ID,
        key_store=f"file:{key_file}",
        # Loopback answers at once; a failure is retried soon, to be seen.
        backoff_base_s=1.0,
        backoff_cap_s=10.0,
        connect_timeout_s=2.0,
        read_timeout_s=10.0,
    )


def setup_demo(root: Path | None = None) -> Demo:
    """Start the back-office and build the kiosk's window on it (not shown).

    ``root`` holds everything; without it a temporary folder is made, and
    deleted by ``close()``.
    """
    demo = Demo(
        Path(tempfile.mkdtemp(prefix="kiosk-demo-")) if root is None else Path(root),
        remove_root=root is None,
    )
    try:
        demo.root.mkdir(parents=True, exist_ok=True)
        demo.receiver = start_in_thread(demo.root / "receiver" / "receiver.db")
        token = demo.receiver.store.create_token(DEMO_KIOSK_ID)
        settings = demo_settings(demo.receiver.url, demo.key_file)
        # Also on disk, so `kiosk --data-dir <dir> queue list` shows the demo's queue.
        for key in ("server_url", "kiosk_id", "key_store"):
            set_setting(demo.data_dir, key, str(getattr(settings, key)))
        demo.window = create_main_window(demo.data_dir, settings=settings, device_token=token)
        _add_banner(demo)
    except BaseException:
        demo.close()
        raise
    return demo


def _add_banner(demo: Demo) -> None:
    window = demo.window
    frame = QFrame()
    frame.setObjectName("demo:banner")
    frame.setProperty("role", "card")
    row = QHBoxLayout(frame)
    row.setContentsMargins(16, 8, 16, 8)
    demo.banner_label = label("", None, "demo:banner-text")
    # For whoever tries the demo, not for the person: it keeps the body size
    # at every text size, so the screens keep their room at 200 %.
    demo.banner_label.setStyleSheet(f"font-size: {theme.BODY_PX}px;")
    row.addWidget(demo.banner_label)
    window.add_top_row(frame)
    window.services.sync.status.connect(demo.update_banner)
    window.submitted.connect(demo.update_banner)
    demo.update_banner()


def run_demo() -> int:
    """``kiosk demo``: show the window until it is closed (or Ctrl-C), then clean up."""
    app = ensure_application(sys.argv[:1])
    demo = setup_demo()
    assert demo.receiver is not None
    print(f"Demo back-office: {demo.receiver.url} (its database: {demo.root / 'receiver'})")
    print(f"Demo kiosk data: {demo.data_dir} (deleted when the window closes)")
    # Ctrl-C in the terminal, or SIGTERM (a session ending, `timeout`): Qt's
    # loop does not run Python's signal handlers unless Python gets control
    # now and then. Either way the throwaway folder must go.
    previous = {
        sig: signal.signal(sig, lambda *_: app.quit()) for sig in (signal.SIGINT, signal.SIGTERM)
    }
    tick = QTimer()
    tick.timeout.connect(lambda: None)
    tick.start(250)
    try:
        demo.window.resize(1280, 800)
        demo.window.show()
        return app.exec()
    finally:
        tick.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        demo.close()
