"""``python -m benchmarks``: every benchmark, one after the other, with default sizes.

Exit status 0 when every target is met, 1 otherwise. Options are not passed
on: run a module on its own to change its sizes (see benchmarks/README.md).
"""

from __future__ import annotations

import sys
import time

from benchmarks import (
    bench_bundle,
    bench_enqueue,
    bench_procedures,
    bench_queries,
    bench_receiver,
    bench_sync,
    bench_ui,
)


def main() -> int:
    results = []
    modules = (
        bench_enqueue,
        bench_sync,
        bench_queries,
        bench_procedures,
        bench_receiver,
        bench_ui,
        bench_bundle,
    )
    for module in modules:
        name = module.__name__.rpartition(".")[2]
        print(f"=== {name} " + "=" * (60 - len(name)), flush=True)
        start = time.perf_counter()
        code = module.main([])
        results.append((name, code))
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)
    for name, code in results:
        print(f"{name:16} {'PASS' if code == 0 else 'FAIL'}")
    return 0 if all(code == 0 for _, code in results) else 1


if __name__ == "__main__":
    sys.exit(main())
