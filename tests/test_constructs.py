"""Every Markdown construct a manuscript uses, built from tests/fixtures/constructs/ into both
formats and read back: the EPUB's XHTML with lxml, the PDF's text and word boxes with
pdftotext, its pixels with pdftoppm."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from lxml import etree

from pressroom.checks import check, tools
from pressroom.load.sanitize import sanitize

X = {"x": "http://www.w3.org/1999/xhtml"}


@dataclass(frozen=True)
class Word:
    text: str
    left: float
    top: float
    right: float
    bottom: float


@pytest.fixture(scope="module")
def pdf(built_constructs) -> Path:
    return built_constructs["pdf"]


def pdf_pages(path: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")


@cache
def pdf_words(path: Path) -> list[list[Word]]:
    """Each page's words with their boxes (points, from the page's top left)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(out, etree.XMLParser(recover=True))
    pages = []
    for page in root.iter("{*}page"):
        pages.append(
            [
                Word(w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                for w in page.iter("{*}word")
            ]
        )
    return pages


def page_with(path: Path, text: str) -> int:
    return next(n for n, page in enumerate(pdf_pages(path)) if text in page)


def word(path: Path, text: str) -> tuple[int, Word]:
    for n, page in enumerate(pdf_words(path)):
        for w in page:
            if w.text == text:
                return n, w
    raise AssertionError(f"{text!r} not in the PDF")


def text(el) -> str:
    return " ".join("".join(el.itertext()).split())


# -- lists ------------------------------------------------------------------------------------
def test_ordered_lists_keep_their_start(constructs_epub, pdf):
    (first,) = constructs_epub.xpath(".//x:ol[x:li[contains(., 'third item')]]", namespaces=X)
    assert first.get("start") == "3"
    (deep,) = constructs_epub.xpath(".//x:ol[x:li[. = 'deep seventh']]", namespaces=X)
    assert deep.get("start") == "7"
    page = pdf_pages(pdf)[page_with(pdf, "third item")]
    assert re.search(r"3\. third item\s+4\. fourth item\s+5\. fifth item", page)
    assert re.search(r"7\. deep seventh\s+8\. deep eighth", page)
    assert "1. third item" not in page


def test_fenced_code_in_list_items_and_quotes_is_code(constructs_epub, pdf):
    (in_item,) = constructs_epub.xpath(
        ".//x:li//x:pre[contains(., 'compute(first, second)')]", namespaces=X
    )
    assert text(in_item) == "let total: Result<u32, String> = compute(first, second);"
    (in_quote,) = constructs_epub.xpath(".//x:blockquote//x:pre", namespaces=X)
    assert text(in_quote).startswith("def greet(name):")
    assert not constructs_epub.xpath(".//x:code[contains(., 'rust')]", namespaces=X)
    every = "".join(pdf_pages(pdf))
    for out in (text(constructs_epub), every):
        assert "```" not in out
    assert "let total: Result<u32, String> = compute(first, second);" in every
    assert re.search(r"def greet\(name\):\n\s+return f\"Hello, \{name\}\"", every)


# -- inline markup -----------------------------------------------------------------------------
def test_strikethrough_subscript_superscript(constructs_epub, pdf):
    (struck,) = constructs_epub.xpath(".//x:del", namespaces=X)
    assert struck.text == "strikethrough words"
    assert [s.text for s in constructs_epub.xpath(".//x:sub", namespaces=X)] == ["2"]
    assert [s.text for s in constructs_epub.xpath(".//x:sup", namespaces=X)] == ["2"]
    every = "".join(pdf_pages(pdf))
    assert "Struck strikethrough words here" in every
    assert "~" not in every and "^" not in every


def test_autolinks_entities_and_smart_punctuation(constructs_epub, pdf):
    hrefs = {a.get("href") for a in constructs_epub.iter("{*}a")}
    assert "https://example.com/path?x=1&y=2" in hrefs
    assert any(h and h.startswith("mailto:") for h in hrefs)
    body, printed = text(constructs_epub), " ".join("".join(pdf_pages(pdf)).split())
    for out in (body, printed):
        assert "Entities: AT&T, © 2026, café, 4 < 5." in out
        assert "“double” and ‘single’ quotes, the ’90s, dashes – and — and dots…" in out
        assert "https://example.com/path?x=1&y=2" in out


def test_thematic_breaks_are_scene_breaks_not_lists(constructs_epub, pdf):
    assert len(constructs_epub.xpath(".//x:hr", namespaces=X)) == 2
    (chapter,) = constructs_epub.xpath("./x:body[.//x:del]", namespaces=X)
    assert not chapter.xpath(".//x:ul", namespaces=X)
    page = pdf_pages(pdf)[page_with(pdf, "A scene break came")]
    assert page.count("⁂") == 2
    assert "•" not in page


# -- definitions, tables, images ---------------------------------------------------------------
def test_definition_lists(constructs_epub, pdf):
    terms = [text(dt) for dt in constructs_epub.xpath(".//x:dl/x:dt", namespaces=X)]
    assert terms == ["Apple", "Orange"]
    assert text(constructs_epub.xpath(".//x:dl/x:dd", namespaces=X)[1]).endswith(
        "With a second paragraph."
    )
    assert re.search(r"Apple\s+A red fruit\.\s+Orange\s+An orange fruit\.", "".join(pdf_pages(pdf)))


def test_table_alignment_is_kept(constructs_epub, pdf):
    header = constructs_epub.xpath(".//x:table[.//x:th[. = 'Icon']]//x:th", namespaces=X)
    assert [th.get("style") for th in header] == [
        "text-align: left;",
        "text-align: center;",
        "text-align: right;",
    ]
    # In print, the right-aligned column's numbers end at the same place and start apart.
    _, twelve = word(pdf, "12")
    _, many = word(pdf, "345")
    assert abs(twelve.right - many.right) < 0.5
    assert many.left < twelve.left - 3


def test_images_in_cells_and_lines_are_scaled_and_cell_text_kept(pdf):
    # The 300 px icons would fill a page; scaled to the cell, both rows share one page,
    # close together, with their text.
    page, crab = word(pdf, "Crab")
    same, dot = word(pdf, "Dot")
    assert page == same
    assert 0 < dot.top - crab.top < 60
    assert "Crab cell text survives" in pdf_pages(pdf)[page]
    # An icon in a line leaves the line spacing about as it is.
    _, above = word(pdf, "dots…")
    _, icon_line = word(pdf, "inline")
    assert icon_line.top - above.top < 22


def test_image_sizes_become_valid_css(constructs_epub):
    half, sized = (
        constructs_epub.xpath(".//x:img[@alt='A half-width chart']", namespaces=X)[0],
        constructs_epub.xpath(".//x:img[@alt='sized chart']", namespaces=X)[0],
    )
    assert half.get("style") == "width: 50%;" and half.get("width") is None
    assert sorted(sized.get("style").rstrip(";").split("; ")) == ["height: 2cm", "width: 3cm"]


def test_the_sanitizer_keeps_only_sizes_and_alignment_in_style():
    html, warnings = sanitize(
        '<p style="color: red"><img src="a.png" alt="a" width="40%" height="12"'
        ' style="width: 2cm; position: fixed" /><img src="b.png" alt="b" width="huge" /></p>'
        '<table><tr><td style="text-align: right; background: url(x)">1</td></tr></table>'
    )
    assert html == (
        # a size in pixels is kept as HTML's attribute and as CSS: it is a picture's size
        '<p><img src="a.png" alt="a" height="12" style="width: 2cm; height: 12px;" />'
        '<img src="b.png" alt="b" /></p>'
        '<table><tr><td style="text-align: right;">1</td></tr></table>'
    )
    assert warnings == ["width 'huge' on <img> removed (not a size or an alignment)"]


def test_long_tables_run_over_pages_with_their_header(pdf):
    first = page_with(pdf, "row 1 of the long table")
    last = page_with(pdf, "row 70 of the long table")
    assert last > first
    for n in range(first, last + 1):
        assert re.search(r"Number\s+Entry", pdf_pages(pdf)[n]), n


# -- the validators ------------------------------------------------------------------------
@pytest.mark.validators
def test_the_epub_passes_epubcheck_and_ace(built_constructs):
    assert tools()["epubcheck"] and tools()["ace"], "validators not installed"
    findings = check([built_constructs["epub"]])
    assert [str(f) for f in findings if f.severity == "error"] == []
