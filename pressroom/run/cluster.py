"""`pressroom build --scheduler tcp://HOST:8786`: books built as tasks on a Dask cluster.

The workers need Pressroom (the same version) but not this machine's files: each book is
sent as a `Bundle` of bytes, built in memory on a worker, and its outputs come back as bytes
to be written here. A book whose worker dies is tried again by Dask on another; one that
still fails is reported, and the others are written.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from .. import __version__
from ..errors import PressroomError
from ..load import Sources
from .bundle import pack, unpack_and_render
from .job import Outcome, Settings, Stage


def remote(bundle: Any, topic: str | None = None) -> tuple[str, Outcome]:
    """The task a worker runs: its Pressroom version, and the book's outcome. Each step the
    book starts is logged under `topic`, which the client follows for its progress display."""
    stage = None
    if topic is not None:
        from distributed import get_worker

        worker = get_worker()

        def stage(name: str) -> None:
            worker.log_event(topic, (bundle.index, name))

    return __version__, unpack_and_render(bundle, stage)


def on_cluster(
    books: Sequence[Sources], settings: Settings, address: str, stage: Stage
) -> Iterator[Outcome]:
    """Each book's outcome as it finishes on the cluster."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise PressroomError(
            "--scheduler", "needs Dask distributed: pip install 'pressroom[dask]'"
        ) from None
    try:
        client = Client(address, timeout="10s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        raise PressroomError(address, f"cannot reach the Dask scheduler: {err}") from None
    run = uuid.uuid4().hex[:8]
    topic = f"pressroom-{run}"

    def told(event: tuple[float, Any]) -> None:  # on the client's event loop
        index, name = event[1]
        stage(index, name)

    try:
        client.subscribe_topic(topic, told)
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
        with client.as_current():  # as_completed finds its loop through the client
            completed = as_completed(list(futures))
        for future in completed:
            index = futures[future]
            source = books[index].files[0]
            try:
                version, outcome = future.result()
            except Exception as err:  # the task failed on every worker it was given to
                yield Outcome(
                    index,
                    source,
                    error=f"{source}: failed on the cluster: {type(err).__name__}: {err}",
                )
                continue
            if version != __version__:
                yield Outcome(
                    index,
                    source,
                    error=f"{source}: the worker runs Pressroom {version}, not {__version__}",
                )
                continue
            yield outcome
    finally:
        client.unsubscribe_topic(topic)
        client.close()
