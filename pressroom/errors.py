"""The one error type users see: a file, maybe a line, and one sentence."""

from __future__ import annotations

from pathlib import Path

from .diagnostics import Diagnostic

__all__ = ["PressroomError"]


class PressroomError(Exception):
    """A problem with the user's input, reported as `file:line: message`: it stops the build
    of that manuscript. Warnings go to the build's `Diagnostics` instead."""

    def __init__(
        self, path: str | Path, message: str, line: int | None = None, code: str = "B-INPUT"
    ):
        super().__init__(message)
        self.path = str(path)
        self.message = message
        self.line = line
        self.code = code

    def __reduce__(self) -> tuple:
        # Pickled whole: an error met in a worker process is reported here as it was there.
        return (type(self), (self.path, self.message, self.line, self.code))

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.path, self.code, "error", self.message, self.line)

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
