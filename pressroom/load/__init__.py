"""Read a manuscript once into the shared document model.

    metadata layers (pressroom.yml, --metadata-file, front matter, -M) → Metadata
    each Markdown file → HTML (Python-Markdown + Pressroom's tree processors)
                       → sanitized XHTML → images, notes
    all files together → unique ids, heading ids, links checked → chapters

A book may be one file or several (`chapters:` in pressroom.yml); notes are numbered
through the whole book. Nothing here knows about PDF or EPUB.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote
from xml.etree import ElementTree as ET

from ..categories import HEADINGS
from ..diagnostics import Diagnostics
from ..errors import PressroomError
from ..limits import DEFAULT, Limits
from ..model import Chapter, Document, Heading, Image, Metadata, Note
from ..themes import Theme
from ..util import language
from ..util.files import read_text
from ..util.tree import remove, text_of
from . import content, segments
from .citations import Bibliography, bibliography_of, cite
from .crossref import caption_tables
from .crossref import number as number_items
from .frontmatter import (
    METADATA_KEYS,
    Layer,
    merge,
    parse_metadata,
    read_yaml,
    split_front_matter,
    warn_unknown,
)
from .frontmatter import stable_identifier as stable_identifier
from .images import Checked, ImageError, check_image, decode_raster, sanitize_svg
from .markdown import bracket_depth, longest_paragraph, mask_code, to_html, too_deep
from .math import bad_formulas
from .notes import check_notes, extract_notes
from .sanitize import sanitize

__all__ = [
    "Converted",
    "Fresh",
    "Kept",
    "Sources",
    "convert",
    "heading_id",
    "load",
    "stable_identifier",
]

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".svgz": "image/svg+xml",  # compressed, or not: its content says
    ".gif": "image/gif",
    ".webp": "image/webp",
}
# Ids the writers give what they add (notes, chapters, pages of the EPUB).
RESERVED_ID = re.compile(
    r"(note|noteref|chapter|author)-\d[\w-]*|about(-title)?|toc(-title)?|landmarks(-title)?"
    r"|book-title|text-title"
)


@dataclass
class Sources:
    """What a book is made of: its Markdown files in order and the metadata around them."""

    files: list[Path]
    root: Path | None = None  # default: the first file's folder
    stem: str | None = None  # default: the first file's name
    limits: Limits = DEFAULT
    defaults: list[Layer] = field(default_factory=list)  # below the front matter
    overrides: list[Layer] = field(default_factory=list)  # above it (-M)
    inputs: list[Path] = field(default_factory=list)  # pressroom.yml and the like


@dataclass
class _File:
    path: Path
    text: str
    body: str
    body_line: int


def convert(text: str, depth: int) -> tuple[str, list[str]]:
    """Markdown → safe XHTML, and what the sanitizer removed: all a piece of a file needs,
    so the same text always gives the same result."""
    return sanitize(to_html(text), depth=depth)


@dataclass(frozen=True)
class Converted:
    """A piece of Markdown converted: its XHTML, or its outline when `hollow` (outline.py),
    and what the sanitizer removed. A kept piece has the key of its text and of its outline
    and the number of its blocks (the notes Markdown lists at its end not counted)."""

    html: str
    dropped: list[str]
    key: str = ""
    outline: str = ""
    blocks: int = 0
    hollow: bool = False


class Kept(Protocol):
    """The steps `load` may answer from an earlier build instead (cache.Pieces): each gives
    what `convert`, `decode_raster` and `sanitize_svg` give for the same arguments (and
    raises what they raise); `piece` may give a kept piece's outline instead of its XHTML
    (its chapters are then `hollow`)."""

    def piece(self, text: str, depth: int) -> Converted: ...

    def decode(self, data: bytes, media_type: str, limits: Limits) -> bytes: ...

    def svg(self, data: bytes, limits: Limits) -> Checked: ...


class Fresh:
    """Every step done again."""

    def piece(self, text: str, depth: int) -> Converted:
        return Converted(*convert(text, depth))

    def decode(self, data: bytes, media_type: str, limits: Limits) -> bytes:
        return decode_raster(data, media_type, limits)

    def svg(self, data: bytes, limits: Limits) -> Checked:
        return sanitize_svg(data, limits)


def load(
    sources: Sources | str | Path,
    diagnostics: Diagnostics | None = None,
    theme: Theme | None = None,
    kept: Kept | None = None,
) -> Document:
    """`theme` gives the words Pressroom adds to the text in the book's language (a
    bibliography's heading, "Figure 1"): the default theme's when None. `kept` may answer
    the costly steps from an earlier build (see cache.Pieces)."""
    kept = kept or Fresh()
    if not isinstance(sources, Sources):
        sources = Sources(files=[Path(sources)])
    diagnostics = diagnostics if diagnostics is not None else Diagnostics()
    first = sources.files[0]
    root = (sources.root or first.parent).resolve()
    files, front = _read_files(sources.files, sources.limits)
    meta, winners = _metadata(sources, front, diagnostics)
    words = (theme or Theme.load()).strings(meta.lang)
    bib = bibliography_of(winners, root)
    files, entries = _citations(files, bib, winners, meta.lang, words, diagnostics)
    book = _Assembly(root, sources.limits, kept, diagnostics, meta)
    for file in files:
        book.add(file)
    body = book.finish(files, entries, words)
    _book_passes(body, book.notes, files, words, meta, diagnostics)
    _warn_for_check(meta, diagnostics, first)
    return Document(
        sources=tuple(f.path for f in files),
        root=root,
        stem=sources.stem or first.stem,
        meta=meta,
        chapters=_split_chapters(body, book.origin, book.piece_of, book.hollow),
        notes=book.notes,
        images=list(book.images.values()),
        inputs=(*sources.inputs, *([*bib.files, bib.style] if bib else [])),
        cover=_cover(winners.get("cover"), root, sources.limits, kept),
        outline=book.shared.hexdigest() if book.keyed else "",
    )


def _metadata(
    sources: Sources, front: Layer | None, diagnostics: Diagnostics
) -> tuple[Metadata, dict[str, Layer]]:
    """The book's metadata from its layers (defaults, front matter, overrides), and the
    layer each key was taken from; its titles within their limit."""
    first = sources.files[0]
    layers = [*sources.defaults, *([front] if front else []), *sources.overrides]
    if front is None and not any("title" in layer.data for layer in layers):
        raise PressroomError(
            first,
            "no front matter: start the file with a '---' line, "
            "a YAML block with at least 'title:', and another '---'",
            1,
        )
    if front:
        warn_unknown(front, diagnostics, METADATA_KEYS, "front-matter key")
    meta = parse_metadata(layers, first)
    winners = merge(layers)
    for key in ("title", "subtitle", "short_title"):
        value = getattr(meta, key) or ""
        if len(value) > sources.limits.title_characters:
            layer = winners[key]
            raise PressroomError(
                layer.path,
                f"the {key.replace('_', ' ')} is {len(value):,} characters; "
                f"the limit is {sources.limits.title_characters:,}",
                layer.line(key),
            )
    return meta, winners


def _citations(
    files: list[_File],
    bib: Bibliography | None,
    winners: dict[str, Layer],
    lang: str,
    words: dict[str, str],
    diagnostics: Diagnostics,
) -> tuple[list[_File], list[str]]:
    """The files with their citations set, and the bibliography's entries."""
    if bib is not None:
        return _cite(files, bib, lang, words, diagnostics)
    if "csl" in winners:
        layer = winners["csl"]
        diagnostics.warn(
            "B-CITE",
            layer.path,
            "'csl' without 'bibliography': nothing is cited",
            layer.line("csl"),
        )
    return files, []


def _check_limits(file: _File, visible: str, limits: Limits) -> None:
    """Nesting, brackets and paragraphs within the limits, or an error at the line."""
    for past, what, limit in (
        (
            too_deep(visible, limits.nesting),
            "lists or quotes nested {:,} levels deep",
            limits.nesting,
        ),
        (
            bracket_depth(visible, limits.nesting),
            "square brackets nested {:,} deep",
            limits.nesting,
        ),
        (
            longest_paragraph(visible, limits.paragraph_characters),
            "a paragraph of {:,} characters",
            limits.paragraph_characters,
        ),
    ):
        if past:
            size, line = past
            raise PressroomError(
                file.path,
                f"{what.format(size)}; the limit is {limit:,}",
                file.body_line + line - 1,
            )


class _Assembly:
    """The book's body as its files are converted one after the other: their blocks, notes
    and images, where each block came from, and what the book-wide passes read of every
    piece (`shared`: a chapter's page is kept under it and its own pieces' keys)."""

    def __init__(
        self, root: Path, limits: Limits, kept: Kept, diagnostics: Diagnostics, meta: Metadata
    ):
        self.root, self.limits, self.kept, self.diagnostics = root, limits, kept, diagnostics
        self.body = ET.Element("div")
        self.notes: dict[str, Note] = {}
        self.images: dict[str, Image] = {}
        self.origin: dict[ET.Element, Path] = {}  # top-level block → its file
        self.piece_of: dict[ET.Element, str] = {}  # top-level block → the key of its piece
        self.hollow: set[ET.Element] = set()  # top-level blocks of pieces read as outlines
        self.shared = hashlib.sha256(repr(meta).encode())
        self.keyed = True  # every piece has its key (kept by cache.Pieces)
        self.formulas = 0

    def add(self, file: _File) -> None:
        visible = mask_code(file.body)  # what Markdown reads as text and markup
        check_notes(file.path, visible, file.body_line)
        _check_limits(file, visible, self.limits)
        tree = self._converted(file, visible)
        caption_tables(tree)
        _check_languages(file, tree, self.diagnostics)
        for formula in bad_formulas(tree):
            shown = formula if len(formula) <= 80 else formula[:79] + "…"
            self.diagnostics.warn(
                "B-MATH",
                file.path,
                f"formula {shown} could not be read (or is past the limits of one formula); "
                "printed as written",
                _line_of(file, formula),
            )
        self.formulas += sum(1 for _ in tree.iter("math"))
        if self.formulas > self.limits.formulas:
            raise PressroomError(
                file.path, f"more than {self.limits.formulas:,} formulas; that is the limit"
            )
        _collect_images(
            file, self.root, tree, self.images, self.diagnostics, self.limits, self.kept
        )
        self._take_notes(file, tree)
        for block in list(tree):
            self.origin[block] = file.path
            self.body.append(block)

    def _converted(self, file: _File, visible: str) -> ET.Element:
        """Piece by piece (a chapter or more each), so a piece unchanged since the last
        build is not converted again: see segments.py and cache.Pieces."""
        pieces = segments.split(file.body, visible)
        converted = [self.kept.piece(piece, self.limits.nesting) for piece in pieces]
        seen: Counter[str] = Counter()
        for warning in (w for c in converted for w in c.dropped):
            self.diagnostics.warn("B-HTML", file.path, warning, _html_line(file, warning, seen))
        tree = segments.joined([c.html for c in converted])
        self.shared.update(f"\0file {len(pieces)}".encode())
        self.keyed = self.keyed and all(c.key for c in converted)
        if self.keyed:
            _own_blocks(tree, converted, self.piece_of, self.hollow)
            for c in converted:
                self.shared.update(f"\0{c.outline}".encode())
        return tree

    def _take_notes(self, file: _File, tree: ET.Element) -> None:
        file_notes, unused = extract_notes(tree, first_number=len(self.notes) + 1)
        for key in unused:
            self.diagnostics.warn(
                "B-NOTE",
                file.path,
                f"footnote [^{key}] is never called; left out",
                _line_of(file, f"[^{key}]:"),
            )
        self.notes |= file_notes
        if len(self.notes) > self.limits.footnotes:
            raise PressroomError(
                file.path, f"more than {self.limits.footnotes:,} footnotes; that is the limit"
            )

    def finish(self, files: list[_File], entries: list[str], words: dict[str, str]) -> ET.Element:
        """The body, with the bibliography placed."""
        if not len(self.body):
            raise PressroomError(
                files[-1].path, "no text after the front matter", files[-1].body_line
            )
        if entries:
            _place_bibliography(self.body, entries, words, self.origin, files[-1].path)
        self.shared.update(json.dumps(entries).encode())
        return self.body


def _book_passes(
    body: ET.Element,
    notes: dict[str, Note],
    files: list[_File],
    words: dict[str, str],
    meta: Metadata,
    diagnostics: Diagnostics,
) -> None:
    """What reads the whole book: the content model fitted, ids made unique, headings numbered and levelled, cross-
    references numbered, links resolved, empty paragraphs dropped."""
    trees = [body, *(n.body for n in notes.values())]

    def warn_html(message: str, written: tuple[str, ...]) -> None:
        path, line = _find_line(files, written)
        diagnostics.warn("B-HTML", path, message, line)

    for tree in trees:  # before ids and links are read: it may unwrap a link
        content.fit(tree, warn_html)
    _unique_ids(trees, diagnostics, files)
    _number_headings(body)  # after: every heading keeps an id, so every heading has a target
    _level_headings(body, diagnostics, files)

    def warn_reference(message: str, written: str) -> None:
        path, line = _find_line(files, (written,))
        diagnostics.warn("B-XREF", path, message, line)

    number_items(body, words, meta.number_sections, warn_reference)
    _resolve_links(trees, set(notes), diagnostics, files)
    _drop_empty_paragraphs(body)


def _own_blocks(
    tree: ET.Element,
    converted: list[Converted],
    piece_of: dict[ET.Element, str],
    hollow: set[ET.Element],
) -> None:
    """Each top-level block of a file's tree (just joined) → the key of its piece. The
    notes Markdown lists are not counted, as outline.outline does not count them."""
    blocks = [b for b in tree if not (b.tag == "div" and b.get("class") == "footnote")]
    at = 0
    for c in converted:
        for block in blocks[at : at + c.blocks]:
            piece_of[block] = c.key
            if c.hollow:
                hollow.add(block)
        at += c.blocks
    if at != len(blocks):  # cannot be: the pieces are the file's tree, block by block
        raise ValueError(f"pieces of {at} blocks make {len(blocks)}")


def _cite(
    files: list[_File], bib: Bibliography, lang: str, words: dict, diagnostics: Diagnostics
) -> tuple[list[_File], list[str]]:
    """The files with their citations resolved, and the bibliography's entries."""
    cited = cite(
        [f.body for f in files], [f.body_line for f in files], bib, lang, words.get("and", "and")
    )
    for unknown in cited.unknown:
        diagnostics.warn(
            "B-CITE",
            files[unknown.file].path,
            f"no entry @{unknown.key} in the bibliography; the citation is printed as written",
            unknown.line,
        )
    bodies = [
        _File(path=f.path, text=f.text, body=body, body_line=f.body_line)
        for f, body in zip(files, cited.bodies, strict=True)
    ]
    return bodies, cited.entries


def _place_bibliography(
    root: ET.Element, entries: list[str], words: dict, origin: dict[ET.Element, Path], last: Path
) -> None:
    """The works cited, after a heading named References or Bibliography (or the theme's
    word for it); at the end, under that word, when the manuscript has no such heading."""
    title = words.get("references", "References")
    names = {"references", "bibliography", title.lower()}
    html = "".join(f'<p class="csl-entry">{entry}</p>' for entry in entries)
    safe, _ = sanitize(f'<section class="references" role="doc-bibliography">{html}</section>')
    section = ET.fromstring(safe)
    blocks = list(root)
    for index, block in enumerate(blocks):
        if block.tag in HEADINGS and text_of(block).strip().lower() in names:
            root.insert(index + 1, section)
            origin[section] = origin[block]
            return
    level = "h1" if any(block.tag == "h1" for block in blocks) else "h2"
    heading = ET.Element(level)
    heading.text = title
    for block in (heading, section):
        root.append(block)
        origin[block] = last


def _read_files(paths: list[Path], limits: Limits) -> tuple[list[_File], Layer | None]:
    """Read every file; only the first may open with front matter."""
    files, front = [], None
    for n, path in enumerate(paths):
        text = read_text(path, limits.manuscript_bytes)
        block, body, body_line = split_front_matter(path, text)
        if block is not None and n > 0:
            raise PressroomError(
                path, "front matter belongs in the first chapter file (or in pressroom.yml)", 1
            )
        if block is not None:
            front = read_yaml(path, block, first_line=2, what="front matter", limits=limits)
        files.append(_File(path=path, text=text, body=body, body_line=body_line))
    return files, front


def _cover(layer: Layer | None, root: Path, limits: Limits, kept: Kept) -> Image | None:
    """`cover: image.jpg`, named from the file that says so."""
    if layer is None:
        return None
    value = layer.data["cover"]
    line = layer.line("cover")
    if not isinstance(value, str) or not value.strip():
        raise PressroomError(layer.path, "'cover' must name an image file", line)
    target, media_type = _local_image(layer.path, line, "cover", value.strip(), root)
    try:
        checked = check_image(target, media_type, limits, kept.decode, kept.svg)
    except ImageError as err:
        raise PressroomError(layer.path, f"cover {value} {err}", line) from None
    name = target.relative_to(root).as_posix()
    return Image(src=name, path=target, media_type=media_type, alt="Cover", data=checked.data)


def _local_image(
    source: Path, line: int | None, what: str, name: str, root: Path
) -> tuple[Path, str]:
    """The file an image named in `source` is, and its media type by name; it must lie in
    the project's folder."""
    target = (source.parent.resolve() / name).resolve()
    if not target.is_relative_to(root):
        raise PressroomError(source, f"{what} {name} is outside the manuscript's folder", line)
    if not target.is_file():
        raise PressroomError(source, f"{what} {name} not found", line)
    media_type = IMAGE_TYPES.get(target.suffix.lower())
    if media_type is None:
        raise PressroomError(source, f"{what} {name}: use PNG, JPEG, GIF, WebP or SVG", line)
    return target, media_type


def _warn_for_check(meta, diagnostics: Diagnostics, source: Path) -> None:
    """What `pressroom check` would hold against the outputs, said at build time."""
    if not meta.authors:
        diagnostics.warn(
            "B-AUTHOR",
            source,
            "no author: add 'author:' to the front matter (the EPUB needs a dc:creator)",
        )
    if not meta.rights:
        diagnostics.warn(
            "B-RIGHTS", source, "no rights statement: add 'rights:' (for example: © 2024 A. Writer)"
        )


# -- images ----------------------------------------------------------------------------------
def _collect_images(
    file: _File,
    root: Path,
    tree: ET.Element,
    found: dict[str, Image],
    diagnostics: Diagnostics,
    limits: Limits,
    kept: Kept,
) -> None:
    """Check each image and name it from the project folder (what the writers use)."""
    for img in tree.iter("img"):
        src = img.get("src", "")
        line = _line_of(file, src)
        target, media_type = _local_image(file.path, line, "image", src, root)
        alt = " ".join((img.get("alt") or "").split())
        if not alt:
            raise PressroomError(
                file.path, f"image {src} has no alt text: write ![what it shows]({src})", line
            )
        name = target.relative_to(root).as_posix()
        img.set("src", name)
        if name in found:
            continue
        try:
            checked = check_image(target, media_type, limits, kept.decode, kept.svg)
        except ImageError as err:
            raise PressroomError(file.path, f"image {src} {err}", line) from None
        for what in checked.removed:
            diagnostics.warn("B-IMAGE", target, f"removed from the SVG: {what}")
        found[name] = Image(
            src=name, path=target, media_type=media_type, alt=alt, data=checked.data
        )


def _check_languages(file: _File, tree: ET.Element, diagnostics: Diagnostics) -> None:
    """A `lang` that is not a language tag or a `dir` that is not a direction would make
    the EPUB invalid and the PDF mislabelled: the attribute goes, with a warning."""
    for el in tree.iter():
        for attr, valid, what in (
            ("lang", language.is_tag, "a language tag such as hy or pt-BR"),
            ("dir", language.DIRECTIONS.__contains__, "ltr, rtl or auto"),
        ):
            value = el.get(attr)
            if value is None or valid(value):
                continue
            del el.attrib[attr]
            line = next(
                (
                    found
                    for needle in (f"{attr}={value}", f'{attr}="{value}"', f"{attr}='{value}'")
                    if (found := _line_of(file, needle)) is not None
                ),
                None,
            )
            diagnostics.warn("B-LANG", file.path, f"{attr}={value!r} is not {what}; left out", line)


def _line_of(file: _File, needle: str) -> int | None:
    index = file.body.find(needle)
    return None if index < 0 else file.body_line + file.body[:index].count("\n")


def _find_line(
    files: list[_File], needles: tuple[str, ...], nth: int = 0
) -> tuple[Path, int | None]:
    """Where the `nth` (0-based) occurrence of any of `needles` is written, by file order."""
    found = sorted(
        (file_index, index, file)
        for file_index, file in enumerate(files)
        for needle in needles
        for index in _occurrences(file.body, needle)
    )
    if nth < len(found):
        _, index, file = found[nth]
        return file.path, file.body_line + file.body[:index].count("\n")
    return files[0].path, None


def _html_line(file: _File, warning: str, seen: Counter[str]) -> int | None:
    """The line of what a sanitizer warning is about: the value it quotes (a link, an
    image, a class) or the tag it names, its next occurrence after those already told."""
    quoted = re.search(r"'([^']+)'|\"([^\"]+)\"", warning)
    tag = re.match(r"<(\w+)>", warning)
    needle = (quoted[1] or quoted[2]) if quoted else f"<{tag[1]}" if tag else None
    if needle is None:
        return None
    found = _occurrences(file.body, needle)
    nth = seen[needle]
    seen[needle] += 1
    if nth >= len(found):
        return None
    return file.body_line + file.body[: found[nth]].count("\n")


def _occurrences(text: str, needle: str) -> list[int]:
    found, start = [], text.find(needle)
    while start >= 0:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


# -- ids, headings, links, chapters -----------------------------------------------------------
def _unique_ids(trees: list[ET.Element], diagnostics: Diagnostics, files: list[_File]) -> None:
    """Ids must be unique and valid XML names. The ids Pressroom gives note calls
    (`noteref-N`) and that writers give notes and pages (`note-N`, `chapter-N`, …) are
    its own: the same id written in raw HTML is removed, or links would land on it."""
    elements = [e for tree in trees for e in tree.iter()]
    calls = {e.get("id") for e in elements if e.tag == "a" and e.get("class") == "noteref"}
    seen: set[str | None] = set()
    times: dict[str, int] = {}
    for el in elements:
        ident = el.get("id")
        if ident is None:
            continue
        times[ident] = times.get(ident, 0) + 1
        own = el.tag == "a" and el.get("class") == "noteref"
        reserved = not own and (ident in calls or RESERVED_ID.fullmatch(ident) is not None)
        if reserved or ident in seen or not XML_ID.fullmatch(ident):
            el.attrib.pop("id")
            needles = (f'id="{ident}"', f"id='{ident}'", f"{{#{ident}")
            path, line = _find_line(files, needles, times[ident] - 1)
            diagnostics.warn(
                "B-ID",
                path,
                f"id {ident!r} removed (used twice, kept for Pressroom's own, or not a valid id)",
                line,
            )
        else:
            seen.add(ident)


def _number_headings(root: ET.Element) -> None:
    """Headings without an id get one from their text, as Pandoc makes them (`# Chapter One`
    → `chapter-one`, then `chapter-one-1` for a second one), in ASCII so that every link
    to them is a plain URL."""
    used = {el.get("id") for el in root.iter() if el.get("id")}
    for el in root.iter():
        if el.tag in HEADINGS and not el.get("id"):
            base = heading_id(text_of(el))
            if RESERVED_ID.fullmatch(base):  # "Chapter 1": every chapter-1-N is reserved too
                base = f"heading-{base}"
            ident, n = base, 0
            while ident in used or RESERVED_ID.fullmatch(ident):
                n += 1
                ident = f"{base}-{n}"
            used.add(ident)
            el.set("id", ident)


def _level_headings(root: ET.Element, diagnostics: Diagnostics, files: list[_File]) -> None:
    """A heading is at most one level below the one before it (`####` right after `#` is
    set as `##`): reading systems and screen readers navigate by levels, and a skipped
    level reads as a missing section (WCAG's heading order, PDF/UA's). The words stay."""
    previous = 1  # the title, or the chapter's heading
    for el in root.iter():
        if el.tag not in HEADINGS:
            continue
        level = int(el.tag[1])
        if level > previous + 1:
            el.tag = f"h{previous + 1}"
            text = text_of(el)
            path, line = _find_line(files, (text,))
            diagnostics.warn(
                "B-HEADING",
                path,
                f"heading {text!r} is {'#' * level} right after a {'#' * previous}: "
                f"set as {'#' * (previous + 1)}",
                line,
            )
            level = previous + 1
        previous = level


# XML 1.0's name characters (5th edition): what an id may be made of.
_START = (
    "A-Z_a-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff"
    "\u200c\u200d\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd"
    "\U00010000-\U000effff"
)
_NAME = _START + ":\\-.0-9\u00b7\u0300-\u036f\u203f-\u2040"
XML_ID = re.compile(f"[{_START}][{_NAME}]*")
_NAME_CHAR = re.compile(f"[{_NAME}]")


def heading_id(text: str) -> str:
    """Pandoc's identifier for a heading's text (`auto_identifiers`), which GitHub's
    agrees with on ordinary headings: letters (of any script, with their marks), digits,
    `_-.`, spaces as hyphens, lower case, from the first letter on; `section` when nothing
    is left. `# 前言` → `前言`, `# Описание` → `описание`: links written for GitHub or Pandoc
    land."""
    kept = "".join(
        c
        for c in unicodedata.normalize("NFC", text).lower()
        if c.isspace()
        or c in "_-."
        or (
            (unicodedata.category(c)[0] in "LM" or unicodedata.category(c) in ("Nd", "Nl"))
            and _NAME_CHAR.fullmatch(c)
        )
    )
    kept = re.sub(r"\s+", "-", kept.strip())
    first = next((i for i, c in enumerate(kept) if unicodedata.category(c)[0] == "L"), None)
    kept = kept[first:] if first is not None else ""
    return kept if XML_ID.fullmatch(kept) else "section"


def _resolve_links(
    trees: list[ET.Element], notes: set[str], diagnostics: Diagnostics, files: list[_File]
) -> None:
    """In-text links must land somewhere (EPUBCheck rejects dangling fragments); notes are
    targets too, though their ids are set by the writers."""
    targets = notes | {e.get("id") for tree in trees for e in tree.iter() if e.get("id")}
    github: dict[str, str] | None = None  # made when a link first needs it
    for a in [e for tree in trees for e in tree.iter("a")]:
        href = a.get("href", "")
        if href.startswith("#") and href[1:] not in targets:
            # `#%D0%BE…`, as a browser's address bar copies it; `#1-basic-matchers`, as
            # GitHub names `## 1. Basic Matchers` (Pandoc: `basic-matchers`)
            wanted = unquote(href[1:])
            if wanted not in targets and github is None:
                github = _github_ids(trees)
            found = wanted if wanted in targets else github.get(wanted.lower()) if github else None
            if found is not None:
                href = f"#{found}"
                a.set("href", href)
        if href.startswith("#") and href[1:] not in targets:
            a.attrib.pop("href")
            # Markdown writes (#id), raw HTML href="#id".
            path, line = _find_line(files, (f"({href}", f'"{href}"', f"'{href}'"))
            diagnostics.warn("B-LINK", path, f"link {href} points nowhere; kept as text", line)


def github_id(text: str) -> str:
    """The id GitHub gives a heading of `text`: lower case, letters, marks, digits, `-`
    and `_` kept, each space a hyphen (leading digits too, unlike Pandoc)."""
    kept = "".join(c for c in text.lower() if c in "-_ " or unicodedata.category(c)[0] in "LMN")
    return kept.replace(" ", "-")


def _github_ids(trees: list[ET.Element]) -> dict[str, str]:
    """GitHub's id of each heading (`-1`, `-2` after the first of a name) → its own id.
    A browser on GitHub finds them whatever the case of the link, so these are lower case."""
    found: dict[str, str] = {}
    times: Counter[str] = Counter()
    for el in (e for tree in trees for e in tree.iter() if e.tag in HEADINGS and e.get("id")):
        name = github_id(text_of(el))
        n = times[name]
        times[name] += 1
        found.setdefault(f"{name}-{n}" if n else name, el.get("id", ""))
    return found


def _drop_empty_paragraphs(root: ET.Element) -> None:
    """A paragraph emptied by sanitizing (a dropped remote image) goes."""
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "p" and not len(child) and not (child.text or "").strip():
                remove(parent, child)


def _words_of(heading: ET.Element) -> str:
    """A heading's words, or those of its pictures' text alternatives (`# ![Logo](l.png)`)."""
    return text_of(heading) or " ".join(
        " ".join(img.get("alt", "").split()) for img in heading.iter("img") if img.get("alt")
    )


def _split_chapters(
    root: ET.Element,
    origin: dict[ET.Element, Path],
    piece_of: dict[ET.Element, str],
    hollow: set[ET.Element],
) -> list[Chapter]:
    """Each `#` heading starts a chapter; text before the first one is a chapter of its own."""
    groups: list[list[ET.Element]] = [[]]
    for child in list(root):
        if child.tag == "h1" and groups[-1]:
            groups.append([])
        groups[-1].append(child)
    chapters = []
    for i, blocks in enumerate(g for g in groups if g):
        body = ET.Element("div")
        body[:] = blocks
        first = blocks[0]
        title = _words_of(first) if first.tag == "h1" else None
        headings = [
            Heading(id=h.get("id", ""), level=int(h.tag[1]), text=_words_of(h))
            for h in body.iter()
            if h.tag in HEADINGS
        ]
        chapters.append(
            Chapter(
                id=f"chapter-{i + 1}",
                title=title,
                body=body,
                headings=headings,
                source=origin.get(first),
                pieces=tuple(dict.fromkeys(piece_of[b] for b in blocks if b in piece_of)),
                hollow=any(b in hollow for b in blocks),
            )
        )
    return chapters
