"""What the archival copy costs next to the handout, measured side by side in one run.

The pages are laid out once (`pdf.layout`); the handout and the PDF/A copy are two writes of
the same pages. This prints medians over --repeat runs and the ratio
archival write / (layout + handout write): the price of the archive over a full render.

    .venv/bin/python benchmarks/bench_archival.py [--repeat 5] [MANUSCRIPT]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from pressroom.context import BuildContext
from pressroom.load import load
from pressroom.writers import archival as archive
from pressroom.writers import pdf

ROOT = Path(__file__).resolve().parent.parent


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
    ctx = BuildContext()
    runs = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        pages = pdf.layout(doc, ctx)
        laid = time.perf_counter()
        pdf.write_handout(doc, ctx, pages)
        handed = time.perf_counter()
        archive.write_archival(doc, ctx, pages)
        done = time.perf_counter()
        runs.append((laid - start, handed - laid, done - handed))
    layout, handout, archival = (statistics.median(column) for column in zip(*runs, strict=True))
    print(f"{args.manuscript.name}: median of {args.repeat}")
    print(f"  layout          {layout:7.3f} s")
    print(f"  handout write   {handout:7.3f} s")
    print(f"  archival write  {archival:7.3f} s")
    print(f"  archival / (layout + handout write) = {archival / (layout + handout):.2f}")


if __name__ == "__main__":
    main()
