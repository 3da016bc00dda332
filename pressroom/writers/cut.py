"""Where a long book is cut into parts to be laid out side by side (`parts.py`), decided
from the document and the stylesheets alone: no WeasyPrint here, so that the book's first
process, which does not import it, decides as the print process does."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from ..context import BuildContext
from ..model import Document

# A book shorter than this (characters of text) is laid out whole: a part has a cost of its
# own (its stylesheets' cascade, its fonts subset and written again), which a long book's
# parallel layout repays.
MIN_CHARACTERS = 400_000
CHARACTERS_A_PAGE = 2_000  # of text, at the default measure and type size
PART_CHARACTERS = 250_000  # parts are at most about this long: memory follows a part
# Parts are given out in order; with several for each worker, the last ones are short and
# no worker waits long for the other at the end (the Rust book: 5 parts 29.8 s, 8 parts 28.8 s).
PARTS_PER_WORKER = 4

# The default theme's own page-dependent rules: the contents' numbers are given to the front
# (`_ELSEWHERE`), a chapter's head is set by its own first heading, and a note's list resets
# its own counter.
KNOWN = (
    "target-counter(attr(href url), page)",
    "string-set: chapter content(text)",
    "counter-reset: list-item",
)
# What in a stylesheet could carry from one part into the next other than page numbers.
UNSPLITTABLE = re.compile(
    r"counter-(?:reset|increment|set)|target-(?:counter|counters|text)|string-set"
    r"|running\(|element\(|:nth\(|counters?\(\s*pages"
)


@dataclass
class Plan:
    """Where a book is cut: `starts[k]` is the first chapter of part k + 1; part 0, the
    front, holds the chapters before `starts[0]` (untitled ones run on from the contents);
    `workers`, the processes that lay the parts out."""

    starts: list[int]
    count: int  # chapters
    workers: int
    characters: int  # of the chapters' text

    def chapters(self, part: int) -> range:
        """The chapters of part `part`."""
        bounds = [0, *self.starts, self.count]
        return range(bounds[part], bounds[part + 1])

    @property
    def parts(self) -> int:
        return len(self.starts) + 1


def text_length(body: ET.Element) -> int:
    return sum(len(text) for text in body.itertext())


def plan(doc: Document, ctx: BuildContext, names: list[str], workers: int) -> Plan | None:
    """How to cut `doc` for `workers` processes making the formats `names`, or None if it is
    better, or only correct, laid out whole."""
    if workers < 2 or not doc.is_book or not set(names) <= {"pdf", "archival"}:
        return None
    sizes = [text_length(chapter.body) for chapter in doc.chapters]
    total = sum(sizes)
    # A part opens with a chapter that has a title: it opens on a recto.
    opening = [i for i, chapter in enumerate(doc.chapters) if chapter.title]
    if total < MIN_CHARACTERS or not opening:
        return None
    css = ctx.theme.css("print") + "".join(sheet.text() for sheet in ctx.stylesheets("print"))
    for known in KNOWN:
        css = css.replace(known, "")
    if UNSPLITTABLE.search(css):
        return None
    wanted = min(len(opening), max(workers * PARTS_PER_WORKER, math.ceil(total / PART_CHARACTERS)))
    starts = [opening[0]]
    done = sum(sizes[: opening[0]])
    for i in range(opening[0], len(sizes)):
        if i in opening[1:] and done >= total * len(starts) / wanted:
            starts.append(i)
        done += sizes[i]
    return Plan(starts, len(sizes), workers, total) if len(starts) > 1 else None
