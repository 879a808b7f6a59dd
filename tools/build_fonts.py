"""Convert the shipped WOFF2 typeface to TrueType for the bundle, licence beside it.

The repository keeps the licensed WOFF2 files as published (resources/fonts/
SOURCE.md); Windows' font engine does not read WOFF2, so the bundle carries
TrueType converted from them at build time by fontTools (the reference
implementation of the WOFF2 decoder outside browsers). The conversion only
unwraps the container: the glyphs, names and licence fields are unchanged, and
the same input gives the same bytes on every machine (no timestamp is
rewritten), so the build is reproducible.

    python tools/build_fonts.py OUT_DIR     # writes OUT_DIR/*.ttf and OUT_DIR/OFL.txt

build.spec calls ``convert`` itself.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "resources" / "fonts"
LICENCE_FILES = ("OFL.txt", "SOURCE.md")


def convert(out_dir: Path, src_dir: Path = FONTS) -> list[Path]:
    """Write one .ttf per .woff2 of ``src_dir`` into ``out_dir``, and the licence."""
    from fontTools.ttLib import TTFont

    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    sources = sorted(src_dir.glob("*.woff2"))
    if not sources:
        raise SystemExit(f"no .woff2 file in {src_dir}")
    for source in sources:
        target = out_dir / (source.stem + ".ttf")
        font = TTFont(str(source), recalcTimestamp=False)
        font.flavor = None  # plain sfnt: what every platform's font engine reads
        font.save(str(target), reorderTables=True)
        font.close()
        written.append(target)
    for name in LICENCE_FILES:
        if (src_dir / name).is_file():
            shutil.copyfile(src_dir / name, out_dir / name)
    if not (out_dir / "OFL.txt").is_file():
        raise SystemExit(f"the typeface's licence (OFL.txt) is missing from {src_dir}")
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.strip().splitlines()[-3].strip(), file=sys.stderr)
        return 2
    for path in convert(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
