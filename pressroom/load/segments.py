"""A Markdown file cut into pieces that convert on their own, one piece a chapter or more.

Each piece converts to exactly the HTML it is in the whole file, so a piece's conversion can
be kept and used again while its text is unchanged (see cache.Pieces). A file is cut only
before a `# ` heading line, after a blank line, outside code, and only where nothing from
the text before can reach past it:

- a footnote's definition and all its calls stay in one piece (pieces are joined until
  they do), and an inline note's key (`inline-note-N`) is never the author's;
- the file's link definitions (`[label]: url`) are added at the end of every piece, as
  Markdown resolves them from anywhere in the file; a file with a definition that is not
  on a line of its own at the left margin is not cut;
- an HTML comment or block element left open goes on into the next piece (joined), as
  does a piece whose last block written out is raw HTML (Markdown sets blank lines around
  it, and drops them at the end of its text);
- so does a piece with a fence `mask_code` does not see: indented into a list, or an odd
  number of them in quotes (where such a fence ends, only SuperFences knows);
- a file with so many unclosed `[` that Markdown's input escapes them (a count over the
  whole text) is not cut, nor one whose last piece leaves any of these open.

When in doubt a file stays whole: one piece, as before. The notes Markdown lists at the
end of each piece are put together at the end (`joined`), where it lists them for the file.
"""

from __future__ import annotations

import bisect
import re
from xml.etree import ElementTree as ET

from markdown.util import BLOCK_LEVEL_ELEMENTS

from .markdown import FENCE, BracketProcessor, bracket_count
from .notes import NOTE_DEF, NOTE_REF

# Raw HTML of a class Markdown's footnotes use, which `join` would take for theirs.
OWN_CLASS = re.compile(r"<[^<>]*footnote")
HEADING = re.compile(r"(?:\A|\n[ \t]*\n)(?=# \S)")
LINK_DEF = re.compile(r"^ {0,3}\[([^\]\^\[][^\]\[]*)\]:[ \t]*\S.*$", re.M)
# Anything that may be a link definition: `]:` after a label, anywhere on a line.
LINK_DEF_LIKE = re.compile(r"\[[^\[\]\n]+\]:")
LIST_OR_QUOTE = re.compile(r"[\s>*+\-\d.)]*")
BLOCKS = re.compile(r"\n[ \t]*\n")
TITLE_LINE = re.compile(r"^[ \t]+[\"'(]")
FENCE_LINE = re.compile(r"^[ \t>]*(?:```|~~~)", re.M)
# Block elements Markdown passes through raw (not <hr>, which never closes).
HTML_TAG = re.compile(
    r"<(/?)(" + "|".join(t for t in BLOCK_LEVEL_ELEMENTS if t.isalnum() and t != "hr") + r")\b",
    re.I,
)


def split(text: str, masked: str) -> list[str]:
    """`text` as pieces to convert one by one: their HTML, joined by newlines, is the HTML
    of `text`. `masked` is `text` through `mask_code` (same offsets)."""
    definitions = _definitions(masked)
    if definitions is None or bracket_count(masked)[0] > BracketProcessor.MANY:
        return [text]
    if re.search(r"\[\^inline-note-", masked) or OWN_CLASS.search(masked):
        return [text]
    starts = [m.end() for m in HEADING.finditer(masked)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    starts = _joined(text, masked, starts)
    if len(starts) == 1 or _open(text[starts[-1] :], masked[starts[-1] :]):
        return [text]  # what is open at the end takes in the notes Markdown adds after it
    ends = [*starts[1:], len(text)]
    extra = [text[m.start() : m.end()] for m in definitions]
    tail = "\n\n" + "\n".join(extra) + "\n" if extra else ""
    return [text[a:b] + tail for a, b in zip(starts, ends, strict=True)]


def _definitions(masked: str) -> list[re.Match[str]] | None:
    """The file's link definitions, or None when one may be where they cannot be seen
    (indented into a list or a quote, or with its title on the next line)."""
    found = list(LINK_DEF.finditer(masked))
    lines = {m.start() for m in found}
    for m in LINK_DEF_LIKE.finditer(masked):
        line_start = masked.rfind("\n", 0, m.start()) + 1
        if line_start in lines or masked[m.start() + 1] == "^":
            continue
        if LIST_OR_QUOTE.fullmatch(masked[line_start : m.start()]):
            return None  # in a list item or a quote, maybe deeper than a line shows
    for m in found:
        after = masked[m.end() + 1 : masked.find("\n", m.end() + 1)]
        if TITLE_LINE.match(after):
            return None
    return found


def _joined(text: str, masked: str, starts: list[int]) -> list[int]:
    """The starts of pieces nothing reaches across."""
    ends = [*starts[1:], len(masked)]
    pieces = [masked[a:b] for a, b in zip(starts, ends, strict=True)]
    keep = [True] * len(starts)  # keep[i]: piece i starts a new piece
    # A note's definition and calls in one piece: join everything between.
    where: dict[str, list[int]] = {}
    for i, piece in enumerate(pieces):
        for key in [*NOTE_DEF.findall(piece), *NOTE_REF.findall(piece)]:
            where.setdefault(key, []).append(i)
    for found in where.values():
        for i in range(min(found) + 1, max(found) + 1):
            keep[i] = False
    # Something left open since the last cut goes on into the next piece.
    cut = 0
    for i in range(1, len(starts)):
        if keep[i]:
            if _open(text[starts[cut] : starts[i]], masked[starts[cut] : starts[i]]):
                keep[i] = False
            else:
                cut = i
    return [s for s, k in zip(starts, keep, strict=True) if k]


def _raw_last(piece: str) -> bool:
    """Whether the last block that Markdown writes out may be raw HTML: the last block that
    is not link or note definitions, nor indented (a note's next paragraph, or code)."""
    for block in reversed([b.strip("\n") for b in BLOCKS.split(piece) if b.strip()]):
        lines = block.split("\n")
        if all(LINK_DEF.match(line) for line in lines) or NOTE_DEF.match(block):
            continue
        if block[0] in " \t" and not block.lstrip(" \t").startswith("<"):
            continue
        return block.lstrip(" ").startswith("<") or block.rstrip().endswith(">")
    return False


def _stray_fence(text: str) -> bool:
    """Whether a fence line lies outside the fences `mask_code` sees and is not one of the
    fences of a quote, in pairs (where one indented into a list, or never closed, ends
    only SuperFences knows)."""
    spans = [m.span() for m in FENCE.finditer(text)]
    starts = [start for start, _ in spans]

    def fenced(at: int) -> bool:
        n = bisect.bisect_right(starts, at) - 1
        return n >= 0 and at < spans[n][1]

    stray = [m.group() for m in FENCE_LINE.finditer(text) if not fenced(m.start())]
    return any(">" not in line for line in stray) or len(stray) % 2 == 1


def _open(text: str, piece: str) -> bool:
    """Whether an HTML comment, a block element or an indented fence is open at the end,
    or raw HTML ends it (Markdown sets blank lines around raw HTML, and drops them at the
    end of its text)."""
    if piece.rfind("<!--") > piece.rfind("-->"):
        return True
    if _raw_last(piece):
        return True
    if _stray_fence(text):
        return True
    depth: dict[str, int] = {}
    for closing, tag in HTML_TAG.findall(piece):
        # An end tag with nothing open ends nothing.
        depth[tag.lower()] = max(0, depth.get(tag.lower(), 0) + (-1 if closing else 1))
    return any(depth.values())


def joined(htmls: list[str]) -> ET.Element:
    """The pieces' HTML as the one tree the whole file makes: the notes Markdown lists at
    the end of each piece go together at the end, where it lists them for a whole file."""
    tree = ET.fromstring("<div>" + "\n".join(htmls) + "</div>")
    if len(htmls) == 1:
        return tree
    lists = [child for child in tree if child.tag == "div" and child.get("class") == "footnote"]
    if not lists:
        return tree
    last = lists[-1]
    if tree[-1] is not last:  # the last piece has no notes: the list goes after it
        tree.remove(last)
        tree[-1].tail = (tree[-1].tail or "") + "\n"  # as Markdown joins its blocks
        last.tail = None
        tree.append(last)
    own = last.findall("ol")
    at = list(last).index(own[0]) if own else len(last)
    for other in lists[:-1]:
        for ol in other.findall("ol"):
            last.insert(at, ol)
            at += 1
        tree.remove(other)  # its tail is the newline between blocks, which stays before it
    return tree
