"""What footnotes cost the print PDF: the same 1,000 paragraphs built with a footnote called
at the end of each and without (the calls left out, the rest of the text the same).

Each run is a separate `pressroom build FILE --format pdf` process; the two are interleaved
(the first alternates every round) and the medians compared: the ratio is the time with
notes over the time without. `--profile N` then profiles both builds in this process and
prints the top N functions of each by own time.

    .venv/bin/python benchmarks/bench_notes.py [--notes 1000] [--repeat 5] [--profile 25]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = "---\ntitle: Notes\nauthor: A. Writer\nrights: r\n---\n\n"
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog", "and", "runs"]


def words(n: int) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(n))


def manuscript(count: int, notes: bool) -> str:
    """`count` paragraphs, each ending with a call of its own note if `notes`."""
    calls = "\n\n".join(
        f"Paragraph {n}, {words(20)}." + (f"[^{n}]" if notes else "") for n in range(count)
    )
    defs = "".join(f"[^{n}]: Note {n}.\n" for n in range(count)) if notes else ""
    return HEAD + calls + "\n\n" + defs


def pressroom() -> list[str]:
    found = shutil.which("pressroom", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "pressroom"]


def run(source: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one build process."""
    env = os.environ | {"SOURCE_DATE_EPOCH": "1700000000"}
    command = [*pressroom(), "build", str(source), "-o", str(out), "--format", "pdf", "--force"]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    if status:
        raise SystemExit(f"build failed: {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime


def profile(source: Path, out: Path, top: int) -> str:
    from pressroom.run.build import build

    build(
        source, out, ("pdf",), force=True
    )  # imports and caches first: they are not the notes' cost
    profiler = cProfile.Profile()
    profiler.enable()
    build(source, out, ("pdf",), force=True)
    profiler.disable()
    text = io.StringIO()
    pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(top)
    return text.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=1000, help="paragraphs and notes")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each")
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        sources = {}
        for name, notes in (("notes", True), ("plain", False)):
            sources[name] = Path(folder) / f"{name}.md"
            sources[name].write_text(manuscript(args.notes, notes), encoding="utf-8")
        out = Path(folder) / "out"
        for source in sources.values():
            run(source, out)  # warm-up: disk caches, font caches
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in sources}
        for round_ in range(args.repeat):
            order = list(sources) if round_ % 2 == 0 else list(reversed(sources))
            for name in order:
                times[name].append(run(sources[name], out))
        print(f"{args.notes:,} paragraphs, {args.repeat} runs each, load {os.getloadavg()[0]:.1f}")
        print(f"{'':<6} {'wall s':>8} {'CPU s':>8}")
        medians = {}
        for name, runs in times.items():
            medians[name] = [statistics.median(values) for values in zip(*runs, strict=True)]
            print(f"{name:<6} {medians[name][0]:>8.2f} {medians[name][1]:>8.2f}")
        wall = medians["notes"][0] / medians["plain"][0]
        cpu = medians["notes"][1] / medians["plain"][1]
        print(f"ratio  {wall:>7.2f}× {cpu:>7.2f}×")
        for name in sources if args.profile else ():
            print(f"\n== {name}\n" + profile(sources[name], out, args.profile))


if __name__ == "__main__":
    main()
