"""Code (pressroom/load/code.py and the themes): listings, highlighting, wrapping without
hyphens, read back from the constructs fixture's EPUB and PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from pypdf import PdfReader

from pressroom.load.markdown import to_html
from test_constructs import X, pdf_pages, pdf_words, word

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "tests" / "fixtures" / "constructs" / "constructs.md"


def test_a_fence_with_a_caption_and_an_id_is_a_listing(constructs_epub, built_constructs):
    (listing,) = constructs_epub.xpath(".//x:figure[@class='listing']", namespaces=X)
    assert listing.get("id") == "lst:hello"
    caption, code = list(listing)
    # Numbered by the cross-references: the label, then the author's caption.
    assert caption.tag.endswith("figcaption")
    assert "".join(caption.itertext()) == "Listing\u00a01: Hello in Rust"
    assert code.xpath("./x:pre/x:code", namespaces=X)
    pdf = built_constructs["pdf"]
    assert re.search(r"Listing\s1: Hello in Rust\s+fn main\(\) \{", "".join(pdf_pages(pdf)))


def test_listing_markup():
    html = to_html("```{.python #lst:x caption=\"Say 'hi'\"}\nprint(1)\n```\n\n```\nplain\n```\n")
    assert html.startswith('<figure class="listing" id="lst:x"><figcaption>Say ‘hi’</figcaption>')
    # A fence without a caption or an id is no listing, and its language is not guessed.
    assert html.count("<figure") == 1
    assert '<div class="language-text highlight">' in html
    assert html.count('<span class="line">') == 2
    assert "__line" not in html
    # A line that may wrap on a small page is marked so: print draws continuation marks
    # beside such lines only.
    long = to_html("```\nshort\n" + "x = 1 + " * 6 + "\n```\n")
    assert '<span class="line">short' in long and '<span class="line long">x = 1' in long


def test_code_is_highlighted_with_classes_in_both_formats(constructs_epub, built_constructs):
    (listing,) = constructs_epub.xpath(".//x:figure[@class='listing']", namespaces=X)
    keywords = [s.text for s in listing.xpath(".//x:span[@class='k']", namespaces=X)]
    assert keywords == ["fn"]
    assert not constructs_epub.xpath(".//*[@style][ancestor::x:pre]", namespaces=X)
    # In print the keyword is set in the mono face's bold, the rest of the line in its regular.
    reader = PdfReader(built_constructs["pdf"])
    page = reader.pages[_page_of(built_constructs["pdf"], "Hello in Rust")]
    fonts: dict[str, str] = {}

    def visit(text, cm, tm, font, size):
        if text.strip() and font:
            fonts.setdefault(text.strip(), str(font.get("/BaseFont")))

    page.extract_text(visitor_text=visit)
    assert fonts["fn"].endswith("+Pressroom-Mono-Bold"), fonts
    assert fonts["main"].endswith("+Pressroom-Mono"), fonts


def _page_of(pdf: Path, text: str) -> int:
    return next(n for n, page in enumerate(pdf_pages(pdf)) if text in page)


def test_long_code_lines_wrap_without_hyphens_under_a_marked_hanging_indent(built_constructs):
    pdf = built_constructs["pdf"]
    source = SOURCE.read_text(encoding="utf-8")
    page = _page_of(pdf, "configuration_with_a_remarkably_long_name")
    n, first = word(pdf, "configuration_with_a_remarkably_long_name(argument_number_one:")
    n2, continued = word(pdf, "SomeLongTypeName,")
    n3, body = word(pdf, "unimplemented!()")
    assert n == n2 == n3 == page
    # Every word printed in the code is in the manuscript as written: a hyphen added at a
    # line's end would make a word that is not.
    code = [w for w in pdf_words(pdf)[page] if first.top <= w.top <= body.top]
    assert len(code) >= 10
    for w in code:
        assert w.text in source, w.text
    _, first = word(pdf, "fn")
    assert continued.top > first.top and continued.left - first.left > 12  # hanging indent
    # The continuation mark is drawn in the gutter beside the continued row, and not beside
    # a line of its own.
    assert _dark_pixels(pdf, page, first.left, continued) > 5
    assert _dark_pixels(pdf, page, first.left, body) == 0
    # …and is no text: nothing is read aloud or copied but the code.
    assert "↪" not in "".join(pdf_pages(pdf))


def _dark_pixels(pdf: Path, page: int, left: float, row) -> int:
    """Dark pixels at 144 dpi in the 7 pt of gutter from `left`, across the height of `row`."""
    gray = subprocess.run(
        ["pdftoppm", "-r", "144", "-gray", "-f", str(page + 1), "-l", str(page + 1), str(pdf)],
        capture_output=True,
        check=True,
    ).stdout
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+255\s", gray)
    assert header
    width = int(header.group(1))
    pixels = gray[header.end() :]
    scale = 2  # 144 dpi over 72 points an inch
    return sum(
        pixels[y * width + x] < 128
        for y in range(int(row.top * scale), int(row.bottom * scale))
        for x in range(int(left * scale), int((left + 7) * scale))
    )
