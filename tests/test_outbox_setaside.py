"""A damaged queue file set aside is told everywhere a mediator looks, and recovered.

Real files: an outbox written with items, some of its pages overwritten with
bytes, opened (so the kiosk sets it aside), then recovered row by row.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import EXIT_SET_ASIDE, main
from kiosk.outbox import DB_NAME, Outbox
from kiosk.outbox.setaside import readable_waiting, recover, set_aside_files
from kiosk.syncer import SyncReport
from tests.faultserver import EXAMPLES, FaultServer
from tests.test_outbox import KEY, make_submission

PAGE = 4096


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise AssertionError("unreachable")


def _children(content: bytes, page: int) -> list[tuple[int, int]]:
    """(child page, highest rowid under it) of an interior table page (the last: 2**63)."""
    base = (page - 1) * PAGE
    header = base + (100 if page == 1 else 0)
    assert content[header] == 0x05, "expected an interior table page"
    cells = int.from_bytes(content[header + 3 : header + 5], "big")
    result = []
    for i in range(cells):
        offset = int.from_bytes(content[header + 12 + 2 * i : header + 14 + 2 * i], "big")
        child = int.from_bytes(content[base + offset : base + offset + 4], "big")
        rowid, _ = _varint(content, base + offset + 4)
        result.append((child, rowid))
    right = int.from_bytes(content[header + 8 : header + 12], "big")
    return [*result, (right, 2**63)]


def _write_and_damage(db_path: Path, n: int = 40) -> tuple[list[str], set[str], str]:
    """An outbox of ``n`` items, damaged: (all ids, ids on a lost leaf, id whose payload is bad)."""
    with Outbox(db_path, KEY) as box:
        ids = [box.enqueue(make_submission(size=300)).id for _ in range(n)]
        box.mark_sending(ids[-1])
        box.mark_sent(ids[-1], "REF-1", 201)  # delivered before the damage
    conn = sqlite3.connect(db_path)
    root_items = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items'").fetchone()
    root_index = conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'items_order'"
    ).fetchone()
    rowid_of = dict(conn.execute("SELECT id, rowid FROM items"))
    bad_payload_id = ids[1]
    payload = conn.execute("SELECT payload FROM items WHERE id = ?", (bad_payload_id,)).fetchone()
    conn.close()
    content = bytearray(db_path.read_bytes())
    children = _children(bytes(content), root_items[0])
    assert len(children) >= 3, "the test needs a table of several leaves"
    # A middle leaf: its rows are lost; the rows of the other leaves are not.
    (leaf, high), (_, low) = children[1], children[0]
    lost = {i for i, r in rowid_of.items() if low < r <= high}
    assert lost and bad_payload_id not in lost and ids[-1] not in lost
    content[(leaf - 1) * PAGE : leaf * PAGE] = os.urandom(PAGE)
    # An index's root page: every opening's probe meets it, so the file is set aside.
    page = root_index[0]
    content[(page - 1) * PAGE + 8 : page * PAGE] = os.urandom(PAGE - 8)
    # One item's sealed payload altered: read, but it cannot be decrypted.
    at = bytes(content).find(bytes(payload[0])[20:80])
    assert at > 0
    content[at : at + 8] = b"\x00" * 8
    db_path.write_bytes(bytes(content))
    return ids, lost, bad_payload_id


def test_a_damaged_file_is_listed_then_recovered_exactly_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db_path = data_dir / DB_NAME
    assert set_aside_files(data_dir) == []
    ids, lost, bad = _write_and_damage(db_path)

    with Outbox(db_path, KEY) as box:
        assert box.set_aside is not None
        assert box.counts()["total"] == 0  # a fresh, working queue
        found = set_aside_files(data_dir)
        assert [f.path for f in found] == [box.set_aside]
        assert found[0].size == box.set_aside.stat().st_size > 0
        # The waiting ones still readable: all but the lost leaf's and the delivered one.
        assert readable_waiting(box.set_aside) == len(ids) - len(lost) - 1
        spare = box.set_aside.with_name(box.set_aside.name + "-copy")
        shutil.copyfile(box.set_aside, spare)

        done = recover(box.set_aside, box)
        expected = set(ids) - lost - {bad, ids[-1]}
        assert done.recovered == len(expected)
        assert done.unreadable == 1  # the altered payload
        assert done.delivered == 1 and done.already_queued == 0
        assert {i.id for i in box.items()} == expected
        assert all(i.state == "queued" and i.attempts == 0 for i in box.items())
        assert done.moved_to.name.startswith(f"{DB_NAME}.recovered-")
        assert done.moved_to.exists() and not box.set_aside.exists()  # renamed, never deleted
        # The bytes are the frozen ones (their digest matches what was written).
        assert all(len(box.payload(i)) > 0 for i in expected)

        # The same file again (a copy): nothing is queued twice.
        again = recover(spare, box)
        assert again.recovered == 0 and again.already_queued == len(expected)
        assert box.counts()["total"] == len(expected)
    assert set_aside_files(data_dir) == []


def test_a_file_that_is_not_a_database_recovers_nothing_but_is_told_and_kept(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db_path = data_dir / DB_NAME
    with Outbox(db_path, KEY) as box:
        box.enqueue(make_submission())
    db_path.write_bytes(b"garbage!" * 1000)
    with Outbox(db_path, KEY) as box:
        assert box.set_aside is not None
        assert readable_waiting(box.set_aside) is None
        done = recover(box.set_aside, box)
        assert (done.recovered, done.unreadable) == (0, 0)
        assert done.moved_to.read_bytes() == b"garbage!" * 1000
    assert set_aside_files(data_dir) == []


def test_the_sync_report_counts_set_aside_files_and_exits_6() -> None:
    report = SyncReport(set_aside=1, needs_person=2, queued_left=3)
    assert report.exit_code() == EXIT_SET_ASIDE == 6
    assert SyncReport(set_aside=1, auth_failed=True).exit_code() == 4  # nothing moves first
    total = SyncReport()
    total.add(report)
    assert total.set_aside == 1 and total.as_dict()["set_aside"] == 1


def _run(capsys: Any, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def test_the_command_line_says_it_everywhere_until_recovered(
    capsys: Any, monkeypatch: pytest.MonkeyPatch, isolated_environment: Path
) -> None:
    data_dir = isolated_environment
    example = str(EXAMPLES / "etre-rappele.json")
    code, out, _ = _run(
        capsys, "queue", "add", "--procedure", "etre-rappele", "--answers", example, "--json"
    )
    assert code == 0
    item = json.loads(out)
    db_path = data_dir / DB_NAME
    content = bytearray(db_path.read_bytes())
    content[:100] = b"garbage!" * 12 + b"junk"
    db_path.write_bytes(bytes(content))

    code, out, err = _run(capsys, "queue", "list")
    assert code == EXIT_SET_ASIDE
    assert "No request in the queue." in out
    (damaged,) = set_aside_files(data_dir)
    line = f"Recover them with: kiosk queue recover {damaged.path}"
    assert "A damaged queue file was set aside on" in err and line in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = _run(capsys, "queue", "show", item["id"])
    assert code == 1 and line in err  # not in the new queue, but told where it may be

    with FaultServer(token="t") as server:
        monkeypatch.setenv("KIOSK_SERVER_URL", server.url)
        monkeypatch.setenv("KIOSK_DEVICE_TOKEN", "t")
        code, _, err = _run(capsys, "sync", "--once")
        assert code == EXIT_SET_ASIDE and line in err

        code, out, err = _run(capsys, "queue", "recover", str(damaged.path))
        assert code == 0, err
        assert "0 recovered, 0 unreadable." in out  # its header was gone: nothing readable
        assert err == ""
        code, _, err = _run(capsys, "sync", "--once")
        assert code == 0 and err.count("\n") == 1  # the summary only

    code, _, err = _run(capsys, "queue", "recover", str(data_dir / "nothing-here"))
    assert code == 1 and "not a damaged queue file" in err


def test_recover_from_the_command_line_queues_the_readable_requests(
    capsys: Any, isolated_environment: Path
) -> None:
    data_dir = isolated_environment
    example = str(EXAMPLES / "etre-rappele.json")
    for _ in range(2):
        assert (
            _run(capsys, "queue", "add", "--procedure", "etre-rappele", "--answers", example)[0]
            == 0
        )
    code, out, _ = _run(capsys, "queue", "list", "--json")
    before = {i["id"] for i in json.loads(out)}
    db_path = data_dir / DB_NAME
    conn = sqlite3.connect(db_path)
    page = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'items_order'").fetchone()
    conn.close()
    content = bytearray(db_path.read_bytes())
    content[(page[0] - 1) * PAGE + 8 : page[0] * PAGE] = os.urandom(PAGE - 8)
    db_path.write_bytes(bytes(content))

    code, out, err = _run(capsys, "queue", "list", "--json")
    assert code == EXIT_SET_ASIDE and json.loads(out) == []
    assert "2 requests may be in it" in err
    (damaged,) = set_aside_files(data_dir)
    code, out, err = _run(capsys, "queue", "recover", str(damaged.path))
    assert code == 0 and "2 recovered, 0 unreadable." in out, (out, err)
    code, out, err = _run(capsys, "queue", "list", "--json")
    assert code == 0 and err == ""
    assert {i["id"] for i in json.loads(out)} == before


def test_recovery_reads_what_the_write_ahead_log_still_held(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    db_path = data_dir / DB_NAME
    damaged = data_dir / f"{DB_NAME}.damaged-20261203-101500"
    with Outbox(db_path, KEY) as box:
        box.conn.execute("PRAGMA wal_autocheckpoint = 0")  # the items stay in the log
        ids = {box.enqueue(make_submission()).id for _ in range(3)}
        # The file as a power cut leaves it: the main file and its log, not merged.
        shutil.copyfile(db_path, damaged)
        shutil.copyfile(f"{db_path}-wal", f"{damaged}-wal")
    damaged_bytes = damaged.read_bytes()
    with Outbox(tmp_path / "new.sqlite3", KEY) as fresh:
        assert readable_waiting(damaged) == 3
        done = recover(damaged, fresh)
        assert done.recovered == 3 and {i.id for i in fresh.items()} == ids
    assert done.moved_to.read_bytes() == damaged_bytes  # read, never written
    assert Path(f"{done.moved_to}-wal").exists()
