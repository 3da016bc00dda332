"""`pressroom build -j N`: books in N worker processes on this machine.

Workers are forked from a server process that has imported Pressroom and WeasyPrint once, so
each starts warm. At most N books are handed out at a time, so when a worker dies (killed,
out of memory, a crash in a library) only the books it may have held are in doubt: each is
built again alone, and one that kills its worker alone is reported as failed.
"""

from __future__ import annotations

import multiprocessing
import queue
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported by the server that forks the workers, not before it starts
    from ..load import Sources
    from .job import Outcome, Settings, Stage

PRELOAD = ["pressroom.run.catalog", "pressroom.writers.pdf", "pressroom.writers.epub"]

_events: Any = None  # in a worker: where it says which step each book is at


def _start_worker(events: Any) -> None:
    global _events
    _events = events


def _work(index: int, book: Sources, settings: Settings) -> Outcome:
    from .job import attempt

    def stage(name: str) -> None:
        if _events is not None:
            _events.put((index, name))

    return attempt(index, book, settings, stage)


def _context() -> BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        server = multiprocessing.get_context("forkserver")
        server.set_forkserver_preload(PRELOAD)
        return server
    return multiprocessing.get_context("spawn")  # Windows: each worker imports Pressroom itself


def prestart() -> None:
    """Start the server that forks the workers now: it imports Pressroom and WeasyPrint
    while this process reads the settings and plans the books."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        from multiprocessing import forkserver

        _context()
        forkserver.ensure_running()


def in_processes(
    books: Sequence[Sources], settings: Settings, jobs: int, stage: Stage
) -> Iterator[Outcome]:
    """Each book's outcome as it finishes."""
    from .job import Outcome

    context = _context()
    events = context.Queue()
    waiting = deque(range(len(books)))
    alone: deque[int] = deque()  # in doubt after a worker died: built again, one at a time
    running: dict[Future[Outcome], int] = {}
    solo = False

    def pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_start_worker, initargs=(events,)
        )

    executor = pool()
    broken = False  # a worker died: wait for the others' futures, then a new pool
    try:
        while waiting or alone or running:
            if broken and not running:
                executor.shutdown(wait=True)
                executor, broken = pool(), False
            if not broken:
                if not running:
                    solo = bool(alone)
                if solo and not running:
                    index = alone.popleft()
                    running[executor.submit(_work, index, books[index], settings)] = index
                while not solo and waiting and len(running) < jobs:
                    index = waiting.popleft()
                    running[executor.submit(_work, index, books[index], settings)] = index
            done, _ = wait(running, timeout=0.1, return_when=FIRST_COMPLETED)
            _relay(events, stage)
            for future in done:
                index = running.pop(future)
                source = books[index].files[0]
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken = True
                    if solo:
                        yield Outcome(
                            index, source, error=f"{source}: the process building it died"
                        )
                    else:
                        alone.append(index)
                except Exception as err:  # a bug in Pressroom: this book only
                    yield Outcome(
                        index,
                        source,
                        error=f"{source}: internal error: {type(err).__name__}: {err}",
                    )
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        events.close()


def _relay(events: Any, stage: Stage) -> None:
    while True:
        try:
            index, name = events.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        stage(index, name)
