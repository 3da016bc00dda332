"""Many books in one run: each book's build is one unit of work, made here (`-j 1`), in
worker processes (`-j N`, `parallel.py`) or on a Dask cluster (`--scheduler`, `cluster.py`).

Wherever a book is made, its outputs come back here as bytes and are written here, the
book's whole or not at all, as it finishes. A book that fails is one line; the others are
still built and written.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Diagnostic
from ..errors import PressroomError
from ..load import Sources
from .build import Built, unchanged
from .job import Outcome, Settings, Stage, attempt

__all__ = ["Outcome", "Settings", "Stage", "Summary", "View", "attempt", "build_all"]


@dataclass
class Summary:
    outputs: list[Path] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)
    validated: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    failed: list[Path] = field(default_factory=list)


def here(books: Sequence[Sources], settings: Settings, stage: Stage) -> Iterator[Outcome]:
    """One book after another, in this process."""
    for index, book in enumerate(books):
        yield attempt(index, book, settings, functools.partial(stage, index))


class View:
    """What a run tells its user; `progress.py` has the plain and the live one."""

    def start(self, books: Sequence[Sources]) -> None: ...
    def stage(self, index: int, name: str) -> None: ...
    def built(self, index: int, built: Built) -> None: ...
    def failed(self, index: int, message: str) -> None: ...
    def close(self) -> None: ...


def build_all(
    books: Sequence[Sources],
    settings: Settings,
    view: View,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
) -> Summary:
    """Build every book, writing and reporting each as it finishes."""
    summary = Summary()
    outcomes: Iterator[Outcome]
    if scheduler:
        from .cluster import on_cluster

        outcomes = on_cluster(books, settings, scheduler, view.stage)
    elif min(jobs, len(books)) > 1 and not _all_unchanged(books, settings):
        from .parallel import in_processes

        outcomes = in_processes(books, settings, min(jobs, len(books)), view.stage)
    else:  # one book with cores to spare: its print side beside the rest
        alone = dataclasses.replace(settings, split=jobs > 1 and len(books) == 1)
        outcomes = here(books, alone, view.stage)
    view.start(books)
    try:
        for outcome in outcomes:
            finish(outcome, view, summary)
    finally:
        view.close()
    return summary


def _all_unchanged(books: Sequence[Sources], settings: Settings) -> bool:
    """Nothing to build: no worker processes to start (each would only find its book
    unchanged)."""
    return not settings.force and all(
        unchanged(book, settings.out, settings.formats, settings.paper, **settings.shaping())
        for book in books
    )


def finish(outcome: Outcome, view: View, summary: Summary) -> None:
    if outcome.rendered is None:
        summary.failed.append(outcome.source)
        view.failed(outcome.index, outcome.error or f"{outcome.source}: not built")
        return
    view.stage(outcome.index, "write")
    try:
        built = outcome.rendered.write()
    except PressroomError as err:
        summary.failed.append(outcome.source)
        view.failed(outcome.index, str(err))
        return
    view.built(outcome.index, built)
    summary.warnings += built.diagnostics
    summary.outputs += [p for p in built.outputs if p.is_file()]
    summary.validated |= built.validated
