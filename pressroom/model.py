"""The document model: what `load` reads once and every writer shares.

Bodies are ElementTree elements holding sanitized XHTML; writers copy them before
changing anything, so one loaded document can be rendered to every format.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree as ET

from babel.lists import format_list

from .util import language

__all__ = [
    "Author",
    "Chapter",
    "Contributor",
    "Document",
    "Heading",
    "Image",
    "Metadata",
    "Note",
    "Original",
]


@dataclass(frozen=True)
class Author:
    name: str
    bio: str = ""
    id: str = "author-1"


@dataclass(frozen=True)
class Contributor:
    """Someone other than an author who made the book, with a MARC relator code for the
    role (`trl` translator, `edt` editor, `ill` illustrator …)."""

    name: str
    role: str


@dataclass(frozen=True)
class Original:
    """Where the text first appeared, for a reprint."""

    publication: str
    date: str | None = None
    url: str | None = None
    responds_to: str | None = None


@dataclass(frozen=True)
class Metadata:
    title: str
    authors: tuple[Author, ...]
    lang: str
    identifier: str
    subtitle: str | None = None
    short_title: str | None = None
    date: str | None = None
    publisher: str | None = None
    rights: str | None = None
    description: str | None = None
    keywords: tuple[str, ...] = ()
    original: Original | None = None
    contributors: tuple[Contributor, ...] = ()
    series: str | None = None
    series_index: str | None = None  # "2", "2.5": its place in the series
    isbn: str | None = None  # 13 digits, checked
    number_sections: bool = False  # print section numbers in headings
    cover_page: bool = True  # a book's print PDF opens with its cover
    toc: bool = True  # a printed contents page, for a book
    toc_depth: int = 2  # heading levels in the contents, printed and in the EPUB's nav

    @property
    def running_title(self) -> str:
        return self.short_title or self.title

    @property
    def author_names(self) -> str:
        """The authors as a list in the book's language (A, B, and C; A、B; A وB)."""
        names = [a.name for a in self.authors]
        return format_list(names, locale=language.locale(self.lang) or "en")


@dataclass(frozen=True)
class Note:
    """A footnote: `number` is its call's label, `body` its content (a <div>)."""

    id: str
    number: int
    body: ET.Element


@dataclass(frozen=True)
class Image:
    src: str  # its name in the project: relative to the project folder
    path: Path  # the author's file
    media_type: str  # by content, and agreeing with the name
    alt: str
    data: bytes = b""  # checked (an SVG: sanitized): what the writers put in the book


@dataclass(frozen=True)
class Heading:
    id: str
    level: int
    text: str


@dataclass
class Chapter:
    """A `#` chapter of a book, or the whole text of an article (title None)."""

    id: str
    title: str | None
    body: ET.Element  # <div> with the chapter's blocks, heading included
    headings: list[Heading] = field(default_factory=list)
    source: Path | None = None  # the Markdown file it came from
    pieces: tuple[str, ...] = ()  # the keys of the pieces of Markdown it came from, when kept
    # Read from the outlines of kept pieces (load/outline.py): its body holds only what the
    # book-wide passes read, and its finished page is the last build's.
    hollow: bool = False

    def copy_body(self) -> ET.Element:
        return copy.deepcopy(self.body)


@dataclass(frozen=True)
class Document:
    """One book or article, read once. Writers read it and copy what they change."""

    sources: tuple[Path, ...]  # the Markdown files, in reading order
    root: Path  # the project folder: images and sources are named from here
    stem: str  # output names: <stem>.pdf, <stem>.epub, …
    meta: Metadata
    chapters: list[Chapter]
    notes: dict[str, Note]
    images: list[Image]
    inputs: tuple[Path, ...] = ()  # other files the book was made from (pressroom.yml, …)
    cover: Image | None = None  # the book's own cover image, when it has one
    outline: str = ""  # what every chapter reads of the book (load): a key of its pages

    @property
    def source(self) -> Path:
        """The file errors about the book as a whole are reported against."""
        return self.sources[0]

    @property
    def is_book(self) -> bool:
        return any(ch.title for ch in self.chapters)

    def name_of(self, path: Path) -> str:
        """A source's name inside the archive and the bag: relative to the project."""
        resolved = path.resolve()
        root = self.root.resolve()
        return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else path.name

    def source_files(self) -> dict[str, bytes]:
        """The manuscript files, other inputs and images, under their names in the project."""
        own = (*self.sources, *self.inputs, *([self.cover.path] if self.cover else []))
        files = {self.name_of(p): p.read_bytes() for p in own}
        return files | {image.src: image.path.read_bytes() for image in self.images}
