"""The body fitted to HTML's content model (load/content.py), checked by the EPUB's own
E-MODEL rule (checks/epub.py) and by EPUBCheck on whole books built from the patterns real
manuscripts use."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from pressroom.checks.epub import misfits
from pressroom.checks.validators import epubcheck_findings
from pressroom.load import content, heading_id
from support import pressroom, write

XHTML = "http://www.w3.org/1999/xhtml"
HEAD = "---\ntitle: T\nauthor: A. Writer\nlang: en\nrights: © 2026 A. Writer\n---\n\n"


def fitted(html: str) -> tuple[ET.Element, list[str]]:
    body = ET.fromstring(f"<div>{html}</div>")
    told: list[str] = []
    content.fit(body, lambda message, where: told.append(message))
    return body, told


def shown(el: ET.Element) -> str:
    return "".join(ET.tostring(c, encoding="unicode") for c in el) if len(el) else el.text or ""


def words(el: ET.Element) -> list[str]:
    return " ".join(el.itertext()).split()


def misfits_of(body: ET.Element) -> list[tuple[int, str]]:
    """What the EPUB's own rule finds in `body` as a page's XHTML."""
    for el in body.iter():
        el.tag = f"{{{XHTML}}}{el.tag}" if not el.tag.startswith("{") else el.tag
    page = ET.Element(f"{{{XHTML}}}html")
    body.tag = f"{{{XHTML}}}body"
    page.append(body)
    return misfits(etree.fromstring(ET.tostring(page)))


@pytest.mark.parametrize(
    ("html", "wanted"),
    [
        # a code fence right after a list item's text: Markdown puts it in the paragraph
        (
            '<p>item<div class="highlight"><pre>code</pre></div>after</p>',
            '<p>item</p><div class="highlight"><pre>code</pre></div><p>after</p>',
        ),
        # a block deep in inline content comes out of every level that cannot hold it
        (
            "<p>a <em>b<div>c</div>d</em> e</p>",
            "<p>a <em>b</em></p><div>c</div><p><em>d</em> e</p>",
        ),
        ('<p id="x">a<ul><li>i</li></ul></p>', '<p id="x">a</p><ul><li>i</li></ul>'),
        ("<p><div>only</div></p>", "<div>only</div>"),
        # a link is transparent: where its parent may hold a block, so may it
        ('<div><a href="#x"><p>card</p></a></div>', '<div><a href="#x"><p>card</p></a></div>'),
        ('<a href="#o">out <a href="#i">in</a> end</a>', '<a href="#o">out in end</a>'),
        (  # a figure's own line breaks go, its caption to an end
            "<figure><img src='a.png' alt='A'/><figcaption>Cap</figcaption><br/><br/></figure>",
            '<figure><img src="a.png" alt="A" /><figcaption>Cap</figcaption></figure>',
        ),
        (
            "<figure><img src='a.png' alt='A'/><figcaption>Cap</figcaption><p>more</p></figure>",
            '<figure><img src="a.png" alt="A" /><p>more</p><figcaption>Cap</figcaption></figure>',
        ),
        (  # as READMEs write a picture with a caption
            "<div><img src='a.png' alt='A'/><figcaption>Cap</figcaption></div>",
            '<figure><img src="a.png" alt="A" /><figcaption>Cap</figcaption></figure>',
        ),
        (
            "<section><figcaption>Lone</figcaption></section>",
            '<section><p class="caption">Lone</p></section>',
        ),
        ("<ul><p>stray</p><li>i</li></ul>", "<ul><li><p>stray</p></li><li>i</li></ul>"),
        # a URL with a space is encoded; one whose host has empty labels is kept as text
        ('<a href="https://a.org/b c">x</a>', '<a href="https://a.org/b%20c">x</a>'),
        ('<p><a href="https://../">x</a></p>', "<p><a>x</a></p>"),
    ],
)
def test_the_body_is_fitted_without_losing_a_word(html, wanted):
    before = words(ET.fromstring(f"<div>{html}</div>"))
    body, _ = fitted(html)
    assert shown(body) == wanted
    assert sorted(words(body)) == sorted(before)  # a caption may move to its figure's end
    assert misfits_of(body) == []


def test_a_heading_of_no_words_is_removed_with_a_warning():
    # `#` alone, or a heading whose only content the sanitizer removed: Ace's empty-heading
    body, told = fitted("<h1></h1><p>x</p><h2> </h2>after<h2><img src='a.png' alt='Logo'/></h2>")
    assert shown(body) == '<p>x</p> after<h2><img src="a.png" alt="Logo" /></h2>'
    assert told == ["an empty heading removed"] * 2


def test_a_link_that_names_nothing_is_unwrapped_with_a_warning():
    # A badge whose remote image the sanitizer removed leaves an empty link.
    body, told = fitted('<p>Build <a href="https://ci.example.org/"></a> status</p>')
    assert shown(body) == "<p>Build  status</p>"
    assert told == ["a link with no text to https://ci.example.org/ removed (what it held is kept)"]
    body, told = fitted('<p><a href="#x"><img src="a.png" alt="Logo"/></a></p>')
    assert told == [] and body.find(".//a") is not None  # named by its picture


TAGS = ["p", "div", "em", "span", "a", "ul", "li", "figure", "figcaption", "pre", "blockquote",
        "h2", "section", "strong", "code", "br", "img"]  # fmt: skip


@st.composite
def trees(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 3 if depth < 4 else 0))):
        if draw(st.booleans()):
            parts.append(draw(st.sampled_from(["w", "x y", " ", "z"])))
            continue
        tag = draw(st.sampled_from(TAGS))
        if tag in ("br", "img"):
            parts.append(f'<{tag} src="i.png" alt="i"/>' if tag == "img" else "<br/>")
            continue
        attrs = ' href="#t"' if tag == "a" else ""
        parts.append(f"<{tag}{attrs}>{draw(trees(depth + 1))}</{tag}>")
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(trees())
def test_any_nesting_comes_out_as_the_rule_accepts_it_with_every_word(html):
    """Whatever nesting the author's HTML had: every word kept (in order, unless a caption
    moved to its figure's end), and the EPUB's own content-model rule, written apart from
    the fitting, finds nothing."""
    source = ET.fromstring(f"<div>{html}</div>")
    body, _ = fitted(html)
    if "figcaption" in html:
        assert sorted(words(body)) == sorted(words(source))
    else:
        assert words(body) == words(source)
    found = [what for _, what in misfits_of(body)]
    assert found == [], (html, shown(body), found)


def test_headings_keep_the_letters_of_every_script():
    assert heading_id("前言") == "前言"
    assert heading_id("Описание") == "описание"
    assert heading_id("仅限 OS X 系统") == "仅限-os-x-系统"
    assert heading_id("हिन्दी भाषा") == "हिन्दी-भाषा"  # the vowel signs too
    assert heading_id("Café au lait") == "café-au-lait"
    assert heading_id("1. Intro") == "intro"  # from the first letter, as Pandoc
    assert heading_id("μ² and ½") == "μ-and"  # no character an XML id cannot hold
    assert heading_id("!!!") == "section"


SEVEN = (
    HEAD
    + "# Patterns\n\n"
    # every figure of one book
    + '<figure><img src="pic.png" alt="A frame"><figcaption>A frame</figcaption><br><br></figure>\n\n'
    + '<div><img src="pic.png" alt="Boxed"><figcaption>In a div</figcaption></div>\n\n'
    # a fence right after a list item's text
    + "- install it\n```\npip install x\n```\n- run it\n\n"
    # a remote badge in a link
    + "[![build](https://ci.example.org/badge.svg)](https://ci.example.org/)\n\n"
    # a heading of markup alone
    + "## ![Logo](pic.png)\n\nText.\n\n## <span></span>\n\nMore.\n\n"
    # links written for GitHub, to headings in other scripts
    + "See [the preface](#前言), [the description](#описание) and "
    + "[the same](#%D0%BE%D0%BF%D0%B8%D1%81%D0%B0%D0%BD%D0%B8%D0%B5).\n\n"
    + "# 前言\n\n文字。\n\n# Описание\n\nТекст, https://example.org/page и www.python.org.\n\n"
    # pictures sized as READMEs size them
    + '<p align="center"><img src="pic.png" width="150" alt="Small"></p>\n\n'
    + '<img src="pic.png" alt="Quarter" style="max-width: 25%; height: auto">\n'
)


@pytest.fixture(scope="module")
def seven(tmp_path_factory) -> Path:
    from PIL import Image

    folder = write(tmp_path_factory.mktemp("seven"), {"t.md": SEVEN})
    Image.new("RGB", (120, 80), "teal").save(folder / "pic.png")
    run = pressroom("build", "t.md", "--format", "epub", "--format", "pdf", cwd=folder)
    assert run.returncode == 0, run.stderr
    return folder


def test_the_patterns_of_real_books_pass_epubcheck_with_their_words(seven):
    epub = seven / "dist" / "t.epub"
    found = epubcheck_findings(epub)
    assert [str(f) for f in found if f.severity == "error" or f.code == "SKIP"] == []
    with zipfile.ZipFile(epub) as z:
        text = " ".join(
            re.sub(r"<[^>]+>", " ", z.read(n).decode()) for n in z.namelist() if "chapter" in n
        )
    for said in ("A frame", "In a div", "install it", "pip install x", "run it", "文字",
                 "Текст", "https://example.org/page"):  # fmt: skip
        assert said in text


def test_links_to_headings_in_any_script_land_in_both_formats(seven):
    from pypdf import PdfReader

    with zipfile.ZipFile(seven / "dist" / "t.epub") as z:
        pages = {n: z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml")}
    hrefs = re.findall(r'<a href="([^"]*#(?:前言|описание))"', "".join(pages.values()))
    assert len(hrefs) == 3
    for href in hrefs:
        page, _, ident = href.partition("#")
        assert f'id="{ident}"' in pages[f"EPUB/{page}" if page else "EPUB/chapter-1.xhtml"]
    reader = PdfReader(seven / "dist" / "t.pdf")
    assert {"前言", "описание"} <= set(reader.named_destinations)
    links = [
        a.get_object().get("/Dest")
        for page in reader.pages
        for a in page.get("/Annots") or []
        if a.get_object().get("/Dest") is not None
    ]
    assert links.count("описание") >= 2 and "前言" in links


def test_bare_addresses_are_links_as_on_github(seven):
    with zipfile.ZipFile(seven / "dist" / "t.epub") as z:
        text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
    assert '<a href="https://example.org/page">https://example.org/page</a>' in text
    assert '<a href="http://www.python.org">www.python.org</a>' in text


def test_a_picture_sized_in_html_keeps_its_size(seven):
    with zipfile.ZipFile(seven / "dist" / "t.epub") as z:
        text = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xhtml"))
    small = re.search(r'<p style="text-align: center;"><img [^>]*alt="Small"[^>]*>', text)
    assert small and 'width="150"' in small[0] and 'style="width: 150px;"' in small[0]
    assert 'alt="Quarter" style="max-width: 25%; height: auto;"' in text


def test_the_claim_follows_the_content_model_check_in_a_plain_build(seven, tmp_path):
    """A theme whose chapter template sets the text inside a paragraph makes an EPUB that
    EPUBCheck rejects: the plain build's own check finds it, writes no conformance claim
    and warns; the same book with the default theme keeps its claim."""
    from pressroom.themes import default_folder

    default = (default_folder() / "templates" / "epub" / "chapter.xhtml").read_text("utf-8")
    theme = tmp_path / "theme" / "templates" / "epub"
    theme.mkdir(parents=True)
    (theme / "chapter.xhtml").write_text(
        default.replace("{{ body | xhtml }}", "<p>{{ body | xhtml }}</p>"), "utf-8"
    )
    folder = write(tmp_path / "book", {"t.md": HEAD + "# One\n\nText.\n\n# Two\n\nMore.\n"})
    run = pressroom(
        "build", "t.md", "--format", "epub", "--theme", str(tmp_path / "theme"), cwd=folder
    )
    assert run.returncode == 0, run.stderr
    assert "warning B-CLAIM: the EPUB's checks found E-MODEL" in run.stderr
    epub = folder / "dist" / "t.epub"
    with zipfile.ZipFile(epub) as z:
        opf = z.read("EPUB/content.opf").decode()
    assert "dcterms:conformsTo" not in opf and "was not verified" in opf
    assert any(f.code == "RSC-005" for f in epubcheck_findings(epub))  # EPUBCheck agrees
    with zipfile.ZipFile(seven / "dist" / "t.epub") as z:
        assert "dcterms:conformsTo" in z.read("EPUB/content.opf").decode()
