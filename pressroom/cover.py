"""A typographic cover for a book that has no cover image of its own.

Title, subtitle, authors and publisher, set in the theme's faces on a plain ground. The
design is laid out once (`design`: runs of text and a rule, placed with the faces' own
metrics) and drawn twice: as a 1,600 × 2,560 px JPEG, the size and shape stores ask for
(the EPUB's cover image), and as SVG, whose text stays text (the print cover page). The
same book always gives the same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from PIL import Image, ImageDraw, ImageFont

from . import glyphs
from .model import Metadata
from .themes import Theme
from .util import language

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
GROUND, INK, ACCENT = (28, 36, 48), (245, 241, 232), (200, 170, 110)
FACES = {
    "bold": ("fonts/NotoSerif-Bold.ttf", "fonts/NotoSerifArmenian-Bold.ttf"),
    "italic": ("fonts/NotoSerif-Italic.ttf", "fonts/NotoSerifArmenian-Regular.ttf"),
    "regular": ("fonts/NotoSerif-Regular.ttf", "fonts/NotoSerifArmenian-Regular.ttf"),
}


@dataclass(frozen=True)
class Setting:
    """What every line of one cover shares: the theme, the language and its direction."""

    theme: Theme
    lang: str

    @property
    def rtl(self) -> bool:
        return language.direction(self.lang) == "rtl"


@lru_cache(maxsize=4096)
def _font(s: Setting, style: str, size: int, word: str) -> ImageFont.FreeTypeFont:
    """The theme's face for the word's script, else an installed Noto face that has it
    (Arabic, CJK, Devanagari …), else the theme's text face."""
    for path in FACES[style]:
        cmap = glyphs.cmap(s.theme, path)
        if all(ord(c) in cmap or not glyphs.drawn(c) for c in word):
            return _theme_face(s.theme, path, size)
    face = glyphs.face_for(word, s.lang, bold=style == "bold")
    if face is not None:
        return _system_face(face.file, face.index, size)
    return _theme_face(s.theme, FACES[style][0], size)


# One font object for each face and size, whatever the words: each holds its whole file.
@lru_cache(maxsize=64)
def _theme_face(theme: Theme, path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(io.BytesIO(theme.read(path)), size)


@lru_cache(maxsize=64)
def _system_face(file: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(file, size, index=index)


def _length(s: Setting, style: str, size: int, word: str) -> float:
    return float(_font(s, style, size, word).getlength(word + " "))


def _width(s: Setting, style: str, size: int, text: str) -> float:
    return sum(_length(s, style, size, w) for w in text.split())


def _words(s: Setting, style: str, size: int, text: str) -> list[str]:
    """Words, with one too wide for a line (Chinese or Japanese, written without spaces)
    cut into pieces that fit."""
    words: list[str] = []
    for word in text.split():
        while _length(s, style, size, word) > WIDTH - 2 * MARGIN and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and _length(s, style, size, word[:cut]) > WIDTH - 2 * MARGIN:
                cut -= 1
            words.append(word[:cut])
            word = word[cut:]
        words.append(word)
    return words


def _wrap(s: Setting, style: str, size: int, text: str) -> list[str]:
    lines: list[str] = []
    for word in _words(s, style, size, text):
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and _width(s, style, size, trial) <= WIDTH - 2 * MARGIN:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


@dataclass(frozen=True)
class Run:
    """A word at (x, top) in one face, as Pillow places text (left edge, top of the
    ascender)."""

    x: float
    top: float
    text: str
    font: ImageFont.FreeTypeFont
    fill: tuple[int, int, int]


@dataclass
class Design:
    runs: list[Run] = field(default_factory=list)
    rules: list[tuple[tuple[float, float, float, float], tuple[int, int, int]]] = field(
        default_factory=list
    )
    rtl: bool = False


def _place(
    design: Design,
    s: Setting,
    style: str,
    size: int,
    text: str,
    y: float,
    fill: tuple[int, int, int],
) -> None:
    """One line, word by word, each in the face that has its script; from the right margin
    leftwards in a right-to-left language (each word is shaped on its own)."""
    x = float(WIDTH - MARGIN if s.rtl else MARGIN)
    for word in text.split():
        font = _font(s, style, size, word)
        width, advance = float(font.getlength(word)), float(font.getlength(word + " "))
        if s.rtl:
            x -= width
            design.runs.append(Run(x, y, word, font, fill))
            x -= advance - width  # the space, to the left of the word
        else:
            design.runs.append(Run(x, y, word, font, fill))
            x += advance


def design(meta: Metadata, theme: Theme) -> Design:
    s = Setting(theme, meta.lang)
    out = Design(rtl=s.rtl)
    size = 150
    while size > 60 and len(_wrap(s, "bold", size, meta.title)) > 5:
        size -= 10
    y = 520.0
    rule = (WIDTH - MARGIN - 240, WIDTH - MARGIN) if s.rtl else (MARGIN, MARGIN + 240)
    out.rules.append(((rule[0], y - 80, rule[1], y - 66), ACCENT))
    for line in _wrap(s, "bold", size, meta.title):
        _place(out, s, "bold", size, line, y, INK)
        y += size * 1.2
    if meta.subtitle:
        y += 60
        for line in _wrap(s, "italic", 64, meta.subtitle)[:6]:
            _place(out, s, "italic", 64, line, y, INK)
            y += 64 * 1.35
    names = [a.name for a in meta.authors]
    bottom = HEIGHT - MARGIN - (70 if meta.publisher else 0)
    author_lines = [line for name in names for line in _wrap(s, "regular", 72, name)][:6]
    y = bottom - len(author_lines) * 72 * 1.3
    for line in author_lines:
        _place(out, s, "regular", 72, line, y, INK)
        y += 72 * 1.3
    if meta.publisher:
        _place(out, s, "regular", 44, meta.publisher, HEIGHT - MARGIN - 20, ACCENT)
    return out


def generated_cover(meta: Metadata, theme: Theme) -> bytes:
    """The cover as a JPEG."""
    image = Image.new("RGB", (WIDTH, HEIGHT), GROUND)
    draw = ImageDraw.Draw(image)
    made = design(meta, theme)
    for box, fill in made.rules:
        draw.rectangle(box, fill=fill)
    for run in made.runs:
        draw.text((run.x, run.top), run.text, font=run.font, fill=run.fill)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()


# The theme's faces by the names its stylesheets give them (see print.css @font-face).
CSS_FAMILIES = {"Noto Serif": "Pressroom Serif", "Noto Serif Armenian": "Pressroom Serif Armenian"}


def _colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def generated_cover_svg(meta: Metadata, theme: Theme) -> bytes:
    """The same cover as SVG: each word a <text> in its face's family, weight and style,
    on the baseline Pillow used (top + the face's ascent), so it reads as text and prints
    sharp at any size."""
    made = design(meta, theme)
    title = escape(meta.title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img">',
        f"<title>{title}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="{_colour(GROUND)}"/>',
    ]
    for (x1, y1, x2, y2), fill in made.rules:
        parts.append(
            f'<rect x="{x1:g}" y="{y1:g}" width="{x2 - x1:g}" height="{y2 - y1:g}" '
            f'fill="{_colour(fill)}"/>'
        )
    for run in made.runs:
        family, style = run.font.getname()
        families = ", ".join(
            f"'{name}'"
            for name in dict.fromkeys([CSS_FAMILIES.get(family or "", ""), family])
            if name
        )
        ascent = run.font.getmetrics()[0]
        weight = "bold" if "Bold" in (style or "") else "normal"
        slant = "italic" if "Italic" in (style or "") else "normal"
        parts.append(
            f'<text x="{run.x:.1f}" y="{run.top + ascent:.1f}" font-family={quoteattr(families or "serif")} '
            f'font-size="{run.font.size}" font-weight="{weight}" font-style="{slant}" '
            f'fill="{_colour(run.fill)}">{escape(run.text)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts).encode("utf-8")
