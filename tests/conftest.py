import os
from pathlib import Path

import pytest

# Before any Qt import: every GUI test renders offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "resources" / "procedures" / "examples"
MEMORY_KEYRING = "tests.memory_keyring.MemoryKeyring"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and an in-memory keyring."""
    data_dir = tmp_path / "kiosk-data"
    monkeypatch.setenv("KIOSK_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", MEMORY_KEYRING)
    for name in list(os.environ):
        if name.startswith("KIOSK_") and name != "KIOSK_DATA_DIR":
            monkeypatch.delenv(name)
    # Checked procedures are remembered per test, never in the user's cache folder.
    monkeypatch.setenv("KIOSK_CACHE_DIR", str(tmp_path / "kiosk-cache"))
    import keyring

    from tests.memory_keyring import MemoryKeyring

    MemoryKeyring._store = {}
    keyring.set_keyring(MemoryKeyring())
    return data_dir


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for running the kiosk command in a child process."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    env.update(extra)
    return env
