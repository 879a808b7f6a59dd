"""The reference receiver over real HTTP on loopback: protocol v1, server side."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from kiosk.protocol import (
    JSON_TYPE,
    SENT_AT_HEADER,
    acknowledgement,
    canonical_json,
    is_backoffice_health,
)
from receiver.engines import open_store
from receiver.server import ReceiverServer, start_in_thread
from receiver.store import SqliteStore, Store
from tests.receiver_db import ENGINES, db, fresh_db, rows

__all__ = ["db"]  # a fixture, used by name

MAX_BODY = 64 * 1024
KIOSK_ID = "mairie-test-01"
REFERENCE_RE = r"BO-\d{4}-\d{6}"


# -- building blocks -------------------------------------------------------------
def submission(attachments: Sequence[bytes] = (), **changes: Any) -> tuple[str, dict[str, Any]]:
    """A valid submission document (and its id); ``changes`` replace top-level keys."""
    submission_id = str(uuid.uuid4())
    document: dict[str, Any] = {
        "protocol": 1,
        "id": submission_id,
        "procedure": {"id": "permis-perte-vol", "version": "2026.11"},
        "created_at": "2026-11-29T10:15:02+01:00",
        "kiosk": {"id": KIOSK_ID, "app_version": "0.1.0"},
        "locale": "fr",
        "mode": "assisted",
        "mediator": {"id": "m-042"},
        "answers": {"nom": "Dupont", "prénom": "Éloïse", "date_naissance": "1950-00-00"},
        "attachments": [
            {
                "field": f"piece_{i}",
                "sha256": sha(data),
                "size": len(data),
                "media_type": "application/pdf",
                "filename": f"piece-{i}.pdf",
            }
            for i, data in enumerate(attachments)
        ],
        "consent": {"text_id": "consent-2026-11", "accepted_at": "2026-11-29T10:14:40+01:00"},
    }
    document.update(changes)
    return submission_id, document


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Kiosk:
    """A bare protocol client: what the kiosk's syncer sends, nothing more."""

    def __init__(self, url: str, http: requests.Session) -> None:
        self.url = url
        self.http = http

    def put_submission(
        self, submission_id: str, body: bytes | dict[str, Any], sent_at: str | None = None
    ) -> requests.Response:
        data = canonical_json(body) if isinstance(body, dict) else body
        headers = {"Content-Type": JSON_TYPE}
        if sent_at is not None:
            headers[SENT_AT_HEADER] = sent_at
        return self.http.put(
            f"{self.url}/v1/submissions/{submission_id}", data=data, headers=headers
        )

    def get_submission(self, submission_id: str) -> requests.Response:
        return self.http.get(f"{self.url}/v1/submissions/{submission_id}")

    def put_attachment(
        self, data: bytes, digest: str | None = None, media_type: str = "application/pdf"
    ) -> requests.Response:
        return self.http.put(
            f"{self.url}/v1/attachments/{digest or sha(data)}",
            data=data,
            headers={"Content-Type": media_type},
        )

    def head_attachment(self, digest: str) -> requests.Response:
        return self.http.head(f"{self.url}/v1/attachments/{digest}")


def json_of(response: requests.Response) -> Any:
    assert response.headers["Content-Type"] == JSON_TYPE
    return response.json()


# -- fixtures ----------------------------------------------------------------------
@pytest.fixture
def store(db: str | Path) -> Iterator[Store]:
    with open_store(db) as opened:
        yield opened


@pytest.fixture
def server(store: Store, db: str | Path) -> Iterator[ReceiverServer]:
    with start_in_thread(db, max_body_bytes=MAX_BODY) as running:
        yield running


@pytest.fixture
def token(store: Store) -> str:
    return store.create_token(KIOSK_ID)


@pytest.fixture
def http(token: str) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {token}"
        yield session


@pytest.fixture
def kiosk(server: ReceiverServer, http: requests.Session) -> Kiosk:
    return Kiosk(server.url, http)


@pytest.fixture(scope="module", params=ENGINES)
def shared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Kiosk, Store]]:
    """One receiver for the many refusal cases, which store nothing."""
    with (
        fresh_db(request.param, tmp_path_factory.mktemp("shared")) as where,
        open_store(where) as store,
    ):
        token = store.create_token(KIOSK_ID)
        with start_in_thread(where) as running, requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            yield Kiosk(running.url, session), store


# -- health and authentication -------------------------------------------------------
def test_health_has_the_protocol_shape(kiosk: Kiosk) -> None:
    response = kiosk.http.get(f"{kiosk.url}/v1/health")
    assert response.status_code == 200
    body = json_of(response)
    assert set(body) == {"protocol", "time", "max_body_bytes"}
    assert body["protocol"] == 1
    assert body["max_body_bytes"] == MAX_BODY
    server_time = datetime.fromisoformat(body["time"])
    assert server_time.tzinfo is not None
    assert abs(server_time - datetime.now(UTC)) < timedelta(minutes=1)
    assert is_backoffice_health(response.status_code, response.content)


ENDPOINTS = [
    ("GET", "/v1/health"),
    ("HEAD", f"/v1/attachments/{'0' * 64}"),
    ("PUT", f"/v1/attachments/{'0' * 64}"),
    ("PUT", f"/v1/submissions/{uuid.UUID(int=1)}"),
    ("GET", f"/v1/submissions/{uuid.UUID(int=1)}"),
]


@pytest.mark.parametrize(
    "authorization", [None, "Bearer not-a-token", "Bearer ", "Basic a2lvc2s6cHc="]
)
def test_every_endpoint_refuses_a_missing_or_unknown_token(
    server: ReceiverServer, token: str, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    for method, path in ENDPOINTS:
        response = requests.request(method, server.url + path, headers=headers, data=b"{}")
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        if method != "HEAD":
            assert json_of(response) == {"error": "unauthorized", "protocol": 1}


def test_every_endpoint_refuses_a_revoked_token(kiosk: Kiosk, store: Store) -> None:
    assert store.revoke_tokens(KIOSK_ID) == 1
    for method, path in ENDPOINTS:
        response = kiosk.http.request(method, kiosk.url + path, data=b"{}")
        assert response.status_code == 403, (method, path)
        if method != "HEAD":
            assert json_of(response) == {"error": "revoked", "protocol": 1}


def test_a_new_token_revokes_the_previous_one(kiosk: Kiosk, store: Store) -> None:
    new_token = store.create_token(KIOSK_ID)
    assert kiosk.http.get(f"{kiosk.url}/v1/health").status_code == 403
    response = requests.get(
        f"{kiosk.url}/v1/health", headers={"Authorization": f"bearer {new_token}"}
    )
    assert response.status_code == 200


def test_devices_rows_keep_only_a_hash_of_the_token(kiosk: Kiosk, store: Store, token: str) -> None:
    second = store.create_token("mairie-test-02")
    store.revoke_tokens("mairie-test-02")
    # Traffic, so the WAL file holds pages too.
    assert kiosk.put_attachment(b"%PDF-1.4 x").status_code == 201
    (first_row, second_row) = rows(store, "SELECT * FROM devices ORDER BY kiosk_id")
    assert first_row["kiosk_id"] == KIOSK_ID
    assert first_row["token_sha256"] == sha(token.encode())
    assert first_row["revoked_at"] is None
    assert datetime.fromisoformat(first_row["created_at"]).tzinfo is not None
    assert second_row["kiosk_id"] == "mairie-test-02"
    assert datetime.fromisoformat(second_row["revoked_at"]).tzinfo is not None
    if not isinstance(store, SqliteStore):
        return  # PostgreSQL's files are the server's
    files = list(store.path.parent.iterdir())
    assert store.path in files
    for path in files:
        content = path.read_bytes()
        for secret in (token, second):
            assert secret.encode() not in content, path.name


def test_unknown_paths_and_methods(kiosk: Kiosk) -> None:
    response = kiosk.http.get(f"{kiosk.url}/v2/health")
    assert response.status_code == 404
    assert json_of(response) == {"error": "not_found"}
    response = kiosk.http.delete(f"{kiosk.url}/v1/submissions/{uuid.uuid4()}")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, PUT"
    assert json_of(response) == {"error": "method_not_allowed"}


# -- attachments -------------------------------------------------------------------------
def test_attachment_is_stored_once_and_then_held(kiosk: Kiosk, store: Store) -> None:
    data = b"%PDF-1.4 justificatif EXEMPLE"
    digest = sha(data)
    head = kiosk.head_attachment(digest)
    assert head.status_code == 404
    assert head.content == b""
    assert kiosk.put_attachment(data).status_code == 201
    assert kiosk.head_attachment(digest).status_code == 200
    again = kiosk.put_attachment(data)
    assert again.status_code == 200
    assert json_of(again) == {"sha256": digest, "size": len(data)}
    (row,) = rows(store, "SELECT * FROM attachments")
    assert row["sha256"] == digest
    assert row["media_type"] == "application/pdf"
    assert row["size"] == len(data)
    assert row["data"] == data
    assert row["kiosk_id"] == KIOSK_ID
    assert datetime.fromisoformat(row["received_at"]).tzinfo is not None


def test_attachment_digest_mismatch_is_refused(kiosk: Kiosk, store: Store) -> None:
    response = kiosk.put_attachment(b"corrupted in transit", digest=sha(b"the real bytes"))
    assert response.status_code == 422
    assert json_of(response) == {"error": "digest_mismatch"}
    assert rows(store, "SELECT * FROM attachments") == []


@pytest.mark.parametrize("digest", ["A" * 64, "0" * 63, "not-a-digest"])
def test_attachment_path_needs_a_lowercase_sha256(shared: tuple[Kiosk, Store], digest: str) -> None:
    kiosk, _ = shared
    assert kiosk.put_attachment(b"x", digest=digest).status_code == 400
    assert kiosk.head_attachment(digest).status_code == 400


def test_attachment_larger_than_the_limit_is_413(kiosk: Kiosk, store: Store) -> None:
    exactly = b"a" * MAX_BODY
    assert kiosk.put_attachment(exactly).status_code == 201
    response = kiosk.put_attachment(exactly + b"a")
    assert response.status_code == 413
    assert json_of(response)["error"] == "too_large"
    assert len(rows(store, "SELECT sha256 FROM attachments")) == 1


# -- submissions -------------------------------------------------------------------------
def test_submission_is_stored_with_a_reference(kiosk: Kiosk, store: Store) -> None:
    submission_id, document = submission()
    sent_at = (datetime.now(UTC) - timedelta(seconds=90)).astimezone().isoformat()
    response = kiosk.put_submission(submission_id, document, sent_at=sent_at)
    assert response.status_code == 201
    ack = json_of(response)
    assert set(ack) == {"id", "reference", "received_at"}
    assert (
        acknowledgement(response.status_code, response.content, submission_id) == ack["reference"]
    )
    assert re.fullmatch(REFERENCE_RE, ack["reference"])
    (row,) = rows(store, "SELECT * FROM submissions")
    assert row["id"] == submission_id
    assert row["body"] == canonical_json(document)
    assert row["body_sha256"] == sha(canonical_json(document))
    assert row["reference"] == ack["reference"]
    assert row["received_at"] == ack["received_at"]
    assert row["status"] == "received"
    assert row["updated_at"] == row["received_at"]
    assert row["kiosk_id"] == KIOSK_ID
    assert row["kiosk_sent_at"] == sent_at
    assert 89 <= row["skew_seconds"] <= 95


def test_skew_is_left_empty_without_a_readable_sent_at(kiosk: Kiosk, store: Store) -> None:
    first_id, first = submission()
    second_id, second = submission()
    assert kiosk.put_submission(first_id, first).status_code == 201
    assert kiosk.put_submission(second_id, second, sent_at="yesterday-ish").status_code == 201
    stored = rows(store, "SELECT kiosk_sent_at, skew_seconds FROM submissions")
    assert [tuple(r.values()) for r in stored] == [(None, None), (None, None)]


def test_replay_answers_the_first_acknowledgement_again(kiosk: Kiosk, store: Store) -> None:
    submission_id, document = submission()
    first = kiosk.put_submission(submission_id, document, sent_at="2026-11-29T10:00:00+01:00")
    replay = kiosk.put_submission(submission_id, document, sent_at="2026-11-29T11:00:00+01:00")
    assert first.status_code == 201
    assert replay.status_code == 200
    assert json_of(replay) == json_of(first)
    (row,) = rows(store, "SELECT kiosk_sent_at FROM submissions")
    assert row["kiosk_sent_at"] == "2026-11-29T10:00:00+01:00"


def test_same_id_with_other_bytes_is_a_conflict(kiosk: Kiosk, store: Store) -> None:
    submission_id, document = submission()
    assert kiosk.put_submission(submission_id, document).status_code == 201
    changed = {**document, "answers": {"nom": "Durand"}}
    response = kiosk.put_submission(submission_id, changed)
    assert response.status_code == 409
    assert json_of(response) == {"error": "conflict"}
    # Other bytes of the same document (not canonical) are a conflict too.
    spaced = canonical_json(document).replace(b",", b", ")
    assert kiosk.put_submission(submission_id, spaced).status_code == 409
    (row,) = rows(store, "SELECT body FROM submissions")
    assert row["body"] == canonical_json(document)


def test_missing_attachments_then_upload_then_success(kiosk: Kiosk) -> None:
    scan, photo = b"%PDF-1.4 scan EXEMPLE", b"\xff\xd8\xff photo EXEMPLE"
    submission_id, document = submission([scan, photo, scan])
    response = kiosk.put_submission(submission_id, document)
    assert response.status_code == 422
    assert json_of(response) == {"error": "missing_attachments", "missing": [sha(scan), sha(photo)]}
    assert kiosk.put_attachment(photo, media_type="image/jpeg").status_code == 201
    response = kiosk.put_submission(submission_id, document)
    assert json_of(response) == {"error": "missing_attachments", "missing": [sha(scan)]}
    assert kiosk.put_attachment(scan).status_code == 201
    assert kiosk.put_submission(submission_id, document).status_code == 201


REQUIRED = [
    "protocol", "id", "procedure", "created_at", "kiosk", "locale",
    "mode", "mediator", "answers", "attachments", "consent",
]  # fmt: skip

# (what to send: raw bytes, top-level changes or a key to drop; the field named)
INVALID: list[Any] = [
    pytest.param(b"not json", "body", id="not-json"),
    pytest.param(b"[1, 2]", "body", id="json-list"),
    pytest.param(b'{"protocol": 1, "nom": "\xff"}', "body", id="not-utf8"),
    pytest.param({"protocol": 2}, "protocol", id="protocol-2"),
    pytest.param({"protocol": "1"}, "protocol", id="protocol-text"),
    pytest.param({"id": str(uuid.uuid4())}, "id", id="id-differs"),
    pytest.param({"procedure": {"id": "permis-perte-vol"}}, "procedure.version", id="no-version"),
    pytest.param({"kiosk": {"id": "k"}}, "kiosk.app_version", id="no-app-version"),
    pytest.param({"created_at": "2026-11-29T10:15:02"}, "created_at", id="no-offset"),
    pytest.param({"mode": "training"}, "mode", id="training"),
    pytest.param({"mediator": None}, "mediator", id="assisted-no-mediator"),
    pytest.param({"mediator": {}}, "mediator.id", id="mediator-no-id"),
    pytest.param({"mode": "self_service"}, "mediator", id="self-service-with-mediator"),
    pytest.param({"answers": []}, "answers", id="answers-list"),
    pytest.param({"attachments": {}}, "attachments", id="attachments-object"),
    pytest.param({"attachments": [{"sha256": "x"}]}, "attachments[0].sha256", id="bad-item"),
    pytest.param({"consent": None}, "consent", id="consent-null"),
    *(pytest.param(key, key, id=f"without-{key}") for key in REQUIRED),
]


@pytest.mark.parametrize(("change", "field"), INVALID)
def test_invalid_submissions_are_refused_with_details(
    shared: tuple[Kiosk, Store], change: bytes | str | dict[str, Any], field: str
) -> None:
    kiosk, store = shared
    submission_id, document = submission()
    if isinstance(change, bytes):
        body = change
    elif isinstance(change, str):
        del document[change]
        body = canonical_json(document)
    else:
        body = canonical_json({**document, **change})
    response = kiosk.put_submission(submission_id, body)
    assert response.status_code == 422
    refusal = json_of(response)
    assert refusal["error"] == "invalid"
    assert field in [d["field"] for d in refusal["details"]]
    assert all(set(d) == {"field", "message"} and d["message"] for d in refusal["details"])
    assert rows(store, "SELECT id FROM submissions WHERE id = ?", submission_id) == []


def test_self_service_submission_without_mediator_is_accepted(kiosk: Kiosk) -> None:
    submission_id, document = submission(mode="self_service", mediator=None)
    assert kiosk.put_submission(submission_id, document).status_code == 201


@pytest.mark.parametrize(
    "bad_id",
    ["42", str(uuid.uuid4()).upper(), "6f1c0e9a4b7d4a8e9a532f7a1c9e0d11", "6f1c0e9a-4b7d-4a8e"],
)
def test_submission_path_needs_a_uuid(shared: tuple[Kiosk, Store], bad_id: str) -> None:
    kiosk, _ = shared
    _, document = submission(id=bad_id)
    response = kiosk.put_submission(bad_id, document)
    assert response.status_code == 400
    assert json_of(response)["error"] == "malformed"
    assert kiosk.get_submission(bad_id).status_code == 400


def test_submission_larger_than_the_limit_is_413(kiosk: Kiosk, store: Store) -> None:
    submission_id, document = submission(answers={"texte": "x" * MAX_BODY})
    response = kiosk.put_submission(submission_id, document)
    assert response.status_code == 413
    assert rows(store, "SELECT * FROM submissions") == []


def test_status_is_readable_and_follows_an_agent(kiosk: Kiosk, store: Store) -> None:
    submission_id, document = submission()
    assert kiosk.get_submission(submission_id).status_code == 404
    ack = json_of(kiosk.put_submission(submission_id, document))
    state = json_of(kiosk.get_submission(submission_id))
    assert state == {
        "id": submission_id,
        "reference": ack["reference"],
        "status": "received",
        "updated_at": ack["received_at"],
    }
    store.set_status(submission_id, "in_review")
    state = json_of(kiosk.get_submission(submission_id))
    assert state["status"] == "in_review"
    assert state["reference"] == ack["reference"]


def test_references_are_unique_and_follow_each_other(kiosk: Kiosk) -> None:
    references = []
    for _ in range(3):
        submission_id, document = submission()
        references.append(json_of(kiosk.put_submission(submission_id, document))["reference"])
    numbers = [int(r.rsplit("-", 1)[1]) for r in references]
    assert numbers == [1, 2, 3]
    assert len({r.rsplit("-", 1)[0] for r in references}) == 1


# -- concurrency -------------------------------------------------------------------------
def _put_together(
    url: str, token: str, requests_to_send: list[tuple[str, bytes]]
) -> list[requests.Response]:
    """Send every PUT from its own thread and connection, released at the same moment."""
    barrier = threading.Barrier(len(requests_to_send))
    results: list[requests.Response | BaseException] = [RuntimeError("not run")] * len(
        requests_to_send
    )

    def send(i: int, submission_id: str, body: bytes) -> None:
        try:
            with requests.Session() as session:
                session.headers["Authorization"] = f"Bearer {token}"
                barrier.wait(timeout=10)
                results[i] = Kiosk(url, session).put_submission(submission_id, body)
        except BaseException as e:  # reported below, in the test's thread
            results[i] = e

    threads = [
        threading.Thread(target=send, args=(i, sid, body))
        for i, (sid, body) in enumerate(requests_to_send)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    responses = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        responses.append(result)
    return responses


def test_concurrent_identical_puts_store_once(
    server: ReceiverServer, token: str, store: Store
) -> None:
    submission_id, document = submission()
    body = canonical_json(document)
    responses = _put_together(server.url, token, [(submission_id, body)] * 8)
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.content for r in responses}) == 1
    assert len(rows(store, "SELECT * FROM submissions")) == 1


def test_concurrent_different_puts_get_distinct_references(
    server: ReceiverServer, token: str, store: Store
) -> None:
    batch = []
    for _ in range(8):
        submission_id, document = submission()
        batch.append((submission_id, canonical_json(document)))
    responses = _put_together(server.url, token, batch)
    assert [r.status_code for r in responses] == [201] * 8
    references = {r.json()["reference"] for r in responses}
    assert len(references) == 8
    assert len(rows(store, "SELECT * FROM submissions")) == 8
