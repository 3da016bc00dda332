"""Markdown → HTML: Python-Markdown with the extensions a manuscript uses, plus Pressroom's
own tree processors, which work on the parsed tree before it is serialized."""

from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any
from xml.etree import ElementTree as ET

import markdown
from markdown.blockprocessors import HRProcessor
from markdown.extensions import Extension
from markdown.extensions.footnotes import FootnoteInlineProcessor
from markdown.inlinepatterns import AUTOLINK_RE, AutolinkInlineProcessor, SimpleTagInlineProcessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

from . import code
from .math import MathExtension
from .sanitize import DROPPED, HTML_VOID
from .spans import SpanExtension
from .typography import SMARTY

FENCE = re.compile(r"^ {0,3}(```|~~~).*?^ {0,3}\1", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
BLANK_LINE = re.compile(r"\n[ \t]*\n")


QUOTE_MARKS = re.compile(r"[ \t]*(?:>[ \t]?)+")


def too_deep(masked: str, limit: int) -> tuple[int, int] | None:
    """(levels, line number) of the first line of `masked` (a text through `mask_code`)
    nested deeper than `limit`: four columns of indent a list level, one `>` a quote level
    (what Python-Markdown recurses into, once per level)."""
    # Each level takes a character at least (`>`, a tab, four spaces): only a line that
    # opens with more than `limit` of them can be too deep.
    for found in re.finditer(rf"^[ \t>]{{{limit + 1},}}", masked, re.M):
        end = masked.find("\n", found.start())
        line = masked[found.start() : end if end >= 0 else len(masked)]
        marks = QUOTE_MARKS.match(line)
        quotes = marks.group().count(">") if marks else 0
        rest = (line[marks.end() :] if marks else line).expandtabs(4)
        # A line of spaces is blank, nested in nothing: a long line of code, blanked out,
        # is one.
        indent = len(rest) - len(rest.lstrip(" ")) if rest.strip() else 0
        levels = quotes + indent // 4
        if levels > limit:
            return levels, masked.count("\n", 0, found.start()) + 1
    return None


# A line that starts a block of its own even without a blank line before it: a list item,
# a table row, a heading, a quote, a footnote's text.
BLOCK_START = re.compile(r"[ \t]*(?:[-*+][ \t]|\d{1,9}[.)][ \t]|\||#|>|\[\^[^\]]*\]:)")


# A line of nothing but spaces and tabs between two lines: the end of every paragraph.
BLANK_LINE = re.compile(r"\n[ \t]*\n")


def longest_paragraph(masked: str, limit: int) -> tuple[int, int] | None:
    """(characters, first line number) of the first paragraph of `masked` (a text through
    `mask_code`) longer than `limit`. A paragraph is set as one block: its size is the size
    of the work it asks for. Code, blanked out, is blank. Only a run of lines between blank
    lines longer than `limit` can hold one: those alone are read line by line."""
    start = 0
    for gap in [*BLANK_LINE.finditer(masked), None]:
        end = gap.start() if gap else len(masked)
        if end - start > limit:
            found = _longest_in(masked[start:end], limit)
            if found:
                return found[0], masked.count("\n", 0, start) + found[1]
        start = gap.end() if gap else end
    return None


def _longest_in(lines: str, limit: int) -> tuple[int, int] | None:
    size, start, over = 0, 1, False
    for number, line in enumerate(lines.split("\n"), start=1):
        blank = not line.strip()
        if blank or not size or BLOCK_START.match(line):
            if over:
                break
            size, start = 0, number
        if not blank:
            size += len(line) + 1
            over = size - 1 > limit
            if line.lstrip().startswith("#") and not over:
                size = 0  # a heading is one line: the next starts a paragraph
    return (size - 1, start) if over else None


def mask_code(text: str) -> str:
    """`text` with fenced code, code spans and raw `<pre>` blocks blanked out (same
    length, same lines): what is left is what Markdown reads as text and markup."""
    text = FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    text = RAW_PRE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    return CODE_SPAN.sub(lambda m: " " * len(m.group()), text)


# Preformatted raw HTML (`<pre>…</pre>`, as READMEs show a regex's matches): not Markdown.
RAW_PRE = re.compile(r"<pre\b[^>]*>.*?</pre>", re.S | re.I)


EXTENSIONS: list[str | Extension] = [
    "footnotes",
    "tables",
    "attr_list",
    "smarty",
    *code.EXTENSIONS,
    "sane_lists",
    "def_list",
    "md_in_html",  # Markdown inside a block element (see HtmlBlockProcessor)
    "pymdownx.magiclink",  # bare URLs and addresses are links, as on GitHub
    SpanExtension(),
]
CONFIG: dict[str, dict[str, Any]] = {
    "footnotes": {"BACKLINK_TEXT": "", "SUPERSCRIPT_TEXT": "{}"},
    **SMARTY,
    **code.CONFIG,
    # Links shown as written: no shortening to `user/repo#1`, the scheme kept.
    "pymdownx.magiclink": {"hide_protocol": False, "repo_url_shortener": False},
}


class SceneBreakProcessor(HRProcessor):
    """A thematic break as CommonMark reads it: three or more `*`, `-` or `_` with any
    spaces between (`  *   *   *`). Python-Markdown allows at most two spaces between, and
    reads the rest as a list nested five deep."""

    RE = r"^[ ]{0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$"
    SEARCH_RE = re.compile(RE, re.MULTILINE)


class FigureProcessor(Treeprocessor):
    """A paragraph holding only an image becomes a <figure>; the image's title, its caption."""

    def run(self, root: ET.Element) -> None:
        for p in root.iter("p"):
            if (
                len(p) != 1
                or p[0].tag != "img"
                or (p.text or "").strip()
                or (p[0].tail or "").strip()
            ):
                continue
            img = p[0]
            p.tag, p.text, img.tail = "figure", None, None
            if img.get("id", "").startswith("fig:"):  # a numbered figure: the id is the figure's
                p.set("id", img.attrib.pop("id"))
            caption = img.attrib.pop("title", None)
            if caption:
                ET.SubElement(p, "figcaption").text = caption


class _Tags(HTMLParser):
    """Start and end tags of a piece of raw text, with their offsets."""

    # Find tags after an unclosed <script> too (the standard library marks this Final).
    CDATA_CONTENT_ELEMENTS = ()  # type: ignore[misc]

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]
        self.found: list[tuple[str, str, int]] = []  # (kind, tag, offset just after it)
        self.feed(text)
        self.close()

    def _after(self, raw: str | None) -> int:
        line, column = self.getpos()
        return self.starts[line - 1] + column + len(raw or "")

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.found.append(("start", tag, self._after(self.get_starttag_text())))

    def handle_startendtag(self, tag: str, attrs: Any) -> None:
        self.found.append(("self", tag, self._after(self.get_starttag_text())))

    def handle_endtag(self, tag: str) -> None:
        self.found.append(("end", tag, 0))


# Read as one raw block by Python-Markdown: dropped elements, and <math> (kept, but a
# block-level element to Markdown, which would take everything after an unclosed one).
WHOLE = DROPPED | {"math"}


def unclosed_dropped(block: str) -> list[tuple[str, int]]:
    """(tag, offset after its start tag) of each element the sanitizer drops that opens in
    `block` and does not end there."""
    waiting: list[tuple[str, int]] = []
    for kind, tag, after in _Tags(block).found:
        if tag not in WHOLE or tag in HTML_VOID or kind == "self":
            continue
        if kind == "start":
            waiting.append((tag, after))
        elif any(t == tag for t, _ in waiting):
            while waiting.pop()[0] != tag:
                pass
    return waiting


# Block elements an author wraps Markdown in (a direction, a class for the theme).
MARKDOWN_HOLDERS = {"div", "section", "article", "aside", "blockquote", "center", "main"}


class HtmlBlockProcessor(Preprocessor):
    """A block element's opening tag alone on its line, then a blank line, holds Markdown,
    as on GitHub and in Pandoc (CommonMark ends the HTML block at the blank line):
    `<div dir="rtl">`, a blank line, `## Heading` makes a heading inside the div.
    Python-Markdown would keep it all as raw text; `markdown="1"` asks `md_in_html` to
    read it."""

    OPENING = re.compile(
        r"^( {0,3}<(?:" + "|".join(sorted(MARKDOWN_HOLDERS)) + r")\b(?![^>]*\bmarkdown=)"
        r"[^>]*?)(/?)>\s*$",
        re.I,
    )

    def run(self, lines: list[str]) -> list[str]:
        masked = mask_code("\n".join(lines)).split("\n")
        out = list(lines)
        for n, line in enumerate(masked):
            opening = self.OPENING.match(line)
            after = masked[n + 1] if n + 1 < len(masked) else ""
            if opening and not opening[2] and not after.strip():
                out[n] = f'{opening[1]} markdown="1">'
        return out


class UnclosedTagProcessor(Preprocessor):
    """An element that is dropped whole (video, script, svg, form …) opened and never
    closed in its paragraph would make Python-Markdown read the rest of the file as raw
    HTML, and the sanitizer drop it: every later chapter lost. Such an element is closed
    right where it opens, so only the tag goes (the sanitizer warns about it)."""

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        masked = mask_code(text)
        inserts: list[tuple[int, str]] = []
        start = 0
        for end in [m.start() for m in BLANK_LINE.finditer(masked)] + [len(masked)]:
            if "<" in masked[start:end]:
                inserts += [
                    (start + at, f"</{tag}>") for tag, at in unclosed_dropped(masked[start:end])
                ]
            start = end
        for at, closing in sorted(inserts, reverse=True):
            text = text[:at] + closing + text[at:]
        return text.split("\n")


class BracketProcessor(Preprocessor):
    """Square brackets, read once for two things.

    Pandoc's inline notes, `text.^[The note itself.]`, become a call and a definition after
    the text, for the footnotes extension; a note ends at its matching `]` (brackets inside
    it nest; code spans are not read) and never spans a blank line.

    A `[` that is never closed is plain text, but Python-Markdown looks for its `]` to the
    end of the paragraph: many of them cost time that grows with their square. When a text
    has more than a few, each is escaped (`\\[`), which prints the same `[`. (Such a `[` is
    never inside an inline note: every bracket between a pair that closes closes too.)
    """

    MANY = 100

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        masked = mask_code(text)
        closing, unclosed, _ = brackets(masked)
        edits: list[tuple[int, int, str]] = []  # (start, end, what replaces text[start:end])
        notes: list[str] = []
        start = masked.find("^[")
        while start >= 0:
            end = closing.get(start + 1)
            if end is None:
                start = masked.find("^[", start + 2)
                continue
            key = f"inline-note-{len(notes) + 1}"
            notes.append(f"[^{key}]: {' '.join(text[start + 2 : end].split())}")
            edits.append((start, end + 1, f"[^{key}]"))
            start = masked.find("^[", end + 1)
        if len(unclosed) > self.MANY:
            edits += [(at, at, "\\") for at in unclosed]
        if not edits:
            return lines
        pieces, done = [], 0
        for begin, end, new in sorted(edits):
            pieces += [text[done:begin], new]
            done = end
        pieces.append(text[done:])
        return "\n\n".join(["".join(pieces), *notes]).split("\n")


def brackets(masked: str) -> tuple[dict[int, int], list[int], tuple[int, int]]:
    """In one pass: where each `[` closes, the `[` that never close (a blank line closes
    nothing across it), and the deepest nesting of brackets that close, with the offset
    where it is reached."""
    found: dict[int, int] = {}
    unclosed: list[int] = []
    open_at: list[int] = []
    for m in BRACKET_OR_BLANK.finditer(masked):
        if m.group() == "[":
            open_at.append(m.start())
        elif m.group() == "]":
            if open_at:
                found[open_at.pop()] = m.start()
        elif m.group()[0] != "\\":
            unclosed += open_at
            open_at.clear()
    ends = sorted([(at, 1) for at in found] + [(at, -1) for at in found.values()])
    depth, deepest = 0, (0, 0)
    for at, step in ends:
        depth += step
        if depth > deepest[0]:
            deepest = (depth, at)
    return found, sorted(unclosed + open_at), deepest


@lru_cache(maxsize=2)
def bracket_count(masked: str) -> tuple[int, tuple[int, int]]:
    """How many `[` of a whole file never close, and its deepest nesting with where it is
    reached: what both `load` and `segments.split` read of `brackets`, found once."""
    _, unclosed, deepest = brackets(masked)
    return len(unclosed), deepest


def bracket_depth(masked: str, limit: int) -> tuple[int, int] | None:
    """(depth, line number) where square brackets in `masked` (a text through `mask_code`)
    first nest deeper than `limit`: each level costs Python-Markdown a scan of the rest of
    its paragraph."""
    depth, at = bracket_count(masked)[1]
    return (depth, masked[:at].count("\n") + 1) if depth > limit else None


# An escaped character (`\[` is text already) is matched, and so passed over, first.
BRACKET_OR_BLANK = re.compile(r"\\.|\[|\]|\n[ \t]*\n")


# Pandoc's ~~strike~~, H~2~O and x^2^. Their text cannot hold the marker (nor, for sub- and
# superscripts, a space), so each marker looks only as far as the next one: the time stays
# in proportion to the text however many markers are left open (an open-ended search for
# the closing marker costs time that grows with their square).
STRIKE = r"(~~)(?!\s)([^~\n]*[^~\s])~~"
SUBSCRIPT = r"(~)([^\s~]+)~"
SUPERSCRIPT = r"(\^)([^\s^\[\]]+)\^"


class NoteCallProcessor(FootnoteInlineProcessor):
    """A note's call, whose number is text already: the inline patterns are not run over it
    again (three passes a note: after the call, and in the smart-punctuation pass)."""

    def handleMatch(  # type: ignore[override]
        self, m: re.Match[str], data: str
    ) -> tuple[ET.Element | None, int | None, int | None]:
        sup, start, end = super().handleMatch(m, data)
        if not isinstance(sup, ET.Element):
            return None, start, end
        sup[0].text = AtomicString(sup[0].text or "")
        return sup, start, end


class BacklinkProcessor(Treeprocessor):
    """The notes' back links hold a placeholder for their text, and are taken out with it
    (load/notes.py): the inline patterns are not run over it, twice a note."""

    def run(self, root: ET.Element) -> None:
        for link in root.iter("a"):
            if link.get("class") == "footnote-backref" and link.text:
                link.text = AtomicString(link.text)


class PressroomExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        # Before raw HTML blocks are set aside (20).
        md.preprocessors.register(UnclosedTagProcessor(md), "pressroom-unclosed", 25)
        md.preprocessors.register(HtmlBlockProcessor(md), "pressroom-html-blocks", 24)
        # Before the footnotes extension reads the definitions (a block processor).
        md.preprocessors.register(BracketProcessor(md), "pressroom-brackets", 27)
        # Before lists (30, 40) read `* * *` as an item.
        md.parser.blockprocessors.register(
            SceneBreakProcessor(md.parser), "pressroom-scene-break", 51
        )
        # Before emphasis (60); strike before subscript, which shares its marker.
        md.inlinePatterns.register(SimpleTagInlineProcessor(STRIKE, "del"), "pressroom-del", 72)
        md.inlinePatterns.register(SimpleTagInlineProcessor(SUBSCRIPT, "sub"), "pressroom-sub", 71)
        md.inlinePatterns.register(
            SimpleTagInlineProcessor(SUPERSCRIPT, "sup"), "pressroom-sup", 70
        )
        # In place of the footnotes extension's own; its back links are made at 50.
        call = md.inlinePatterns["footnote"]
        if isinstance(call, FootnoteInlineProcessor):
            note_call = NoteCallProcessor(call.pattern, call.footnotes)
            md.inlinePatterns.register(note_call, "footnote", 175)
        md.treeprocessors.register(BacklinkProcessor(md), "pressroom-backlinks", 45)
        # `<scheme:…>` as CommonMark reads it, any scheme: magiclink's own takes only the
        # web's, and leaves `<irc://host>` to be read as a tag and lost with its text.
        md.inlinePatterns.register(AutolinkInlineProcessor(AUTOLINK_RE, md), "autolink", 120)
        # After inline patterns (20), so images exist as elements.
        md.treeprocessors.register(FigureProcessor(md), "pressroom-figures", 5)


def to_html(text: str) -> str:
    return markdown.markdown(
        text,
        extensions=[*EXTENSIONS, MathExtension(), PressroomExtension()],
        extension_configs=CONFIG,
        output_format="xhtml",
    )
