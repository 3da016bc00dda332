"""A/B: `pressroom build` from two installations (two virtual environments, say this tree's
and an earlier one's), timed side by side in one run, interleaved.

    .venv/bin/python benchmarks/bench_ab.py --a /tmp/old/bin/pressroom --b .venv/bin/pressroom \
        --repeat 11 [--input BOOK.md ...] [--format pdf ...]

Each run is a fresh process building into an empty folder with `SOURCE_DATE_EPOCH` set;
the rounds alternate which side goes first. Reported per input: the median wall and CPU
time (user + system, children included) of each side and the ratio B/A, and whether the
two sides wrote the same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INPUTS = [
    ROOT / "manuscript" / "peace-on-azerbaijans-terms.md",
    ROOT / "tests" / "fixtures" / "book" / "book.md",
]


def run(command: Path, source: Path, out: Path, formats: list[str]) -> tuple[float, float]:
    """One build: its wall time and the CPU time of its processes."""
    if out.exists():
        shutil.rmtree(out)
    flags = [arg for name in formats for arg in ("--format", name)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(
        [str(command), "build", "-q", str(source), "-o", str(out), *flags],
        check=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def digest(folder: Path) -> str:
    found = hashlib.sha256()
    for path in sorted(p for p in folder.glob("*.*") if p.is_file()):
        found.update(path.name.encode() + hashlib.sha256(path.read_bytes()).digest())
    return found.hexdigest()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--a", type=Path, required=True, help="the `pressroom` command of A")
    parser.add_argument("--b", type=Path, required=True, help="the `pressroom` command of B")
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument("--input", type=Path, action="append", default=[])
    parser.add_argument("--only", action="store_true", help="only the --input files")
    parser.add_argument("--format", action="append", default=[])
    args = parser.parse_args(argv)
    inputs = args.input if args.only else [*INPUTS, *args.input]
    formats = args.format or ["pdf", "epub", "archival"]
    print(f"A = {args.a}\nB = {args.b}\nformats: {', '.join(formats)}; {args.repeat} runs each")
    print("| input | A wall | B wall | B/A wall | A CPU | B CPU | B/A CPU | same bytes |")
    print("|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="pressroom-ab-") as tmp:
        for source in inputs:
            times: dict[str, list[tuple[float, float]]] = {"a": [], "b": []}
            for side in ("a", "b"):  # one untimed run each: caches of the file system
                run(getattr(args, side), source, Path(tmp) / side, formats)
            for round_ in range(args.repeat):
                for side in ("a", "b") if round_ % 2 == 0 else ("b", "a"):
                    times[side].append(run(getattr(args, side), source, Path(tmp) / side, formats))
            same = digest(Path(tmp) / "a") == digest(Path(tmp) / "b")
            wall = {s: statistics.median(w for w, _ in t) for s, t in times.items()}
            cpu = {s: statistics.median(c for _, c in t) for s, t in times.items()}
            print(
                f"| {source.name} | {wall['a']:.3f} s | {wall['b']:.3f} s | "
                f"{wall['b'] / wall['a']:.3f}× | {cpu['a']:.3f} s | {cpu['b']:.3f} s | "
                f"{cpu['b'] / cpu['a']:.3f}× | {'yes' if same else 'NO'} |"
            )
            sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
