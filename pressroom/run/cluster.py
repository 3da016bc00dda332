"""`pressroom build --scheduler tcp://HOST:8786`: books built as tasks on a Dask cluster.

The workers need Pressroom (the same version) but not this machine's files: each book is
sent as a `Bundle` of bytes, built in memory on a worker, and its outputs come back as bytes
to be written here: read as data (`bundle.decode`), never unpickled, and only at the paths
this client asked for. A book whose worker dies is tried again by Dask on another; one that
still fails is reported, and the others are written.

A cluster runs what the client sends it (the book's whole folder is shipped): use one you
run (SECURITY.md).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from .. import __version__
from ..errors import PressroomError
from ..formats import WRITERS, expand
from ..load import Sources
from .bundle import Refused, decode, encode, pack, unpack_and_render
from .job import Outcome, Settings, Stage

CONNECT_SECONDS = 20  # to reach the scheduler and be answered
WORKERS_SECONDS = 20  # for a scheduler with no worker to get one


def remote(bundle: Any, topic: str | None = None) -> bytes:
    """The task a worker runs: the book's outcome as bytes (`bundle.encode`: the client
    reads them without unpickling). Each step the book starts is logged under `topic`,
    which the client follows for its progress display."""
    stage = None
    if topic is not None:
        from distributed import get_worker

        worker = get_worker()

        def stage(name: str) -> None:
            worker.log_event(topic, (bundle.index, name))

    try:
        outcome = unpack_and_render(bundle, stage)
    except Exception as err:  # sent back as words, never as a pickled exception
        source = bundle.book.files[0]
        outcome = Outcome(bundle.index, source, error=f"{source}: {type(err).__name__}: {err}")
    return encode(__version__, outcome)


def _connect(address: str) -> Any:
    """A client of the scheduler at `address`, within CONNECT_SECONDS whatever answers
    there (nothing, or something that is no scheduler): the connection is made in a thread
    this one stops waiting for. It reads what comes back without unpickling it."""
    from distributed import Client

    made: list[Any] = []
    failed: list[BaseException] = []

    def connect() -> None:
        try:
            made.append(
                Client(
                    address,
                    timeout=f"{CONNECT_SECONDS}s",
                    set_as_default=False,
                    serializers=["dask", "pickle"],  # what this client sends: its own
                    deserializers=["dask", "msgpack"],  # what it reads: data, no pickle
                )
            )
        except BaseException as err:
            failed.append(err)

    thread = threading.Thread(target=connect, daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS + 5)
    if failed or not made:
        why = f"{type(failed[0]).__name__}: {failed[0]}" if failed else "no answer"
        raise PressroomError(address, f"cannot reach the Dask scheduler: {why}")
    return made[0]


def on_cluster(
    books: Sequence[Sources], settings: Settings, address: str, stage: Stage
) -> Iterator[Outcome]:
    """Each book's outcome as it finishes on the cluster."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise PressroomError(
            "--scheduler", "needs Dask distributed: pip install 'pressroom[dask]'"
        ) from None
    client = _connect(address)
    try:
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (TimeoutError, OSError):
            raise PressroomError(
                address, f"the Dask scheduler has no worker (waited {WORKERS_SECONDS} s)"
            ) from None
        yield from _run(client, books, settings, stage)
    finally:
        client.close()


def _run(
    client: Any, books: Sequence[Sources], settings: Settings, stage: Stage
) -> Iterator[Outcome]:
    """Send every book to the cluster, and yield each outcome as it comes back."""
    from distributed import as_completed

    run = uuid.uuid4().hex[:8]
    topic = f"pressroom-{run}"

    def told(event: tuple[float, Any]) -> None:  # on the client's event loop
        index, name = event[1]
        stage(index, name)

    client.subscribe_topic(topic, told)
    try:
        futures: dict[Any, int] = {}
        for index, book in enumerate(books):
            try:
                bundle = pack(index, book, settings)
            except PressroomError as err:
                yield Outcome(index, book.files[0], error=str(err))
                continue
            name = book.stem or book.files[0].stem
            future = client.submit(
                remote, bundle, topic, key=f"pressroom-{name}-{run}-{index}", pure=False
            )
            futures[future] = index
            stage(index, "sent to the cluster")
        # The books' own time limit, for all of them at once: a cluster that takes the work
        # and never answers stops the run.
        seconds = sum(book.limits.seconds for book in books) or None
        with client.as_current():  # as_completed finds its loop through the client
            completed = as_completed(list(futures), timeout=seconds)
        for future in _within(completed, seconds, books[0].files[0]):
            yield _outcome(future, futures[future], books, settings)
    finally:
        client.unsubscribe_topic(topic)


def _within(completed: Any, seconds: int | None, source: Any) -> Iterator[Any]:
    try:
        yield from completed
    except TimeoutError:
        raise PressroomError(
            source, f"the cluster did not finish the books within {seconds} s (--timeout)"
        ) from None


def _outcome(future: Any, index: int, books: Sequence[Sources], settings: Settings) -> Outcome:
    source = books[index].files[0]
    try:
        data = future.result()
    except Exception as err:  # the task failed on every worker it was given to
        return Outcome(
            index, source, error=f"{source}: failed on the cluster: {type(err).__name__}: {err}"
        )
    book = books[index]
    stem = book.stem or book.files[0].stem
    expected = {WRITERS[name].output(settings.out, stem) for name in expand(settings.formats)}
    try:
        if not isinstance(data, bytes):
            raise Refused("not bytes")
        version, outcome = decode(data, expected)
    except Refused as err:
        return Outcome(index, source, error=f"{source}: the cluster sent back {err}")
    if version != __version__:
        return Outcome(
            index, source, error=f"{source}: the worker runs Pressroom {version}, not {__version__}"
        )
    if outcome.index != index:
        return Outcome(index, source, error=f"{source}: the cluster sent back another book")
    return outcome
