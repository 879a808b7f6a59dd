"""Several ``python -m receiver serve`` processes on one database: exactly once across them."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from kiosk.protocol import canonical_json
from receiver.engines import open_store
from tests.conftest import subprocess_env
from tests.receiver_db import db, rows
from tests.test_receiver import KIOSK_ID, Kiosk, submission

__all__ = ["db"]  # a fixture, used by name

PROCESSES = 3
SUBMISSIONS = 12


@pytest.fixture
def receivers(db: str | Path) -> Iterator[list[str]]:
    """Three receiver processes serving ``db``, each on its own port: their URLs."""
    children = []
    try:
        for _ in range(PROCESSES):
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "receiver", "serve", "--db", str(db), "--port", "0"],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=subprocess_env(),
                )
            )
        urls = []
        for child in children:
            assert child.stdout is not None
            line = child.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+", line)
            assert match, (line, child.stderr.read() if child.stderr else "")
            urls.append(match.group(0))
        yield urls
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.communicate()


def test_the_same_submissions_sent_to_every_process_at_once_are_stored_once(
    db: str | Path, receivers: list[str]
) -> None:
    with open_store(db) as store:
        token = store.create_token(KIOSK_ID)
    batch = [submission() for _ in range(SUBMISSIONS)]
    bodies = [(sid, canonical_json(document)) for sid, document in batch]
    # Each submission is sent once to every process, all of them released together.
    barrier = threading.Barrier(PROCESSES * len(bodies))
    answers: dict[tuple[int, int], requests.Response | BaseException] = {}

    def send(p: int, i: int) -> None:
        try:
            with requests.Session() as http:
                http.headers["Authorization"] = f"Bearer {token}"
                barrier.wait(timeout=30)
                answers[(p, i)] = Kiosk(receivers[p], http).put_submission(*bodies[i])
        except BaseException as e:  # reported in the test's thread
            answers[(p, i)] = e

    threads = [
        threading.Thread(target=send, args=(p, i))
        for p in range(PROCESSES)
        for i in range(len(bodies))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    references = []
    for i, (submission_id, _) in enumerate(bodies):
        responses = []
        for p in range(PROCESSES):
            answer = answers[(p, i)]
            if isinstance(answer, BaseException):
                raise answer
            responses.append(answer)
        codes = sorted(r.status_code for r in responses)
        assert codes == [200] * (PROCESSES - 1) + [201], (submission_id, codes)
        acks = {r.content for r in responses}
        assert len(acks) == 1, "every process gave the same acknowledgement"
        references.append(responses[0].json()["reference"])
    assert len(set(references)) == len(bodies)

    with open_store(db, create=False) as store:
        stored = rows(store, "SELECT id, reference FROM submissions")
    assert sorted(r["id"] for r in stored) == sorted(sid for sid, _ in bodies)
    assert sorted(r["reference"] for r in stored) == sorted(references)
