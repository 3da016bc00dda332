"""A book's sources as bytes, to build it on a machine that does not share this one's files.

The client packs everything a book may read: its Markdown files, what lies in its folder that
a manuscript can name (images, bibliographies, CSL styles, YAML, stylesheets), pressroom.yml
and metadata files, the user's stylesheets, the house `styles/` and a theme folder. Each is
named relative to the folder they all share, so that on the worker the book is laid out as it
is here: every name the outputs hold (relative to the project) comes out the same.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from ..diagnostics import Diagnostic
from ..errors import PressroomError
from ..load import Sources
from ..load.frontmatter import Layer
from ..util.dates import build_time
from .build import house_style
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
