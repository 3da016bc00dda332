"""The glyph-coverage scan (B-GLYPH) on manuscripts of growing size in scripts the bundled
faces lack: the one-off cost of reading the fonts (fontconfig's charsets, the theme's cmaps)
and the cost per file, which grows with its distinct characters rather than its length.

    .venv/bin/python benchmarks/bench_glyphs.py [--sizes 10000 100000 1000000]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from pressroom import glyphs
from pressroom.diagnostics import Diagnostics
from pressroom.themes import Theme

SCRIPTS = {
    "ascii": [chr(c) for c in range(0x20, 0x7F)],
    "han": [chr(c) for c in range(0x4E00, 0x9FF0)],
    "arabic": [chr(c) for c in range(0x0621, 0x064B)] + [" "],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    theme = Theme.load()
    start = time.perf_counter()
    glyphs.repertoire(theme)
    print(f"fonts read once: {time.perf_counter() - start:.3f} s")
    print(f"{'script':<8} {'characters':>12} {'seconds':>9} {'warnings':>9}")
    rng = random.Random(1)
    with tempfile.TemporaryDirectory() as folder:
        for script, alphabet in SCRIPTS.items():
            for size in args.sizes:
                text = "\n".join(
                    "".join(rng.choice(alphabet) for _ in range(80)) for _ in range(size // 80)
                )
                path = Path(folder) / f"{script}-{size}.md"
                path.write_text(text, encoding="utf-8")
                diagnostics = Diagnostics()
                start = time.perf_counter()
                glyphs.warn_uncovered([path], theme, diagnostics)
                took = time.perf_counter() - start
                print(f"{script:<8} {len(text):>12,} {took:>9.3f} {len(list(diagnostics)):>9}")


if __name__ == "__main__":
    main()
