"""Benchmarks of the outbox and the syncer (issue 3): figures, ratios, PASS/FAIL.

Not part of the test run. Each module runs on its own (``python -m
benchmarks.bench_enqueue``) and ``python -m benchmarks`` runs them all; see
benchmarks/README.md.
"""
