"""One type for every warning and error Pressroom reports, from `build` and from `check`.

Each diagnostic has a short, stable code from the catalogue (`data/codes.yml`: code →
severity, stage and what it means), the file it is about and, where known, the line. The
catalogue is data so that `--select`/`--ignore`, the README's table and the tests all read
the same list.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

import yaml

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Code:
    code: str
    severity: Severity
    stage: str  # "build" (load and writers) or "check" (reading built files back)
    summary: str


@cache
def catalogue() -> dict[str, Code]:
    text = resources.files("pressroom").joinpath("data/codes.yml").read_text("utf-8")
    return {code: Code(code=code, **entry) for code, entry in yaml.safe_load(text).items()}


def is_known(code: str) -> bool:
    """Catalogued codes, plus EPUBCheck's own message IDs (RSC-005, OPF-014, …)."""
    return code in catalogue() or _is_epubcheck_id(code)


def _is_epubcheck_id(code: str) -> bool:
    head, _, number = code.partition("-")
    return head.isalpha() and head.isupper() and number[:3].isdigit()


@dataclass(frozen=True)
class Diagnostic:
    file: str
    code: str
    severity: Severity
    message: str
    line: int | None = None

    @property
    def where(self) -> str:
        return self.file if self.line is None else f"{self.file}:{self.line}"

    def __str__(self) -> str:
        return f"{self.where}: {self.severity} {self.code}: {self.message}"


@dataclass
class Diagnostics:
    """What one build collects: warnings as they are found, in order."""

    items: list[Diagnostic] = field(default_factory=list)

    def warn(self, code: str, file: object, message: str, line: int | None = None) -> None:
        self.items.append(Diagnostic(str(file), code, "warning", message, line))

    def __iter__(self):
        return iter(self.items)


def select(
    diagnostics: Iterable[Diagnostic], chosen: Iterable[str] = (), ignored: Iterable[str] = ()
) -> list[Diagnostic]:
    """Keep the diagnostics whose code matches `chosen` (all when empty) and not `ignored`.
    Codes match exactly, by prefix (`E-` for every EPUB rule) or as a glob (`RSC-*`)."""
    chosen, ignored = list(chosen), list(ignored)

    def matches(code: str, patterns: list[str]) -> bool:
        return any(
            code == p or fnmatch.fnmatchcase(code, p) or (p.endswith("-") and code.startswith(p))
            for p in patterns
        )

    return [
        d
        for d in diagnostics
        if (not chosen or matches(d.code, chosen)) and not matches(d.code, ignored)
    ]
