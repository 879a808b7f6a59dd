"""Rebuild resources/data/codes-postaux.tsv.gz from the Base Adresse Nationale CSV.

Usage: python tools/build_postal_codes.py path/to/codes-postaux.csv

The shipped file keeps only what the kiosk uses offline (postal code,
INSEE commune code, commune name), one line per pair, sorted, gzipped:
about a fifth of the CSV's size, and read in one pass at first use.
"""

import csv
import gzip
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "resources" / "data" / "codes-postaux.tsv.gz"


def main(src: str) -> None:
    rows: set[tuple[str, str, str]] = set()
    with open(src, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            rows.add((row["code_postal"], row["code_commune_insee"], row["nom_commune"]))
    lines = "".join(f"{cp}\t{insee}\t{name}\n" for cp, insee, name in sorted(rows))
    # mtime=0 keeps the file byte-identical across rebuilds.
    OUT.write_bytes(gzip.compress(lines.encode("utf-8"), compresslevel=9, mtime=0))
    print(f"{len(rows)} rows -> {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1])
