"""`pressroom build`: books → their outputs, each written whole or not at all.

For each book: load it once into a Document, ask the writer registry for the formats,
lay the pages out once for every format that is written from pages, render every output in
memory, and only then write them. A failure writes nothing for that book, and earlier
outputs stay as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..config import Config
from ..context import BuildContext, Stylesheet
from ..diagnostics import Diagnostic
from ..errors import PressroomError
from ..formats import DEFAULT_FORMATS, WRITERS, expand
from ..load import Sources, load
from ..load.frontmatter import Layer
from ..model import Document
from ..themes import Theme
from ..util.dates import build_time
from ..util.files import Output, write_outputs
from . import cache, collector, printing

__all__ = [
    "Built",
    "Rendered",
    "build",
    "find_manuscripts",
    "house_style",
    "plan",
    "render",
    "unchanged",
]

HOUSE_STYLE = "styles"  # a folder of print.css / epub.css beside the manuscript


@dataclass
class Built:
    source: Path
    outputs: list[Path] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    validated: dict[Path, list[Diagnostic]] = field(default_factory=dict)  # verify=True
    cached: bool = False  # nothing had changed: the outputs were left as they were


@dataclass
class Rendered:
    """One book's outputs, made in memory and not yet written: {target: bytes or folder}."""

    source: Path
    outputs: dict[Path, Output]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    validated: dict[Path, list[Diagnostic]] = field(default_factory=dict)
    cached: list[Path] | None = None  # unchanged: these outputs stay as they are
    record: cache.Record | None = None  # what to remember once the outputs are written

    def write(self) -> Built:
        if self.cached is not None:
            return Built(self.source, self.cached, self.diagnostics, cached=True)
        write_outputs(self.outputs)
        if self.record is not None:
            self.record.remember(self.outputs, self.diagnostics)
        return Built(self.source, list(self.outputs), self.diagnostics, self.validated)


def find_manuscripts(folder: Path = Path("manuscript")) -> list[Path]:
    found = sorted(folder.glob("*.md"))
    if not found:
        raise PressroomError(
            folder,
            "no manuscripts (*.md) found; name files to build, "
            "or list them as chapters: in pressroom.yml",
        )
    return found


def house_style(files: Sequence[Path]) -> list[Stylesheet]:
    """This project's own stylesheets: `styles/` beside the manuscript or beside its
    folder, added over the theme."""
    first = files[0].resolve().parent
    for folder in (first / HOUSE_STYLE, first.parent / HOUSE_STYLE):
        if folder.is_dir():
            return [
                Stylesheet(folder / name, (kind,))
                for kind in ("print", "epub")
                if (folder / (name := f"{kind}.css")).is_file()
            ]
    return []


def plan(
    manuscripts: Sequence[Path],
    config: Config,
    *,
    metadata: Sequence[Layer] = (),
    overrides: Sequence[Layer] = (),
    timeout: int | None = None,
) -> list[Sources]:
    """Which books to build: the files named (each a book), else the config's chapters
    (one book), else every manuscript/*.md. Metadata files are inputs of every book."""
    defaults = [*([config.metadata] if config.metadata else []), *metadata]
    limits = config.limits if timeout is None else replace(config.limits, seconds=timeout)
    inputs = [*([config.path] if config.path else []), *(layer.path for layer in metadata)]
    if not manuscripts and config.chapters:
        return [
            Sources(
                files=list(config.chapters),
                root=config.folder,
                stem=config.name or config.folder.resolve().name,
                defaults=defaults,
                overrides=list(overrides),
                inputs=inputs,
                limits=limits,
            )
        ]
    files = list(manuscripts) or find_manuscripts(
        config.folder / "manuscript" if config.path else Path("manuscript")
    )
    books = [
        Sources(
            files=[f], defaults=defaults, overrides=list(overrides), inputs=inputs, limits=limits
        )
        for f in files
    ]
    # Output names, not only stems, must differ: the archival copy of notes.md and the
    # handout of notes-archival.md would both be notes-archival.pdf.
    writes: dict[str, Path] = {}
    for book in books:
        first = book.files[0]
        for writer in WRITERS.values():
            name = writer.output(Path(), first.stem).name
            if name in writes and writes[name].resolve() != first.resolve():
                raise PressroomError(
                    first,
                    f"has the same name as {writes[name]}: both "
                    f"would write {name}; build them into separate folders",
                )
            writes[name] = first
    return books


def _options(sources: Sources, formats: Sequence[str], ctx: BuildContext) -> dict[str, Any]:
    """The options that shape a book's outputs, for the cache (the files are hashed apart)."""
    return {
        "files": [str(p.resolve()) for p in sources.files],
        "root": str(sources.root.resolve()) if sources.root else None,
        "stem": sources.stem,
        "formats": sorted(formats),
        "paper": ctx.paper,
        "bleed": ctx.bleed,
        "verify": ctx.verify,
        "theme": [str(f) for f in ctx.theme.folders],
        "css": [(str(s.path.resolve()), s.kinds) for s in ctx.css],
        "layers": [
            (str(layer.path), layer.data) for layer in (*sources.defaults, *sources.overrides)
        ],
        "limits": asdict(sources.limits),
    }


def build(
    source: Sources | Path,
    out: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    paper: str = "a4",
    **options: Any,
) -> Built:
    """Build one book: `render` (which takes the same options: `theme`, `css`, `bleed`,
    `verify`, `force`, `stage`, `clock`), then write. Every output is made in memory first,
    so a failure writes nothing; a book unchanged since its outputs were written is left
    as it is (see cache.py), unless `force`."""
    return render(source, out, formats, paper, **options).write()


def _prepared(
    source: Sources | Path,
    out: Path,
    formats: Sequence[str],
    paper: str,
    theme: Theme | Path | None,
    css: Sequence[Stylesheet | Path],
    bleed: float,
    verify: bool,
    clock: dt.datetime | None,
) -> tuple[Sources, BuildContext, str, list[Path], str]:
    """A book's sources and context, its stem, the outputs it would write and the digest of
    its options (the cache's key)."""
    sources = source if isinstance(source, Sources) else Sources(files=[Path(source)])
    sheets = [s if isinstance(s, Stylesheet) else Stylesheet.of(Path(s)) for s in css]
    ctx = BuildContext(
        theme=theme if isinstance(theme, Theme) else Theme.load(theme),
        paper=paper,
        bleed=bleed,
        css=(*house_style(sources.files), *sheets),
        verify=verify,
        clock=clock or build_time(),
    )
    stem = sources.stem or sources.files[0].stem
    paths = [WRITERS[name].output(out, stem) for name in expand(formats) if name in formats]
    options = cache.options_digest(_options(sources, formats, ctx), ctx.theme)
    return sources, ctx, stem, paths, options


def unchanged(
    source: Sources | Path,
    out: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    paper: str = "a4",
    **shaping: Any,
) -> bool:
    """Whether `render`, given the same options (`theme`, `css`, `bleed`, `verify`), would
    find the book unchanged since its outputs were written."""
    _, _, stem, paths, options = _prepared(
        source,
        out,
        formats,
        paper,
        shaping.get("theme"),
        shaping.get("css", ()),
        shaping.get("bleed", 3.0),
        shaping.get("verify", False),
        None,
    )
    return cache.fresh(out, stem, options, paths) is not None


def render(
    source: Sources | Path,
    out: Path,
    formats: Sequence[str] = DEFAULT_FORMATS,
    paper: str = "a4",
    *,
    theme: Theme | Path | None = None,
    css: Sequence[Stylesheet | Path] = (),
    bleed: float = 3.0,
    verify: bool = False,
    force: bool = False,
    stage: Callable[[str], None] | None = None,
    clock: dt.datetime | None = None,
    split: bool = False,
) -> Rendered:
    """Make one book's outputs in memory, named for `out`, writing nothing. The book's
    context is its own: its clock, its diagnostics, the house style beside it. `stage` is
    told each step as it starts (load, layout, a format's name); `clock` is the build's time
    (default: read now, or SOURCE_DATE_EPOCH). Unless `force`, a book unchanged since its
    outputs were written is not made again: its Rendered says so (`cached`). `split`: lay
    out and write the print formats in a second process meanwhile (`printing.py`)."""
    step = stage or (lambda name: None)
    sources, ctx, stem, paths, options = _prepared(
        source, out, formats, paper, theme, css, bleed, verify, clock
    )
    if not force:
        warnings = cache.fresh(out, stem, options, paths)
        if warnings is not None:
            return Rendered(sources.files[0], {}, warnings, cached=paths)
    names = expand(formats)
    printed = [name for name in names if WRITERS[name].pages]  # made from one layout
    with printing.aside(printed, split, ctx) as printer, collector.seldom():
        step("load")
        # Pieces of the Markdown unchanged since the last build are not converted again;
        # for the EPUB alone, they are read in outline when their chapters' pages are kept.
        pieces = cache.Pieces(
            cache.pieces_folder(out, stem),
            reuse=not force,
            options=options,
            hollow=not force and names == ["epub"],
        )
        said = len(ctx.diagnostics.items)
        doc = load(sources, ctx.diagnostics, ctx.theme, pieces)
        if pieces.hollow:
            from ..writers.epub import read_kept_page

            if not pieces.ready(doc, read_kept_page):  # what the book shares has changed
                del ctx.diagnostics.items[said:]
                pieces.hollow = False
                doc = load(sources, ctx.diagnostics, ctx.theme, pieces)
        if printer is not None:
            printer.send(doc, ctx)
        if printed:
            from ..glyphs import warn_uncovered

            # Here, not in the print process: that one has the longer way to go.
            warn_uncovered([*doc.sources, *doc.inputs], ctx.theme, ctx.diagnostics)
        ctx.cover = pieces.cover  # the EPUB's; the print process draws its own as SVG
        ctx.derived = pieces.derived
        ctx.pages = pieces
        made = _make(doc, ctx, names, printed, printer, step)
    targets = {
        WRITERS[name].output(out, doc.stem): made[name] for name in names if name in formats
    }  # the others were made only to be packed
    validated = {
        WRITERS[name].output(out, doc.stem): [
            replace(f, file=str(WRITERS[name].output(out, doc.stem))) for f in findings
        ]
        for name, findings in ctx.validated.items()
        if name in formats
    }
    read = [
        *doc.sources,
        *doc.inputs,
        *(image.path for image in doc.images),
        *([doc.cover.path] if doc.cover else []),
        *(sheet.path for sheet in ctx.css),
        *ctx.read,
    ]
    return Rendered(
        source=doc.source,
        outputs=targets,
        diagnostics=list(ctx.diagnostics),
        validated=validated,
        record=cache.Record(out, doc.stem, options, tuple(read), pieces.given),
    )


def _make(
    doc: Document,
    ctx: BuildContext,
    names: list[str],
    printed: list[str],
    printer: printing.Printer | None,
    step: Callable[[str], None],
) -> dict[str, Any]:
    """Each format's bytes. Formats made from the document alone come first, before the
    layout holds every page in memory (or while the print process lays them out): their
    own peak (the EPUB's cover image) then falls where memory is low."""
    made: dict[str, Any] = {}
    for name in sorted(names, key=lambda name: (bool(WRITERS[name].needs), WRITERS[name].pages)):
        writer = WRITERS[name]
        if writer.pages:
            if name not in made:  # every page format at once, from one layout
                if printer is not None:
                    printer.send_page(doc, ctx)
                    made |= printer.results(ctx, step)
                else:
                    made |= printing.print_side(doc, ctx, printed, step)
            continue
        step(name)
        if writer.needs:
            made[name] = writer.write(
                doc,
                ctx,
                outputs={WRITERS[n].output(Path(), doc.stem).name: made[n] for n in writer.needs},
            )
        else:
            made[name] = writer.write(doc, ctx)
    return made
