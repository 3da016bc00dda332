"""A typographic cover for a book that has no cover image of its own.

Title, subtitle, authors and publisher, set in the theme's faces on a plain ground, as a
1,600 × 2,560 px JPEG: the size and shape stores ask for. The same book always gives the
same bytes.
"""

from __future__ import annotations

import io
import re

from PIL import Image, ImageDraw, ImageFont

from .model import Metadata
from .themes import Theme

WIDTH, HEIGHT = 1600, 2560
MARGIN = 150
GROUND, INK, ACCENT = (28, 36, 48), (245, 241, 232), (200, 170, 110)
ARMENIAN = re.compile(r"[\u0530-\u058f\ufb13-\ufb17]")
FACES = {
    "bold": ("fonts/NotoSerif-Bold.ttf", "fonts/NotoSerifArmenian-Bold.ttf"),
    "italic": ("fonts/NotoSerif-Italic.ttf", "fonts/NotoSerifArmenian-Regular.ttf"),
    "regular": ("fonts/NotoSerif-Regular.ttf", "fonts/NotoSerifArmenian-Regular.ttf"),
}


def _font(theme: Theme, style: str, size: int, armenian: bool) -> ImageFont.FreeTypeFont:
    path = FACES[style][1 if armenian else 0]
    return ImageFont.truetype(io.BytesIO(theme.read(path)), size)


def _width(theme: Theme, style: str, size: int, text: str) -> float:
    return sum(
        _font(theme, style, size, bool(ARMENIAN.search(w))).getlength(w + " ") for w in text.split()
    )


def _wrap(theme: Theme, style: str, size: int, text: str) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and _width(theme, style, size, trial) <= WIDTH - 2 * MARGIN:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def _draw(
    draw: ImageDraw.ImageDraw,
    theme: Theme,
    style: str,
    size: int,
    text: str,
    y: float,
    fill: tuple[int, int, int],
) -> None:
    """One line, word by word, each in the face that has its script."""
    x = float(MARGIN)
    for word in text.split():
        font = _font(theme, style, size, bool(ARMENIAN.search(word)))
        draw.text((x, y), word, font=font, fill=fill)
        x += font.getlength(word + " ")


def generated_cover(meta: Metadata, theme: Theme) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), GROUND)
    draw = ImageDraw.Draw(image)
    size = 150
    while size > 60 and len(_wrap(theme, "bold", size, meta.title)) > 5:
        size -= 10
    y = 520.0
    draw.rectangle((MARGIN, y - 80, MARGIN + 240, y - 66), fill=ACCENT)
    for line in _wrap(theme, "bold", size, meta.title):
        _draw(draw, theme, "bold", size, line, y, INK)
        y += size * 1.2
    if meta.subtitle:
        y += 60
        for line in _wrap(theme, "italic", 64, meta.subtitle)[:6]:
            _draw(draw, theme, "italic", 64, line, y, INK)
            y += 64 * 1.35
    names = [a.name for a in meta.authors]
    bottom = HEIGHT - MARGIN - (70 if meta.publisher else 0)
    author_lines = [line for name in names for line in _wrap(theme, "regular", 72, name)][:6]
    y = bottom - len(author_lines) * 72 * 1.3
    for line in author_lines:
        _draw(draw, theme, "regular", 72, line, y, INK)
        y += 72 * 1.3
    if meta.publisher:
        _draw(draw, theme, "regular", 44, meta.publisher, HEIGHT - MARGIN - 20, ACCENT)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, optimize=True)
    return out.getvalue()
