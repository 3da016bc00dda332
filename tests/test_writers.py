"""The writer registry, and writers that leave the shared document as they found it."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

from pressroom.context import BuildContext
from pressroom.load import load
from pressroom.writers import DEFAULT_FORMATS, WRITERS, expand, writer_for
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


def snapshot(doc) -> list[str]:
    trees = [c.body for c in doc.chapters] + [n.body for n in doc.notes.values()]
    return [ET.tostring(t, encoding="unicode") for t in trees]


def test_writers_do_not_change_the_document():
    doc = load(BOOK)
    before = snapshot(doc)
    ctx = BuildContext()
    pages = layout(doc, ctx)
    made = {name: WRITERS[name].write(doc, ctx, pages=pages) for name in ("pdf", "archival")}
    made["epub"] = WRITERS["epub"].write(doc, ctx)
    made["bag"] = WRITERS["bag"].write(doc, ctx, outputs={"b.pdf": made["pdf"]})
    assert all(made.values())
    assert snapshot(doc) == before
    assert ctx.diagnostics.items == []  # the fixture asks for nothing refused
