"""Which characters the print layout has a glyph for, and where a manuscript uses one it lacks.

WeasyPrint sets each character in the first face of the CSS stack that has it, then in any
face fontconfig knows: a character no font has is drawn as an empty box (.notdef), silently.
The repertoire is the theme's bundled fonts (their cmaps, through fontTools) and every font
fontconfig lists (its charset ranges, one `fc-list` call); both are read once per process.
"""

from __future__ import annotations

import bisect
import io
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from fontTools import unicodedata as script_data
from fontTools.ttLib import TTFont

from .diagnostics import Diagnostics
from .themes import Theme

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".woff", ".woff2")
# Not drawn, so no font needs them: controls, format characters (ZWJ, bidi marks, soft
# hyphen), and variation selectors, which choose a glyph rather than being one.
INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}
SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))


Ranges = tuple[tuple[int, ...], tuple[int, ...]]  # merged and sorted: starts and ends


@dataclass(frozen=True)
class Repertoire:
    bundled: frozenset[int]
    # fontconfig's ranges, asked for only when a character is not in the bundled fonts: most
    # books never need them, and listing every installed font costs a tenth of a second.
    system: Callable[[], Ranges] = field(repr=False)

    def __contains__(self, code: int) -> bool:
        if code < 0x80 or code in self.bundled:
            return True
        starts, ends = self.system()
        at = bisect.bisect_right(starts, code) - 1
        return at >= 0 and code <= ends[at]


@cache
def system_ranges() -> Ranges:
    """Every code point some installed font has, as merged (starts, ends)."""
    if shutil.which("fc-list") is None:
        return (), ()
    listed = subprocess.run(
        ["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=False
    ).stdout
    ranges = []
    for part in listed.split():
        first, _, last = part.partition("-")
        try:
            ranges.append((int(first, 16), int(last or first, 16)))
        except ValueError:
            continue
    merged: list[list[int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(r[0] for r in merged), tuple(r[1] for r in merged)


@cache
def cmap(theme: Theme, name: str) -> frozenset[int]:
    """The code points one of the theme's font files has (none when fontTools cannot
    read it), read once a process: the glyph scan and the cover both ask."""
    try:
        return frozenset(TTFont(io.BytesIO(theme.read(name)), fontNumber=0).getBestCmap() or {})
    except Exception:  # a font file fontTools cannot read adds nothing
        return frozenset()


@cache
def repertoire(theme: Theme) -> Repertoire:
    fonts = [
        name
        for name in theme.files()
        if name.startswith("fonts/") and name.lower().endswith(FONT_SUFFIXES)
    ]
    return Repertoire(frozenset().union(*(cmap(theme, name) for name in fonts)), system_ranges)


def describe(char: str) -> str:
    """U+0F00 TIBETAN SYLLABLE OM (Tibetan)."""
    code = ord(char)
    name = unicodedata.name(char, "") or {
        "Co": "a private-use character",
        "Cn": "an unassigned code point",
    }.get(unicodedata.category(char), "unnamed")
    script = script_data.script_name(script_data.script(char), default="Unknown")
    return f"U+{code:04X} {name} ({script.replace('_', ' ')} script)"


def drawn(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) not in INVISIBLE and not any(code in r for r in SELECTORS)


def missing(text: str, fonts: Repertoire) -> list[str]:
    """The distinct characters of `text` no font has, in order of first use."""
    found = [c for c in set(text) if ord(c) not in fonts and drawn(c)]
    return sorted(found, key=text.index)


def warn_uncovered(paths: Iterable[Path], theme: Theme, diagnostics: Diagnostics) -> None:
    """One B-GLYPH warning per character per file, at the first line that uses it. A file's
    distinct characters are looked up once each: a long book costs little more than a short
    one in the same scripts."""
    fonts = repertoire(theme)
    for path in paths:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # load has read it already; nothing new to say here
        if text.isascii():
            continue
        for char in missing(text, fonts):
            diagnostics.warn(
                "B-GLYPH",
                path,
                f"{describe(char)}: no font has it, so it prints as an empty box",
                text.count("\n", 0, text.index(char)) + 1,
            )


# -- faces outside a stylesheet (the generated cover): the print stack's order, by script --
FALLBACK = (
    "Noto Serif",
    "Noto Naskh Arabic",
    "Noto Serif Hebrew",
    "Noto Serif Devanagari",
    "Noto Serif Bengali",
    "Noto Serif Thai",
    "Noto Serif CJK {cjk}",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Thai",
    "Noto Sans CJK {cjk}",
    "Noto Sans Symbols",
    "Noto Sans Symbols2",
)
CJK = {"zh": "SC", "zh-hant": "TC", "zh-tw": "TC", "zh-hk": "TC", "zh-mo": "TC", "ko": "KR"}


def _cjk(lang: str) -> str:
    tag = lang.lower()
    while tag:
        if tag in CJK:
            return CJK[tag]
        tag = tag.rpartition("-")[0]
    return "JP"


@dataclass(frozen=True)
class Face:
    file: str
    index: int
    starts: tuple[int, ...] = field(repr=False)
    ends: tuple[int, ...] = field(repr=False)

    def has(self, text: str) -> bool:
        for char in text:
            at = bisect.bisect_right(self.starts, ord(char)) - 1
            if drawn(char) and not (at >= 0 and ord(char) <= self.ends[at]):
                return False
        return True


@cache
def system_face(family: str, bold: bool) -> Face | None:
    """The installed file of `family` (bold or regular), or None when it is not installed."""
    if shutil.which("fc-match") is None:
        return None
    found = subprocess.run(
        [
            "fc-match",
            "--format",
            "%{family}|%{file}|%{index}|%{charset}",
            f"{family}:weight={'bold' if bold else 'regular'}",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    names, file, index, charset = [*found.split("|"), "", "", ""][:4]
    if family not in names.split(",") or not file:
        return None  # fontconfig's nearest substitute, not the family asked for
    ranges = [part.partition("-") for part in charset.split()]
    starts = tuple(int(a, 16) for a, _, _ in ranges)
    ends = tuple(int(b or a, 16) for a, _, b in ranges)
    return Face(file, int(index or 0), starts, ends)


def face_for(text: str, lang: str, bold: bool) -> Face | None:
    """The first installed fallback face that has every character of `text`."""
    for family in FALLBACK:
        face = system_face(family.format(cjk=_cjk(lang)), bold)
        if face is not None and face.has(text):
            return face
    return None
