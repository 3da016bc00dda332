"""A long book's print formats laid out in parts, one worker process a part, then joined.

WeasyPrint lays a document out on one core and holds every page until it is written. A
book's chapters open on rectos, so a run of chapters sets the same lines and pages whatever
comes before it: only its page numbers, and whether a blank verso comes first, depend on
the pages before. So a long book is cut into parts at chapters that open on a recto, and
each part is laid out by one of the workers:

1. The front (cover, title, contents) is laid out first to count its pages, its contents
   numbers standing in as wide as the real ones will be.
2. Each later part is the whole book's page with the other parts' chapters left empty and
   hidden (so selectors such as `:first-of-type` match as in the whole book), its footnote
   counter set to the notes before it, and an empty first page (the lead) so that WeasyPrint
   makes the blank verso a recto chapter may need, as it would in the whole book.
   Once paginated, it waits for the page counts of the parts before it: its page numbers
   are then known, and so whether its blank verso is kept (it is when the page before
   ends on a recto; the lead never is). Then its running heads and numbers are made and
   its PDFs written, both from one drawing.
3. The front is laid out again with the contents' page numbers, and written.
4. `join.py` joins each format's parts into one PDF: its pages, structure tree,
   destinations, note IDs and outline.

The workers are forked from the print process once the stylesheets and fonts are set up.
A part holds only its own pages, so memory follows the largest part, not the book.

Anything that could make a part depend on the pages before it other than by its numbers
(page counters, strings or running elements of the user's own stylesheets, targets of
cross-references, `:nth()` pages) keeps the book in one layout, as does a front that comes
out a different length the second time.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any
from xml.etree import ElementTree as ET

import tinyhtml5
import weasyprint

from ..context import BuildContext
from ..errors import PressroomError
from ..model import Chapter, Document
from ..util.processes import die_with_parent, tell
from ..weasy import parts as weasy_parts
from ..weasy import patched
from ..weasy.drawing import drawn_once
from ..weasy.tagging import ID_PREFIX, NOTES_BEFORE
from . import archival, handout, pdf
from .cut import CHARACTERS_A_PAGE, Plan

# --- The parts' HTML ---


LEAD_CLASS = "pressroom-lead"
# A part's first page, dropped when joined: the blank verso after it is one that WeasyPrint
# makes as it would before the chapter in the whole book. An artifact, not in the tags.
LEAD = f'<div class="{LEAD_CLASS}" {handout.ARTIFACT}=""></div>'
BODY = re.compile(r"<body\b[^>]*>")


def _led(html: str) -> str:
    """`html` with the lead as the body's first element."""
    match = BODY.search(html)
    if match is None:
        raise _Whole()
    return html[: match.end()] + LEAD + html[match.end() :]


def _paths(root: ET.Element, chapter_ids: set[str]) -> tuple[list[str], list[str], list[str]]:
    """Selectors for the chapters' sections, for what stands before the first (the front)
    and for what stands after the last (the back), each a path of `:nth-child` from the
    body. Anything between two chapters keeps the book whole."""
    body = next(el for el in root.iter() if isinstance(el.tag, str) and _local(el.tag) == "body")
    chapters: list[str] = []
    front: list[str] = []
    back: list[str] = []

    def walk(el: ET.Element, path: str) -> None:
        kinds = []
        for n, child in enumerate((c for c in el if isinstance(c.tag, str)), start=1):
            here = f"{path} > :nth-child({n})"
            if child.get("class") == LEAD_CLASS:
                continue
            if child.get("id") in chapter_ids:
                chapters.append(here)
                kinds.append(("chapter", here))
            elif any(d.get("id") in chapter_ids for d in child.iter() if isinstance(d.tag, str)):
                walk(child, here)
                kinds.append(("holder", here))
            else:
                kinds.append(("other", here))
        held = [i for i, (kind, _) in enumerate(kinds) if kind != "other"]
        if not held or any(kind == "other" for kind, _ in kinds[held[0] : held[-1]]):
            raise _Whole()
        front.extend(here for _, here in kinds[: held[0]])
        back.extend(here for _, here in kinds[held[-1] + 1 :])

    walk(body, "body")
    return chapters, front, back


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass
class Book:
    """What every part is made from, set up once in the print process before the fork."""

    doc: Document
    ctx: BuildContext
    setup: pdf.Press
    plan: Plan
    chapters: list[Chapter]  # as the handout sets them (`handout.handout_chapters`)
    cover: str | None
    hide_chapters: list[str]  # each chapter section's selector
    front: list[str]
    back: list[str]
    notes_before: list[int]  # footnotes before each chapter
    ids: frozenset[str]  # every id of the book
    inside: frozenset[str]  # the ids in the parts after the front

    def html(self, part: int) -> str:
        kept = self.plan.chapters(part)
        chapters = [
            chapter
            if i in kept
            else Chapter(
                id=chapter.id,
                title=chapter.title,
                body=ET.Element("div"),
                headings=chapter.headings,
            )
            for i, chapter in enumerate(self.chapters)
        ]
        return _led(handout.handout_page(self.doc, self.ctx, chapters, self.cover))

    def css(self, part: int) -> str:
        kept = self.plan.chapters(part)
        hidden = [s for i, s in enumerate(self.hide_chapters) if i not in kept]
        if part > 0:
            hidden += self.front
        else:
            hidden.append(f"body > .{LEAD_CLASS}")
        if part < self.plan.parts - 1:
            hidden += self.back
        rules = [f"{', '.join(hidden)} {{ display: none !important; }}"] if hidden else []
        if part > 0:
            notes = self.notes_before[kept.start]
            rules.append(f"html {{ counter-set: footnote {notes}; }}")
        return "\n".join(rules)


def prepare(doc: Document, ctx: BuildContext, setup: pdf.Press, cut: Plan) -> Book:
    cover = pdf.serve(doc, ctx, setup)
    chapters = handout.handout_chapters(doc, setup.drawn, setup.styled)
    skeleton = handout.handout_page(
        doc,
        ctx,
        [
            Chapter(id=ch.id, title=ch.title, body=ET.Element("div"), headings=ch.headings)
            for ch in chapters
        ],
        cover,
    )
    chapter_ids = [chapter.id for chapter in chapters]
    root = tinyhtml5.parse(_led(skeleton), namespace_html_elements=False)
    found, front, back = _paths(root, set(chapter_ids))
    if len(found) != len(chapter_ids):
        raise _Whole()
    notes_before, count = [], 0
    for chapter in chapters:
        notes_before.append(count)
        count += sum(1 for el in chapter.body.iter() if el.tag == handout.NOTE_ELEMENT)
    inside = set()
    for chapter in chapters[cut.starts[0] :]:
        inside.add(chapter.id)
        inside |= {name for el in chapter.body.iter() if (name := el.get("id"))}
    ids = inside | {
        name for el in root.iter() if isinstance(el.tag, str) and (name := el.get("id"))
    }
    for chapter in chapters[: cut.starts[0]]:
        ids |= {name for el in chapter.body.iter() if (name := el.get("id"))}
    return Book(
        doc,
        ctx,
        setup,
        cut,
        chapters,
        cover,
        found,
        front,
        back,
        notes_before,
        frozenset(ids),
        frozenset(inside),
    )


class _Whole(Exception):
    """The book is laid out whole after all."""


# --- The workers ---


@dataclass
class Made:
    """One part, laid out and written."""

    part: int
    pdfs: dict[str, bytes]
    pages: list[tuple[float, list[Any]]]  # each page's height and bookmarks
    diagnostics: list[Any] = field(default_factory=list)
    read: set[Any] = field(default_factory=set)
    keep: bool = True  # the blank verso after its lead page is kept


def _work(book: Book, names: list[str], conn: Connection) -> None:
    """A worker: lays out and writes the parts it is given until told to stop."""
    die_with_parent()
    weasy_parts.LINKED.set(book.ids)  # for every part this process writes
    try:
        while True:
            task = conn.recv()
            if task is None:
                return
            kind, part, numbers = task
            made = _part(book, names, kind, part, numbers, conn)
            conn.send(("done", kind, made))
            del made
            gc.collect()
    except PressroomError as err:
        tell(conn, ("error", err))
    except _Whole:
        tell(conn, ("whole",))
    except (EOFError, KeyboardInterrupt):
        pass
    except BaseException as err:
        tell(conn, ("bug", f"{type(err).__name__}: {err}", traceback.format_exc()))
    finally:
        conn.close()


def _part(
    book: Book,
    names: list[str],
    kind: str,
    part: int,
    numbers: dict[str, int],
    conn: Connection,
) -> Made | int:
    """Lay out part `part`; "measure" (the front with stand-in numbers) returns its page
    count; "part" and "front" return it written."""
    ctx = book.ctx
    before = len(ctx.diagnostics.items)
    with patched():
        sheet = weasyprint.CSS(
            string=book.css(part),
            font_config=book.setup.fonts,
            counter_style=book.setup.counters,
        )
    tokens: list[tuple[Any, Any]] = [(weasy_parts.ELSEWHERE, weasy_parts.ELSEWHERE.set(numbers))]
    if part > 0:
        told = weasy_parts.PAGINATED.set(lambda context: _numbered(context, part, conn))
        tokens.append((weasy_parts.PAGINATED, told))
    try:
        pages = pdf.render(book.doc, ctx, book.setup, book.html(part), (sheet,))
    finally:
        for var, token in reversed(tokens):
            var.reset(token)
    if kind == "measure":
        return len(pages.pages)
    kept = book.plan.chapters(part)
    if part > 0 and not weasy_parts.opens_on_recto(pages, book.chapters[kept.start].id):
        raise _Whole()
    notes = NOTES_BEFORE.set(book.notes_before[kept.start] if part else 0)
    prefix = ID_PREFIX.set(f"p{part}-" if part else "")
    made = {}
    try:
        with contextlib.ExitStack() as shared:
            if len(names) > 1:
                shared.enter_context(drawn_once(pages))
            for name in names:
                if name == "pdf":
                    made[name] = pdf.write_handout(book.doc, ctx, pages)
                else:
                    made[name] = archival.write_archival(book.doc, ctx, pages, attach=part == 0)
    finally:
        ID_PREFIX.reset(prefix)
        NOTES_BEFORE.reset(notes)
    heights = [(page.height, page.bookmarks) for page in pages.pages]
    return Made(part, made, heights, ctx.diagnostics.items[before:], set(ctx.read))


def _numbered(context: Any, part: int, conn: Connection) -> None:
    """Paginated: tell the page count and where each anchor fell; set the page numbers
    from the offset the coordinator answers with."""
    conn.send(
        ("paged", part, weasy_parts.page_count(context), weasy_parts.anchors_by_page(context))
    )
    weasy_parts.renumber(context, conn.recv())


# --- The coordinator ---


def print_parts(
    doc: Document,
    ctx: BuildContext,
    names: list[str],
    step: Callable[[str], None],
    setup: pdf.Press,
    cut: Plan,
) -> dict[str, bytes] | None:
    """Each of `names` made from the book laid out in parts as `cut` says, or None: the
    book is then laid out whole."""
    try:
        book = prepare(doc, ctx, setup, cut)
    except _Whole:
        return None
    context = multiprocessing.get_context("fork")
    conns, processes = [], []
    for _ in range(min(cut.workers, cut.parts)):
        mine, theirs = context.Pipe()
        process = context.Process(target=_work, args=(book, names, theirs), daemon=True)
        process.start()
        theirs.close()
        conns.append(mine)
        processes.append(process)
    try:
        result = _coordinate(book, conns)
    finally:
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.send(None)
            conn.close()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()
    if result is None:
        return None
    made: dict[int, Made] = result
    for part in made.values():
        for item in part.diagnostics:
            if item not in ctx.diagnostics.items:
                ctx.diagnostics.items.append(item)
        ctx.read |= part.read
    pages = list(made[0].pages)
    for k in range(1, cut.parts):
        pages += made[k].pages[_dropped(made[k]) :]
    for name in names:
        step(name)
    return _joined(names, made, pages)


def _joined(names: list[str], made: dict[int, Made], pages: list[Any]) -> dict[str, bytes]:
    """Each format's parts joined, one after the other: a join holds every part's structure
    tree twice (read and copied), 350 MiB for the Rust book's handout, and two at once
    would be the build's peak of memory (1,096 MiB against 740 during the layout, for
    1.5 s of 28)."""
    from . import join  # pikepdf: imported only to join

    joined = {}
    for name in names:
        rest = [(made[k].pdfs[name], _dropped(made[k])) for k in range(1, len(made))]
        joined[name] = join.join(made[0].pdfs[name], rest, pages)
    return joined


def _dropped(part: Made) -> int:
    """How many of a part's first pages the book leaves out: the lead, and the blank verso
    unless the page before the part is a recto."""
    return 1 if part.keep else 2


def numbering(front: int, counts: list[int]) -> list[tuple[int, bool]]:
    """For each part after the front (`front` pages), given its page count as laid out
    (`counts`: the lead and the blank verso included), what to add to its page numbers and
    whether its blank verso is kept: it is when the page before the part is a recto (odd,
    as the first page is a recto in either direction). The lead is always left out."""
    numbered = []
    total = front
    for count in counts:
        keep = total % 2 == 1
        # Local page 1 is the lead, 2 the blank verso.
        numbered.append((total - 1 if keep else total - 2, keep))
        total += count - (1 if keep else 2)
    return numbered


def _coordinate(book: Book, conns: list[Connection]) -> dict[int, Made] | None:
    """Give the workers their parts, answer each paginated part with its page offset, and
    collect the parts made; None if the book must be laid out whole."""
    return _Coordinator(book, conns).run()


class _Coordinator:
    """The parts' scheduling: the front measured first, then the later parts in order; each
    paginated part waits for the page counts before it; the front laid out again last, with
    the real page numbers."""

    def __init__(self, book: Book, conns: list[Connection]):
        self.book, self.conns = book, conns
        self.parts = book.plan.parts
        self.queue: list[tuple[str, int]] = [("measure", 0)]
        self.queue += [("part", k) for k in range(1, self.parts)]
        self.front: int | None = None  # the front's page count
        self.counts: dict[int, int] = {}
        self.anchors: dict[int, dict[str, int]] = {}
        self.waiting: dict[int, Connection] = {}
        self.offsets: dict[int, tuple[int, bool]] = {}  # part → (offset, blank verso kept)
        self.made: dict[int, Made] = {}
        self.idle = list(conns)
        self.final_sent = False
        self.stand_in = _stand_in(book)

    def run(self) -> dict[int, Made] | None:
        while len(self.made) < self.parts:
            self._hand_out()
            for ready in wait(self.conns):
                conn: Connection = ready  # type: ignore[assignment]
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    raise PressroomError(
                        self.book.doc.source,
                        "a process laying out the pages stopped (out of memory?)",
                    ) from None
                if not self._answer(conn, message):
                    return None
        return self.made

    def _hand_out(self) -> None:
        if not self.final_sent and len(self.offsets) == self.parts - 1:
            self.queue.append(("front", 0))
            self.final_sent = True
        while self.idle and self.queue:
            kind, part = self.queue.pop(0)
            numbers = self._numbers() if kind == "front" else self.stand_in
            self.idle.pop(0).send((kind, part, numbers))

    def _answer(self, conn: Connection, message: tuple[Any, ...]) -> bool:
        """Act on a worker's message; False if the book must be laid out whole."""
        kind, *rest = message
        if kind == "paged":
            part, count, where = rest
            self.counts[part], self.anchors[part] = count, where
            self.waiting[part] = conn
            self._settle()
        elif kind == "done":
            self.idle.append(conn)
            return self._done(*rest)
        elif kind == "whole":
            return False
        elif kind == "error":
            raise rest[0]
        else:
            raise RuntimeError(f"{rest[0]}\n(in a process laying out part of the book)\n{rest[1]}")
        return True

    def _done(self, task: str, result: Any) -> bool:
        if task == "measure":
            self.front = result
            self._settle()
        elif task == "front":
            if len(result.pages) != self.front:
                return False  # the contents came out a different length
            self.made[0] = result
        else:
            result.keep = self.offsets[result.part][1]
            self.made[result.part] = result
        return True

    def _settle(self) -> None:
        """Number the parts paginated so far in a run from the first, and answer those
        waiting for their offsets."""
        if self.front is None:
            return
        known = []
        for k in range(1, self.parts):
            if k not in self.counts:
                break
            known.append(self.counts[k])
        for k, numbered in enumerate(numbering(self.front, known), start=1):
            self.offsets[k] = numbered
            if k in self.waiting:
                self.waiting.pop(k).send(numbered[0])

    def _numbers(self) -> dict[str, int]:
        """Every target in the later parts, at its page number."""
        found = {}
        for k in range(1, self.parts):
            offset = self.offsets[k][0]
            for name, index in self.anchors[k].items():
                found[name] = offset + index + 1
        return found


def _stand_in(book: Book) -> dict[str, int]:
    """The front's first layout: every target elsewhere at a page number as wide as the
    book's last, guessed from its length (the Rust book: 1.2 million characters, 599 pages).
    Numbers of the same width set the contents' lines alike; if the front still comes out a
    different length with the real ones, the book is laid out whole."""
    guess = book.plan.characters // CHARACTERS_A_PAGE
    width = len(str(max(guess, 10)))
    return dict.fromkeys(book.inside, int("8" * width))
