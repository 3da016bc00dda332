"""A long book laid out in parts by worker processes and joined (writers/parts.py, join.py):
the same book as laid out whole, page for page (text, numbers, heads, contents, blank
versos), with one outline, working links between parts and one consistent structure tree."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pikepdf
import pypdf
import pytest

from pressroom.checks.pdf import check_pdf
from pressroom.context import BuildContext, Stylesheet
from pressroom.errors import PressroomError
from pressroom.load import load
from pressroom.run import printing
from pressroom.run.build import render
from pressroom.themes import Theme
from pressroom.writers import archival, cut, parts, pdf

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLOCK = dt.datetime(2024, 3, 15, 12, 0, tzinfo=dt.UTC)
NAMES = ["pdf", "archival"]

pytestmark = pytest.mark.skipif(not printing.available(), reason="needs fork (Linux)")

WORDS = [
    "stone",
    "letter",
    "river",
    "archive",
    "measure",
    "printer",
    "margin",
    "column",
    "ledger",
    "quarry",
    "harbour",
    "lantern",
    "orchard",
    "mineral",
    "compass",
    "granite",
    "parchment",
    "threshold",
]


def _paragraph(seed: int, words: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3 + i // 5) % len(WORDS)] for i in range(words)) + "."


def _book(folder: Path, lang: str) -> Path:
    """A book of chapters of uneven lengths (so that parts begin after a recto and after a
    verso), an untitled opening (in the front part), notes in several chapters, links to a
    later chapter and back to the opening, tables with a header row in two parts, and an
    image."""
    shutil.copytree(FIXTURES / "book" / "images", folder / "images")
    lines = [
        "---",
        "title: A Book in Parts",
        "author: A. Writer",
        f"lang: {lang}",
        "date: 2024-03-15",
        "publisher: Pressroom Editions",
        "rights: CC BY 4.0",
        *(["cover: images/map.png"] if lang == "ar" else []),  # else the typographic cover
        "---",
        "",
        "## Before the Chapters",
        "",
        _paragraph(0, 40),
        "",
    ]
    titles = ["First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh"]
    for n, title in enumerate(titles, start=1):
        lines += [f"# The {title} Chapter", ""]
        for p in range((n * 5) % 7 + 3):
            note = f"[^n{n}-{p}]" if p % 3 == 1 else ""
            lines += [_paragraph(n * 10 + p, 90) + note, ""]
            if note:
                lines += [f"[^n{n}-{p}]: A note to chapter {n}, paragraph {p}.", ""]
            if p == 1:
                lines += [f"## Section {n}.{p}", ""]
        if n == 2:
            lines += ["See [the sixth chapter](#the-sixth-chapter).", ""]
            lines += ["| Name | Place |", "|---|---|", "| Ani | Shirak |", ""]
        if n == 6:
            lines += ["Back to [the opening](#before-the-chapters).", ""]
        if n == 5:
            lines += ["| Letter | Value |", "|---|---|", "| a | 1 |", "| b | 2 |", ""]
            lines += ["![A simple map](images/map.png)", ""]
    source = folder / "parts.md"
    source.write_text("\n".join(lines), "utf-8")
    return source


@pytest.fixture(scope="module", params=["en", "ar"])
def book(request, tmp_path_factory) -> Path:
    """Left to right with the typographic cover, and right to left (rectos are left-hand
    pages, the first a recto) with an image for a cover."""
    return _book(tmp_path_factory.mktemp("parts"), request.param)


def _context() -> BuildContext:
    return BuildContext(theme=Theme.load(), clock=CLOCK)


def _whole(source: Path) -> dict[str, bytes]:
    doc, ctx = load(source), _context()
    pages = pdf.layout(doc, ctx)
    with pdf.drawn_once(pages):
        return {
            "pdf": pdf.write_handout(doc, ctx, pages),
            "archival": archival.write_archival(doc, ctx, pages),
        }


def _in_parts(source: Path, monkeypatch, css: str = "") -> dict[str, bytes] | None:
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    doc, ctx = load(source), _context()
    if css:
        sheet = source.parent / "print.css"
        sheet.write_text(css, "utf-8")
        ctx = BuildContext(theme=Theme.load(), clock=CLOCK, css=(Stylesheet.of(sheet),))
    plan = cut.plan(doc, ctx, NAMES, 2)
    assert plan is not None and plan.parts >= 4
    return parts.print_parts(doc, ctx, NAMES, lambda name: None, pdf.press(ctx), plan)


@pytest.fixture(scope="module")
def whole(book) -> dict[str, bytes]:
    return _whole(book)


@pytest.fixture(scope="module")
def joined(book) -> dict[str, bytes]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        made = _in_parts(book, monkeypatch)
    assert made is not None
    return made


def _texts(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _outline(data: bytes) -> list[tuple[int, str, int]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def _links(data: bytes) -> tuple[list[list[str]], dict[str, int]]:
    """Each page's links (a destination's name or an address), and each named destination's
    page."""
    with pikepdf.open(io.BytesIO(data)) as doc:
        pages = [page.obj.objgen for page in doc.pages]
        links = [
            [
                str(annot.get("/Dest", "")) or str(annot.A.URI)
                for annot in page.obj.get("/Annots", [])
                if annot.get("/Subtype") == "/Link"
            ]
            for page in doc.pages
        ]
        flat = list(doc.Root.Names.Dests.Names)
        dests = {str(flat[i]): pages.index(flat[i + 1][0].objgen) for i in range(0, len(flat), 2)}
    return links, dests


def _structure(data: bytes) -> tuple[Counter, list[str], int]:
    """The structure tree's element types, its elements' IDs, and how many references in it
    are broken: marked content whose parent-tree entry is not an element on its page, an
    annotation its entry does not own, an element whose parent or page is not its own."""
    broken = 0
    with pikepdf.open(io.BytesIO(data)) as doc:
        root = doc.Root.StructTreeRoot
        flat = list(root.ParentTree.Nums)
        tree = {int(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}
        pages = {page.obj.objgen for page in doc.pages}
        keys = [int(page.obj.StructParents) for page in doc.pages]
        broken += len(keys) - len(set(keys))
        for page in doc.pages:
            content = page.obj.Contents.read_bytes()
            for mcid in re.findall(rb"/MCID (\d+)", content):
                element = tree[int(page.obj.StructParents)][int(mcid)]
                broken += element.Pg.objgen != page.obj.objgen
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    owner = tree[int(annot.StructParent)]
                    kids = owner.K if isinstance(owner.K, pikepdf.Array) else [owner.K]
                    broken += not any(
                        isinstance(kid, pikepdf.Dictionary) and kid.get("/Obj") == annot
                        for kid in kids
                    )
        kinds: Counter = Counter()
        ids = []
        stack = [(root, None)]
        seen = set()
        while stack:
            element, parent = stack.pop()
            if element.objgen in seen:
                continue
            seen.add(element.objgen)
            if "/S" in element:
                kinds[str(element.S)] += 1
                broken += element.P.objgen != parent.objgen
                broken += "/Pg" in element and element.Pg.objgen not in pages
                if "/ID" in element:
                    ids.append(str(element.ID))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    stack.append((kid, element))
        notes = list(root.IDTree.Names)[::2] if "/IDTree" in root else []
        broken += sorted(str(name) for name in notes) != sorted(
            name for name in ids if name.startswith("note-")
        )
    return kinds, ids, broken


@pytest.mark.parametrize("name", NAMES)
def test_the_book_in_parts_is_the_book_laid_out_whole(whole, joined, name):
    assert _texts(joined[name]) == _texts(whole[name])
    assert _outline(joined[name]) == _outline(whole[name])
    assert _links(joined[name]) == _links(whole[name])
    kinds, ids, broken = _structure(joined[name])
    whole_kinds, whole_ids, whole_broken = _structure(whole[name])
    assert kinds == whole_kinds
    assert broken == whole_broken == 0
    assert len(ids) == len(set(ids)) == len(whole_ids)


def test_the_fixture_exercises_what_a_join_must_get_right(book, whole, monkeypatch):
    """Parts begin both after a recto (their blank verso kept) and after a verso; links
    cross parts both ways; later parts have notes; a table header has an ID."""
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    doc, ctx = load(book), _context()
    plan = cut.plan(doc, ctx, NAMES, 2)
    texts = _texts(whole["pdf"])
    _, dests = _links(whole["pdf"])
    openings = [dests[doc.chapters[plan.chapters(k).start].id] for k in range(1, plan.parts)]
    blank_before = [not texts[page - 1].strip() for page in openings]
    assert True in blank_before and False in blank_before
    links, _ = _links(whole["pdf"])
    targets = [target for page in links for target in page]
    assert "the-sixth-chapter" in targets and "before-the-chapters" in targets
    assert any("A note to chapter 5" in text for text in texts)  # notes in a later part
    assert any(not name.startswith("note-") for name in _structure(whole["pdf"])[1])


@pytest.mark.parametrize("name", NAMES)
def test_ids_of_later_parts_are_their_own(book, joined, monkeypatch, name):
    """WeasyPrint names a table header cell after its object number, which each part's PDF
    numbers from 1: in the joined book, the header IDs of each part after the front carry
    its prefix, and no two IDs are the same, with a header table in two parts."""
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    doc, ctx = load(book), _context()
    plan = cut.plan(doc, ctx, NAMES, 2)
    with_tables = [
        i
        for i, chapter in enumerate(doc.chapters)
        if chapter.title in ("The Second Chapter", "The Fifth Chapter")
    ]
    tabled = {k for k in range(plan.parts) for i in plan.chapters(k) if i in with_tables}
    assert len(tabled) == 2 and 0 not in tabled  # chapters 2 and 5, in two later parts
    ids = [i for i in _structure(joined[name])[1] if not i.startswith("note-")]
    assert ids and len(ids) == len(set(ids))
    assert {i.split("-", 1)[0] for i in ids} == {f"p{k}" for k in tabled}


def test_the_joined_archival_copy_keeps_the_books_metadata_and_files(whole, joined):
    with (
        pikepdf.open(io.BytesIO(joined["archival"])) as mine,
        pikepdf.open(io.BytesIO(whole["archival"])) as theirs,
    ):
        assert sorted(mine.attachments) == sorted(theirs.attachments)
        assert len(mine.Root.AF) == len(theirs.Root.AF)
        assert mine.Root.Metadata.read_bytes() == theirs.Root.Metadata.read_bytes()
        assert mine.Root.OutputIntents[0].S == "/GTS_PDFA1"
        assert str(mine.Root.Lang) == str(theirs.Root.Lang)
        assert dict(mine.docinfo) == dict(theirs.docinfo)


def test_the_joined_pdfs_pass_the_checks(joined, tmp_path):
    for name, suffix in (("pdf", ".pdf"), ("archival", "-archival.pdf")):
        path = tmp_path / f"parts{suffix}"
        path.write_bytes(joined[name])
        assert [str(d) for d in check_pdf(path)] == []


def test_a_book_in_parts_is_reproducible(book, joined, monkeypatch):
    assert _in_parts(book, monkeypatch) == joined


def test_numbering_keeps_a_blank_verso_only_after_a_recto():
    # The front ends on page 5 (a recto): the first part keeps its blank verso (page 6) and
    # opens on 7; its 10 pages as laid out are a lead, the verso and 8 more: 6 to 14.
    # The next opens on 15 with no blank (15 to 19); the one after needs one again.
    assert parts.numbering(5, [10, 7, 4]) == [(4, True), (12, False), (18, True)]


def test_short_books_articles_and_other_formats_are_laid_out_whole(book, monkeypatch):
    doc, ctx = load(book), _context()
    assert cut.plan(doc, ctx, NAMES, 2) is None  # shorter than MIN_CHARACTERS
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    assert cut.plan(doc, ctx, NAMES, 1) is None
    assert cut.plan(doc, ctx, ["press"], 2) is None
    article = load(FIXTURES.parent.parent / "manuscript" / "peace-on-azerbaijans-terms.md")
    assert cut.plan(article, ctx, NAMES, 2) is None


@pytest.mark.parametrize(
    "css",
    [
        "h1 { counter-increment: chapter; }",
        "h2::before { content: target-counter(attr(id), page); }",
        "@page { @bottom-right { content: counter(pages); } }",
        "h2 { string-set: section content(text); }",
        "@page :nth(3) { margin-top: 3cm; }",
    ],
)
def test_stylesheets_that_carry_across_chapters_keep_the_book_whole(book, monkeypatch, css):
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    sheet = book.parent / "carry.css"
    sheet.write_text(css, "utf-8")
    ctx = BuildContext(theme=Theme.load(), clock=CLOCK, css=(Stylesheet.of(sheet),))
    assert cut.plan(load(book), ctx, NAMES, 2) is None


def test_chapters_that_do_not_open_on_a_recto_keep_the_book_whole(book, monkeypatch):
    # Nothing in this stylesheet names a counter or a page, but a part would then open
    # where the whole book would not: the parts find out and the book is laid out whole.
    css = ".book .chapter:not(.article) { break-before: page; }"
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    sheet = book.parent / "pages.css"
    sheet.write_text(css, "utf-8")
    ctx = BuildContext(theme=Theme.load(), clock=CLOCK, css=(Stylesheet.of(sheet),))
    doc = load(book)
    plan = cut.plan(doc, ctx, NAMES, 2)
    assert plan is not None
    assert parts.print_parts(doc, ctx, NAMES, lambda name: None, pdf.press(ctx), plan) is None


def test_a_worker_that_dies_is_an_error_not_a_hang(book, monkeypatch):
    monkeypatch.setattr(parts, "_part", lambda *args: os._exit(1))
    with pytest.raises(PressroomError, match="stopped"):
        _in_parts(book, monkeypatch)


def test_a_bug_in_a_worker_comes_back_with_its_traceback(book, monkeypatch):
    def broken(*args):
        raise ValueError("a bug")

    monkeypatch.setattr(parts.weasy_parts, "opens_on_recto", broken)
    with pytest.raises(RuntimeError, match=r"(?s)ValueError: a bug.*part of the book.*Traceback"):
        _in_parts(book, monkeypatch)


def test_the_print_process_lays_a_long_book_out_in_parts(book, joined, whole, monkeypatch):
    """`printing.print_side`, as the print process calls it: in parts given the plan for two
    workers and the layout set up beforehand; whole with one worker, for which there is no
    plan."""
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    doc, ctx = load(book), _context()
    steps: list[str] = []
    two = cut.plan(doc, ctx, NAMES, 2)
    made = printing.print_side(doc, ctx, NAMES, steps.append, pdf.press(ctx), cut=two)
    assert made == joined
    assert steps == ["layout", "pdf", "archival"]
    doc, ctx = load(book), _context()
    one = cut.plan(doc, ctx, NAMES, 1)
    assert one is None
    assert printing.print_side(doc, ctx, NAMES, steps.append, pdf.press(ctx), cut=one) == whole


def test_a_front_that_comes_out_another_length_keeps_the_book_whole(book, monkeypatch):
    # As if the stand-in numbers had set the contents on two more pages than the real ones:
    # every part's numbers would then be wrong.
    original = parts._part

    def measured_longer(book, names, kind, part, numbers, conn):
        made = original(book, names, kind, part, numbers, conn)
        return made + 2 if kind == "measure" else made

    monkeypatch.setattr(parts, "_part", measured_longer)
    assert _in_parts(book, monkeypatch) is None


def test_jobs_is_how_many_processes_lay_a_long_book_out(book, monkeypatch, tmp_path):
    """`pressroom build BOOK -j N` starts the print process with N workers for the parts;
    with one, the book is laid out whole. (Parts are seen by their table headers' IDs.)"""
    monkeypatch.setattr(cut, "MIN_CHARACTERS", 0)
    laid = {}
    for workers in (1, 2):
        printing.warm(workers)
        try:
            made = render(book, tmp_path / str(workers), NAMES, force=True, clock=CLOCK, split=True)
        finally:
            printing.cool()
        handout = next(data for path, data in made.outputs.items() if path.name == "parts.pdf")
        laid[workers] = [name for name in _structure(handout)[1] if not name.startswith("note-")]
    assert laid[1] and not any(name.startswith("p1-") for name in laid[1])
    assert any(re.match(r"p\d+-", name) for name in laid[2])
