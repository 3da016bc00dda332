"""PDF rules: metadata, XMP, fonts, tagging, PDF/A identification, attachments and actions.

Each rule in `RULES` takes the read `Pdf` and yields (code, severity, message). Which findings
are errors depends on what the file is: an archival copy (by the writer registry's name for
it) must be PDF/A-3a with its sources attached.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from ..diagnostics import Diagnostic, Severity
from ..formats import writer_for
from .validators import qpdf_findings

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"

Findings = Iterator[tuple[str, Severity, str]]  # what a rule yields: (code, severity, message)


@dataclass
class Pdf:
    reader: Any  # pypdf.PdfReader (untyped)
    catalog: Any  # the document catalog, resolved
    xmp: ET.Element | None  # the catalog's XMP packet, when readable
    archival: bool  # the registry's archival copy: PDF/A-3a or an error

    @property
    def title(self) -> str:
        return str(_get(self.reader.metadata, "/Title") or "").strip()


def check_pdf(path: Path, *, validators: bool = True, every: bool = False) -> list[Diagnostic]:
    from pypdf import PdfReader  # only when a PDF is checked: it is slow to import

    name = str(path)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it logs every repair it makes
    with path.open("rb") as stream:
        if b"%PDF-" not in stream.read(1024):
            return [Diagnostic(name, "P-READ", "error", "not a readable PDF (no %PDF- header)")]
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return [
                Diagnostic(name, "P-READ", "error", "the PDF is encrypted: it cannot be checked")
            ]
        catalog = reader.trailer["/Root"].get_object()
        _ = len(reader.pages)
    except Exception as err:  # pypdf raises many types on a damaged file
        return [Diagnostic(name, "P-READ", "error", f"not a readable PDF ({err})")]
    try:
        drawn = content_size(reader, MOST_CONTENT_BYTES)
    except Exception as err:
        return [Diagnostic(name, "P-READ", "error", f"a damaged PDF ({type(err).__name__}: {err})")]
    if drawn > MOST_CONTENT_BYTES:  # qpdf reads every operator of it: minutes, gigabytes
        return [
            Diagnostic(
                name,
                "P-READ",
                "error",
                f"the pages' drawing expands to over {MOST_CONTENT_BYTES // 1_000_000} MB: "
                "not checked further",
            )
        ]
    writer = writer_for(path)
    try:
        pdf = Pdf(reader, catalog, _xmp(catalog), writer is not None and writer.name == "archival")
        findings = lint_pdf(name, pdf)
    except Exception as err:  # objects broken past pypdf's repairs surface while reading them
        return [Diagnostic(name, "P-READ", "error", f"a damaged PDF ({type(err).__name__}: {err})")]
    if validators:
        findings += qpdf_findings(path, every)
    return findings


# What the pages draw (content streams, and the forms they use), decompressed: a 599-page
# book of code draws 17 MB; a 400 KB file can expand to gigabytes.
MOST_CONTENT_BYTES = 64_000_000


def content_size(reader: Any, most: int) -> int:
    """Bytes the pages' content streams and forms decompress to, counted without holding
    them; the count stops once past `most`."""
    import zlib

    total = 0
    seen: set[object] = set()
    todo: list[Any] = []
    for page in reader.pages:
        contents = _get(page, "/Contents")
        todo += contents if isinstance(contents, list) else [contents]
        todo.append(_get(page, "/Resources"))
    while todo and total <= most:
        item = todo.pop()
        ref = getattr(item, "idnum", None)
        if item is None or (ref is not None and ref in seen):
            continue
        seen.add(ref)
        item = item.get_object()
        if not hasattr(item, "get_data"):  # a resource dictionary: its forms
            for x in (_get(item, "/XObject") or {}).values():
                todo.append(x)
            continue
        if _get(item, "/Subtype") not in (None, "/Form"):
            continue  # an image: not drawing
        todo.append(_get(item, "/Resources"))
        if _get(item, "/Filter") == "/FlateDecode" and _get(item, "/DecodeParms") is None:
            inflate = zlib.decompressobj()
            data = item._data  # the stream as stored
            while data and total <= most:
                total += len(inflate.decompress(data, 1 << 20))
                data = inflate.unconsumed_tail
        else:  # other filters: pypdf's own output limits bound them
            total += len(item.get_data())
    return total


def lint_pdf(name: str, pdf: Pdf) -> list[Diagnostic]:
    """Every rule's findings, rule by rule in the order of `RULES`."""
    return [
        Diagnostic(name, code, severity, message)
        for rule in RULES
        for code, severity, message in rule(pdf)
    ]


def _xmp(catalog: Any) -> ET.Element | None:
    stream = _get(catalog, "/Metadata")
    if stream is None or not hasattr(stream, "get_data"):
        return None
    data = stream.get_data()
    start, end = data.find(b"<x:xmpmeta"), data.rfind(b"</x:xmpmeta>")
    if start < 0 or end < 0:
        start, end = data.find(b"<rdf:RDF"), data.rfind(b"</rdf:RDF>")
        if start < 0 or end < 0:
            return None
        end += len(b"</rdf:RDF>")
    else:
        end += len(b"</x:xmpmeta>")
    try:
        return ET.fromstring(data[start:end])
    except ET.ParseError:
        return None


def _xmp_values(root: ET.Element, ns: str, name: str) -> list[str] | None:
    """All values of a property, as an element (with rdf:li items or text) or an attribute
    of rdf:Description; None when the property is absent."""
    found: list[str] | None = None
    for description in root.iter(f"{{{RDF}}}Description"):
        if f"{{{ns}}}{name}" in description.attrib:
            found = (found or []) + [description.get(f"{{{ns}}}{name}", "")]
    for element in root.iter(f"{{{ns}}}{name}"):
        items = list(element.iter(f"{{{RDF}}}li"))
        found = (found or []) + ([i.text or "" for i in items] if items else [element.text or ""])
    return found


def _get(obj: Any, key: str) -> Any:
    """obj[key] resolved, or None (pypdf's .get keeps indirect references)."""
    if obj is None:
        return None
    value = obj.get_object().get(key)
    return value.get_object() if value is not None else None


def _name(value: Any) -> str:
    return str(value).lstrip("/") if value is not None else ""


def rule_metadata(pdf: Pdf) -> Findings:
    if not pdf.title:
        yield "P-META", "error", "no document title (Info /Title)"
    if not str(_get(pdf.catalog, "/Lang") or "").strip():
        yield "P-META", "error", "no document language (catalog /Lang)"


def rule_xmp(pdf: Pdf) -> Findings:
    if pdf.xmp is None:
        yield (
            "P-XMP",
            "error" if pdf.archival else "warning",
            "no readable XMP metadata stream in the catalog",
        )
        return
    title = pdf.title
    xmp_title = (_xmp_values(pdf.xmp, DC, "title") or [""])[0].strip()
    if xmp_title != title:
        yield "P-XMP", "error", f'XMP dc:title "{xmp_title}" differs from Info /Title "{title}"'
    author = str(_get(pdf.reader.metadata, "/Author") or "").strip()
    creators = [c.strip() for c in _xmp_values(pdf.xmp, DC, "creator") or [] if c.strip()]
    authors = [a.strip() for a in author.split(", ") if a.strip()]
    if creators != authors:
        yield (
            "P-XMP",
            "error",
            f'XMP dc:creator "{"; ".join(creators)}" differs from Info /Author "{author}"',
        )


def rule_fonts(pdf: Pdf) -> Findings:
    for font in _unembedded_fonts(pdf.reader):
        yield "P-FONT", "error", f"font {font} is not embedded"


def rule_glyphs(pdf: Pdf) -> Findings:
    from ..glyphs import describe
    from .notdef import MOST_CODES, TooManyCodes, notdef_text

    for font in _page_fonts(pdf.reader):
        label = _name(_get(font, "/BaseFont")) or "(unnamed)"
        try:
            missing = notdef_text(font, _get)
        except TooManyCodes:
            yield "P-READ", "error", f"font {label} maps more than {MOST_CODES:,} codes: not read"
            continue
        for text in missing:
            what = ", ".join(describe(c) for c in text) if text else "a character"
            yield "P-GLYPH", "error", f"{what} drawn as .notdef (an empty box) in font {label}"


def _page_fonts(reader: Any) -> Iterator[Any]:
    """Each font the pages (and the forms they draw, however deep) use, once."""
    seen: set[int | None] = set()
    todo = [_get(page, "/Resources") for page in reversed(reader.pages)]
    while todo:
        res = todo.pop()
        if res is None:
            continue
        for f in (_get(res, "/Font") or {}).values():
            ref = getattr(f, "idnum", None)
            if ref not in seen or ref is None:
                seen.add(ref)
                yield f.get_object()
        forms = []
        for x in (_get(res, "/XObject") or {}).values():
            ref = getattr(x, "idnum", None)
            if ref in seen:
                continue
            seen.add(ref)
            x = x.get_object()
            if _get(x, "/Subtype") == "/Form" and _get(x, "/Resources") is not None:
                forms.append(_get(x, "/Resources"))
        todo += reversed(forms)


def rule_tags(pdf: Pdf) -> Findings:
    # Untagged is an error only for a file that promises tags: PDF/UA or the archival copy.
    pdfua = pdf.xmp is not None and _xmp_values(pdf.xmp, PDFUAID, "part") is not None
    severity: Severity = "error" if pdf.archival or pdfua else "warning"
    marked = _get(_get(pdf.catalog, "/MarkInfo"), "/Marked") == True  # noqa: E712 BooleanObject
    if not marked:
        yield "P-TAG", severity, "not tagged: /MarkInfo /Marked is not true"
    if "/StructTreeRoot" not in pdf.catalog:
        yield "P-TAG", severity, "not tagged: no /StructTreeRoot"


def _pdfa_part(pdf: Pdf) -> str | None:
    """The PDF/A part the file claims (pdfaid:part in XMP), or None."""
    part = _xmp_values(pdf.xmp, PDFAID, "part") if pdf.xmp is not None else None
    return part[0].strip() if part is not None else None


def rule_pdfa(pdf: Pdf) -> Findings:
    part = _pdfa_part(pdf)
    if part is None or pdf.xmp is None:
        if pdf.archival:
            yield (
                "P-PDFA",
                "error",
                "an archival copy without PDF/A identification (no pdfaid:part in XMP)",
            )
        return
    if part != "3":
        yield "P-PDFA", "error", f"pdfaid:part is {part}: the archival copy must be PDF/A-3"
    conformance = (_xmp_values(pdf.xmp, PDFAID, "conformance") or [""])[0].strip()
    if conformance.upper() != "A":
        yield (
            "P-PDFA",
            "error",
            f'pdfaid:conformance is "{conformance}": the archival copy is level A (tagged)',
        )
    intents = [i.get_object() for i in (_get(pdf.catalog, "/OutputIntents") or [])]
    if not any(
        _get(i, "/S") == "/GTS_PDFA1" and _get(i, "/DestOutputProfile") is not None for i in intents
    ):
        yield "P-PDFA", "error", "no PDF/A output intent (/S /GTS_PDFA1 with a /DestOutputProfile)"


def rule_attachments(pdf: Pdf) -> Findings:
    if _pdfa_part(pdf) is None:
        return  # only a file claiming PDF/A(-3) promises its sources; P-PDFA covers the rest
    sources = []
    for spec in _get(pdf.catalog, "/AF") or []:
        spec = spec.get_object()
        label = str(_get(spec, "/UF") or _get(spec, "/F") or "?")
        if _get(_get(spec, "/EF"), "/F") is None:
            yield "P-ATTACH", "error", f"associated file {label} has no embedded stream"
        elif _get(spec, "/AFRelationship") == "/Source":
            sources.append(label)
    if not sources:
        yield (
            "P-ATTACH",
            "error",
            "no source attached: no embedded file with /AFRelationship /Source in the catalog /AF",
        )


def _unembedded_fonts(reader: Any) -> list[str]:
    """Names of fonts used on any page (or in its forms and annotations) with no font
    program in their descriptor; Type3 fonts are drawn by the PDF itself."""
    seen: set[object] = set()
    missing: list[str] = []

    def key(obj: Any) -> object:
        ref = getattr(obj, "indirect_reference", None)
        return (ref.idnum, ref.generation) if ref is not None else id(obj)

    def descriptor_ok(font: Any) -> bool:
        descriptor = _get(font, "/FontDescriptor")
        if descriptor is None:
            return False
        return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))

    def font(obj: Any) -> None:
        obj = obj.get_object()
        if key(obj) in seen:
            return
        seen.add(key(obj))
        subtype = _get(obj, "/Subtype")
        if subtype == "/Type3":
            return
        parts = (
            [d.get_object() for d in _get(obj, "/DescendantFonts") or []]
            if subtype == "/Type0"
            else [obj]
        )
        for part in parts:
            if not descriptor_ok(part):
                label = _name(_get(part, "/BaseFont") or _get(obj, "/BaseFont")) or "(unnamed)"
                if label not in missing:
                    missing.append(label)

    def resources(first: Any) -> None:
        todo = [first]  # forms within forms: as deep as the file makes them
        while todo:
            res = todo.pop()
            if res is None:
                continue
            res = res.get_object()
            if key(res) in seen:
                continue
            seen.add(key(res))
            for f in (_get(res, "/Font") or {}).values():
                font(f)
            for x in (_get(res, "/XObject") or {}).values():
                x = x.get_object()
                if _get(x, "/Subtype") == "/Form":
                    todo.append(_get(x, "/Resources"))

    for page in reader.pages:
        resources(_get(page, "/Resources"))
        for annot in _get(page, "/Annots") or []:
            appearance = _get(_get(annot, "/AP"), "/N")
            if appearance is None:
                continue
            streams = (
                [appearance]
                if hasattr(appearance, "get_data")
                else [s.get_object() for s in appearance.values()]
            )
            for stream in streams:
                resources(_get(stream, "/Resources"))
    return missing


# Actions that run something or reach outside the document when it is opened or clicked.
UNSAFE_ACTIONS = {
    "/JavaScript": "runs JavaScript",
    "/Launch": "launches a program or opens a file",
    "/GoToE": "opens an embedded file",
    "/ImportData": "imports data from a file",
    "/SubmitForm": "sends form data",
    "/Rendition": "plays media (may run JavaScript)",
}
MOST_ACTIONS = 10_000  # looked at, at the most: a chain of actions may be long or a loop


def rule_actions(pdf: Pdf) -> Findings:
    """Actions a received PDF could run: where a document opens (/OpenAction), its
    triggers (/AA of the catalog, pages, annotations and form fields), its links and
    outline items (/A, and each action's /Next), and document JavaScript (/Names)."""
    names = _get(pdf.catalog, "/Names")
    if _get(names, "/JavaScript") is not None:
        yield "P-ACTION", "error", "document-level JavaScript (/Names /JavaScript)"
    seen: set[object] = set()
    found: dict[str, str] = {}
    todo: list[tuple[str, Any]] = [("/OpenAction", _get(pdf.catalog, "/OpenAction"))]
    todo += [("the catalog's /AA", v) for v in (_get(pdf.catalog, "/AA") or {}).values()]
    for number, page in enumerate(pdf.reader.pages, start=1):
        todo += [(f"page {number} /AA", v) for v in (_get(page, "/AA") or {}).values()]
        for annot in _get(page, "/Annots") or []:
            annot = annot.get_object()
            todo.append((f"a link on page {number}", _get(annot, "/A")))
            todo += [
                (f"an annotation on page {number}", v) for v in (_get(annot, "/AA") or {}).values()
            ]
    fields = list(_get(_get(pdf.catalog, "/AcroForm"), "/Fields") or [])
    item = _get(_get(pdf.catalog, "/Outlines"), "/First")
    while item is not None and len(todo) < MOST_ACTIONS:
        item = item.get_object()
        if id(item) in seen:
            break
        seen.add(id(item))
        todo.append(("an outline item", _get(item, "/A")))
        item = _get(item, "/Next")
    for field in fields[:MOST_ACTIONS]:
        todo += [("a form field", v) for v in (_get(field.get_object(), "/AA") or {}).values()]
    looked = 0
    while todo and looked < MOST_ACTIONS:
        where, action = todo.pop()
        if action is None or not hasattr(action, "get_object"):
            continue
        action = action.get_object()
        if not hasattr(action, "get") or id(action) in seen:
            continue
        seen.add(id(action))
        looked += 1
        kind = str(_get(action, "/S"))
        if kind in UNSAFE_ACTIONS and kind not in found:
            found[kind] = where
        chained = _get(action, "/Next")
        for following in chained if isinstance(chained, list) else [chained]:
            todo.append((where, following))
    for kind, where in found.items():
        yield "P-ACTION", "error", f"{where} {UNSAFE_ACTIONS[kind]} ({kind[1:]} action)"


Rule = Callable[[Pdf], Findings]

# In the order their findings are reported.
RULES: list[Rule] = [
    rule_metadata,
    rule_xmp,
    rule_fonts,
    rule_glyphs,
    rule_tags,
    rule_pdfa,
    rule_attachments,
    rule_actions,
]
