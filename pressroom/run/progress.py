"""What `pressroom build` prints while it works.

Plain (pipes, CI, a log): one line per warning or error on stderr and one line per output
written on stdout, each book's as it finishes. On a terminal, a live display on stderr as
well: books done of all, and the step each book in progress is at. `--quiet`: errors only
(and the warnings `--strict` turns into errors); no output names.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .catalog import View

if TYPE_CHECKING:
    from ..load import Sources
    from .build import Built


class Plain(View):
    def __init__(self, quiet: bool = False, strict: bool = False):
        self.quiet = quiet
        self.strict = strict

    def built(self, index: int, built: Built) -> None:
        for diagnostic in built.diagnostics:
            if not self.quiet or self.strict or diagnostic.severity == "error":
                self.say(f"pressroom: {diagnostic}")
        if not self.quiet:
            for path in built.outputs:
                self.output(str(path))

    def failed(self, index: int, message: str) -> None:
        self.say(f"pressroom: {message}")

    def say(self, line: str) -> None:
        print(line, file=sys.stderr)

    def output(self, line: str) -> None:
        print(line)


class Live(Plain):
    """Plain lines, with a rich progress display under them while books are built."""

    def __init__(self, quiet: bool = False, strict: bool = False):
        super().__init__(quiet, strict)
        self.display: Any = None
        self.total: Any = None
        self.tasks: dict[int, Any] = {}
        self.names: list[str] = []
        self.finished: set[int] = set()  # a cluster's late news of a book must not revive it

    def start(self, books: Sequence[Sources]) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.names = [book.stem or book.files[0].stem for book in books]
        self.display = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            redirect_stdout=False,
            redirect_stderr=False,
        )
        self.display.start()
        self.total = self.display.add_task("books", total=len(books))

    def stage(self, index: int, name: str) -> None:
        if self.display is None or index in self.finished:
            return
        label = f"  {self.names[index]}: {name}"
        if index in self.tasks:
            self.display.update(self.tasks[index], description=label)
        else:
            self.tasks[index] = self.display.add_task(label, total=None)

    def say(self, line: str) -> None:
        """Above the display, which is drawn again under it."""
        if self.display is None:
            super().say(line)
        else:
            self.display.console.print(line, markup=False, highlight=False, soft_wrap=True)

    def output(self, line: str) -> None:
        if sys.stdout.isatty():  # the same terminal: above the display too
            self.say(line)
        else:
            print(line, flush=True)

    def _done(self, index: int) -> None:
        self.finished.add(index)
        if self.display is None:
            return
        if index in self.tasks:
            self.display.remove_task(self.tasks.pop(index))
        self.display.advance(self.total)

    def built(self, index: int, built: Built) -> None:
        super().built(index, built)
        self._done(index)

    def failed(self, index: int, message: str) -> None:
        super().failed(index, message)
        self._done(index)

    def close(self) -> None:
        if self.display is not None:
            self.display.stop()
            self.display = None


def view(quiet: bool = False, strict: bool = False) -> View:
    """The live display on a terminal (not with TERM=dumb, or CI set); plain lines otherwise."""
    terminal = sys.stderr.isatty() and os.environ.get("TERM") != "dumb"
    if terminal and not quiet and not os.environ.get("CI"):
        return Live(quiet, strict)
    return Plain(quiet, strict)
