"""The print handout, read back from the PDF WeasyPrint wrote (pypdf, and poppler's
pdftotext for where each line and word sits)."""

from __future__ import annotations

import functools
import itertools
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from pypdf import PdfReader

from pressroom.clean import clean_text
from pressroom.load import load
from pressroom.run.build import build
from pressroom.util.tree import text_of

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
BOOK = ROOT / "tests" / "fixtures" / "book" / "book.md"
SEED = ROOT / "tests" / "fixtures" / "seed" / "article-raw.txt"
BODY_SIZE, NOTE_SIZE = 10.5, 8.3
CALL_MAX = 8.0  # a note call (72% of the text, 7.6 pt) is smaller than the notes' type


@pytest.fixture(scope="module")
def article(built_article) -> PdfReader:
    return PdfReader(built_article["pdf"])


@pytest.fixture(scope="module")
def book(built_book) -> PdfReader:
    return PdfReader(built_book["pdf"])


def placed_runs(page) -> list[tuple[float, float, str]]:
    """(font size in points, baseline height from the page foot, text) of every text run
    on a page, in drawing order."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((round(size * tm[0] * cm[0], 1), tm[5] * cm[3] + cm[5], text))

    page.extract_text(visitor_text=visit)
    return found


def runs(page) -> list[tuple[float, str]]:
    """(font size in points, text) of every text run on a page, in drawing order."""
    return [(size, text) for size, _, text in placed_runs(page)]


@dataclass(frozen=True)
class Word:
    text: str
    height: float  # of its box: a note call is half the height of the words around it


@dataclass(frozen=True)
class Line:
    left: float
    right: float
    height: float
    words: tuple[Word, ...]


@functools.cache
def lines_by_page(path: Path) -> list[list[Line]]:
    """Every line pdftotext finds, page by page, with its box (points) and its words."""
    run = subprocess.run(
        ["pdftotext", "-bbox-layout", str(path), "-"], capture_output=True, check=True
    )
    xhtml = "{http://www.w3.org/1999/xhtml}"
    pages = []
    for page in ET.fromstring(run.stdout).iter(f"{xhtml}page"):
        found = []
        for line in page.iter(f"{xhtml}line"):
            box = {k: float(line.get(k)) for k in ("xMin", "xMax", "yMin", "yMax")}
            words = tuple(
                Word(w.text or "", float(w.get("yMax")) - float(w.get("yMin")))
                for w in line.iter(f"{xhtml}word")
            )
            found.append(Line(box["xMin"], box["xMax"], box["yMax"] - box["yMin"], words))
        pages.append(found)
    return pages


def measure(path: Path) -> float:
    """Average characters in a full line of body text: a line of the body's type (the most
    common line height) running the whole width of the text column, from the left margin
    to the right. So a paragraph's first line (indented) and last line (short) do not
    count, words are joined by one space however widely the line was justified, and note
    calls are left out."""
    lines = [line for page in lines_by_page(path) for line in page]
    body_height = Counter(round(line.height, 1) for line in lines).most_common(1)[0][0]
    body = [line for line in lines if round(line.height, 1) == body_height]
    left, right = min(line.left for line in body), max(line.right for line in body)
    full = [line for line in body if line.left - left < 0.5 and right - line.right < 0.5]
    assert len(full) >= 40, f"only {len(full)} full lines: not enough to measure"
    counts = [
        len(" ".join(w.text for w in line.words if w.height > 0.8 * line.height)) for line in full
    ]
    return sum(counts) / len(counts)


@functools.cache
def page_texts_of(path: Path) -> list[str]:
    """The text of each page as pdftotext reads it (pages end with a form feed)."""
    run = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return run.stdout.split("\f")[:-1]


def squeeze(text: str) -> str:
    """Compare text across line breaks: hyphenation may split any word, spaces may stretch."""
    return re.sub(r"[\s\-\u00ad\u2010•]", "", text)  # and list bullets


# -- metadata -------------------------------------------------------------------------------
def test_document_metadata(article):
    meta = load(ARTICLE).meta
    info = article.metadata
    assert info["/Title"] == meta.title
    assert info["/Author"] == "Alex Galitsky"
    assert info["/Subject"] == meta.description
    assert info["/Keywords"] == ", ".join(meta.keywords)
    assert info["/Creator"].startswith("Pressroom")
    assert re.fullmatch(r"D:\d{14}Z", info["/CreationDate"])
    root = article.trailer["/Root"]
    assert root["/Lang"] == "en"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"].value is True


def test_handout_xmp_describes_it_like_the_epub(article):
    """Publisher, language, identifier and publication date, so a reading system shows the
    book's date and not the build's."""
    from xml.etree import ElementTree as ET

    from pressroom.weasy.xmp import DC, RDF

    meta = load(ARTICLE).meta
    data = article.trailer["/Root"]["/Metadata"].get_object().get_data()
    xmp = ET.fromstring(data[data.index(b"<x:xmpmeta") : data.rindex(b"</x:xmpmeta>") + 12])

    def values(name: str) -> list[str]:
        found = []
        for element in xmp.iter(f"{{{DC}}}{name}"):
            items = list(element.iter(f"{{{RDF}}}li"))
            found += [i.text for i in items] if items else [element.text]
        return found

    assert values("publisher") == [meta.publisher]
    assert values("language") == ["en"]
    assert values("identifier") == [meta.identifier]
    assert values("date") == ["2021-08-26"]
    assert values("rights") == [meta.rights]


def test_xmp_has_contributors_isbn_and_series(built_book):
    """The ISBN as XMP's qualified identifier and the series as calibre reads them; the
    archival copy leaves the series out (PDF/A admits no undeclared schema)."""
    from xml.etree import ElementTree as ET

    from pressroom.weasy.xmp import DC, RDF, SERIES, SERIES_INDEX, XMP, XMPIDQ

    def xmp(path: Path) -> ET.Element:
        data = PdfReader(path).trailer["/Root"]["/Metadata"].get_object().get_data()
        return ET.fromstring(data[data.index(b"<x:xmpmeta") : data.rindex(b"</x:xmpmeta>") + 12])

    handout, archival = xmp(built_book["pdf"]), xmp(built_book["archival"])
    for tree in (handout, archival):
        contributors = tree.find(f".//{{{DC}}}contributor")
        assert [li.text for li in contributors.iter(f"{{{RDF}}}li")] == [
            "Lilit Example",
            "Aram Editor",
        ]
        (item,) = tree.find(f".//{{{XMP}}}Identifier").iter(f"{{{RDF}}}li")
        assert item.find(f"{{{XMPIDQ}}}Scheme").text == "ISBN"
        assert item.find(f"{{{RDF}}}value").text == "9783161484100"
        assert tree.find(f".//{{{DC}}}identifier").text == "urn:isbn:9783161484100"
    series = handout.find(f".//{{{SERIES}}}series")
    assert series.find(f"{{{RDF}}}value").text == "Pressroom Test Books"
    assert series.find(f"{{{SERIES_INDEX}}}series_index").text == "3.00"
    assert archival.find(f".//{{{SERIES}}}series") is None


def test_every_author_is_in_the_metadata(book):
    assert book.metadata["/Author"] == "Anahit Petrosyan, John Q. Reader, Mariam Ծաղիկյան"


def test_xmp_declares_pdf_ua(article):
    xmp = article.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert 'pdfuaid:part="1"' in xmp or "<pdfuaid:part>1</pdfuaid:part>" in xmp


# -- pages ----------------------------------------------------------------------------------
def test_a4_pages_numbered_with_running_heads(article):
    meta = load(ARTICLE).meta
    assert 4 <= len(article.pages) <= 12
    for number, page in enumerate(article.pages, start=1):
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)
        texts = [text.strip() for _, text in runs(page)]
        assert texts[-1] == str(number), f"page {number} has no page number at its foot"
        heads = [text for size, text in runs(page) if size == 8.5]
        if number == 1:
            assert heads == [], "no running head on the title page"
        else:
            expected = meta.short_title if number % 2 == 0 else meta.author_names
            assert heads == [expected]


def test_letter_paper_keeps_the_measure(built_article, tmp_path):
    """Letter is wider and shorter than A4: its margins keep the line as long."""
    build(ARTICLE, tmp_path, ("pdf",), paper="letter")
    path = tmp_path / f"{ARTICLE.stem}.pdf"
    for page in PdfReader(path).pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (612, 792)
    a4, letter = measure(built_article["pdf"]), measure(path)
    assert abs(letter - a4) <= 2, (letter, a4)


def test_measure_is_60_to_75_characters(built_article):
    assert 60 <= measure(built_article["pdf"]) <= 75, measure(built_article["pdf"])


def test_bookmarks_follow_the_headings(book):
    def titles(outline):
        return [titles(item) if isinstance(item, list) else item.title for item in outline]

    assert titles(book.outline) == [
        "Stones and Letters: A Short Book",
        [
            "Contents",
            "The Alphabet",
            ["Letters on stone", "Hostile markup"],
            "Stone Crosses",
            ["Diagrams"],
            "Afterword",
            "About the authors",
        ],
    ]


def test_fonts_are_the_bundled_faces_embedded(book):
    names = set()
    for page in book.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor, f"{font['/BaseFont']} is not embedded"
            names.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert {"Pressroom-Serif", "Pressroom-Serif-Armenian"} <= names
    assert all(name.startswith("Pressroom-") for name in names), f"system font used: {names}"


def test_armenian_text_is_set_in_the_armenian_face(book):
    text = "".join(page.extract_text() for page in book.pages)
    assert "Ճանաչել զիմաստութիւն" in text
    assert "Ծաղիկյան" in book.pages[0].extract_text()  # the byline on the title page


def test_tagged_structure(book):
    root = book.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"].value is True
    kinds: Counter = Counter()
    alts, note_ids = [], []

    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            kinds[str(node["/S"])] += 1
            if node["/S"] == "/Figure":
                alts.append(str(node.get("/Alt", "")))
            if node["/S"] == "/Note":
                note_ids.append(str(node["/ID"]))
        kids = node.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            walk(kid)

    walk(root["/StructTreeRoot"])
    assert kinds["/H1"] >= 4 and kinds["/H2"] >= 3 and kinds["/P"] >= 8
    assert kinds["/Table"] == 1
    doc = load(BOOK)
    cover = f"Cover: {doc.meta.title}"  # the cover page's image
    assert sorted(alts) == sorted([cover, *(image.alt for image in doc.images)])
    # PDF/UA-1 7.9: footnotes are Note elements, each with a unique ID in the IDTree.
    assert note_ids == ["note-1", "note-2", "note-3", "note-4", "note-5"]
    id_tree = root["/StructTreeRoot"]["/IDTree"].get_object()["/Names"]
    assert [str(name) for name in id_tree[::2]] == sorted(note_ids)


# -- footnotes ------------------------------------------------------------------------------
def note_pages(reader: PdfReader) -> tuple[dict[int, int], dict[int, int]]:
    """Page of each note call (small superscript number) and of each note (marker `N.`)."""
    calls, notes = {}, {}
    for number, page in enumerate(reader.pages, start=1):
        for size, text in runs(page):
            if size < CALL_MAX and text.strip().isdigit():
                calls.setdefault(int(text), number)
            # The marker, as print.css writes it: 1 to 9 after a figure space.
            match = re.fullmatch(r"\u2007?(\d+)\. ", text)
            if size == NOTE_SIZE and match:
                assert int(match[1]) not in notes, f"note {match[1]} printed twice"
                notes[int(match[1])] = number
    return calls, notes


def test_each_footnote_is_on_the_page_of_its_call(article):
    calls, notes = note_pages(article)
    count = len(load(ARTICLE).notes)
    assert count >= 10
    assert sorted(notes) == list(range(1, count + 1)), "every note once, numbered in order"
    assert calls == notes


@pytest.mark.parametrize("which", ["article", "book"])
def test_every_note_call_is_a_link_to_its_note(request, which):
    """Each call is a link annotation (with an area to click) going to its note, tagged as
    a Link in the structure tree."""
    reader = PdfReader(request.getfixturevalue(f"built_{which}")["pdf"])
    notes = load(ARTICLE if which == "article" else BOOK).notes
    links: dict[str, list[float]] = {}
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            destination = str(annotation.get("/Dest"))
            if destination.startswith("note-"):
                links.setdefault(destination, [float(v) for v in annotation["/Rect"]])
                assert "/StructParent" in annotation
    assert sorted(links) == sorted(notes)
    for x1, y1, x2, y2 in links.values():
        assert abs(x2 - x1) > 2 and abs(y2 - y1) > 5  # not a zero-height strip


def test_a_note_of_several_blocks_is_set_whole_at_the_foot(tmp_path):
    """Paragraphs, code and lists in a note stay in the note; the text around the call
    stays together."""
    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\nText.[^a] Rest of it.\n\nMore text.[^b]\n\n"
        "[^a]: First paragraph of the note.\n\n    Second paragraph of the note.\n\n"
        "        code_in_the_note()\n\n"
        "[^b]: A note with a list\n    written on two lines:\n\n    - first item\n    - second item\n",
        encoding="utf-8",
    )
    build(source, tmp_path, ("pdf",))
    (page,) = [squeeze(t) for t in page_texts_of(tmp_path / "t.pdf")]
    assert "Text.1Restofit.Moretext.2" in page
    body_end = page.index("Moretext.2")
    for part in (
        "1.Firstparagraphofthenote.Secondparagraphofthenote.code_in_the_note()",
        "2.Anotewithalistwrittenontwolines:firstitemseconditem",
    ):
        assert part in page[body_end:], page
    # A line end in the note's source is a space, as in the text, not a line break.
    assert "A note with a list written on two lines:" in page_texts_of(tmp_path / "t.pdf")[0]


def test_book_footnotes_and_second_calls(book):
    calls, notes = note_pages(book)
    assert sorted(notes) == [1, 2, 3, 4, 5]
    assert all(calls[n] == notes[n] for n in notes)
    last = book.pages[-1]
    assert "cites the first note again." in last.extract_text()
    # The second call of note 1 is there, numbered 1; the note is not printed again.
    assert [text.strip() for size, text in runs(last) if size < CALL_MAX] == ["1"]
    assert [size for size, _ in runs(last) if size == NOTE_SIZE] == []


def test_note_numbers_line_up_the_notes_text(tmp_path):
    """The theme sets a note's number right-aligned in the width of two figures (its own
    `@counter-style`, which the layout is given with the stylesheets): the text of notes 1
    to 12 starts at the same place."""
    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\n"
        + "\n\n".join(f"Text {n}.[^{n}]" for n in range(1, 13))
        + "\n\n"
        + "".join(f"[^{n}]: The text of note {n}.\n" for n in range(1, 13)),
        encoding="utf-8",
    )
    build(source, tmp_path, ("pdf",))
    markers, starts = [], []
    for page in PdfReader(tmp_path / "t.pdf").pages:
        placed: list[tuple[str, float]] = []

        def visit(text, cm, tm, font, size, placed=placed):
            if text.strip() and round(size * tm[0] * cm[0], 1) == NOTE_SIZE:
                placed.append((text, tm[4] * cm[0] + cm[4]))

        page.extract_text(visitor_text=visit)
        for (text, _), (after, x) in itertools.pairwise(placed):
            if re.fullmatch(r"\u2007?\d+\. ", text):
                markers.append(text)
                assert after.startswith("The text of note")
                starts.append(round(x, 2))
    assert markers == [f"\u2007{n}. " for n in range(1, 10)] + ["10. ", "11. ", "12. "]
    assert len(set(starts)) == 1, starts


def test_a_notes_first_word_too_long_for_its_line_goes_to_the_next(tmp_path):
    """A space, not a no-break space, after a note's number: a first word longer than the
    rest of the line starts the next one, where it can be broken, and is not held beside the
    number, running off the page."""
    from weasyprint.formatting_structure.boxes import TextBox

    from pressroom.context import BuildContext
    from pressroom.markup import NOTE_ELEMENT
    from pressroom.weasy.notes import boxes as _boxes
    from pressroom.writers.pdf import layout

    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\nText.[^1]\n\n[^1]: " + "y" * 150 + " and words.\n",
        encoding="utf-8",
    )
    pages = layout(load(source), BuildContext())
    texts = [
        box
        for page in pages.pages
        for box in _boxes(page)
        if isinstance(box, TextBox) and (box.element_tag or "").startswith(NOTE_ELEMENT)
    ]
    (number,) = [box for box in texts if box.element_tag.endswith("::footnote-marker")]
    word = min((box for box in texts if box.text.startswith("yyy")), key=lambda b: b.position_y)
    assert number.text.rstrip(" ") == "\u20071."  # the space ends the line
    assert word.position_y > number.position_y


def test_footnotes_sit_at_the_foot_of_their_pages(article):
    """Not endnotes: the notes are spread over several pages, and on each page every line
    of a note is below every line of body text."""
    pages_with_notes = 0
    for page in article.pages:
        placed = placed_runs(page)
        notes = [y for size, y, _ in placed if size == NOTE_SIZE]
        body = [y for size, y, _ in placed if size == BODY_SIZE]
        if notes:
            pages_with_notes += 1
            assert max(notes) < min(body), "a note line above the text of its page"
    assert pages_with_notes >= 3


@pytest.mark.parametrize("which", ["article", "book"])
def test_footnotes_are_not_endnotes(request, which):
    """Each note's whole text is printed once, on the page where it is first called, and
    on no other page: not gathered at the end, not run over to the next page."""
    built = request.getfixturevalue(f"built_{which}")
    calls, _ = note_pages(PdfReader(built["pdf"]))
    texts = [squeeze(text) for text in page_texts_of(built["pdf"])]
    notes = load(ARTICLE if which == "article" else BOOK).notes.values()
    assert sorted(calls) == [note.number for note in notes], "every note is called"
    for note in notes:
        wanted = squeeze(text_of(note.body))
        pages = [number for number, text in enumerate(texts, 1) if wanted in text]
        assert pages == [calls[note.number]], f"note {note.number}: called on page " + (
            f"{calls[note.number]}, printed on {pages}"
        )


# -- text -----------------------------------------------------------------------------------
def test_every_seed_paragraph_once_in_reading_order(article):
    body = "".join(text for page in article.pages for size, text in runs(page) if size == BODY_SIZE)
    body = squeeze(body)
    position = 0
    for paragraph in clean_text(SEED.read_text(encoding="utf-8")).paragraphs:
        wanted = squeeze(paragraph)
        assert body.count(wanted) == 1, f"not exactly once: {paragraph[:60]}…"
        found = body.index(wanted)
        assert found >= position, f"out of order: {paragraph[:60]}…"
        position = found + len(wanted)


def test_title_block_and_about_the_author(article):
    first = squeeze(article.pages[0].extract_text())
    assert squeeze(load(ARTICLE).meta.title) in first
    assert squeeze(load(ARTICLE).meta.subtitle) in first
    assert "ALEXGALITSKY" in first.upper()
    assert "FirstpublishedinForeignPolicy,26August2021." in first
    last = squeeze(article.pages[-1].extract_text())
    assert squeeze("About the author") in last
    assert squeeze("Twitter: @algalitsky") in last


def test_pull_quote_is_set_as_display(article):
    display = [text for page in article.pages for size, text in runs(page) if size == 13.0]
    assert squeeze("".join(display)) == squeeze(
        "The principle of self-determination was enshrined in international law "
        "to resolve the very predicament Nagorno-Karabakh finds itself in today."
    )


def test_pull_quote_is_an_artifact_read_once(built_article):
    """The pull quote repeats a sentence: on the page twice, in the structure tree (what a
    screen reader reads) once."""
    sentence = squeeze("principle of self-determination was enshrined in international law")
    structure = subprocess.run(
        ["pdfinfo", "-struct-text", str(built_article["pdf"])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spoken = squeeze("".join(re.findall(r'^\s*"(.*)"$', structure, re.M)))
    shown = squeeze("".join(page_texts_of(built_article["pdf"])))
    assert shown.count(sentence) == 2
    assert spoken.count(sentence) == 1


def test_hostile_markup_does_not_reach_the_pdf(book, built_book, tmp_path):
    text = "".join(page.extract_text() for page in book.pages)
    assert "alert" not in text and "must not survive" in text
    assert all("/JavaScript" not in str(page.get("/AA", "")) for page in book.pages)
    assert "/JavaScript" not in book.trailer["/Root"].get("/Names", {})
    # Every object, uncompressed: no script, no action, nothing of the removed frame and
    # tracker (links to the web are allowed; the fixture's hostile markup has none).
    plain = tmp_path / "plain.pdf"
    subprocess.run(
        ["qpdf", "--qdf", "--object-streams=disable", str(built_book["pdf"]), str(plain)],
        check=True,
    )
    data = plain.read_bytes()
    assert re.findall(rb"/(?:JavaScript|JS|Launch|AA|OpenAction|SubmitForm)\b", data) == []
    assert b"example.com" not in data


def test_what_the_layout_may_not_fetch_is_reported_and_not_fetched(tmp_path):
    """A stylesheet reads files from its own folder only: a file outside it, or missing, is
    a B-FETCH warning naming it, and the build goes on without it."""
    shutil.copytree(BOOK.parent, tmp_path / "book")
    (tmp_path / "secret.png").write_bytes((BOOK.parent / "images" / "map.png").read_bytes())
    css = tmp_path / "book" / "extra.css"
    css.write_text(
        "h1 { background: url(../secret.png) no-repeat; }\n"
        "h2 { background: url(missing.png) no-repeat; }\n"
        ".chapter p { background: url(images/map.png) no-repeat; }\n",  # its own folder: fine
        encoding="utf-8",
    )
    built = build(tmp_path / "book" / BOOK.name, tmp_path / "out", ("pdf",), css=[css])
    fetch = [
        (d.code, d.severity, d.line, d.message) for d in built.diagnostics if d.code == "B-FETCH"
    ]
    says = "not fetched (outside the project or missing): "
    assert fetch == [
        ("B-FETCH", "warning", None, says + "file:///secret.png"),
        ("B-FETCH", "warning", None, says + "file:///css-0/missing.png"),
    ]
    assert [d.code for d in built.diagnostics if d.code != "B-FETCH"] == ["B-HTML"] * 3
    assert PdfReader(tmp_path / "out" / "book.pdf").pages


def test_extracted_text_has_whole_words_where_lines_were_hyphenated(built_article, tmp_path):
    """pdftotext (poppler) joins a word split at a line end only at a hyphen-minus."""
    import subprocess

    text = tmp_path / "article.txt"
    subprocess.run(["pdftotext", str(built_article["pdf"]), str(text)], check=True)
    extracted = text.read_text("utf-8")
    assert not [line for line in extracted.splitlines() if line.endswith("\u2010")]
    source = ARTICLE.read_text("utf-8").split("\n---\n", 1)[1]
    long_words = set(re.findall(r"\b[a-z]{11,}\b", re.sub(r"\[\^[^\]]+\]:?.*", "", source)))
    assert len(long_words) > 40
    missing = sorted(w for w in long_words if w not in extracted)
    assert missing == [], missing


# -- a book in print ---------------------------------------------------------------------------
def page_texts(reader: PdfReader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


def heads(page) -> list[str]:
    return [text.strip() for size, text in runs(page) if size == 8.5]


def test_a_book_has_a_contents_page_with_the_right_page_numbers(book):
    texts = page_texts(book)
    (contents,) = [n for n, text in enumerate(texts, 1) if text.lstrip().startswith("Contents")]
    assert contents % 2 == 1, "the contents open on a right-hand page"
    listed = {}
    for line in texts[contents - 1].splitlines()[1:]:
        match = re.fullmatch(r"(.+?)[ .]*\.\s*(\d+)", line.strip())
        if match:
            listed[match[1].strip(" .")] = int(match[2])
    chapters = [c.title for c in load(BOOK).chapters]
    assert set(chapters) <= set(listed), listed
    assert {"Letters on stone", "Hostile markup", "Diagrams"} <= set(listed)  # toc-depth 2
    for title, number in listed.items():
        assert title in texts[number - 1], f"{title} is not on page {number}"


def test_every_chapter_opens_on_a_right_hand_page_and_blank_pages_stay_blank(book):
    texts = page_texts(book)
    for chapter in load(BOOK).chapters:
        opening = next(
            n for n, text in enumerate(texts, 1) if text.lstrip().startswith(chapter.title or "")
        )
        assert opening % 2 == 1, f"{chapter.title} opens on page {opening}"
    blanks = [n for n, text in enumerate(texts, 1) if not text.strip()]
    assert blanks, "the fixture's short chapters leave pages blank before the next"
    assert all(n % 2 == 0 for n in blanks)


@pytest.fixture(scope="module")
def long_book(tmp_path_factory) -> Path:
    """The book with a chapter long enough to fill left and right pages of its own (in the
    fixture every chapter fits on its opening page, and every left page is blank)."""
    folder = tmp_path_factory.mktemp("long")
    shutil.copytree(BOOK.parent, folder / "book")
    source = folder / "book" / BOOK.name
    filler = "\n\n".join(
        f"Paragraph {n} of a longer chapter: the carvers cut the cross, the rosettes and the "
        "knotwork into one face of the stone, and the stone was raised where the village "
        "would see it every day."
        for n in range(1, 41)
    )
    text = source.read_text("utf-8")
    end = "come before @sec:diagrams.\n"
    assert text.count(end) == 1
    source.write_text(text.replace(end, f"{end}\n{filler}\n"), "utf-8")
    build(source, folder / "out", ("pdf",))
    return folder / "out" / "book.pdf"


def margins_mm(path: Path, width: float) -> dict[int, tuple[float, float]]:
    """(left, right) margin in mm of each page full of body text (20 lines or more: its
    justified lines run from one margin to the other), by page number."""
    pages = lines_by_page(path)
    every = [line for page in pages for line in page]
    body_height = Counter(round(line.height, 1) for line in every).most_common(1)[0][0]
    found = {}
    for number, lines in enumerate(pages, 1):
        body = [line for line in lines if round(line.height, 1) == body_height]
        if len(body) >= 20:
            left, right = min(line.left for line in body), max(line.right for line in body)
            found[number] = (left * 25.4 / 72, (width - right) * 25.4 / 72)
    return found


def test_book_running_heads_and_mirrored_margins(long_book):
    """Left pages: the book's title as head; right pages: the chapter's title; a chapter's
    opening page (and the title and contents pages): no head. The margins are mirrored:
    the inner one (the gutter) narrower than the outer, on the right of a left page and on
    the left of a right page."""
    doc = load(BOOK)
    titles = [c.title or "" for c in doc.chapters]
    chapter, seen = None, Counter()
    reader = PdfReader(long_book)
    for number, page in enumerate(reader.pages, 1):
        text = (page.extract_text() or "").lstrip()
        if not text:
            continue  # a blank page: see above
        opening = next((title for title in titles if text.startswith(title)), None)
        chapter = opening or chapter
        if number <= 3 or opening or text.startswith("Contents"):  # cover, blank, title
            kind, expected = "opening", []
        elif number % 2 == 0:
            kind, expected = "left", [doc.meta.running_title]
        else:
            kind, expected = "right", [chapter]
        assert heads(page) == expected, f"page {number} ({kind})"
        seen[kind] += 1
    assert seen["left"] >= 2 and seen["right"] >= 1 and seen["opening"] >= 5, seen

    full = margins_mm(long_book, float(reader.pages[0].mediabox.width))
    assert {n % 2 for n in full} == {0, 1}, f"full pages on both sides: {sorted(full)}"
    inner_outer = {
        number: (right, left) if number % 2 == 0 else (left, right)
        for number, (left, right) in full.items()
    }
    gutter, outer = inner_outer[min(full)]
    assert gutter < outer - 5, (gutter, outer)
    for number, (inner, out) in inner_outer.items():
        assert abs(inner - gutter) < 0.3 and abs(out - outer) < 0.3, (number, inner, out)


def test_toc_false_and_toc_depth(tmp_path):
    shutil.copytree(BOOK.parent, tmp_path / "book")  # never written into the fixture
    text = BOOK.read_text("utf-8")
    for front, expected in (("toc: false\n", None), ("toc-depth: 1\n", False)):
        source = tmp_path / "book" / f"toc-{len(front)}.md"
        source.write_text(text.replace("lang: en\n", "lang: en\n" + front, 1), "utf-8")
        build(source, tmp_path / "out", ("pdf",))
        texts = page_texts(PdfReader(tmp_path / "out" / f"{source.stem}.pdf"))
        contents = [t for t in texts if t.lstrip().startswith("Contents")]
        if expected is None:
            assert contents == []
        else:
            assert len(contents) == 1 and "Letters on stone" not in contents[0]
            assert "Stone Crosses" in contents[0]


def test_note_calls_are_at_least_seven_tenths_of_the_text(article):
    calls = [
        size
        for page in article.pages
        for size, text in runs(page)
        if size < CALL_MAX and text.strip().isdigit()
    ]
    assert len(calls) >= 10
    assert min(calls) >= 0.7 * BODY_SIZE, min(calls)


def test_footnote_area_by_note_lays_out_the_same_pages(tmp_path, monkeypatch):
    """The footnote area measured note by note, and set from the notes so measured
    (weasy/), gives the PDF WeasyPrint's own whole-area layouts give, byte for byte:
    many short notes, a note of several blocks, and one too long for its page's note area."""
    from weasyprint.layout import LayoutContext

    from pressroom.context import BuildContext
    from pressroom.weasy import notes as weasy_notes
    from pressroom.writers.pdf import layout, write_handout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    long_note = " ".join(["A very long note that runs on and on."] * 120)
    paragraphs = "\n\n".join(
        f"Paragraph {n} says a little and calls a note.[^{n}]" for n in range(1, 80)
    )
    notes = "\n".join(f"[^{n}]: Note {n}, short." for n in range(2, 80) if n != 40)
    source = tmp_path / "notes.md"
    source.write_text(
        "---\ntitle: Notes\nauthor: A\n---\n\n"
        + paragraphs
        + "\n\n[^1]: First paragraph.\n\n    Second paragraph.\n\n    - an item\n"
        + f"\n[^40]: {long_note}\n"
        + notes
        + "\n",
        encoding="utf-8",
    )
    doc = load(source)
    by_note = weasy_notes._footnote_area
    whole = LayoutContext._update_footnote_area
    calls = []

    def both(context):
        """Each way from the same state: the same height, page bottom and overflow."""
        area = context.current_footnote_area
        before = (context.page_bottom, area.height)
        one = (by_note(context), context.page_bottom, area.height)
        context.page_bottom, area.height = before
        other = (whole(context), context.page_bottom, area.height)
        calls.append((one, other))
        return other[0]

    stacked: list[list] = []
    measured = weasy_notes.stacked_notes

    def stack(*args):
        stacked[-1].append(measured(*args))
        return stacked[-1][-1]

    monkeypatch.setattr(weasy_notes, "stacked_notes", stack)
    made = []
    for update in (by_note, whole, both):
        monkeypatch.setattr(weasy_notes.NoteContext, "_update_footnote_area", update)
        ctx = BuildContext()
        stacked.append([])
        made.append(write_handout(doc, ctx, layout(doc, ctx)))
    assert made[0] == made[1] == made[2]
    assert any(area is not None for area in stacked[0])  # set from the measured notes
    assert all(area is None for area in stacked[1])  # WeasyPrint's own layout
    assert len(calls) > 80 and any(one[0] for one, _ in calls)  # the long note overflows
    for one, other in calls:
        assert one[0] == other[0] and one[1:] == pytest.approx(other[1:], abs=1e-6)


def notes_off_their_page(rendered) -> set[str]:
    """Ids of the notes WeasyPrint set on another page than their call."""
    from pressroom.weasy.notes import boxes as _boxes

    call_page: dict[str, int] = {}
    note_page: dict[str, int] = {}
    for number, page in enumerate(rendered.pages):
        for box in _boxes(page):
            tag = getattr(box, "element_tag", "") or ""
            if tag.endswith("::footnote-call"):
                call_page.setdefault(box.element.get("id"), number)
            elif tag.endswith("::footnote-marker"):
                note_page.setdefault(box.element.get("id"), number)
    return {note for note, page in note_page.items() if call_page.get(note) != page}


def test_notes_stay_with_their_calls_in_one_layout(monkeypatch):
    """WeasyPrint alone moves the article's note 21 to the next page, away from its call, to
    fit the next paragraph's second line (weasy/notes.py).
    Patched, the one layout keeps every note on its call's page; a document where WeasyPrint
    moves no note comes out byte for byte the same either way."""
    import contextlib

    from weasyprint import HTML

    from pressroom import weasy
    from pressroom.context import BuildContext
    from pressroom.writers.pdf import layout, write_handout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    renders = []
    render = HTML.render

    def counted(*args, **kwargs):
        renders.append(args)
        return render(*args, **kwargs)

    monkeypatch.setattr(HTML, "render", counted)
    made: dict[str, list] = {}
    for way in (contextlib.nullcontext(), weasy.without("notes-stay-with-their-calls")):
        with way:
            for source in (ARTICLE, BOOK):
                doc, ctx = load(source), BuildContext()
                pages = layout(doc, ctx)
                made.setdefault(source.name, []).append(
                    (notes_off_their_page(pages), write_handout(doc, ctx, pages))
                )
    assert len(renders) == 4, "one layout each"
    (ours, _), (weasyprints, _) = made[ARTICLE.name]
    assert ours == set() and weasyprints == {"note-21"}
    (ours, pdf), (weasyprints, original) = made[BOOK.name]
    assert ours == weasyprints == set() and pdf == original


def test_notes_share_their_styles_and_pages_stay_the_same(tmp_path, monkeypatch):
    """Notes share one style, their calls one and their markers one, as do the lines made
    from them (weasy/notes.py); each note is still the anchor of
    its id, for its call and for a second call. The PDF is byte for byte the one with a
    style for each note."""
    from pressroom import weasy
    from pressroom.context import BuildContext
    from pressroom.markup import NOTE_ELEMENT
    from pressroom.weasy.notes import boxes as _boxes
    from pressroom.writers.pdf import layout, write_handout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\nThe first paragraph, set alone.\n\n"
        + "\n\n".join(f"Text {n} and its note.[^{n}]" for n in range(1, 13))
        + "\n\nThe first note again.[^1]\n\n"
        + "".join(f"[^{n}]: Note {n}, which says a little.\n" for n in range(1, 12))
        + "[^12]: A note of two paragraphs.\n\n    Its second paragraph.\n",
        encoding="utf-8",
    )
    doc = load(source)

    def styles(pages) -> dict[str, set[int]]:
        found: dict[str, set[int]] = {}
        for page in pages.pages:
            for box in _boxes(page):
                tag = getattr(box, "element_tag", "") or ""
                if tag.startswith(NOTE_ELEMENT):
                    found.setdefault(f"{tag} {type(box).__name__}", set()).add(id(box.style))
        return found

    def anchors(pages) -> dict[str, int]:
        return {
            name: number
            for number, page in enumerate(pages.pages)
            for name in page.anchors
            if name.startswith("note-")
        }

    ctx = BuildContext()
    pages = layout(doc, ctx)
    ours, ours_anchors, pdf = styles(pages), anchors(pages), write_handout(doc, ctx, pages)
    with weasy.without("notes-share-styles"):
        ctx = BuildContext()
        pages = layout(doc, ctx)
        theirs, theirs_anchors = styles(pages), anchors(pages)
        original = write_handout(doc, ctx, pages)
    counts = {kind: len(found) for kind, found in ours.items()}
    # The note's, and the anonymous block's around the first line of note 12.
    assert counts.pop(f"{NOTE_ELEMENT} BlockBox") == 2
    # Its lines and text, the call and its text, the marker and its text.
    assert len(counts) == 6 and set(counts.values()) == {1}, counts
    assert all(len(found) >= 12 for found in theirs.values())
    assert ours_anchors == theirs_anchors and len(ours_anchors) == 12
    assert pdf == original


def test_a_lines_notes_are_looked_for_among_its_calls(tmp_path, monkeypatch):
    """A line's notes are looked for in the list of notes still to place for its calls
    only, not for each of its boxes (weasy/notes.py); the PDF is the
    same."""
    import contextlib

    from weasyprint.layout import LayoutContext

    from pressroom import weasy
    from pressroom.context import BuildContext
    from pressroom.weasy import notes
    from pressroom.writers.pdf import layout, write_handout

    class Counted(list):
        lookups = 0

        def __contains__(self, item):
            Counted.lookups += 1
            return super().__contains__(item)

    class CountedNotes(notes._Notes):
        def __contains__(self, item):
            if item is not None:  # looked for in the list
                Counted.lookups += 1
            return super().__contains__(item)

    made = LayoutContext.__init__

    def counted(self, *args, **kwargs):
        made(self, *args, **kwargs)
        if not isinstance(self.footnotes, notes._Notes):  # WeasyPrint's own list
            self.footnotes = Counted(self.footnotes)  # before the boxes are built and filled

    monkeypatch.setattr(LayoutContext, "__init__", counted)
    monkeypatch.setattr(notes, "_Notes", CountedNotes)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\n"
        + "\n\n".join(
            f"Paragraph {n} of a few words, *some* of them set apart.[^{n}]" for n in range(40)
        )
        + "\n\n"
        + "".join(f"[^{n}]: Note {n}.\n" for n in range(40)),
        encoding="utf-8",
    )
    doc = load(source)
    found = []
    for way in (contextlib.nullcontext(), weasy.without("a-lines-notes-among-its-calls")):
        with way:
            Counted.lookups = 0
            ctx = BuildContext()
            pages = layout(doc, ctx)
            found.append((Counted.lookups, write_handout(doc, ctx, pages)))
    (ours, pdf), (weasyprints, original) = found
    assert 40 <= ours < 80 and weasyprints > 5 * ours, (ours, weasyprints)
    assert pdf == original


def test_shrink_to_fit_gives_weasyprints_widths(tmp_path, monkeypatch):
    """The shrink-to-fit width that skips the min-content width when the max-content width
    fits (weasy/) is WeasyPrint's, box by box: note numbers (inline-blocks here) and
    a float too wide for its page, whose width is then the available width."""
    from weasyprint.layout import float as floats
    from weasyprint.layout import inline, preferred

    from pressroom import weasy
    from pressroom.context import BuildContext, Stylesheet
    from pressroom.writers.pdf import layout

    source = tmp_path / "t.md"
    source.write_text(
        "---\ntitle: T\nauthor: A\n---\n\n"
        + "\n\n".join(f"Text {n}.[^{n}]" for n in range(1, 13))
        + "\n\n> "
        + " ".join(["Words of a float too wide to fit."] * 30)
        + "\n\nAfter.\n\n"
        + "".join(f"[^{n}]: Note {n}.\n" for n in range(1, 13)),
        encoding="utf-8",
    )
    sheet = tmp_path / "print.css"
    sheet.write_text(
        "blockquote { float: left; }\n"
        ".footnote::footnote-marker { display: inline-block; min-width: 1.4em; }",
        encoding="utf-8",
    )
    with weasy.patched():
        ours = inline.shrink_to_fit.__wrapped__  # Pressroom's, wherever it is called
    widths = []

    def both(context, box, available):
        widths.append((ours(context, box, available), original(context, box, available)))
        widths.append(available)
        return widths[-2][0]

    def original(context, box, available):
        narrowest = preferred.min_content_width(context, box, outer=False)
        return min(max(narrowest, available), preferred.max_content_width(context, box, False))

    for module in (inline, floats, preferred):
        monkeypatch.setattr(module, "shrink_to_fit", both)
    doc = load(source)
    with weasy.without("shrink-to-fit-from-max-content"):
        layout(doc, BuildContext(css=(Stylesheet.of(sheet),)))
    pairs, available = widths[::2], widths[1::2]
    assert len(pairs) >= 13
    assert all(one == other for one, other in pairs), pairs
    assert any(one == room for (one, _), room in zip(pairs, available, strict=True))  # the float


def test_code_tokens_no_print_rule_names_are_plain_text():
    """Only token spans the print stylesheets style stay spans; the text is the same."""
    from pressroom.load.markdown import to_html
    from pressroom.writers.handout import plain_tokens

    html = to_html("```rust\nlet x = foo(1); // hi\n```\n")
    body = ET.fromstring(f"<div>{html}</div>")
    before = "".join(body.itertext())
    classes = {(s.get("class") or "") for s in body.iter("span")}
    assert {"kd", "n", "p", "w", "c1", "line"} <= classes
    plain_tokens(body, frozenset({"kd", "c1", "line"}))
    assert "".join(body.itertext()) == before
    line = next(s for s in body.iter("span") if s.get("class") == "line")
    assert [s.get("class") for s in line] == ["kd", "c1"]


def test_next_word_in_a_window_sets_the_same_pages(tmp_path, monkeypatch):
    """The next word to hyphenate, looked for in a window of a long run without a break
    opportunity (weasy/), gives the PDF WeasyPrint's own search gives, byte for
    byte: on the article, never in a window, and on unclosed brackets, in windows, with a
    fraction of the text analysed."""
    from weasyprint.layout import inline
    from weasyprint.text import line_break

    from pressroom import weasy
    from pressroom.context import BuildContext
    from pressroom.weasy.lines import LONG_RUN
    from pressroom.writers.pdf import layout, write_handout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    with weasy.patched():
        windowed = line_break.get_next_word_boundaries.__wrapped__
    whole = line_break.get_next_word_boundaries
    analyse = line_break.get_log_attrs
    analysed = []

    def counted(text, lang):
        analysed.append(len(text))
        return analyse(text, lang)

    monkeypatch.setattr(line_break, "get_log_attrs", counted)
    # No break opportunity after an opening bracket, even after a space: one run of words,
    # the last long enough to hyphenate.
    run = "x[ " * 3000 + "extraordinarily"
    assert len(run) > 3 * LONG_RUN
    brackets = tmp_path / "brackets.md"
    brackets.write_text(f"---\ntitle: T\nauthor: A\n---\n\n{run}\n", encoding="utf-8")
    # WeasyPrint's own way to set each line, which looks for a word to hyphenate in the
    # rest of the run (weasy/lines.py sets a run broken between characters without).
    monkeypatch.setattr(inline, "split_first_line", inline.split_first_line)
    for source in (ARTICLE, brackets):
        doc = load(source)
        made, work = [], []
        for search in (windowed, whole):
            monkeypatch.setattr(line_break, "get_next_word_boundaries", search)
            analysed.clear()
            ctx = BuildContext()
            with weasy.without("next-word-in-a-window", "first-line-from-a-window"):
                made.append(write_handout(doc, ctx, layout(doc, ctx)))
            work.append(sum(analysed))
        assert made[0] == made[1], source.name
    # WeasyPrint analyses the rest of the run again for each of its 3,001 words.
    assert work[0] * 5 < work[1], work


def test_lines_set_from_a_window_give_the_same_pages(tmp_path, monkeypatch):
    """Each line set from a window of the paragraph's rest (weasy/) gives the PDF
    WeasyPrint makes from all of it, byte for byte, from a fraction of the text: runs with
    no break opportunity, broken between characters (`overflow-wrap: break-word` in
    print.css), long words hyphenated line after line, a soft hyphen far away. No line
    runs past the text block."""
    import contextlib

    from weasyprint.formatting_structure.boxes import MarginBox, TextBox
    from weasyprint.text import line_break

    from pressroom import weasy
    from pressroom.context import BuildContext
    from pressroom.writers.pdf import layout, write_handout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    set_text = line_break.Layout.set_text
    laid_out = []

    def counted(self, text, *args, **kwargs):
        laid_out.append(len(text))
        return set_text(self, text, *args, **kwargs)

    monkeypatch.setattr(line_break.Layout, "set_text", counted)
    runs = [
        "Unclosed: " + "x[ " * 1500 + "and then words that break as usual.",
        "An address, https://example.org/" + "a" * 2500 + "/index.html, in a sentence.",
        "Hyphens allowed: " + "(" * 800 + "extraordinarily" + ")" * 800 + " after.",
        "A long word: " + "é" * 3000 + " and a note.[^1]\n\n[^1]: " + "y" * 1500,
        "A long word to hyphenate: " + "abcdefghij" * 300 + " and words to end with.",
        "A soft hyphen at the end: " + "x[ " * 150 + "soft\u00adhyphen.",
    ]
    source = tmp_path / "runs.md"
    source.write_text("---\ntitle: T\nauthor: A\n---\n\n" + "\n\n".join(runs) + "\n")
    doc = load(source)
    made, work, pages = [], [], []
    for way in (contextlib.nullcontext(), weasy.without("first-line-from-a-window")):
        laid_out.clear()
        ctx = BuildContext()
        with way:
            pages.append(layout(doc, ctx))
            made.append(write_handout(doc, ctx, pages[-1]))
        work.append(sum(laid_out))
    assert made[0] == made[1]
    assert work[0] * 3 < work[1], work  # runs of 2,000–5,000 characters
    for page in pages[0].pages:
        box = page._page_box
        right = box.content_box_x() + box.width
        for block in box.children:
            if not isinstance(block, MarginBox):
                for text in block.descendants():
                    if isinstance(text, TextBox):
                        assert text.position_x + text.width <= right + 0.01, text.text[:20]


def test_a_line_from_a_window_is_weasyprints_first_line(tmp_path, monkeypatch):
    """Line by line, on 300 texts drawn at random from words, long words, runs without a
    break opportunity or a space, soft and hard hyphens, no-break spaces and accents, at
    four widths, with and without breaking between characters and automatic hyphenation:
    the first line set from a window (weasy/) is WeasyPrint's, set from the whole
    text."""
    import random

    from weasyprint.layout import inline

    from pressroom import weasy
    from pressroom.context import BuildContext
    from pressroom.writers.pdf import layout

    with weasy.patched():
        windowed = inline.split_first_line.__wrapped__
    whole = inline.split_first_line
    seen = []

    def capture(text, style, context, max_width, *args, **kwargs):
        if not seen and style["hyphens"] == "auto" and max_width and max_width > 300:
            seen.append((style, context, max_width))
        return whole(text, style, context, max_width, *args, **kwargs)

    monkeypatch.setattr(inline, "split_first_line", capture)
    source = tmp_path / "t.md"
    source.write_text("---\ntitle: T\nauthor: A\n---\n\n" + "Words to set. " * 40 + "\n")
    with weasy.without("first-line-from-a-window"):
        layout(load(source), BuildContext())
    style, context, width = seen[0]
    styles = []
    for wrap in ("break-word", "normal"):
        for hyphens in ("auto", "manual"):
            styles.append(style.copy())
            styles[-1].update(overflow_wrap=wrap, hyphens=hyphens)
    pieces = [
        *("word", "a", "extraordinarily", "x[", "(", ")", "https://example.org/", "\u00ad"),
        *("-", "\u00a0", " ", "  ", "abcdefghij" * 30, "é", "e\u0301", "i", "WWW", "—"),
        *("anti-establishment", ".", ",", "\u200b", "漢字"),
    ]
    rng = random.Random(20261129)
    for _ in range(300):
        size, text = rng.choice([300, 600, 1500, 4000]), ""
        # A third of the texts one long word (a window half as long is tried first).
        gaps = rng.choice([["", " ", " ", "x"], ["", " ", " ", "x"], [""]])
        while len(text) < size:
            text += rng.choice([p for p in pieces if p.strip() or gaps != [""]]) + rng.choice(gaps)
        args = (rng.choice(styles), context, width * rng.choice([1, 0.5, 0.2, 1.3]), 0)
        start = rng.random() < 0.8
        ours, theirs = windowed(text, *args, start), whole(text, *args, start)
        assert ours[0].text == theirs[0].text, text[:80]
        assert ours[1:] == theirs[1:], text[:80]


@pytest.mark.parametrize(
    "run",
    [
        "x[ " * 500 + "extraordinarily",
        "word\u00a0" * 300,  # no-break spaces
        "(" * 2000 + "bracketed" + ")" * 2000,
        "e\u0301" * 700 + " next",  # combining accents: one word
        "x" * 5000,
        "ab-" * 400 + "cd",
        "[ " * 1000,  # no word at all
    ],
)
def test_next_word_in_a_window_is_the_next_word(run):
    from weasyprint.text import line_break

    from pressroom import weasy

    whole = line_break.get_next_word_boundaries
    with weasy.patched():
        windowed = line_break.get_next_word_boundaries.__wrapped__
    assert windowed is not whole
    for start in (0, 1, 2, len(run) // 2):
        text = run[start:]
        assert windowed(text, "en") == whole(text, "en")


def _drawing_sample(folder: Path) -> Path:
    """A manuscript whose pages draw what PDFs share or cannot share: a wrapped code line (a
    transparency group), images (PNG and SVG), formulas (SVG with <use>), a note, links and
    a table (on its own page, on a gradient: a shading, which cannot be shared)."""
    shutil.copytree(BOOK.parent / "images", folder / "images")
    long_line = "let values = [" + ", ".join(f"value_{n}" for n in range(12)) + "];"
    (folder / "draw.md").write_text(
        "---\ntitle: Drawn once\nauthor: A. Writer\nlang: en\n---\n\n"
        "# Pages\n\nA sum $\\sum_{k=1}^{n} k$ and a note.[^n] See [the web](https://example.org)."
        "\n\n![A map](images/map.png)\n\n![A diagram](images/diagram.svg)\n\n"
        f"```rust\n{long_line}\nfn main() {{}}\n```\n\n"
        "| Letter | Name |\n|---|---|\n| a | alpha |\n\n[^n]: The note.\n",
        encoding="utf-8",
    )
    (folder / "print.css").write_text(
        "pre { break-before: page }\n"
        "table { break-before: page; background: linear-gradient(#fff, #ddd) }\n",
        encoding="utf-8",
    )
    return folder / "draw.md"


def _paints(monkeypatch) -> list:
    """Every page WeasyPrint draws, as it draws it."""
    from weasyprint.document import Page

    painted = []
    paint = Page.paint

    def counted(page, stream, scale=1):
        painted.append(page)
        return paint(page, stream, scale)

    monkeypatch.setattr(Page, "paint", counted)
    return painted


def test_pages_drawn_once_give_the_bytes_of_separate_writes(tmp_path, monkeypatch):
    """Within `drawn_once` the handout draws each page and the archival copy copies the
    drawing (its groups made again in its own colour space); only the page on a gradient is
    drawn again. Both files are byte for byte those WeasyPrint's own `write_pdf` makes from
    fresh layouts, the archival copy alone: WeasyPrint 70 draws an SVG using <use> another
    way the second time, and a shared drawing is always a first one."""
    import contextlib

    from pressroom import weasy
    from pressroom.context import BuildContext, Stylesheet
    from pressroom.writers import archival as archival_writer
    from pressroom.writers import pdf
    from pressroom.writers.archival import write_archival
    from pressroom.writers.pdf import drawn_once, layout, write_handout

    assert weasy.applies("drawn-once")  # the installed WeasyPrint's drawing is copied
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    source = _drawing_sample(tmp_path)
    doc = load(source)
    sheets = (Stylesheet(tmp_path / "print.css", ("print",)),)
    painted = _paints(monkeypatch)
    ctx = BuildContext(css=sheets)
    pages = layout(doc, ctx)
    with drawn_once(pages):
        handout = write_handout(doc, ctx, pages)
        archival = write_archival(doc, ctx, pages)
    assert len(pages.pages) >= 3
    assert sorted(Counter(painted).values()) == [1] * (len(pages.pages) - 1) + [2]
    for module in (pdf, archival_writer):  # WeasyPrint's and pydyf's own drawing and writing
        monkeypatch.setattr(module, "drawing", lambda pages: contextlib.nullcontext())
    with weasy.without("drawn-once", "compress-once", "page-references-once"):
        ctx = BuildContext(css=sheets)
        assert write_handout(doc, ctx, layout(doc, ctx)) == handout
        ctx = BuildContext(css=sheets)
        assert write_archival(doc, ctx, layout(doc, ctx)) == archival
    assert handout != archival


def test_build_draws_each_page_once_for_both_pdfs(tmp_path, monkeypatch):
    painted = _paints(monkeypatch)
    built = build(_drawing_sample(tmp_path), tmp_path / "out", ("pdf", "archival"))
    assert len(built.outputs) == 2
    assert painted and len(painted) == len(set(painted))


def test_streams_are_compressed_as_pydyf_compresses_them():
    """The kept compressed streams (weasy/) are in use, and give pydyf's bytes."""
    import pydyf
    import weasyprint

    from pressroom import weasy
    from pressroom.weasy import drawing

    stream = pydyf.Stream([b"BT", pydyf.Dictionary({"MCID": 3}), 2.5, b"ET"], {"N": 1}, True)
    with weasy.patched(), drawing.drawing(weasyprint.Document([], None, None, None, {}, None)):
        assert pydyf.Stream.data.fget.__name__ == "pressroom_stream_data"
        kept = (stream.data, stream.data)
        shared = drawing._SHARED.get()
        assert shared is not None and len(shared.compressed) == 1
    assert pydyf.Stream.data.fget.__name__ != "pressroom_stream_data"  # taken off again
    assert kept == (stream.data, stream.data)
    assert drawing._SHARED.get() is None


def test_pages_drawn_again_are_drawn_the_same(monkeypatch):
    """A page drawn a second time (a PDF written again from the same pages, outside
    `drawn_once`) comes out as the first time: formulas (SVG `<use>` of `<symbol>`s) are
    not drawn twice over (weasy/)."""
    from pressroom.context import BuildContext
    from pressroom.writers.pdf import layout, write_handout

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    doc = load(ROOT / "tests" / "fixtures" / "scholar" / "scholar.md")
    ctx = BuildContext()
    pages = layout(doc, ctx)
    first = write_handout(doc, ctx, pages)
    assert write_handout(doc, ctx, pages) == first
