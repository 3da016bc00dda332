"""The PDFs' XMP metadata: WeasyPrint's, with the Dublin Core fields it leaves out, so that
both PDFs describe themselves like the EPUB."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import Element, SubElement, fromstring, tostring

from weasyprint.pdf.metadata import NS, DocumentMetadata

from ..model import Document
from .patch import Patch, Target

RDF, DC, XMP = NS["rdf"], NS["dc"], NS["xmp"]

XMPIDQ = "http://ns.adobe.com/xmp/Identifier/qual/1.0/"
# calibre's series properties (what calibre and its catalogues read from a PDF).
SERIES, SERIES_INDEX = (
    "http://calibre-ebook.com/xmp-namespace",
    "http://calibre-ebook.com/xmp-namespace-series-index",
)
ET.register_namespace("calibre", SERIES)
ET.register_namespace("calibreSI", SERIES_INDEX)
ET.register_namespace("xmpidq", XMPIDQ)


class DublinCoreMetadata(DocumentMetadata):
    """WeasyPrint's XMP plus the Dublin Core fields it leaves out (language, identifier,
    date, publisher, rights, subjects), so both PDFs describe themselves like the EPUB."""

    def __init__(self, base: DocumentMetadata, doc: Document):
        super().__init__(**vars(base))
        self.doc = doc

    def generate_rdf_metadata(self, variant, version, conformance):
        rdf = fromstring(super().generate_rdf_metadata(variant, version, conformance))
        meta = self.doc.meta
        about = SubElement(rdf, f"{{{RDF}}}Description", {f"{{{RDF}}}about": ""})
        _container(about, "language", "Bag", [meta.lang])
        SubElement(about, f"{{{DC}}}identifier").text = meta.identifier
        if meta.date:
            _container(about, "date", "Seq", [meta.date])
        if meta.publisher:
            _container(about, "publisher", "Bag", [meta.publisher])
        if meta.keywords:
            _container(about, "subject", "Bag", list(meta.keywords))
        if meta.rights:
            _container(about, "rights", "Alt", [meta.rights])
        if meta.original:
            SubElement(about, f"{{{DC}}}source").text = meta.original.publication
        if meta.contributors:
            _container(about, "contributor", "Bag", [p.name for p in meta.contributors])
        if meta.isbn:
            _isbn(about, meta.isbn)
        if meta.series and variant != "a":
            # Left out of the PDF/A copy: PDF/A admits only schemas it knows or that the
            # file describes, and this one is calibre's own.
            _series(about, meta.series, meta.series_index)
        return tostring(rdf, encoding="utf-8")


def _isbn(about: Element, isbn: str) -> None:
    """XMP's qualified identifier: the number with its scheme, which catalogues and
    reading systems read as the ISBN."""
    holder = SubElement(SubElement(about, f"{{{XMP}}}Identifier"), f"{{{RDF}}}Bag")
    item = SubElement(holder, f"{{{RDF}}}li", {f"{{{RDF}}}parseType": "Resource"})
    SubElement(item, f"{{{XMPIDQ}}}Scheme").text = "ISBN"
    SubElement(item, f"{{{RDF}}}value").text = isbn


def _series(about: Element, series: str, index: str | None) -> None:
    holder = SubElement(about, f"{{{SERIES}}}series", {f"{{{RDF}}}parseType": "Resource"})
    SubElement(holder, f"{{{RDF}}}value").text = series
    SubElement(holder, f"{{{SERIES_INDEX}}}series_index").text = f"{float(index or 1):.2f}"


def _container(parent: Element, name: str, kind: str, values: list[str]) -> None:
    holder = SubElement(SubElement(parent, f"{{{DC}}}{name}"), f"{{{RDF}}}{kind}")
    for value in values:
        item = SubElement(holder, f"{{{RDF}}}li")
        item.text = value
        if kind == "Alt":
            item.set("xml:lang", "x-default")


@contextlib.contextmanager
def described(pages: Any, doc: Document) -> Iterator[None]:
    """The pages' metadata with the Dublin Core fields, while one PDF is written from them
    (the pages are shared by the handout and the archival copy)."""
    base = pages.metadata
    pages.metadata = DublinCoreMetadata(base, doc)
    try:
        yield
    finally:
        pages.metadata = base


XMP_FIELDS = Patch(
    name="dublin-core-in-xmp",
    kind="behaviour",
    targets=(
        Target(
            "weasyprint.pdf.metadata",
            "DocumentMetadata.generate_rdf_metadata",
            ("self", "variant", "version", "conformance"),
        ),
        Target(
            "weasyprint.pdf.metadata",
            "DocumentMetadata.__init__",
            (
                "self",
                "title",
                "authors",
                "description",
                "keywords",
                "generator",
                "created",
                "modified",
                "attachments",
                "lang",
                "custom",
                "xmp_metadata",
            ),
        ),
    ),
    why="language, identifier, date, publisher, rights, subjects, ISBN and series in the XMP",
    test="tests/test_pdf.py::test_document_metadata",
    install=None,
)

PATCHES = (XMP_FIELDS,)
