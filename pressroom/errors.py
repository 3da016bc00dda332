"""The one error type users see: a file, maybe a line, and one sentence."""

from __future__ import annotations

from pathlib import Path


class PressroomError(Exception):
    """A problem with the user's input, reported as `file:line: message`."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        super().__init__(message)
        self.path = str(path)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"
