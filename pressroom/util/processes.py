"""Helpers for Pressroom's child processes: how many cores, telling the parent, dying with it."""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
from multiprocessing.connection import Connection
from typing import Any

PR_SET_PDEATHSIG = 1  # prctl(2)


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether this platform can fork (not Windows; macOS forks, but its system libraries
    are not safe to use after a fork)."""
    return hasattr(os, "fork") and os.uname().sysname == "Linux"


def tell(conn: Connection, message: tuple[Any, ...]) -> None:
    """Send `message` to the parent process, if it is still there."""
    with contextlib.suppress(OSError):  # the parent is gone: nobody to tell
        conn.send(message)


def die_with_parent() -> None:
    """This process stops when its parent does, even when the parent is killed (the build
    was stopped, or its time ran out): Linux's parent-death signal."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
