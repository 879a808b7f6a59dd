"""Opening the outbox reads the whole file only when it may be damaged (kiosk.outbox.closing).

A real process dies with the file open; a file is damaged while closed; two
handles share the file, as the screens and the syncer do.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.outbox import DB_NAME, Outbox
from kiosk.outbox.store import Outbox as StoreOutbox
from tests.conftest import subprocess_env
from tests.test_outbox import KEY, make_submission


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[bool]]:
    """Whether each opening ran the full check (quick_check), in order."""
    seen: list[bool] = []
    real = StoreOutbox._is_damaged

    def spy(self: Outbox, *, full_check: bool) -> bool:
        seen.append(full_check)
        return real(self, full_check=full_check)

    monkeypatch.setattr(StoreOutbox, "_is_damaged", spy)
    yield seen


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / DB_NAME


def marks(db_path: Path) -> list[str]:
    return sorted(p.name for p in db_path.parent.glob(f"{DB_NAME}.open-*"))


def test_a_cleanly_closed_file_is_not_read_whole(db_path: Path, checks: list[bool]) -> None:
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
        assert len(marks(db_path)) == 1
    assert marks(db_path) == []
    with Outbox(db_path, KEY) as box:
        assert box.counts()["total"] == 1
    assert checks == [False, False]
    assert sorted(p.name for p in db_path.parent.iterdir()) == [DB_NAME]


def test_after_a_process_died_with_the_file_open_it_is_checked(
    db_path: Path, checks: list[bool]
) -> None:
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from kiosk.outbox import Outbox\n"
        "box = Outbox(Path(sys.argv[1]), bytes(range(32)))\n"
        "box.counts()\n"
        "os._exit(0)  # dies without closing, as a killed or crashed kiosk\n"
    )
    subprocess.run(
        [sys.executable, "-c", script, str(db_path)], env=subprocess_env(), check=True, timeout=60
    )
    assert len(marks(db_path)) == 1  # left behind, unlocked
    with Outbox(db_path, KEY) as box:
        assert box.counts()["total"] == 1
        assert len(marks(db_path)) == 1  # the dead one's was removed: only this one's
    with Outbox(db_path, KEY):
        pass
    assert checks == [False, True, False]


def test_a_file_damaged_while_closed_is_found_by_the_probe(
    db_path: Path, checks: list[bool]
) -> None:
    """The probe reads both ends of every table and index: a damaged leaf is found
    at opening, without reading the whole file, and the file is set aside."""
    with Outbox(db_path, KEY) as box:
        for _ in range(300):
            box.enqueue(make_submission(n_attachments=0))
    conn = sqlite3.connect(db_path)
    # The rightmost leaf of items_order (where the newest items are), from dbstat:
    # paths sort as the tree does ("/000/", "/001/", …), the last leaf is the last path.
    (page_number,) = conn.execute(
        "SELECT pageno FROM dbstat WHERE name = 'items_order' AND pagetype = 'leaf'"
        " ORDER BY path DESC LIMIT 1"
    ).fetchone()
    (leaves,) = conn.execute(
        "SELECT COUNT(*) FROM dbstat WHERE name = 'items_order' AND pagetype = 'leaf'"
    ).fetchone()
    (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    assert leaves > 2  # a leaf in the middle stays whole: the probe reads only the ends
    content = bytearray(db_path.read_bytes())
    start = (page_number - 1) * page_size
    content[start : start + 8] = b"\xff" * 8
    db_path.write_bytes(bytes(content))
    with Outbox(db_path, KEY) as box:
        assert checks == [False, False]  # the probe, not the full check, found it
        assert box.set_aside is not None and box.counts()["total"] == 0


def test_handles_sharing_the_file_are_not_mistaken_for_dead_ones(
    db_path: Path, checks: list[bool]
) -> None:
    with Outbox(db_path, KEY) as screens:
        screens.enqueue(make_submission())
        with Outbox(db_path, KEY) as syncer:
            assert syncer.counts()["total"] == 1
            assert len(marks(db_path)) == 2
        assert len(marks(db_path)) == 1
        with Outbox(db_path, KEY) as another:  # the screens' handle is alive: no check
            assert another.counts()["total"] == 1
        screens.enqueue(make_submission())
    with Outbox(db_path, KEY) as box:
        assert box.counts()["total"] == 2
    assert checks == [False, False, False, False]


def test_a_damaged_page_met_while_running_makes_the_next_opening_check(
    db_path: Path, checks: list[bool]
) -> None:
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
    with Outbox(db_path, KEY) as box:
        error = box._translated(sqlite3.DatabaseError("database disk image is malformed"))
        assert "restart" in str(error)
    assert len(marks(db_path)) == 1  # left behind for the next opening
    with Outbox(db_path, KEY):
        pass
    with Outbox(db_path, KEY):
        pass
    assert checks == [False, False, True, False]


def test_a_folder_where_no_mark_can_be_made_still_opens(db_path: Path, checks: list[bool]) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes into read-only folders")
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
    db_path.parent.chmod(0o555)
    try:
        with Outbox(db_path, KEY) as box:  # read-only: reading still works
            assert box.counts()["total"] == 1
    except Exception as e:  # or a clear sentence, never a traceback's text
        assert "read-only" in str(e) or "cannot write" in str(e), e
    finally:
        db_path.parent.chmod(0o755)
    assert checks[-1] is True  # no mark: checked, to be safe
