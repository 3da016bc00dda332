"""The writer registry, and writers that leave the shared document as they found it."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from pressroom.context import BuildContext
from pressroom.diagnostics import Diagnostics
from pressroom.formats import DEFAULT_FORMATS, WRITERS, expand, writer_for
from pressroom.load import load
from pressroom.writers.pdf import layout

BOOK = Path(__file__).resolve().parent / "fixtures" / "book" / "book.md"


def test_registry():
    assert list(WRITERS) == ["pdf", "epub", "archival", "press", "bag"]
    assert DEFAULT_FORMATS == ("pdf", "epub", "archival")
    assert len({w.suffix for w in WRITERS.values()}) == len(WRITERS)
    assert [w.name for w in WRITERS.values() if w.pages] == ["pdf", "archival"]
    assert expand(["bag"]) == ["pdf", "epub", "archival", "bag"]
    assert expand(["epub"]) == ["epub"]


def test_outputs_are_recognised_by_the_registry():
    assert writer_for("dist/x-archival.pdf").name == "archival"
    assert writer_for("x.pdf").name == "pdf"
    assert writer_for("X.EPUB").name == "epub"
    assert writer_for("x.txt") is None
    assert writer_for("x-bag") is None  # a folder, not a file to check
    assert WRITERS["epub"].output(Path("out"), "book") == Path("out/book.epub")
    # Whatever the formats, each file a writer makes is taken for that writer's again.
    for writer in WRITERS.values():
        assert writer.name in WRITERS and WRITERS[writer.name] is writer
        made = writer.output(Path("dist"), "book")
        assert writer_for(made) is (None if writer.folder else writer), made


def snapshot(doc) -> list:
    """Everything of the document a writer could change in place: the bodies of chapters
    and notes as XML, the rest as values."""

    def xml(tree: ET.Element) -> str:
        return ET.tostring(tree, encoding="unicode")

    return [
        (doc.meta, doc.sources, doc.root, doc.stem, doc.inputs),
        [(c.id, c.title, list(c.headings), c.source, xml(c.body)) for c in doc.chapters],
        [(key, n.id, n.number, xml(n.body)) for key, n in doc.notes.items()],
        [(i.src, i.path, i.media_type, i.alt, i.data) for i in doc.images],
    ]


def test_writers_do_not_change_the_document():
    """Every writer of the registry (the handout, the EPUB, the archival copy, …), run on
    one loaded document, leaves it exactly as it was."""
    doc = load(BOOK)
    before = snapshot(doc)
    ctx = BuildContext()
    pages = layout(doc, ctx)
    assert snapshot(doc) == before, "the layout changed the document"
    made: dict = {}
    for name, writer in WRITERS.items():
        if writer.pages:
            made[name] = writer.write(doc, ctx, pages=pages)
        elif writer.needs:
            packed = {WRITERS[n].output(Path(), doc.stem).name: made[n] for n in writer.needs}
            made[name] = writer.write(doc, ctx, outputs=packed)
        else:
            made[name] = writer.write(doc, ctx)
        assert made[name], name
        assert snapshot(doc) == before, f"the {name} writer changed the document"
    assert {"pdf", "epub", "archival"} <= set(made)
    assert ctx.diagnostics.items == []  # the fixture asks for nothing refused


def test_a_build_reports_what_the_loader_found_and_nothing_more(built_book):
    """The writers of the session's book add no diagnostic of their own (no B-FETCH,
    B-CLAIM or B-CSS): the build reports the loader's B-HTML warnings, in order."""
    found = Diagnostics()
    load(BOOK, found)
    assert [d.code for d in found] == ["B-HTML"] * 3
    assert built_book.built.diagnostics == found.items
