"""The archival PDF/A-3 copy and the BagIt package, read back from the files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree as ET

import bagit
import pytest
from pypdf import PdfReader

from pressroom.load import load
from pressroom.run.build import build
from pressroom.run.cache import FOLDER as CACHE
from pressroom.themes import default_folder
from pressroom.weasy.xmp import DC, RDF
from pressroom.writers.bag import validate_bag

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
BOOK = ROOT / "tests" / "fixtures" / "book" / "book.md"


@pytest.fixture(scope="module")
def archival(built_book) -> PdfReader:
    return PdfReader(built_book["archival"])


def xmp(reader: PdfReader) -> ET.Element:
    data = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    return ET.fromstring(data[data.index(b"<x:xmpmeta") : data.rindex(b"</x:xmpmeta>") + 12])


def dc_values(root: ET.Element, name: str) -> list[str]:
    found = []
    for element in root.iter(f"{{{DC}}}{name}"):
        items = list(element.iter(f"{{{RDF}}}li"))
        found += [i.text for i in items] if items else [element.text]
    return found


def test_declares_pdf_a_3a(archival):
    description = next(
        d
        for d in xmp(archival).iter(f"{{{RDF}}}Description")
        if d.get("{http://www.aiim.org/pdfa/ns/id/}part")
    )
    assert description.get("{http://www.aiim.org/pdfa/ns/id/}part") == "3"
    assert description.get("{http://www.aiim.org/pdfa/ns/id/}conformance") == "A"
    assert archival.pdf_header == "%PDF-1.7"


def test_srgb_output_intent(archival):
    intent = archival.trailer["/Root"]["/OutputIntents"][0].get_object()
    assert intent["/S"] == "/GTS_PDFA1"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3
    assert b"sRGB" in profile.get_data()[:400]


def test_xmp_dublin_core_matches_the_manuscript(archival):
    meta = load(BOOK).meta
    root = xmp(archival)
    assert dc_values(root, "title") == [meta.title]
    assert dc_values(root, "creator") == [a.name for a in meta.authors]
    assert dc_values(root, "language") == [meta.lang]
    assert dc_values(root, "identifier") == [meta.identifier]
    assert dc_values(root, "date") == [meta.date]
    assert dc_values(root, "description") == [meta.description]
    assert dc_values(root, "rights") == [meta.rights]
    assert dc_values(root, "subject") == list(meta.keywords)


def test_sources_attached_with_relationships(archival):
    doc = load(BOOK)
    files = {name: data[0] for name, data in archival.attachments.items()}
    assert files[BOOK.name] == BOOK.read_bytes()
    for image in doc.images:
        assert files[image.src] == image.path.read_bytes()
    relations = {}
    for spec in archival.trailer["/Root"]["/AF"]:
        spec = spec.get_object()
        relations[spec["/F"]] = spec["/AFRelationship"]
    assert len(archival.trailer["/Root"]["/AF"]) == len(relations), "each file once in /AF"
    assert relations == {
        BOOK.name: "/Source",
        **{i.src: "/Source" for i in doc.images},
        "build-manifest.json": "/Data",
    }


def test_build_manifest_checksums_every_input(archival):
    manifest = json.loads(archival.attachments["build-manifest.json"][0])
    inputs = manifest["inputs"]
    assert inputs[BOOK.name] == hashlib.sha256(BOOK.read_bytes()).hexdigest()
    assert (
        inputs["images/map.png"]
        == hashlib.sha256((BOOK.parent / "images" / "map.png").read_bytes()).hexdigest()
    )
    # The theme is an input too: every file of it, fonts included.
    assert (
        inputs["theme/print.css"]
        == hashlib.sha256(default_folder().joinpath("print.css").read_bytes()).hexdigest()
    )
    assert "theme/fonts/NotoSerif-Regular.ttf" in inputs
    assert set(manifest["tools"]) >= {"weasyprint", "ebooklib", "markdown", "jinja2"}


def test_same_pages_as_the_handout_and_fonts_embedded(built_book, archival):
    handout = PdfReader(built_book["pdf"])
    assert [p.extract_text() for p in archival.pages] == [p.extract_text() for p in handout.pages]
    for page in archival.pages:
        for font in page["/Resources"]["/Font"].values():
            descriptor = font.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            assert "/FontFile2" in descriptor
    assert archival.trailer["/Root"]["/MarkInfo"]["/Marked"].value is True


@pytest.mark.parametrize("fmt", ["archival", "pdf"])
def test_qpdf_finds_no_error(built_book, fmt):
    qpdf = shutil.which("qpdf")
    assert qpdf, "qpdf is needed: apt-get install qpdf"
    result = subprocess.run([qpdf, "--check", str(built_book[fmt])], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_bag_is_valid_and_complete(built_book):
    bag_dir = built_book["bag"]
    validate_bag(bag_dir)
    bag = bagit.Bag(str(bag_dir))
    assert bag.algorithms == ["sha256"]
    payload = sorted(bag.payload_files())
    assert payload == sorted(
        [
            "data/book.pdf",
            "data/book.epub",
            "data/book-archival.pdf",
            "data/source/book.md",
            "data/source/images/map.png",
            "data/source/images/sun.jpg",
            "data/source/images/diagram.svg",
        ]
    )
    assert bag.info["External-Identifier"] == load(BOOK).meta.identifier
    assert (bag_dir / "data" / "source" / "book.md").read_bytes() == BOOK.read_bytes()
    for fmt in ("pdf", "epub", "archival"):  # the very files the same build wrote beside it
        assert (bag_dir / "data" / built_book[fmt].name).read_bytes() == built_book[
            fmt
        ].read_bytes()


def test_a_tampered_bag_fails_validation(built_book, tmp_path):
    copy = tmp_path / "bag"
    shutil.copytree(built_book["bag"], copy)
    (copy / "data" / "source" / "book.md").write_text("changed", encoding="utf-8")
    with pytest.raises(bagit.BagValidationError):
        validate_bag(copy)


def test_builds_are_byte_identical(tmp_path, monkeypatch):
    """Same input in two folders, SOURCE_DATE_EPOCH set: every output byte for byte."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1630000000")
    trees = []
    for name in ("one", "two"):
        folder = tmp_path / name / "src"
        shutil.copytree(BOOK.parent, folder)
        out = tmp_path / name / "out"
        build(folder / BOOK.name, out, ("pdf", "epub", "archival", "bag"))
        trees.append(
            {
                p.relative_to(out).as_posix(): p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and CACHE not in p.parts  # the build's record, not an output
            }
        )
    assert set(trees[0]) == set(trees[1])
    assert len(trees[0]) >= 3 + 11
    for name in trees[0]:
        assert trees[0][name] == trees[1][name], f"{name} differs between builds"
    handout = PdfReader(tmp_path / "one" / "out" / "book.pdf")
    assert handout.metadata["/CreationDate"] == "D:20210826174640Z"


def test_dates_follow_the_clock_without_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    build(BOOK, tmp_path, ("archival",))
    after = dt.datetime.now(dt.UTC)
    reader = PdfReader(tmp_path / "book-archival.pdf")
    created = dt.datetime.strptime(reader.metadata["/CreationDate"], "D:%Y%m%d%H%M%SZ")
    assert before <= created.replace(tzinfo=dt.UTC) <= after, created
    assert dc_values(xmp(reader), "date") == ["2024-03-15"]  # the book's date, not the build's


def test_the_house_style_is_an_input_of_the_article(built_article):
    reader = PdfReader(built_article["archival"])
    inputs = json.loads(reader.attachments["build-manifest.json"][0])["inputs"]
    assert (
        inputs["css/1/print.css"]
        == hashlib.sha256((ROOT / "styles" / "print.css").read_bytes()).hexdigest()
    )
