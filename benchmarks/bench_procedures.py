"""Loading procedures at start-up: checked once, then remembered (kiosk.procedure's cache).

Target (issue 15): with 200 procedures, loading them once they are cached
takes little more than loading the 9 shipped ones: at most 1.2x the time the
9 shipped procedures take to be checked (what every start cost before the
cache), so the kiosk's "ready" grows by less than 20 % with 200 procedures.

Each figure is ``load_all(folder)`` in this process, as the kiosk calls it,
with what this process remembers forgotten first (as a new process would):

- **checked**: an empty cache folder: every file parsed, schema-validated,
  checked, then written to the cache;
- **cached**: the cache folder as the previous start left it.

The 200 procedures are the shipped ones copied under new ids (same size and
content otherwise), in a temporary folder. Rounds alternate the sizes.

Run: ``python -m benchmarks.bench_procedures [--count N] [--rounds R]``.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks._common import median, verdict
from kiosk import procedure
from kiosk.procedure import CACHE_ENV, load_all, procedure_files
from kiosk.resources import procedures_dir

TARGET = 1.2


def make_folder(folder: Path, count: int) -> None:
    """``count`` procedures: the shipped ones, then copies of them under new ids."""
    shipped = procedure_files()
    folder.mkdir(parents=True)
    for i in range(count):
        source = shipped[i % len(shipped)]
        if i < len(shipped):
            shutil.copyfile(source, folder / source.name)
            continue
        new_id = f"{source.stem}-{i}"
        text = re.sub(r"^id: .*$", f"id: {new_id}", source.read_text("utf-8"), count=1, flags=re.M)
        (folder / f"{new_id}.yaml").write_text(text, encoding="utf-8")


def load_seconds(folder: Path, cache: Path, count: int) -> float:
    os.environ[CACHE_ENV] = str(cache)
    procedure._load_unchanged.cache_clear()
    start = time.perf_counter()
    loaded, problems = load_all([folder])
    elapsed = time.perf_counter() - start
    assert not problems and len(loaded) == count, problems[:3]
    return elapsed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200, help="procedures (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args(argv)
    shipped = len(procedure_files([procedures_dir()]))
    saved = os.environ.get(CACHE_ENV)
    times: dict[tuple[int, str], list[float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as name:
            work = Path(name)
            for count in (shipped, args.count):
                make_folder(work / f"procedures-{count}", count)
            load_seconds(work / f"procedures-{shipped}", work / "warm-up", shipped)
            for r in range(args.rounds):
                for count in (shipped, args.count) if r % 2 == 0 else (args.count, shipped):
                    folder = work / f"procedures-{count}"
                    cache = work / f"cache-{count}-{r}"
                    times.setdefault((count, "checked"), []).append(
                        load_seconds(folder, cache, count)
                    )
                    times.setdefault((count, "cached"), []).append(
                        load_seconds(folder, cache, count)
                    )
    finally:
        if saved is None:
            os.environ.pop(CACHE_ENV, None)
        else:
            os.environ[CACHE_ENV] = saved
        procedure._load_unchanged.cache_clear()

    print(f"Loading procedures (load_all, in process): {args.rounds} rounds, medians")
    print(f"  {'':34}{'ms':>9}{'ms/procedure':>14}")
    for count in (shipped, args.count):
        for kind in ("checked", "cached"):
            seconds = median(times[(count, kind)])
            label = f"{count} procedures, {kind}"
            print(f"  {label:34}{seconds * 1000:>9.1f}{seconds * 1000 / count:>14.2f}")
    before = median(times[(shipped, "checked")])
    after = median(times[(args.count, "cached")])
    ok = after <= TARGET * before
    print(
        f"  {args.count} cached / {shipped} checked (every start before the cache): "
        f"{after / before:.2f}x (target <= {TARGET}x) {verdict(ok)}"
    )
    cached_small = median(times[(shipped, "cached")])
    saved_share = 1 - after / median(times[(args.count, "checked")])
    print(
        f"  for information: {args.count} cached / {shipped} cached: {after / cached_small:.1f}x;"
        f" the cache saves {saved_share:.0%} of checking {args.count}"
    )
    print(f"\nprocedures: {verdict(ok)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
