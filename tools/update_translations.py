"""Collect the interface texts and update the translation files.

Usage: python tools/update_translations.py [--check] [LANG ...]

Every interface text is written in French in the code, through
``tr("…")`` (``ui.i18n.tr``; field widgets receive it as ``tr`` or
``self.tr_``). This tool reads ``ui/*.py`` with the ``ast`` module, so it
sees exactly the literals the app will look up, and for each language
(default: every existing ``resources/translations/kiosk_<lang>.ts``, else
``en``):

- writes ``kiosk_<lang>.ts`` (Qt Linguist's format, context ``kiosk``,
  source language French): existing translations are kept, new texts are
  added empty and marked unfinished, texts gone from the code are dropped;
- compiles it to ``kiosk_<lang>.qm`` with ``pyside6-lrelease``, leaving
  unfinished texts out (the app then shows the French text).

Translate in Qt Linguist (``pyside6-linguist``) or in a text editor:
fill ``<translation>`` and remove ``type="unfinished"``, then run the tool
again to compile. ``--check`` changes nothing and exits 1 when a file is
out of date or a text is not translated (what the test suite checks).
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
UI_DIR = ROOT / "ui"
TRANSLATIONS_DIR = ROOT / "resources" / "translations"
CONTEXT = "kiosk"
SOURCE_LANGUAGE = "fr"
DEFAULT_LANGUAGES = ("en",)
# The names under which the code calls ui.i18n.tr: tr(...) and self.tr_(...).
# (QObject.tr is not one of them: it would look the text up in another context.)
CALL_NAMES = {"tr"}
ATTRIBUTE_NAMES = {"tr_"}


@dataclass
class Message:
    source: str
    locations: list[tuple[str, int]] = field(default_factory=list)
    translation: str = ""
    finished: bool = False


@dataclass
class Collected:
    #: source text -> where it appears, in order of first appearance.
    texts: dict[str, list[tuple[str, int]]]
    #: tr() calls whose text is not a literal: the tool cannot see them.
    not_literal: list[tuple[str, int]]


def _is_tr(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Name):
        return f.id in CALL_NAMES
    return isinstance(f, ast.Attribute) and f.attr in ATTRIBUTE_NAMES


def collect(ui_dir: Path = UI_DIR) -> Collected:
    texts: dict[str, list[tuple[str, int]]] = {}
    not_literal: list[tuple[str, int]] = []
    for path in sorted(ui_dir.glob("*.py")):
        relative = path.relative_to(ui_dir.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_tr(n)]
        for call in sorted(calls, key=lambda c: (c.lineno, c.col_offset)):
            arg = call.args[0] if call.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                texts.setdefault(arg.value, []).append((relative, call.lineno))
            else:
                not_literal.append((relative, call.lineno))
    return Collected(texts, not_literal)


def ts_path(lang: str) -> Path:
    return TRANSLATIONS_DIR / f"kiosk_{lang}.ts"


def qm_path(lang: str) -> Path:
    return TRANSLATIONS_DIR / f"kiosk_{lang}.qm"


def read_ts(path: Path) -> dict[str, Message]:
    """The messages of the ``kiosk`` context of a .ts file (empty if none)."""
    if not path.is_file():
        return {}
    messages: dict[str, Message] = {}
    for context in ET.parse(path).getroot().iter("context"):
        if (context.findtext("name") or "") != CONTEXT:
            continue
        for element in context.iter("message"):
            source = element.findtext("source") or ""
            translation = element.find("translation")
            text = (translation.text or "") if translation is not None else ""
            kind = translation.get("type", "") if translation is not None else "unfinished"
            messages[source] = Message(source, translation=text, finished=kind == "" and bool(text))
    return messages


def merge(collected: Collected, existing: dict[str, Message]) -> list[Message]:
    merged = []
    for source, locations in collected.texts.items():
        old = existing.get(source)
        merged.append(
            Message(
                source,
                locations=locations,
                translation=old.translation if old else "",
                finished=old.finished if old else False,
            )
        )
    return merged


def _xml(text: str) -> str:
    return escape(text, {'"': "&quot;", "'": "&apos;"})


def render_ts(lang: str, messages: list[Message]) -> str:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        f'<TS version="2.1" language="{lang}" sourcelanguage="{SOURCE_LANGUAGE}">',
        "<context>",
        f"    <name>{CONTEXT}</name>",
    ]
    for m in messages:
        lines.append("    <message>")
        # File names only: line numbers would change the file at every edit.
        for filename in dict.fromkeys(f for f, _line in m.locations):
            lines.append(f'        <location filename="../../{_xml(filename)}"/>')
        lines.append(f"        <source>{_xml(m.source)}</source>")
        kind = "" if m.finished else ' type="unfinished"'
        lines.append(f"        <translation{kind}>{_xml(m.translation)}</translation>")
        lines.append("    </message>")
    lines += ["</context>", "</TS>", ""]
    return "\n".join(lines)


def lrelease_command() -> list[str]:
    """Qt's lrelease as shipped in the PySide6 wheel."""
    import PySide6

    bundled = Path(PySide6.__file__).resolve().parent / "lrelease"
    if bundled.is_file():
        return [str(bundled)]
    wrapper = shutil.which("pyside6-lrelease")
    if wrapper:
        return [wrapper]
    raise SystemExit("pyside6-lrelease not found: install PySide6")


def compile_qm(ts: Path, qm: Path) -> None:
    subprocess.run(
        [*lrelease_command(), "-silent", "-nounfinished", str(ts), "-qm", str(qm)],
        check=True,
    )


def compiled_bytes(ts: Path) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.qm"
        compile_qm(ts, out)
        return out.read_bytes()


def languages_present() -> list[str]:
    found = sorted(p.stem.removeprefix("kiosk_") for p in TRANSLATIONS_DIR.glob("kiosk_*.ts"))
    return found or list(DEFAULT_LANGUAGES)


def problems(lang: str, collected: Collected | None = None) -> list[str]:
    """What ``--check`` complains about for one language (empty: all good)."""
    collected = collected or collect()
    found = [
        f"{f}:{line}: tr() of a text that is not a literal" for f, line in collected.not_literal
    ]
    ts, qm = ts_path(lang), qm_path(lang)
    if not ts.is_file():
        return [*found, f"{ts.name} is missing"]
    merged = merge(collected, read_ts(ts))
    if ts.read_text(encoding="utf-8") != render_ts(lang, merged):
        found.append(f"{ts.name} is not up to date with the code: run {Path(__file__).name}")
    found += [f"{ts.name}: not translated: {m.source!r}" for m in merged if not m.finished]
    if not qm.is_file() or qm.read_bytes() != compiled_bytes(ts):
        found.append(f"{qm.name} is not compiled from {ts.name}: run {Path(__file__).name}")
    return found


def update(lang: str, collected: Collected) -> list[Message]:
    ts = ts_path(lang)
    existing = read_ts(ts)
    merged = merge(collected, existing)
    gone = sorted(set(existing) - set(collected.texts))
    TRANSLATIONS_DIR.mkdir(parents=True, exist_ok=True)
    ts.write_text(render_ts(lang, merged), encoding="utf-8")
    compile_qm(ts, qm_path(lang))
    todo = [m for m in merged if not m.finished]
    print(f"{ts.name}: {len(merged)} texts, {len(todo)} to translate, {len(gone)} dropped")
    for m in todo:
        print(f"  to translate: {m.source!r}")
    return merged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("languages", nargs="*", help="language codes (default: existing files)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    collected = collect()
    for f, line in collected.not_literal:
        print(f"warning: {f}:{line}: tr() of a text that is not a literal", file=sys.stderr)
    langs = args.languages or languages_present()
    if args.check:
        found = [p for lang in langs for p in problems(lang, collected)]
        for p in found:
            print(p, file=sys.stderr)
        return 1 if found else 0
    for lang in langs:
        update(lang, collected)
    return 0


if __name__ == "__main__":
    sys.exit(main())
