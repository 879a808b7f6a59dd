"""Shared helpers for driving sessions with the shipped examples."""

from pathlib import Path

from kiosk.answers_file import AnswersFile, Outcome, play, read_answers_file
from kiosk.procedure import Procedure, find_procedure
from kiosk.session import Session

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "procedures" / "examples"


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.json"))


def procedure_id_of(example: Path) -> str:
    return example.stem.split("--")[0]


def example(name: str) -> AnswersFile:
    return read_answers_file(EXAMPLES / f"{name}.json")


def play_example(name: str, **session_args: object) -> tuple[Session, Outcome]:
    procedure: Procedure = find_procedure(name.split("--")[0])
    session = Session(procedure, **session_args)  # type: ignore[arg-type]
    return session, play(session, example(name))


def temporary_documents_folder(tmp_path: Path, monkeypatch) -> Path:
    """The default scanner folder (the Documents folder), made a temporary one."""
    home = tmp_path / "home"
    (home / "Documents").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DOCUMENTS_DIR", str(home / "Documents"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-config"))
    return home / "Documents"
