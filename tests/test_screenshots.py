"""`python -m ui.screenshots`: every screen of a procedure, as pictures that show something."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from kiosk.procedure import find_procedure
from ui import screenshots


def distinct_colours(image: QImage, step: int = 16) -> int:
    return len(
        {
            image.pixel(x, y)
            for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)
        }
    )


def test_one_procedure_at_one_size(tmp_path: Path, qapp) -> None:
    code = screenshots.main([str(tmp_path), "--procedure", "etre-rappele", "--scale", "100"])
    assert code == 0
    steps = find_procedure("etre-rappele").steps
    expected = ["00-home", "01-categories", "02-procedures", "03-prepare"] + [
        f"{4 + i:02d}-{step.id}" for i, step in enumerate(steps)
    ]
    names = sorted(p.name for p in tmp_path.glob("*.png"))
    assert names == sorted(f"etre-rappele--{screen}--100.png" for screen in expected)
    for name in names:
        image = QImage(str(tmp_path / name))
        assert (image.width(), image.height()) == screenshots.SIZE, name
        assert distinct_colours(image) > 4, f"{name} looks blank"
