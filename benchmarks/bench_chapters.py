#!/usr/bin/env python3
"""What laying a book out chapter by chapter gives (as `pressroom/writers/parts.py` now does
across processes): CPU time and memory of one layout of
the whole book against one layout per chapter (each its own document, as a layout spread over
processes would set them), in one process, alternating.

    .venv/bin/python benchmarks/bench_chapters.py ../shared/corpus/rust-book/rust-book.md
    .venv/bin/python benchmarks/bench_chapters.py BOOK.md --chapters 10 --rounds 2

Each chapter's document still has the book's title page and contents (the template's), so
the chapter-by-chapter count of pages is higher by about three pages a chapter. Speed is
measured here, never in the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import sys
import tempfile
import time
from pathlib import Path


def rss() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / 2**20


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("book", type=Path)
    parser.add_argument("--chapters", type=int, default=0, help="only the first N chapters")
    parser.add_argument("--rounds", type=int, default=1, help="rounds of both (default 1)")
    args = parser.parse_args(argv)

    from pressroom.load import load
    from pressroom.run.build import _prepared
    from pressroom.writers import pdf

    out = Path(tempfile.mkdtemp(prefix="pressroom-chapters-"))
    sources, ctx, *_ = _prepared(args.book, out, ("pdf",), "a4", None, (), 3.0, False, None)
    doc = load(sources, ctx.diagnostics, ctx.theme)
    if args.chapters:
        doc = dataclasses.replace(doc, chapters=doc.chapters[: args.chapters])
    print(f"{args.book.name}: {len(doc.chapters)} chapters; memory after load {rss():.0f} MiB")
    for round_ in range(args.rounds):
        for mode in ("chapters", "whole") if round_ % 2 else ("whole", "chapters"):
            gc.collect()
            cpu, wall, most, pages = time.process_time(), time.perf_counter(), 0.0, 0
            parts = (
                [doc]
                if mode == "whole"
                else [dataclasses.replace(doc, chapters=[chapter]) for chapter in doc.chapters]
            )
            for part in parts:
                laid = pdf.layout(part, ctx, cover=False)
                pages += len(laid.pages)
                most = max(most, rss())  # while this document's pages are held
                del laid
                gc.collect()
            print(
                f"  {mode:<8} {pages:5d} pages  CPU {time.process_time() - cpu:6.1f} s  "
                f"wall {time.perf_counter() - wall:6.1f} s  memory while held {most:5.0f} MiB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
