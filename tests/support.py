"""Helpers shared by the tests that run Pressroom as a user does."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# DAISY Ace as this repository installs it (npm ci), for a project folder that has none.
ACE = ROOT / "node_modules" / ".bin" / "ace-cli"


def pressroom(
    *args: str, cwd: Path, timeout: int = 900, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """The `pressroom` command, run from `cwd` in a fresh process: under `scripts/test` that
    is the installed wheel, not the source tree."""
    return subprocess.run(
        [sys.executable, "-m", "pressroom", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def write(folder: Path, files: dict[str, str]) -> Path:
    """Write text files (names may hold folders) under `folder`; return it."""
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def outputs_in(folder: Path) -> list[Path]:
    """What a build wrote into `folder`, without the build cache's own record."""
    return sorted(p for p in folder.iterdir() if p.name != ".pressroom-cache")
