"""A typographic cover for a book that has no cover image of its own.

Title, subtitle, authors and publisher, set in the theme's faces on a plain ground, as a
1,600 × 2,560 px JPEG: the size and shape stores ask for. The same book always gives the
same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache, lru_cache

from fontTools.ttLib import TTFont
from PIL import Image, ImageDraw, ImageFont

from . import glyphs, language
from .model import Metadata
from .themes import Theme

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


@cache
def _cmap(theme: Theme, path: str) -> frozenset[int]:
    return frozenset(TTFont(io.BytesIO(theme.read(path))).getBestCmap() or {})


@lru_cache(maxsize=4096)
def _font(s: Setting, style: str, size: int, word: str) -> ImageFont.FreeTypeFont:
    """The theme's face for the word's script, else an installed Noto face that has it
    (Arabic, CJK, Devanagari …), else the theme's text face."""
    for path in FACES[style]:
        cmap = _cmap(s.theme, path)
        if all(ord(c) in cmap or not glyphs.drawn(c) for c in word):
            return ImageFont.truetype(io.BytesIO(s.theme.read(path)), size)
    face = glyphs.face_for(word, s.lang, bold=style == "bold")
    if face is not None:
        return ImageFont.truetype(face.file, size, index=face.index)
    return ImageFont.truetype(io.BytesIO(s.theme.read(FACES[style][0])), size)


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


def _draw(
    draw: ImageDraw.ImageDraw,
    s: Setting,
    style: str,
    size: int,
    text: str,
    y: float,
    fill: tuple[int, int, int],
) -> None:
    """One line, word by word, each in the face that has its script; from the right margin
    leftwards in a right-to-left language (each word is shaped by Pillow's Raqm layout)."""
    x = float(WIDTH - MARGIN if s.rtl else MARGIN)
    for word in text.split():
        font = _font(s, style, size, word)
        width, advance = float(font.getlength(word)), float(font.getlength(word + " "))
        if s.rtl:
            x -= width
            draw.text((x, y), word, font=font, fill=fill)
            x -= advance - width  # the space, to the left of the word
        else:
            draw.text((x, y), word, font=font, fill=fill)
            x += advance


def generated_cover(meta: Metadata, theme: Theme) -> bytes:
    s = Setting(theme, meta.lang)
    image = Image.new("RGB", (WIDTH, HEIGHT), GROUND)
    draw = ImageDraw.Draw(image)
    size = 150
    while size > 60 and len(_wrap(s, "bold", size, meta.title)) > 5:
        size -= 10
    y = 520.0
    rule = (WIDTH - MARGIN - 240, WIDTH - MARGIN) if s.rtl else (MARGIN, MARGIN + 240)
    draw.rectangle((rule[0], y - 80, rule[1], y - 66), fill=ACCENT)
    for line in _wrap(s, "bold", size, meta.title):
        _draw(draw, s, "bold", size, line, y, INK)
        y += size * 1.2
    if meta.subtitle:
        y += 60
        for line in _wrap(s, "italic", 64, meta.subtitle)[:6]:
            _draw(draw, s, "italic", 64, line, y, INK)
            y += 64 * 1.35
    names = [a.name for a in meta.authors]
    bottom = HEIGHT - MARGIN - (70 if meta.publisher else 0)
    author_lines = [line for name in names for line in _wrap(s, "regular", 72, name)][:6]
    y = bottom - len(author_lines) * 72 * 1.3
    for line in author_lines:
        _draw(draw, s, "regular", 72, line, y, INK)
        y += 72 * 1.3
    if meta.publisher:
        _draw(draw, s, "regular", 44, meta.publisher, HEIGHT - MARGIN - 20, ACCENT)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
