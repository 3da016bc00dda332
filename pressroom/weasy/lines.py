"""Line breaking: WeasyPrint 70's work on text with no break opportunity for a long while,
and on boxes of shrink-to-fit width, cut to what decides the line. Speed only: the lines
are WeasyPrint's own (tests compare both ways)."""

from __future__ import annotations

import math
from typing import Any

from weasyprint.layout import absolute as weasyprint_absolute
from weasyprint.layout import float as weasyprint_float
from weasyprint.layout import inline as weasyprint_inline
from weasyprint.layout import preferred as weasyprint_preferred
from weasyprint.text import line_break as weasyprint_line_break

from .patch import Patch, Patcher, Target

# Text longer than this up to its next line-break opportunity is no run of words or URL
# but hostile: its next word is looked for in windows, from the first size, each twice the
# last, kept once the word ends that many characters before the window does.
LONG_RUN, WORD_WINDOW, WORD_MARGIN = 1000, 256, 64


def _install_next_word(patcher: Patcher) -> None:
    """To hyphenate, WeasyPrint 70 looks for the first long enough word in the text up to
    the next line-break opportunity, analysing all that text again (`get_log_attrs`) for
    each shorter word it passes. That text is a word or two, except where no break is
    allowed: 20,000 unclosed `x[ ` (no break after an opening bracket, even after a
    space) are one 60 KB run of 20,000 words, analysed 20,000 times (24 s). A run longer
    than LONG_RUN is analysed in a window that grows until it holds the next word;
    shorter text (any ordinary text) goes to WeasyPrint's function as before."""

    def make(original: Any) -> Any:
        def pressroom_next_word(text: str, lang: str | None) -> tuple[int, int] | None:
            size = WORD_WINDOW
            while len(text) > LONG_RUN and size < len(text):
                found = original(text[:size], lang)
                if found is not None and found[1] + WORD_MARGIN <= size:
                    return found
                size *= 2
            return original(text, lang)

        return pressroom_next_word

    patcher.put(weasyprint_line_break, "get_next_word_boundaries", make)


NEXT_WORD = Patch(
    name="next-word-in-a-window",
    kind="speed",
    targets=(Target("weasyprint.text.line_break", "get_next_word_boundaries", ("text", "lang")),),
    why="the next word of a run without break opportunities looked for in a window, not the run",
    test="tests/test_pdf.py::test_next_word_in_a_window_sets_the_same_pages",
    install=_install_next_word,
)


def _install_first_line(patcher: Patcher) -> None:
    """WeasyPrint 70 sets each line of a paragraph from all the rest of its text
    (`split_first_line`), and where the rest holds no break opportunity for a while, or one
    long word, it lays all of it out and hyphenates it, again for every line: a run with no
    break opportunity (an address, 20,000 unclosed `x[ `, which `overflow-wrap:
    break-word` breaks into 800 lines) took minutes, and a 100 KB word that can be
    hyphenated, longer. A line whose text goes on for more than a few lines is set from a
    window of it instead: what ends a line (a break opportunity, a hyphen, a break between
    characters) lies within a line's width of its start, and a line ended well inside the
    window shows that it was. Two things WeasyPrint reads from the far end of the text are
    kept: the window ends in a space if the text does, and a text with a soft hyphen
    anywhere is set whole (it turns automatic hyphenation off). Otherwise, or if the line
    is not ended inside the window, WeasyPrint sets it from all the text, as before."""

    def make(original: Any) -> Any:
        def pressroom_split_first_line(
            text: str,
            style: Any,
            context: Any,
            max_width: float | None,
            justification_spacing: float,
            is_line_start: bool = True,
            minimum: bool = False,
        ) -> Any:
            font_size = style["font_size"]
            if (
                max_width is not None
                and math.isfinite(max_width)
                and font_size > 0
                and "\xad" not in text
            ):
                # Twice WeasyPrint's own guess at a line's worth (a character at least a
                # quarter of the font size wide): four lines or so of ordinary text.
                most = max(WORD_WINDOW, int(8 * max_width / font_size))
                # A word is hyphenated by trying each of its break points in the window, the
                # longest first, each a layout: without a space, a window half as long first.
                sizes = (most // 2, most) if " " not in text[: most // 2] else (most,)
                for size in (size for size in sizes if len(text) > size):
                    # Ending in a space if the text does, and not if it does not.
                    window = text[:size]
                    cut = window.rfind(" ") + 1 if text.endswith(" ") else len(window.rstrip(" "))
                    window = window[:cut]
                    if len(window) > size // 2:
                        line = original(
                            window, style, context, max_width, justification_spacing,
                            is_line_start, minimum,
                        )  # fmt: skip
                        resume = line[2]
                        if resume is not None and resume <= len(window.encode()) // 2:
                            return line
            return original(
                text, style, context, max_width, justification_spacing, is_line_start, minimum
            )

        return pressroom_split_first_line

    patcher.put(weasyprint_inline, "split_first_line", make)


FIRST_LINE = Patch(
    name="first-line-from-a-window",
    kind="speed",
    targets=(
        Target(
            "weasyprint.layout.inline",
            "split_first_line",
            (
                "text",
                "style",
                "context",
                "max_width",
                "justification_spacing",
                "is_line_start",
                "minimum",
            ),
        ),
    ),
    why="a line of a long run without break opportunities set from a window of it, not the run",
    test="tests/test_pdf.py::test_lines_set_from_a_window_give_the_same_pages",
    install=_install_first_line,
)


# Every module that calls shrink_to_fit by its own name.
SHRINKING = (weasyprint_preferred, weasyprint_inline, weasyprint_float, weasyprint_absolute)


def _install_shrink_to_fit(patcher: Patcher) -> None:
    """WeasyPrint 70's shrink-to-fit width is min(max(min-content, available), max-content):
    when the max-content width fits, that is the width, whatever the min-content width, which
    is then not worth measuring (breaking the text at every opportunity): an inline-block or
    a float of auto width in a stylesheet pays for it once for each such box."""

    def pressroom_shrink_to_fit(context: Any, box: Any, available: float) -> float:
        widest = weasyprint_preferred.max_content_width(context, box, outer=False)
        if widest <= available:
            return widest
        narrowest = weasyprint_preferred.min_content_width(context, box, outer=False)
        return min(max(narrowest, available), widest)

    for module in SHRINKING:
        patcher.put(module, "shrink_to_fit", lambda _: pressroom_shrink_to_fit)


SHRINK_TO_FIT = Patch(
    name="shrink-to-fit-from-max-content",
    kind="speed",
    targets=(
        *(
            Target(module.__name__, "shrink_to_fit", ("context", "box", "available_content_width"))
            for module in SHRINKING
        ),
        Target("weasyprint.layout.preferred", "max_content_width", ("context", "box", "outer")),
        Target("weasyprint.layout.preferred", "min_content_width", ("context", "box", "outer")),
    ),
    why="a shrink-to-fit width that fits at its max-content width skips the min-content one",
    test="tests/test_pdf.py::test_shrink_to_fit_gives_weasyprints_widths",
    install=_install_shrink_to_fit,
)

PATCHES = (NEXT_WORD, FIRST_LINE, SHRINK_TO_FIT)
