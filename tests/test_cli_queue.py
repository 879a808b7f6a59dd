"""``kiosk queue``, ``kiosk sync``, ``kiosk device-token`` and ``kiosk config``.

Run as a person would: the real command in a child process, its own data
folder, a file-based keyring (the in-memory one does not cross processes),
and a back-office on loopback in this process.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import main
from kiosk.syncer import NO_SERVER_URL
from tests.conftest import subprocess_env
from tests.faultserver import EXAMPLES, FaultServer
from tests.file_keyring import BACKEND, FILE_ENV

TOKEN = "test-token"


class Kiosk:
    """The ``kiosk`` command on one data folder."""

    def __init__(self, root: Path) -> None:
        self.data_dir = root / "data"
        self.env = subprocess_env(
            PYTHON_KEYRING_BACKEND=BACKEND, **{FILE_ENV: str(root / "keyring.json")}
        )

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "kiosk", "--data-dir", str(self.data_dir), *args]

    def __call__(
        self, *args: str, stdin: str | None = None, timeout: float = 60, **env: str
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.argv(*args),
            env={**self.env, **env},
            input=stdin if stdin is not None else "",
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def popen(self, *args: str, **env: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.argv(*args),
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def items(self) -> list[dict[str, Any]]:
        result = self("queue", "list", "--json")
        assert result.returncode == 0, result.stderr
        items: list[dict[str, Any]] = json.loads(result.stdout)
        return items

    def add(self, example: str, *extra: str) -> dict[str, Any]:
        result = self(
            "queue", "add", "--procedure", example.split("--")[0],
            "--answers", str(EXAMPLES / f"{example}.json"), "--json", *extra,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        item: dict[str, Any] = json.loads(result.stdout)
        return item


def finalizes(example: str) -> bool:
    """Whether the example's answers reach a submission (some end at "go elsewhere")."""
    from kiosk.answers_file import play, read_answers_file
    from kiosk.procedure import find_procedure
    from kiosk.session import Session

    session = Session(find_procedure(example.split("--")[0]))
    return play(session, read_answers_file(EXAMPLES / f"{example}.json")).result is not None


@pytest.fixture
def kiosk(tmp_path: Path) -> Kiosk:
    return Kiosk(tmp_path)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with FaultServer(token=TOKEN) as s:
        yield s


def connect(kiosk: Kiosk, server: FaultServer) -> None:
    """Point the kiosk at the server through the environment (no extra process)."""
    kiosk.env.update(
        KIOSK_SERVER_URL=server.url,
        KIOSK_SYNC_BACKOFF_BASE_S="0.01",
        KIOSK_SYNC_BACKOFF_CAP_S="0.05",
        KIOSK_SYNC_READ_TIMEOUT_S="2",
    )


def run(capsys: Any, *args: str) -> tuple[int, str, str]:
    """The command in this process (the data folder and keyring of the test)."""
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


@pytest.fixture
def in_process(server: FaultServer, monkeypatch: pytest.MonkeyPatch) -> FaultServer:
    monkeypatch.setenv("KIOSK_SERVER_URL", server.url)
    monkeypatch.setenv("KIOSK_SYNC_BACKOFF_BASE_S", "0.01")
    monkeypatch.setenv("KIOSK_SYNC_BACKOFF_CAP_S", "0.05")
    monkeypatch.setenv("KIOSK_DEVICE_TOKEN", TOKEN)
    return server


# -- the whole way: every shipped example, delivered once by the reference receiver ------------


@pytest.mark.slow
def test_every_shipped_example_is_delivered_exactly_once(kiosk, tmp_path, capsys, monkeypatch):
    from receiver.server import start_in_thread

    # One key file for this process and the child processes alike.
    key_store = f"file:{tmp_path / 'keys' / 'outbox.key'}"
    monkeypatch.setenv("KIOSK_KEY_STORE", key_store)
    kiosk.env["KIOSK_KEY_STORE"] = key_store
    examples = sorted(p.stem for p in EXAMPLES.glob("*.json"))
    finishing = [name for name in examples if finalizes(name)]
    assert len(finishing) >= 9

    first = kiosk.add(finishing[0], "--mode", "assisted", "--mediator", "m-042")
    assert first["state"] == "queued" and first["mode"] == "assisted"
    # The others through the same command, run in this process: 20-odd interpreter
    # start-ups would cost more than the rest of the test.
    for name in examples[1:]:
        code, out, err = run(
            capsys, "--data-dir", str(kiosk.data_dir), "queue", "add",
            "--procedure", name.split("--")[0], "--answers", str(EXAMPLES / f"{name}.json"),
        )  # fmt: skip
        if name in finishing:
            assert code == 0, (name, err)
            assert out.startswith("Queued ")
        else:  # an example whose answers lead to "you cannot do this here"
            assert code == 1, (name, err)
            assert "Nothing was queued" in err
    queued = kiosk.items()
    assert len(queued) == len(finishing)
    assert len({i["local_reference"] for i in queued}) == len(finishing)

    with start_in_thread(tmp_path / "receiver.sqlite3") as receiver:
        token = receiver.store.create_token("mairie-test-01")
        kiosk("config", "set", "server_url", receiver.url)
        kiosk.env["KIOSK_ID"] = "mairie-test-01"
        assert kiosk("device-token", "set", stdin=token + "\n").returncode == 0

        result = kiosk("sync", "--until-idle", "--timeout", "60", "--json")

        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["sent"] == len(finishing)
        sent = kiosk.items()
        with receiver.store.connect() as conn:
            held = conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0]
        assert held == len(finishing)
        for item in sent:
            record = receiver.store.find_submission(item["id"])
            assert record is not None
            assert item["state"] == "sent"
            assert item["server_reference"] == record.reference

        again = kiosk("sync", "--once")
        assert again.returncode == 0
        with receiver.store.connect() as conn:
            assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == held


# -- queue add / list / show / retry --------------------------------------------------------------


def test_add_refuses_invalid_answers_with_field_errors(kiosk, tmp_path):
    answers = json.loads((EXAMPLES / "etre-rappele.json").read_text(encoding="utf-8"))
    answers["answers"]["telephone"] = "12"
    path = tmp_path / "wrong.json"
    path.write_text(json.dumps(answers), encoding="utf-8")

    result = kiosk("queue", "add", "--procedure", "etre-rappele", "--answers", str(path))

    assert result.returncode == 1
    assert "telephone" in result.stderr
    assert "Nothing was queued" in result.stderr
    assert kiosk.items() == []


def test_add_list_show_in_text(kiosk):
    result = kiosk(
        "queue", "add", "--procedure", "carte-grise-duplicata",
        "--answers", str(EXAMPLES / "carte-grise-duplicata.json"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Queued ")
    (item,) = kiosk.items()
    assert {"id", "procedure", "state", "local_reference", "server_reference", "attempts",
            "created_at", "needs_person"} <= set(item)  # fmt: skip
    assert (item["procedure"], item["state"], item["attempts"]) == (
        "carte-grise-duplicata",
        "queued",
        0,
    )
    assert item["local_reference"] in result.stdout and item["id"] in result.stdout

    listing = kiosk("queue", "list")
    assert item["local_reference"] in listing.stdout and "queued" in listing.stdout

    # By local reference, typed loosely, as a person would read it out.
    shown = kiosk("queue", "show", item["local_reference"].lower().replace("-", " "))
    assert shown.returncode == 0, shown.stderr
    assert item["id"] in shown.stdout
    assert "Attachment:" in shown.stdout

    missing = kiosk("queue", "show", "nope")
    assert missing.returncode == 1
    assert "No request 'nope'" in missing.stderr


def test_add_in_process_checks_arguments(capsys):
    answers = str(EXAMPLES / "etre-rappele.json")
    assert main(["queue", "add", "--procedure", "etre-rappele", "--answers", answers,
                 "--mode", "assisted"]) == 1  # fmt: skip
    assert "--mediator" in capsys.readouterr().err
    assert main(["queue", "add", "--procedure", "no-such", "--answers", answers]) == 1
    assert "No procedure with the id 'no-such'" in capsys.readouterr().err
    assert main(["queue", "add", "--procedure", "etre-rappele", "--answers", "/nope.json"]) == 1
    assert "file not found" in capsys.readouterr().err
    assert main(["queue", "list", "--state", "queued"]) == 0
    assert "No request 'queued'" in capsys.readouterr().out


# -- sync: exit codes, pauses, retries ------------------------------------------------------------


def test_sync_without_an_address_or_a_token_says_what_to_do(capsys, server, monkeypatch):
    code, _, err = run(capsys, "sync", "--once")
    assert code == 1
    assert NO_SERVER_URL in err

    monkeypatch.setenv("KIOSK_SERVER_URL", server.url)
    code, _, err = run(capsys, "sync", "--once")
    assert code == 4
    assert "kiosk device-token set" in err
    assert server.requests == []


def test_sync_exit_codes_and_what_a_person_does_about_them(capsys, in_process):
    server = in_process
    example = str(EXAMPLES / "etre-rappele.json")
    queued = []
    for _ in range(2):
        code, out, _ = run(capsys, "queue", "add", "--procedure", "etre-rappele",
                           "--answers", example, "--json")  # fmt: skip
        assert code == 0
        queued.append(json.loads(out))
    rejected, fine = queued

    def items() -> list[dict[str, Any]]:
        code, out, _ = run(capsys, "queue", "list", "--json")
        assert code == 0
        result: list[dict[str, Any]] = json.loads(out)
        return result

    # 5: one request refused on its content.
    server.script("submission", "422_invalid", None)
    code, _, err = run(capsys, "sync", "--until-idle", "--timeout", "20")
    assert code == 5, err
    assert "1 need a person" in err
    assert {i["id"]: i["state"] for i in items()} == {
        rejected["id"]: "rejected",
        fine["id"]: "sent",
    }
    code, out, _ = run(capsys, "queue", "show", rejected["id"])
    assert "date_naissance: date in the future" in out
    assert "HTTP 422 invalid" in out

    # A person fixed it on the back-office side and sends it again.
    assert run(capsys, "queue", "retry", rejected["local_reference"])[0] == 0
    assert run(capsys, "sync", "--until-idle", "--timeout", "20")[0] == 0
    code, _, err = run(capsys, "queue", "retry", rejected["id"])
    assert code == 1 and "already delivered" in err

    # 4: the token is refused; the queue pauses until someone acts.
    code, out, _ = run(capsys, "queue", "add", "--procedure", "etre-rappele",
                       "--answers", example, "--json")  # fmt: skip
    third = json.loads(out)
    server.script("submission", "401")
    code, _, err = run(capsys, "sync", "--until-idle", "--timeout", "20")
    assert code == 4
    assert "token refused (HTTP 401)" in err
    assert "Sending is paused" in run(capsys, "queue", "list")[2]
    assert run(capsys, "sync", "--once")[0] == 4  # still paused: nothing tried
    assert len(server.recorded("submission")) == 4
    code, out, _ = run(capsys, "queue", "retry", "--all")
    assert "it is resumed" in out
    assert run(capsys, "sync", "--once")[0] == 0
    newest = items()[0]  # the list is newest first
    assert newest["id"] == third["id"]
    assert server.submissions[third["id"]].reference == newest["server_reference"]


def test_sync_json_report(capsys, in_process):
    code, out, _ = run(capsys, "sync", "--once", "--json")
    assert code == 0
    assert json.loads(out)["connected"] is True
    assert run(capsys, "sync", "--timeout", "3")[0] == 2  # --timeout goes with --until-idle


def test_sync_offline_exits_3_within_its_timeout(capsys, monkeypatch):
    with FaultServer() as gone:
        url = gone.url
    monkeypatch.setenv("KIOSK_SERVER_URL", url)
    monkeypatch.setenv("KIOSK_DEVICE_TOKEN", TOKEN)
    answers = str(EXAMPLES / "etre-rappele.json")
    assert run(capsys, "queue", "add", "--procedure", "etre-rappele", "--answers", answers)[0] == 0
    code, _, err = run(capsys, "sync", "--until-idle", "--timeout", "0.5")
    assert code == 3
    assert "cannot be reached" in err
    assert "1 still queued" in err


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM])
def test_sync_until_stopped_ends_cleanly(kiosk, server, how):
    connect(kiosk, server)
    kiosk.add("etre-rappele")
    server.slow_s = 0.5
    server.script("submission", "slow")  # the signal arrives while the kiosk waits
    process = kiosk.popen("sync", KIOSK_DEVICE_TOKEN=TOKEN)
    try:
        assert server.wait_for(lambda: ("submission", "PUT") in {a[:2] for a in server.arrived})
        process.send_signal(how)
        _out, err = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in err
    assert process.returncode == (130 if how == signal.SIGINT else 0), err
    assert kiosk.items()[0]["state"] == "sent"


# -- device token and settings -------------------------------------------------------------------


def test_device_token_is_read_from_stdin_and_never_shown(kiosk, server, tmp_path):
    """The token goes from standard input to the keyring, and nowhere else."""
    connect(kiosk, server)
    kiosk.add("etre-rappele")
    secret = "s3cret-device-token-value"
    result = kiosk("device-token", "set", stdin=secret + "\n")
    assert result.returncode == 0, result.stderr
    assert secret not in result.stdout + result.stderr
    stored = json.loads((tmp_path / "keyring.json").read_text(encoding="utf-8"))
    assert stored["kiosk/device-token"] == secret

    # Not the back-office's token: refused, the queue pauses ...
    refused = kiosk("sync", "--once")
    assert refused.returncode == 4
    assert secret not in refused.stdout + refused.stderr
    # ... until the right one is set.
    result = kiosk("device-token", "set", stdin=TOKEN + "\n")
    assert "resumed" in result.stdout
    assert kiosk("sync", "--once").returncode == 0
    assert len(server.submissions) == 1

    empty = kiosk("device-token", "set", stdin="\n")
    assert empty.returncode == 1
    assert "No token was given" in empty.stderr


def test_no_keyring_is_a_clear_sentence(kiosk):
    result = kiosk(
        "device-token", "set", stdin="abc\n", PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring"
    )
    assert result.returncode == 1
    assert "No system keyring is available" in result.stderr
    assert "abc" not in result.stderr


def test_config_get_and_set(kiosk, capsys):
    assert kiosk("config", "set", "server_url", "https://guichet.example.fr/").returncode == 0
    everything = kiosk("config", "get")
    assert "server_url = https://guichet.example.fr" in everything.stdout
    assert "read_timeout_s = 30" in everything.stdout
    plain = kiosk("config", "set", "server_url", "http://guichet.example.fr")
    assert plain.returncode == 1
    assert "https://" in plain.stderr

    # The same in this process, quicker.
    assert run(capsys, "config", "set", "read_timeout_s", "12")[0] == 0
    assert run(capsys, "config", "get", "read_timeout_s")[1].strip() == "12"
    code, _, err = run(capsys, "config", "set", "colour", "blue")
    assert code == 1 and "unknown setting 'colour'" in err
    code, _, err = run(capsys, "config", "set", "read_timeout_s", "soon")
    assert code == 1 and "read_timeout_s" in err
    assert run(capsys, "config", "set", "read_timeout_s", "")[0] == 0
    assert run(capsys, "config", "get", "read_timeout_s")[1].strip() == "30"
