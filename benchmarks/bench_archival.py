"""What the archival copy costs next to the handout, measured side by side in one run.

The pages are laid out once (`pdf.layout`); the handout and the PDF/A copy are two writes of
the same pages, each drawing every page (`separate`), or within `pdf.drawn_once`, where the
archival copy copies the handout's drawing (`drawn once`, what `pressroom build` does). Each
round lays the pages out afresh for each way, the ways taking turns to go first. This prints
medians over --repeat rounds of the CPU time (this process's: steadier than wall time on a
shared machine) and the ratios drawn once / separate.

    .venv/bin/python benchmarks/bench_archival.py [--repeat 5] [MANUSCRIPT]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from pathlib import Path

from pressroom.context import BuildContext
from pressroom.load import load
from pressroom.writers import archival as archive
from pressroom.writers import pdf

ROOT = Path(__file__).resolve().parent.parent


def writes(doc, shared: bool) -> tuple[float, float, float]:
    """CPU seconds for the layout, the handout write and the archival write."""
    ctx = BuildContext()
    start = time.process_time()
    pages = pdf.layout(doc, ctx)
    laid = time.process_time()
    with pdf.drawn_once(pages) if shared else contextlib.nullcontext():
        pdf.write_handout(doc, ctx, pages)
        handed = time.process_time()
        archive.write_archival(doc, ctx, pages)
    done = time.process_time()
    return laid - start, handed - laid, done - handed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "manuscript",
        nargs="?",
        type=Path,
        default=ROOT / "manuscript" / "peace-on-azerbaijans-terms.md",
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    doc = load(args.manuscript)
    runs: dict[bool, list[tuple[float, float, float]]] = {False: [], True: []}
    for round_ in range(args.repeat):
        for shared in (False, True) if round_ % 2 == 0 else (True, False):
            runs[shared].append(writes(doc, shared))
    medians = {
        shared: [statistics.median(column) for column in zip(*rows, strict=True)]
        for shared, rows in runs.items()
    }
    print(f"{args.manuscript.name}: CPU time, median of {args.repeat}")
    print(f"  {'':16} {'separate':>9} {'drawn once':>11} {'ratio':>6}")
    for n, name in enumerate(("layout", "handout write", "archival write")):
        apart, once = medians[False][n], medians[True][n]
        print(f"  {name:16} {apart:8.3f}s {once:10.3f}s {once / apart:6.2f}")
    apart, once = (sum(medians[shared][1:]) for shared in (False, True))
    print(f"  {'both writes':16} {apart:8.3f}s {once:10.3f}s {once / apart:6.2f}")
    layout, handout, archival = medians[True]
    print(
        f"  archival / (layout + handout write), drawn once = {archival / (layout + handout):.2f}"
    )


if __name__ == "__main__":
    main()
