"""Numbered figures, tables, listings and sections, and the references to them: read back
from the model, the EPUB and the PDF."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from PIL import Image
from pypdf import PdfReader

from pressroom.diagnostics import Diagnostics
from pressroom.load import load
from pressroom.run.build import build
from pressroom.util.tree import text_of
from support import write

FRONT = "---\ntitle: Crossing\nauthor: A. Writer\nrights: © 2024 A. Writer\n{extra}---\n\n"


def manuscript(tmp_path: Path, body: str, extra: str = "") -> Path:
    write(tmp_path, {"x.md": FRONT.format(extra=extra) + body})
    Image.new("L", (40, 40), 0).save(tmp_path / "dot.png")
    return tmp_path / "x.md"


BODY = """\
# Introduction

As @fig:dot shows, and [see @tbl:nums], the method of @sec:method holds; @Fig:none does
not exist. Write to a@fig.org. In code: `@fig:dot`.

![A black dot](dot.png "The dot"){#fig:dot}

| a | b |
|--:|---|
| 1 | 2 |

Table: Numbers by month {#tbl:nums}

<figure class="listing" id="lst:hello"><figcaption>Hello</figcaption><pre><code>print("hello")</code></pre></figure>

# Method

## Details {#sec:method}

Back to [@fig:dot], @lst:hello and @tbl:dot (a table that is a figure).
"""


def test_items_are_numbered_and_references_become_labelled_links(tmp_path):
    diagnostics = Diagnostics()
    doc = load(manuscript(tmp_path, BODY), diagnostics)
    first, second = (ch.body for ch in doc.chapters)
    links = [(a.get("href"), a.text) for a in first.iter("a") if a.get("class") == "xref"]
    assert links == [
        ("#fig:dot", "Figure\u00a01"),
        ("#tbl:nums", "Table\u00a01"),
        ("#sec:method", "Section “Details”"),  # sections not numbered: the heading's title
    ]
    paragraph = "".join(first.find("p").itertext())
    assert paragraph.startswith("As Figure\u00a01 shows, and see Table\u00a01, the method of")
    assert "@Fig:none does not exist" not in paragraph  # @Fig is not a reference prefix
    assert "a@fig.org" in paragraph and "`" not in paragraph
    assert first.find("p/code").text == "@fig:dot"  # code is left alone
    figure = first.find("figure[@id='fig:dot']")
    assert "".join(figure.find("figcaption").itertext()) == "Figure\u00a01: The dot"
    table = first.find("table[@id='tbl:nums']")
    assert "".join(table.find("caption").itertext()) == "Table\u00a01: Numbers by month"
    assert "Table: " not in text_of(first)
    listing = first.find("figure[@id='lst:hello']")
    assert "".join(listing.find("figcaption").itertext()) == "Listing\u00a01: Hello"
    back = [a.text for a in second.iter("a") if a.get("class") == "xref"]
    assert back == ["Figure\u00a01", "Listing\u00a01"]
    warnings = [(d.code, d.line, d.message) for d in diagnostics]
    assert (
        "B-XREF",
        26,
        "reference @tbl:dot has no table with that id; kept as text",
    ) in warnings
    assert "@tbl:dot" in text_of(second)


def test_number_sections_prints_numbers_and_references_use_them(tmp_path):
    doc = load(manuscript(tmp_path, BODY, "number-sections: true\n"))
    headings = [h.text for ch in doc.chapters for h in ch.headings]
    assert headings == ["1 Introduction", "2 Method", "2.1 Details"]
    links = [a.text for a in doc.chapters[0].body.iter("a") if a.get("class") == "xref"]
    assert links[2] == "Section\u00a02.1"


def test_labels_follow_the_language(tmp_path):
    doc = load(manuscript(tmp_path, BODY, "lang: de\n"))
    links = [a.text for a in doc.chapters[0].body.iter("a") if a.get("class") == "xref"]
    assert links[:2] == ["Abbildung\u00a01", "Tabelle\u00a01"]


def test_references_link_across_files_in_the_epub_and_live_in_the_pdf(tmp_path):
    source = manuscript(tmp_path, BODY, "number-sections: true\n")
    build(source, tmp_path / "out", ("epub", "pdf"))
    with zipfile.ZipFile(tmp_path / "out" / "x.epub") as epub:
        first = epub.read("EPUB/chapter-1.xhtml").decode()
        second = epub.read("EPUB/chapter-2.xhtml").decode()
    assert 'href="chapter-2.xhtml#sec:method" class="xref">Section\u00a02.1</a>' in first
    assert 'href="chapter-1.xhtml#fig:dot" class="xref">Figure\u00a01</a>' in second
    assert '<h2 id="sec:method"><span class="secnum">2.1</span> Details</h2>' in second
    pdf = PdfReader(tmp_path / "out" / "x.pdf")
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert re.search(r"As\s+Figure\s1 shows, and see\s+Table\s1", text), text
    assert "Figure 1: The dot" in text.replace("\u00a0", " ")
    destinations = {
        str(annotation.get_object().get("/Dest"))
        for page in pdf.pages
        for annotation in page.get("/Annots") or []
    }
    assert {"fig:dot", "tbl:nums", "sec:method", "lst:hello"} <= destinations
