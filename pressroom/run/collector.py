"""Python's cycle collector, set for a build.

A build makes millions of objects (elements, boxes, their styles) that live until its outputs
are written, and few of them die in cycles. With the default thresholds the collector scans
them again and again: a fifth of a long book's layout. While a build runs, what exists at its
start is set aside (`gc.freeze`: the imported modules, the document) and young objects are
collected ten times less often; cycles are still collected, and memory stays the same (the
Rust book's print side: 37 s of CPU against 47 s, 1.37 GB either way).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

THRESHOLD = (10_000, 20, 20)
_open = 0  # how many `seldom` blocks are open: the print side opens one inside the build's


@contextmanager
def seldom() -> Iterator[None]:
    global _open
    before = gc.get_threshold()
    gc.freeze()  # cumulative: an inner block sets aside what the outer one has made since
    gc.set_threshold(*THRESHOLD)
    _open += 1
    try:
        yield
    finally:
        _open -= 1
        gc.set_threshold(*before)
        if not _open:
            gc.unfreeze()
