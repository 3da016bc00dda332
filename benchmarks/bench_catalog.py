"""A catalog of small books built one after another (-j 1), in two worker processes (-j 2)
and on a local Dask cluster (a scheduler and two workers): whole `pressroom build` processes,
interleaved round-robin: the median and the best of the runs, and their ratios to -j 1.

    .venv/bin/python benchmarks/bench_catalog.py [--books 20] [--repeat 3] [--no-dask]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
DASK = Path(PYTHON).parent / "dask"
WORDS = [
    "the",
    "river",
    "stone",
    "bridge",
    "city",
    "market",
    "harbour",
    "winter",
    "letter",
    "archive",
    "road",
    "mountain",
    "law",
    "treaty",
    "village",
    "bread",
    "salt",
    "iron",
    "song",
    "border",
    "language",
    "garden",
    "window",
    "evening",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def manuscript(n: int, rng: random.Random) -> str:
    """About 1,500 words: three chapters of sections and paragraphs, four footnotes."""
    parts = [f"---\ntitle: Book {n}\nauthor: A. Writer\nrights: © 2024 A. Writer\n---\n"]
    note = 0
    for chapter, name in enumerate(("One", "Two", "Three"), start=1):
        parts.append(f"# Chapter {name}\n")
        for section in range(1, 3):
            parts.append(f"## Section {chapter}.{section}\n")
            for _ in range(4):
                text = " ".join(sentence(rng) for _ in range(5))
                if rng.random() < 0.2 or (chapter == 1 and section == 1 and note == 0):
                    note += 1
                    text += f"[^{note}]"
                parts.append(text + "\n")
    parts += [f"[^{i}]: {sentence(rng)}\n" for i in range(1, note + 1)]
    return "\n".join(parts)


def catalog(folder: Path, books: int) -> None:
    rng = random.Random(10)
    (folder / "manuscript").mkdir(parents=True)
    for n in range(1, books + 1):
        text = manuscript(n, rng)
        (folder / "manuscript" / f"book-{n:02}.md").write_text(text, encoding="utf-8")


def timed(args: list[str], folder: Path) -> float:
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    run = subprocess.run(
        [PYTHON, "-m", "pressroom", "build", "-o", str(out), *args],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
    )
    took = time.perf_counter() - start
    if run.returncode != 0:
        sys.exit(f"bench_catalog: {' '.join(args)} failed: {run.stderr.strip()[:500]}")
    return took


def cluster(folder: Path) -> tuple[str, list[subprocess.Popen]]:
    """A scheduler and two single-threaded workers on 127.0.0.1, as the README starts them."""
    address = folder / "scheduler.json"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    started = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(address)], cwd=folder, **quiet,
        )
    ]  # fmt: skip
    while not address.exists():
        time.sleep(0.1)
    for _ in range(2):
        started.append(
            subprocess.Popen(
                [str(DASK), "worker", "--scheduler-file", str(address), "--host", "127.0.0.1",
                 "--nthreads", "1", "--no-dashboard"], cwd=folder, **quiet,
            )
        )  # fmt: skip
    from distributed import Client

    with Client(scheduler_file=str(address), timeout="60s") as client:
        client.wait_for_workers(2, timeout=120)
        return client.scheduler.address, started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--books", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-dask", dest="dask", action="store_false")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-catalog-") as tmp:
        folder = Path(tmp)
        catalog(folder, args.books)
        contenders = {"-j 1": ["-j", "1"], "-j 2": ["-j", "2"]}
        started: list[subprocess.Popen] = []
        try:
            if args.dask:
                address, started = cluster(folder)
                contenders["dask 2 workers"] = ["--scheduler", address]
            for argv in contenders.values():  # warm-up: caches, the workers' imports
                timed(argv, folder)
            times: dict[str, list[float]] = {name: [] for name in contenders}
            names = list(contenders)
            for round_ in range(args.repeat):
                for name in names[round_ % len(names) :] + names[: round_ % len(names)]:
                    times[name].append(timed(contenders[name], folder))
        finally:
            for process in started:
                process.terminate()
            for process in started:
                process.wait(30)
    base = statistics.median(times["-j 1"])
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.books} books, {os.cpu_count()} cores, median of {args.repeat}; load {load}")
    best = min(times["-j 1"])
    print(f"{'contender':<16} {'median s':>9} {'speed-up':>9} {'best s':>7} {'speed-up':>9}  runs")
    for name, runs in times.items():
        median, fastest = statistics.median(runs), min(runs)
        shown = " ".join(f"{t:.2f}" for t in runs)
        print(
            f"{name:<16} {median:>9.2f} {base / median:>8.2f}× {fastest:>7.2f} "
            f"{best / fastest:>8.2f}×  {shown}"
        )


if __name__ == "__main__":
    main()
