"""A book's sources as bytes, to build it on a machine that does not share this one's files.

The client packs everything a book may read: its Markdown files, what lies in its folder that
a manuscript can name (images, bibliographies, CSL styles, YAML, stylesheets), pressroom.yml
and metadata files, the user's stylesheets, the house `styles/` and a theme folder. Each is
named relative to the folder they all share, so that on the worker the book is laid out as it
is here: every name the outputs hold (relative to the project) comes out the same.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from ..diagnostics import Diagnostic
from ..errors import PressroomError
from ..load import Sources
from ..load.frontmatter import Layer
from ..util.dates import build_time
from .build import Rendered, house_style
from .job import Outcome, Settings, attempt

# What a manuscript can name from its folder: images, bibliographies, CSL, YAML, CSS.
READABLE = frozenset(
    {".md", ".markdown", ".png", ".jpg", ".jpeg", ".gif", ".svg", ".bib", ".json", ".csl"}
    | {".yml", ".yaml", ".css"}
)
SKIPPED = frozenset({"node_modules", "__pycache__"})  # and hidden folders
MAX_BYTES = 500_000_000


@dataclass
class Bundle:
    index: int
    book: Sources  # its paths relative to the shared folder
    settings: Settings  # the theme and stylesheets too; `out` as the client names it
    files: dict[str, bytes] = field(default_factory=dict)  # relative POSIX name → bytes
    names: dict[str, str] = field(default_factory=dict)  # relative name → the client's name


def pack(index: int, book: Sources, settings: Settings) -> Bundle:
    """Read one book's files here. A file that cannot be read is the book's error."""
    out = settings.out.resolve()
    root = (book.root or book.files[0].parent).resolve()
    named: list[Path] = [
        *book.files,
        *book.inputs,
        *(layer.path for layer in [*book.defaults, *book.overrides] if layer.path.is_file()),
        *(sheet.path for sheet in settings.css),
        *(sheet.path for sheet in house_style(book.files)),
    ]
    found = [*named, *_readable(root, out)]
    theme = settings.theme.resolve() if settings.theme else None
    if theme:
        found += [p for p in theme.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    base = Path(os.path.commonpath([root, *(p.resolve().parent for p in found)]))
    if theme:
        base = Path(os.path.commonpath([base, theme]))

    def rel(path: Path) -> Path:
        return Path(path.resolve().relative_to(base).as_posix())

    files: dict[str, bytes] = {}
    total = 0
    for path in found:
        name = rel(path).as_posix()
        if name in files:
            continue
        try:
            files[name] = path.read_bytes()
        except OSError as err:
            raise PressroomError(path, f"cannot read: {err.strerror}") from None
        total += len(files[name])
        if total > MAX_BYTES:
            raise PressroomError(
                root,
                f"the book's folder holds over {MAX_BYTES:,} bytes to send to the cluster; "
                "keep each book's files in a folder of their own",
            )

    def moved(layer: Layer) -> Layer:
        return replace(layer, path=rel(layer.path)) if layer.path.is_file() else layer

    shipped = replace(
        book,
        files=[rel(p) for p in book.files],
        root=Path(root.relative_to(base).as_posix()) if book.root else None,
        defaults=[moved(layer) for layer in book.defaults],
        overrides=[moved(layer) for layer in book.overrides],
        inputs=[rel(p) for p in book.inputs],
    )
    shipped_settings = replace(
        settings,
        force=True,  # a worker's folder is new each time: its cache would never answer
        clock=settings.clock or build_time(),  # this machine's time, or SOURCE_DATE_EPOCH
        theme=Path(theme.relative_to(base).as_posix()) if theme else None,
        css=tuple(replace(sheet, path=rel(sheet.path)) for sheet in settings.css),
    )
    names = {rel(p).as_posix(): str(p) for p in named}
    names[""] = str(base)
    return Bundle(index, shipped, shipped_settings, files, names)


def _readable(root: Path, out: Path) -> Iterator[Path]:
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".") and d not in SKIPPED and (here / d).resolve() != out
        )
        for name in sorted(names):
            if not name.startswith(".") and Path(name).suffix.lower() in READABLE:
                yield here / name


def unpack_and_render(bundle: Bundle, stage: Callable[[str], None] | None = None) -> Outcome:
    """On a worker: lay the files out in a temporary folder, make the book in memory, and
    name its files in what it reports as the client does. `stage` is told each step."""
    with tempfile.TemporaryDirectory(prefix="pressroom-") as tmp:
        base = Path(tmp).resolve()
        for name, data in bundle.files.items():
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts:
                raise ValueError(f"refusing to write {name} outside the build folder")
            (base / relative).parent.mkdir(parents=True, exist_ok=True)
            (base / relative).write_bytes(data)

        def at(path: Path) -> Path:
            return base / path

        def placed(layer: Layer) -> Layer:
            return (
                replace(layer, path=at(layer.path))
                if layer.path.as_posix() in bundle.files
                else layer
            )

        book = replace(
            bundle.book,
            files=[at(p) for p in bundle.book.files],
            root=at(bundle.book.root) if bundle.book.root else None,
            defaults=[placed(layer) for layer in bundle.book.defaults],
            overrides=[placed(layer) for layer in bundle.book.overrides],
            inputs=[at(p) for p in bundle.book.inputs],
        )
        settings = bundle.settings
        settings = replace(
            settings,
            theme=at(settings.theme) if settings.theme else None,
            css=tuple(replace(sheet, path=at(sheet.path)) for sheet in settings.css),
        )
        outcome = attempt(bundle.index, book, settings, stage)
    return _renamed(outcome, bundle, base)


def _renamed(outcome: Outcome, bundle: Bundle, base: Path) -> Outcome:
    """The worker's temporary names in the outcome, as the client named the files."""
    exact = {str(base / name): client for name, client in bundle.names.items() if name}
    prefix, client_base = f"{base}{os.sep}", bundle.names[""] + os.sep

    def name(text: str) -> str:
        if text in exact:
            return exact[text]
        for worker, client in sorted(exact.items(), key=lambda item: -len(item[0])):
            text = text.replace(worker, client)
        return text.replace(prefix, client_base)

    def fixed(found: Diagnostic) -> Diagnostic:
        return replace(found, file=name(found.file), message=name(found.message))

    source = Path(exact.get(str(base / bundle.book.files[0]), str(outcome.source)))
    rendered = outcome.rendered
    if rendered is not None:
        rendered = replace(
            rendered,
            source=source,
            diagnostics=[fixed(d) for d in rendered.diagnostics],
            validated={k: [fixed(d) for d in v] for k, v in rendered.validated.items()},
            record=None,  # the worker's names; the cache is for books built here
        )
    error = name(outcome.error) if outcome.error else None
    return Outcome(outcome.index, source, rendered, error)


# -- what a worker sends back: bytes, read here without unpickling ---------------------------
# A worker's result is data the client checks, never objects it rebuilds: a JSON header and
# the outputs' bytes after it.


def encode(version: str, outcome: Outcome) -> bytes:
    """`outcome` (as a worker made it) as bytes: JSON for its words, its outputs' bytes
    appended and named by their offsets."""
    blobs: list[bytes] = []

    def blob(data: bytes) -> list[int]:
        start = sum(len(b) for b in blobs)
        blobs.append(data)
        return [start, len(data)]

    def diagnostic(found: Diagnostic) -> list[Any]:
        return [found.file, found.code, found.severity, found.message, found.line]

    rendered = outcome.rendered
    header: dict[str, Any] = {
        "version": version,
        "index": outcome.index,
        "source": str(outcome.source),
        "error": outcome.error,
        "rendered": None,
    }
    if rendered is not None:
        header["rendered"] = {
            "outputs": [
                [str(path), {n: blob(d) for n, d in data.items()}]
                if isinstance(data, dict)
                else [str(path), blob(data)]
                for path, data in rendered.outputs.items()
            ],
            "diagnostics": [diagnostic(d) for d in rendered.diagnostics],
            "validated": [
                [str(path), [diagnostic(d) for d in found]]
                for path, found in rendered.validated.items()
            ],
        }
    text = json.dumps(header).encode("utf-8")
    return len(text).to_bytes(8, "big") + text + b"".join(blobs)


class Refused(ValueError):
    """What a worker sent back is not what the client asked for."""


def decode(data: bytes, expected: set[Path]) -> tuple[str, Outcome]:
    """The worker's version and the outcome in `data`, its outputs only at the paths the
    client asked for (`expected`), a folder's files only below their folder. Refused
    otherwise: a worker cannot make the client write anywhere else."""
    try:
        size = int.from_bytes(data[:8], "big")
        header = json.loads(data[8 : 8 + size])
        body = memoryview(data)[8 + size :]
        version, index, source = header["version"], header["index"], header["source"]
        if not (isinstance(version, str) and isinstance(index, int) and isinstance(source, str)):
            raise Refused("not an outcome")
        error = header["error"]
        if error is not None and not isinstance(error, str):
            raise Refused("not an error message")

        def blob(where: Any) -> bytes:
            start, length = where
            if not (isinstance(start, int) and isinstance(length, int)) or start < 0:
                raise Refused("not a place in the outputs")
            if start + length > len(body):
                raise Refused("outputs cut short")
            return bytes(body[start : start + length])

        def diagnostic(raw: Any) -> Diagnostic:
            file, code, severity, message, line = raw
            if not all(isinstance(t, str) for t in (file, code, message)) or severity not in (
                "error",
                "warning",
            ):
                raise Refused("not a diagnostic")
            if line is not None and not isinstance(line, int):
                raise Refused("not a line number")
            return Diagnostic(file, code, severity, message, line)

        rendered = None
        if header["rendered"] is not None:
            raw = header["rendered"]
            outputs: dict[Path, Any] = {}
            for path, where in raw["outputs"]:
                target = Path(path)
                if target not in expected:
                    raise Refused(f"an output the client did not ask for: {path}")
                if isinstance(where, dict):
                    folder = {}
                    for name, place in where.items():
                        relative = PurePosixPath(name)
                        if relative.is_absolute() or ".." in relative.parts or not name:
                            raise Refused(f"a file outside its folder: {name}")
                        folder[name] = blob(place)
                    outputs[target] = folder
                else:
                    outputs[target] = blob(where)
            validated = {
                Path(path): [diagnostic(d) for d in found] for path, found in raw["validated"]
            }
            if not set(validated) <= expected:
                raise Refused("findings for an output the client did not ask for")
            rendered = Rendered(
                source=Path(source),
                outputs=outputs,
                diagnostics=[diagnostic(d) for d in raw["diagnostics"]],
                validated=validated,
            )
        return version, Outcome(index, Path(source), rendered, error)
    except Refused:
        raise
    except (ValueError, KeyError, TypeError, IndexError) as err:
        raise Refused(f"not an outcome ({type(err).__name__})") from None
