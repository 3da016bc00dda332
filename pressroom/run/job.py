"""One book's build as a unit of work, wherever it runs: here, in a worker process
(`parallel.py`) or on a Dask worker (`cluster.py`). Its outputs come back as bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..context import Stylesheet
from ..errors import PressroomError
from ..load import Sources
from .build import Rendered, render
from .deadline import time_limit

Stage = Callable[[int, str], None]  # (book's index, step starting)


@dataclass(frozen=True)
class Settings:
    """What every book of a run is built with."""

    out: Path
    formats: tuple[str, ...]
    paper: str = "a4"
    theme: Path | None = None
    css: tuple[Stylesheet, ...] = ()
    bleed: float = 3.0
    verify: bool = False
    force: bool = False  # build even a book unchanged since its outputs were written
    clock: dt.datetime | None = None  # the build's time when it is not read by each book
    split: bool = False  # each book's print formats in a second process (`printing.py`)

    def shaping(self) -> dict[str, Any]:
        """The keyword options of `render` and `unchanged` that shape the outputs."""
        return {"theme": self.theme, "css": self.css, "bleed": self.bleed, "verify": self.verify}


@dataclass
class Outcome:
    """One book, made: its outputs in memory, or the one line saying why not."""

    index: int
    source: Path
    rendered: Rendered | None = None
    error: str | None = None


def attempt(
    index: int, book: Sources, settings: Settings, stage: Callable[[str], None] | None = None
) -> Outcome:
    """Make one book in memory under its time limit; its error as one line."""
    source = book.files[0]
    try:
        with time_limit(book.limits.seconds, source):
            rendered = render(
                book,
                settings.out,
                settings.formats,
                settings.paper,
                **settings.shaping(),
                force=settings.force,
                stage=stage,
                clock=settings.clock,
                split=settings.split,
            )
    except PressroomError as err:
        return Outcome(index, source, error=str(err))
    return Outcome(index, source, rendered=rendered)
