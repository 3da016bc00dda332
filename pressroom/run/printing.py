"""One book's print formats in a second process, beside everything else.

The print side (WeasyPrint's import, the glyph scan, the layout, the PDF writes) is most of a
book's build, and none of it needs the EPUB. On a machine with a core to spare it runs in a
forked child: it imports WeasyPrint while this process reads the manuscript, sets up the
stylesheets and fonts as soon as the book's context is known, receives the document, lays it
out and writes the page formats, while this process makes the EPUB. Only bytes and
diagnostics come back; nothing is written there.

`pressroom build BOOK.md` starts the child before it has even read its settings (`warm`):
WeasyPrint's import is the longest single step of a short book's build.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import import_module
from multiprocessing.connection import Connection
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import PressroomError
from ..formats import WRITERS
from ..util.processes import can_fork, tell
from . import collector

if TYPE_CHECKING:  # not imported before the fork: the child imports them in parallel
    from ..context import BuildContext
    from ..model import Document


def available() -> bool:
    """Whether this platform can fork the print process."""
    return can_fork()


class Printer:
    """The print side of one book, running in a child process."""

    def __init__(self, workers: int | None = None) -> None:
        """`workers`: the processes a long book may be laid out in (default: the cores)."""
        from ..util.processes import cores

        self.workers = workers or cores()
        context = multiprocessing.get_context("fork")
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_print_side, args=(child,))
        self.process.start()
        child.close()
        self.made: dict[str, Any] | None = None
        self.source: Path | str = ""
        self.names: list[str] = []

    def begin(self, names: Sequence[str], ctx: BuildContext) -> None:
        """The page formats to make, and the book's context before its manuscript is read."""
        self.names = list(names)
        with contextlib.suppress(OSError):  # it stopped already: `results` reads why
            self.conn.send((tuple(names), ctx))

    def send(self, doc: Document, ctx: BuildContext) -> None:
        self.source = doc.source
        with contextlib.suppress(OSError):  # it stopped already: `results` reads why
            self.conn.send((doc, ctx))

    def send_page(self, doc: Document, ctx: BuildContext) -> None:
        """Where the book is cut into parts (`writers.cut.plan`), decided here once, and
        sent; for a book laid out whole, the handout's HTML too (`writers.handout.page`),
        made here while the print process is still importing WeasyPrint."""
        from ..writers.cut import plan
        from ..writers.handout import page

        cut = plan(doc, ctx, self.names, self.workers)
        made = page(doc, ctx) if cut is None else None
        with contextlib.suppress(OSError):  # it stopped already: `results` reads why
            self.conn.send((cut, made))

    def results(self, ctx: BuildContext, step: Callable[[str], None]) -> dict[str, Any]:
        """The page formats' bytes, once the child has made them; its diagnostics and the
        files it read join this process's context."""
        while self.made is None:
            try:
                message = self.conn.recv()
            except (EOFError, OSError):
                raise PressroomError(
                    self.source, "the process laying out the pages stopped (out of memory?)"
                ) from None
            kind, *rest = message
            if kind == "stage":
                step(rest[0])
            elif kind == "done":
                self.made, diagnostics, read = rest
                for d in diagnostics:
                    ctx.diagnostics.items.append(d)
                ctx.read |= read
            elif kind == "error":
                raise rest[0]
            else:  # a bug on the print side: reported as one here would be
                raise RuntimeError(f"{rest[0]}\n(in the print process)\n{rest[1]}")
        return self.made

    def close(self) -> None:
        self.conn.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


_warm: Printer | None = None  # started early, for the one book of this run


def warm(workers: int | None = None) -> None:
    """Start the print process now, before the book and its settings are known; the first
    book that asks for one (`aside`) takes it. `workers`: `-j`, if given."""
    global _warm
    if _warm is None and available():
        _warm = Printer(workers)


def started() -> bool:
    return _warm is not None


def cool() -> None:
    """Stop a print process started early that no book took (all of them were up to date)."""
    global _warm
    if _warm is not None:
        _warm.close()
        _warm = None


@contextmanager
def aside(printed: Sequence[str], wanted: bool, ctx: BuildContext) -> Iterator[Printer | None]:
    """A Printer for the page formats `printed`, if `wanted` and there are any; `ctx`, the
    book's context as it is before the manuscript is read."""
    global _warm
    if not (wanted and printed and available()):
        yield None
        return
    printer, _warm = _warm or Printer(), None
    try:
        printer.begin(printed, ctx)
        yield printer
    finally:
        printer.close()


def print_side(
    doc: Document,
    ctx: BuildContext,
    names: Sequence[str],
    step: Callable[[str], None],
    prepared: Any = None,
    page: Any = None,
    cut: Any = None,
) -> dict[str, Any]:
    """The page formats in `names`: one layout (set up beforehand when `prepared`, a
    `writers.pdf.Press`; of `page`, the handout's HTML, when made beforehand), and each
    format written from it, the pages drawn once for all of them. A long book is laid out
    in parts, as `cut` (a `writers.cut.Plan`) says, when the layout is set up beforehand
    (`writers/parts.py`)."""
    from ..writers.pdf import drawn_once, layout

    step("layout")
    if cut is not None and prepared is not None:
        from ..writers import parts

        with collector.seldom():
            made = parts.print_parts(doc, ctx, list(names), step, prepared, cut)
        if made is not None:
            return made
    made = {}
    with collector.seldom(), contextlib.ExitStack() as shared:
        pages = layout(doc, ctx, prepared=prepared, page=page)
        if len(names) > 1:
            shared.enter_context(drawn_once(pages))
        for name in names:
            step(name)
            made[name] = WRITERS[name].write(doc, ctx, pages=pages)
    return made


def _print_side(conn: Connection) -> None:
    prepared = None

    def say(message: tuple[Any, ...] | None) -> None:
        """Tell the parent (if there is anything to tell), once this process's own files
        are gone: the parent may end it as soon as it is told, and a forked process runs
        no finalisers (WeasyPrint's fonts' folder)."""
        if prepared is not None:
            prepared.release()
        if message is not None:
            tell(conn, message)

    try:
        from ..writers.pdf import press

        for writer in WRITERS.values():  # imported before the wait, not after
            if writer.pages:
                import_module(f"pressroom.writers.{writer.module}")
        names, early = conn.recv()
        # The stylesheets and their fonts need only the context: they are set up while the
        # other process reads the manuscript.
        prepared = press(early)
        doc, ctx = conn.recv()
        # Where the book is cut, and the handout's HTML unless it is laid out in parts,
        # come from the other process (`Printer.send_page`).
        cut, page = conn.recv()
        before = len(ctx.diagnostics.items)
        made = print_side(
            doc, ctx, names, lambda name: conn.send(("stage", name)), prepared, page, cut
        )
        ctx.read |= early.read  # the stylesheets' folders were read through the early context
        say(("done", made, ctx.diagnostics.items[before:], ctx.read))
    except PressroomError as err:
        say(("error", err))
    except (EOFError, KeyboardInterrupt):  # the parent stopped, or Ctrl-C: it says so itself
        say(None)
    except BaseException as err:  # a bug: its report goes to the parent
        say(("bug", f"{type(err).__name__}: {err}", traceback.format_exc()))
    finally:
        conn.close()
