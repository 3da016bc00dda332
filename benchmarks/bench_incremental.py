"""A book's EPUB built whole (`--force`) against the same book built again after one sentence
of one chapter was edited, side by side in the same run.

    .venv/bin/python benchmarks/bench_incremental.py [BOOK.md] [--repeat 5] [--json FILE]

BOOK.md (default: the Rust book of the shared corpus) is copied with its folder into a
temporary folder and built once. Then, each round, in turns (the first contender alternates):
`full` builds the EPUB with `--force`; `edited` changes one sentence of one chapter
(`--chapter`, a `# ` heading's text) and builds without it. Every run is a process of its own,
timed around the process (wall) and by its CPU time (user + system, steadier on a shared
machine). Reported: each contender's medians, and edited / full. Finally the
edited book's EPUB is compared with a `--force` build of the same text: they must be the same
bytes (exit status 1 otherwise).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path("/work/shared/corpus/rust-book/rust-book.md")
PRESSROOM = Path(sys.executable).parent / "pressroom"


def cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def run(book: Path, out: str, force: bool) -> tuple[float, float]:
    """Wall and CPU seconds of one build."""
    command = [str(PRESSROOM), "build", book.name, "--format", "epub", "-o", out, "-q"]
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    start, start_cpu = time.perf_counter(), cpu()
    done = subprocess.run(
        [*command, *(["--force"] if force else [])], cwd=book.parent, env=env, capture_output=True
    )
    took, took_cpu = time.perf_counter() - start, cpu() - start_cpu
    if done.returncode:
        sys.exit(f"pressroom failed: {done.stderr.decode()}")
    return took, took_cpu


def edit(book: Path, chapter: str, n: int) -> None:
    """Change one sentence of `chapter`: its first full stop gets a marker before it."""
    text = book.read_text("utf-8")
    start = text.index(f"\n# {chapter}")
    stop = text.index(".", text.index("\n\n", start + 2))
    marker = f" (edit {n})"
    if n > 1:
        old = f" (edit {n - 1})"
        assert text[stop - len(old) : stop] == old
        text = text[: stop - len(old)] + text[stop:]
        stop -= len(old)
    book.write_text(text[:stop] + marker + text[stop:], "utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("book", nargs="?", type=Path, default=CORPUS)
    parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    parser.add_argument("--chapter", default="Error Handling", help="the chapter edited")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()
    if not args.book.is_file():
        print(f"bench_incremental: no book at {args.book}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="pressroom-incremental-") as tmp:
        folder = Path(tmp) / "book"
        shutil.copytree(args.book.parent, folder)
        for path in folder.rglob("*"):
            path.chmod(path.stat().st_mode | 0o200)
        book = folder / args.book.name
        run(book, "out", force=True)  # the cache filled, as after any build
        times: dict[str, list[tuple[float, float]]] = {"full": [], "edited": []}
        edits = 0
        for round_ in range(args.repeat):
            for name in ("full", "edited") if round_ % 2 == 0 else ("edited", "full"):
                if name == "edited":
                    edits += 1
                    edit(book, args.chapter, edits)
                times[name].append(run(book, "out", force=name == "full"))
        run(book, "full", force=True)
        same = (folder / "out" / f"{book.stem}.epub").read_bytes() == (
            folder / "full" / f"{book.stem}.epub"
        ).read_bytes()
        cache = folder / "out" / ".pressroom-cache"
        size = sum(p.stat().st_size for p in cache.rglob("*") if p.is_file())
    medians = {
        name: (statistics.median(t for t, _ in runs), statistics.median(c for _, c in runs))
        for name, runs in times.items()
    }
    ratio = medians["edited"][0] / medians["full"][0]
    ratio_cpu = medians["edited"][1] / medians["full"][1]
    print(f"{'':8} {'wall s':>7} {'CPU s':>7}  runs (wall)")
    for name, runs in times.items():
        wall, used = medians[name]
        print(f"{name:8} {wall:7.2f} {used:7.2f}  {' '.join(f'{t:.2f}' for t, _ in runs)}")
    print(
        f"edited / full: {ratio:.2f}x wall, {ratio_cpu:.2f}x CPU; "
        f"cache {size / 1024:.0f} KiB; same bytes as --force: {same}"
    )
    if args.json:
        figures = {"runs": times, "medians": medians, "ratio": ratio, "ratio_cpu": ratio_cpu}
        figures |= {"cache_bytes": size, "same": same}
        args.json.write_text(json.dumps(figures, indent=1), "utf-8")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
