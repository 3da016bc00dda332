"""One book's time limit (`--timeout`, `limits: seconds:`), in any thread.

In a process's main thread the limit is SIGALRM; elsewhere (a Dask worker runs its tasks in
threads) a timer raises the same error in the building thread at its next Python step.
Either way nothing is written: outputs are written only once the whole book is made.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import PressroomError


class _Expired(BaseException):
    """Raised into a building thread whose time is up. Not an Exception: code that turns a
    library's failure into a warning (`except Exception`) must not swallow it."""


def expired(seconds: int, source: Path) -> PressroomError:
    return PressroomError(
        source,
        f"the build took longer than {seconds} s (--timeout, or limits: seconds: in pressroom.yml)",
    )


@contextlib.contextmanager
def time_limit(seconds: int, source: Path) -> Iterator[None]:
    """Stop one book's build after `seconds` (0: never), as a one-line error."""
    if not seconds:
        yield
    elif threading.current_thread() is threading.main_thread():
        with _alarm(seconds, source):
            yield
    else:
        with _timer(seconds, source):
            yield


@contextlib.contextmanager
def _alarm(seconds: int, source: Path) -> Iterator[None]:
    def ring(signum: int, frame: object) -> None:
        raise _Expired

    previous = signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)
    try:
        yield
    except _Expired:
        raise expired(seconds, source) from None
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _timer(seconds: int, source: Path) -> Iterator[None]:
    thread = ctypes.c_ulong(threading.get_ident())
    done = threading.Lock()

    def ring() -> None:
        with done:  # not once the block has ended
            ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, ctypes.py_object(_Expired))

    timer = threading.Timer(seconds, ring)
    timer.daemon = True
    timer.start()
    try:
        yield
    except _Expired:
        raise expired(seconds, source) from None
    finally:
        with done:
            timer.cancel()
            # An exception set but not yet raised must not escape the block.
            ctypes.pythonapi.PyThreadState_SetAsyncExc(thread, None)
