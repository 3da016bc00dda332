"""EPUB rules: read the package as a reading system would, then check what it says.

Each rule in `RULES` takes the read `Package` and yields (code, severity, message); the
codes are in the catalogue (`pressroom/data/codes.yml`).
"""

from __future__ import annotations

import io
import json
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from ..categories import BLOCKS, HEADINGS, LIST_ITEMS, LISTS, PHRASING_ONLY, TRANSPARENT
from ..diagnostics import Diagnostic, Severity
from ..util import urls
from .validators import ace_findings, epubcheck_findings

Findings = Iterator[tuple[str, Severity, str]]  # what a rule yields: (code, severity, message)

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
A11Y_REQUIRED = (
    "schema:accessMode",
    "schema:accessibilityFeature",
    "schema:accessibilityHazard",
    "schema:accessibilitySummary",
)
# A book may make no conformance claim (Pressroom withholds one its checks do not back).
A11Y_RECOMMENDED = ("schema:accessModeSufficient", "dcterms:conformsTo")

# No DTDs, no entities, no network: a checked file is untrusted input.
XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


class PackageError(Exception):
    """The package cannot be read far enough for the own rules."""


@dataclass
class Facts:
    """What the own rules read in one XHTML file, taken from its bytes alone (so it can be
    kept by them): its ids, its note calls, its notes and their back links, ids used more
    than once, the language of <html>, images without text."""

    ids: dict[str, bool]  # id → whether its first element is a note
    noterefs: list[str]  # the href of each note call
    notes: list[tuple[str, list[str]]]  # each note's label and the hrefs of its back links
    duplicates: list[tuple[str, int]]  # an id and how many times it is used
    xml_lang: str | None
    lang: str | None
    no_alt: list[tuple[str, str]]  # an image's src and what it lacks
    misfits: list[tuple[int, str]]  # where an element stands where HTML does not allow it

    @classmethod
    def read(cls, data: bytes) -> Facts:
        """Raises etree.XMLSyntaxError for a file that is not well-formed."""
        root = _parse(data)
        ids: dict[str, bool] = {}
        counts: Counter[str] = Counter()
        noterefs, notes = [], []
        for el in _elements(root):
            ident = el.get("id")
            is_note = _is_note(el)
            if ident is not None:
                ids.setdefault(ident, is_note)
                counts[ident] += 1
            if "noteref" in _tokens(el, EPUB_TYPE) or "doc-noteref" in _tokens(el, "role"):
                noterefs.append(el.get("href") or "")
            if is_note:
                label = ident or f"<{etree.QName(el).localname}> without id"
                backs = [
                    a.get("href") or ""
                    for a in _elements(el)
                    if "doc-backlink" in _tokens(a, "role") or "backlink" in _tokens(a, EPUB_TYPE)
                ]
                notes.append((label, backs))
        no_alt = [
            (img.get("src", ""), "empty alt" if img.get("alt") is not None else "no alt")
            for img in root.iter(f"{XHTML_NS}img")
            if not (img.get("alt") or "").strip()
            and not _tokens(img, "role") & {"presentation", "none"}
        ]
        return cls(
            ids=ids,
            noterefs=noterefs,
            notes=notes,
            duplicates=[(str(ident), n) for ident, n in counts.items() if n > 1],
            xml_lang=root.get(XML_LANG),
            lang=root.get("lang"),
            no_alt=no_alt,
            misfits=misfits(root),
        )

    def dump(self) -> bytes:
        return json.dumps(asdict(self)).encode()

    @classmethod
    def load(cls, data: bytes) -> Facts:
        """Facts from `dump`; ValueError (or KeyError, TypeError) for anything else."""
        raw = json.loads(data)
        if not isinstance(raw, dict) or not isinstance(raw["ids"], dict):
            raise TypeError("not facts")
        facts = cls(
            ids={str(k): bool(v) for k, v in raw["ids"].items()},
            noterefs=[str(h) for h in raw["noterefs"]],
            notes=[(str(label), [str(h) for h in backs]) for label, backs in raw["notes"]],
            duplicates=[(str(ident), int(n)) for ident, n in raw["duplicates"]],
            xml_lang=raw["xml_lang"],
            lang=raw["lang"],
            no_alt=[(str(src), str(what)) for src, what in raw["no_alt"]],
            misfits=[(int(line), str(what)) for line, what in raw["misfits"]],
        )
        if not all(isinstance(v, str | None) for v in (facts.xml_lang, facts.lang)):
            raise TypeError("a language that is not text")
        return facts


def misfits(root: etree._Element) -> list[tuple[int, str]]:
    """(line, what) for each XHTML element where HTML's content model does not allow it
    (`categories.py`): a block in phrasing content, a link in a link, a caption away from
    its figure's ends, a list holding other than items, a link that names nothing. Foreign
    content (MathML, SVG) has models of its own and is not looked into."""
    found: list[tuple[int, str]] = []

    def local(el: etree._Element) -> str | None:
        tag = el.tag
        return tag[len(XHTML_NS) :] if tag.startswith(XHTML_NS) else None

    def walk(el: etree._Element, flow: bool, in_link: bool, in_nav: bool) -> None:
        name = local(el)
        for child in el:
            if not isinstance(child.tag, str):
                continue
            tag = local(child)
            if tag is None:
                continue  # MathML, SVG
            line: int = getattr(child, "sourceline", None) or 0
            if tag in BLOCKS and not flow:
                found.append((line, f"<{tag}> inside <{name}>, which holds only phrasing content"))
            if tag == "a" and in_link:
                found.append((line, "<a> inside <a>"))
            if tag == "figcaption":
                siblings = [c for c in el if isinstance(c.tag, str)]
                if name != "figure":
                    found.append((line, f"<figcaption> inside <{name}>, not <figure>"))
                elif child is not siblings[0] and child is not siblings[-1]:
                    found.append((line, "<figcaption> neither first nor last in its <figure>"))
            if name in LISTS and tag not in LIST_ITEMS:
                found.append((line, f"<{tag}> inside <{name}>, which holds only <li>"))
            if tag in HEADINGS and not _named(child):
                found.append((line, f"an empty <{tag}>"))
            href = child.get("href") if tag == "a" else None
            if href is not None and not _named(child):
                where = "in the navigation " if in_nav else ""
                found.append((line, f"a link {where}with no text ({href})"))
            why = urls.broken(href) if href is not None else None
            if why:
                found.append((line, f"a link that is no URL: {why}"))
            holds = tag not in PHRASING_ONLY and (tag not in TRANSPARENT or flow)
            walk(child, holds, in_link or tag == "a", in_nav or tag == "nav")

    body = root.find(f"{XHTML_NS}body")
    if body is not None:
        walk(body, True, False, False)
    return found


def _named(a: etree._Element) -> bool:
    """Whether a link (or heading) has text a screen reader can name it by."""
    if (a.get("aria-label") or "").strip() or (a.get("title") or "").strip():
        return True
    if "".join(str(t) for t in a.itertext()).strip():
        return True
    return any((img.get("alt") or "").strip() for img in a.iter(f"{XHTML_NS}img"))


ReadFacts = Callable[[bytes], Facts]  # Facts.read, or the same answered from a cache


@dataclass
class Package:
    opf_path: str
    opf: etree._Element
    facts: dict[str, Facts]  # zip path → what the rules read in each XHTML file
    unreadable: set[str]  # XHTML files that are not well-formed (E-PKG): links into them
    # are not judged


# An EPUB is untrusted input: a zip bomb must not fill memory, nor an entry named ../x
# land outside the folder a reading system unpacks it to.
MAX_ENTRIES = 10_000
MAX_UNPACKED = 1 << 30  # all entries together
MAX_DOCUMENT = 64 << 20  # one XML document read by the rules
MAX_RATIO = 200  # unpacked / packed, for entries over 1 MB


def unsafe_archive(zf: zipfile.ZipFile) -> str | None:
    """Why the archive must not be unpacked, or None."""
    entries = zf.infolist()
    if len(entries) > MAX_ENTRIES:
        return f"{len(entries):,} entries; the limit is {MAX_ENTRIES:,}"
    total = sum(e.file_size for e in entries)
    if total > MAX_UNPACKED:
        return f"unpacks to {total:,} bytes; the limit is {MAX_UNPACKED:,}"
    for entry in entries:
        parts = entry.filename.replace("\\", "/").split("/")
        if entry.filename.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
            return f"entry {entry.filename!r} is named outside the archive"
        if entry.file_size > 1 << 20 and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
            return (
                f"entry {entry.filename!r} unpacks {entry.file_size // max(entry.compress_size, 1):,} "
                "times its packed size (a zip bomb?)"
            )
    return None


def _read(zf: zipfile.ZipFile, member: str) -> bytes:
    """An entry, read no further than MAX_DOCUMENT (its declared size may lie)."""
    with zf.open(member) as entry:
        data = entry.read(MAX_DOCUMENT + 1)
    if len(data) > MAX_DOCUMENT:
        raise PackageError(f"{member} is larger than {MAX_DOCUMENT:,} bytes")
    return data


def _lint(
    zf: zipfile.ZipFile, name: str, read: ReadFacts = Facts.read
) -> tuple[list[Diagnostic], bool]:
    """The own rules' findings, and whether the package could be read far enough for them."""
    try:
        package, findings = read_package(zf, name, read)
    except PackageError as err:
        return [Diagnostic(name, "E-PKG", "error", str(err))], False
    return findings + lint_epub(name, package), True


def lint_archive(data: bytes, name: str, read: ReadFacts = Facts.read) -> list[Diagnostic]:
    """The own rules alone, on an EPUB still in memory (the writer checks what it made;
    `read` may answer a file's facts from an earlier build)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return _lint(zf, name, read)[0]


def check_epub(path: Path, *, validators: bool = True, every: bool = False) -> list[Diagnostic]:
    name = str(path)
    try:
        with zipfile.ZipFile(path) as zf:
            unsafe = unsafe_archive(zf)
            if unsafe:  # no validator is given it either
                return [Diagnostic(name, "E-ZIP", "error", f"unsafe archive: {unsafe}")]
            findings, readable = _lint(zf, name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as err:
        return [Diagnostic(name, "E-ZIP", "error", f"not a readable EPUB (zip) archive: {err}")]
    except Exception as err:  # zlib.error, NotImplementedError (compression): a broken entry
        return [
            Diagnostic(
                name, "E-ZIP", "error", f"a zip entry cannot be read ({type(err).__name__}: {err})"
            )
        ]
    if not validators:
        return findings
    if not readable:  # EPUBCheck says precisely what is wrong; Ace needs a readable package.
        return findings + epubcheck_findings(path, every)
    with ThreadPoolExecutor(max_workers=2) as pool:
        ace = pool.submit(ace_findings, path)
        return findings + epubcheck_findings(path, every) + ace.result()


def _parse(data: bytes) -> etree._Element:
    return etree.fromstring(data, XML_PARSER)


def read_package(
    zf: zipfile.ZipFile, name: str, read: ReadFacts = Facts.read
) -> tuple[Package, list[Diagnostic]]:
    names = set(zf.namelist())
    if "META-INF/container.xml" not in names:
        raise PackageError("META-INF/container.xml is missing")
    try:
        container = _parse(_read(zf, "META-INF/container.xml"))
    except etree.XMLSyntaxError as err:
        raise PackageError(f"META-INF/container.xml is not well-formed XML: {err}") from None
    rootfile = container.find(".//c:rootfile", NS)
    opf_path = rootfile.get("full-path") if rootfile is not None else None
    if not opf_path:
        raise PackageError("META-INF/container.xml names no package document (rootfile)")
    if opf_path not in names:
        raise PackageError(f"package document {opf_path} is missing")
    try:
        opf = _parse(_read(zf, opf_path))
    except etree.XMLSyntaxError as err:
        raise PackageError(f"{opf_path} is not well-formed XML: {err}") from None
    if opf.tag != f"{{{NS['opf']}}}package":
        raise PackageError(f"{opf_path} is not an OPF package document")
    findings = []
    base = posixpath.dirname(opf_path)
    facts, unreadable = {}, set()
    for item in opf.findall("opf:manifest/opf:item", NS):
        href = item.get("href") or ""
        if urlsplit(href).scheme:
            continue  # remote resource
        target = posixpath.normpath(posixpath.join(base, unquote(href)))
        if target not in names:
            findings.append(
                Diagnostic(name, "E-PKG", "error", f"manifest item {href} is not in the archive")
            )
            continue
        if item.get("media-type") != "application/xhtml+xml":
            continue
        try:
            facts[target] = read(_read(zf, target))
        except etree.XMLSyntaxError as err:
            unreadable.add(target)
            findings.append(
                Diagnostic(name, "E-PKG", "error", f"{target} is not well-formed XML: {err}")
            )
    return Package(opf_path=opf_path, opf=opf, facts=facts, unreadable=unreadable), findings


def lint_epub(name: str, package: Package) -> list[Diagnostic]:
    """Every rule's findings, rule by rule in the order of `RULES`."""
    return [
        Diagnostic(name, code, severity, message)
        for rule in RULES
        for code, severity, message in rule(package)
    ]


def _texts(elements: Iterable[etree._Element]) -> list[str]:
    """The text of each element, spaces collapsed; elements without any text left out."""
    # str(): a tree parsed from bytes gives str text, which the stubs cannot know.
    texts = (" ".join("".join(str(t) for t in e.itertext()).split()) for e in elements)
    return [text for text in texts if text]


def _metas(opf: etree._Element, prop: str) -> list[str]:
    return _texts(m for m in opf.findall("opf:metadata/opf:meta", NS) if m.get("property") == prop)


def _dc(opf: etree._Element, name: str) -> list[etree._Element]:
    return opf.findall(f"opf:metadata/dc:{name}", NS)


def rule_metadata(package: Package) -> Findings:
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
        yield (
            "E-META",
            "error",
            f"dcterms:modified must be one CCYY-MM-DDThh:mm:ssZ value (found: {found})",
        )
    if not _texts(_dc(opf, "creator")):
        yield "E-META", "error", "no dc:creator in the package metadata"
    for field in ("date", "publisher", "rights", "description"):
        if not _texts(_dc(opf, field)):
            yield "E-META", "warning", f"no dc:{field} in the package metadata"


def rule_accessibility(package: Package) -> Findings:
    for prop in A11Y_REQUIRED:
        if not _metas(package.opf, prop):
            yield "E-A11Y", "error", f"no {prop} accessibility metadata"
    for prop in A11Y_RECOMMENDED:
        if not _metas(package.opf, prop):
            yield "E-A11Y", "warning", f"no {prop} accessibility metadata"


def _tokens(el: etree._Element, attr: str) -> set[str]:
    return set((el.get(attr) or "").split())


def _elements(root: etree._Element) -> Iterator[etree._Element]:
    return (el for el in root.iter() if isinstance(el.tag, str))


def _target_file(source: str, href: str) -> str:
    path = urlsplit(href).path
    if not path:
        return source
    return posixpath.normpath(posixpath.join(posixpath.dirname(source), unquote(path)))


def _resolve(package: Package, source: str, href: str) -> bool | None:
    """Whether the element a link in file `source` points to is a note; None when it
    resolves nowhere."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.fragment:
        return None
    facts = package.facts.get(_target_file(source, href))
    return None if facts is None else facts.ids.get(unquote(parts.fragment))


def _is_note(el: etree._Element) -> bool:
    return bool(NOTE_TYPES & _tokens(el, EPUB_TYPE))


def rule_notes(package: Package) -> Findings:
    for file, facts in package.facts.items():
        for href in facts.noterefs:
            if _target_file(file, href) in package.unreadable:
                continue  # E-PKG names that file; its ids are unknown
            target = _resolve(package, file, href)
            if target is None:
                yield "E-NOTE", "error", f'{file}: noteref to "{href}" resolves nowhere'
            elif not target:
                yield (
                    "E-NOTE",
                    "error",
                    f'{file}: noteref to "{href}" points to an element '
                    "that is not a footnote or endnote",
                )


def rule_back(package: Package) -> Findings:
    for file, facts in package.facts.items():
        for label, backs in facts.notes:
            if not backs:
                yield "E-BACK", "error", f"{file}: note {label} has no back link (doc-backlink)"
            for href in backs:
                if _target_file(file, href) in package.unreadable:
                    continue
                if _resolve(package, file, href) is None:
                    yield (
                        "E-BACK",
                        "error",
                        f'{file}: back link of note {label} to "{href}" resolves nowhere',
                    )


def rule_ids(package: Package) -> Findings:
    for file, facts in package.facts.items():
        for ident, n in facts.duplicates:
            yield "E-ID", "error", f'{file}: id "{ident}" is used {n} times'


def rule_lang(package: Package) -> Findings:
    languages = _texts(_dc(package.opf, "language"))
    if not languages:
        return  # E-META says so
    expected = languages[0]
    for file, facts in package.facts.items():
        values = {"xml:lang": facts.xml_lang, "lang": facts.lang}
        if not any(values.values()):
            yield "E-LANG", "error", f"{file}: <html> has no xml:lang or lang"
        for attr, value in values.items():
            if value is not None and value.strip().lower() != expected.lower():
                yield (
                    "E-LANG",
                    "error",
                    f'{file}: {attr} "{value}" on <html> differs from dc:language "{expected}"',
                )


def rule_alt(package: Package) -> Findings:
    for file, facts in package.facts.items():
        for src, what in facts.no_alt:
            yield "E-ALT", "error", f'{file}: <img src="{src}"> has {what}'


def rule_model(package: Package) -> Findings:
    for file, facts in package.facts.items():
        for line, what in facts.misfits:
            yield "E-MODEL", "error", f"{file}:{line}: {what}"


Rule = Callable[[Package], Findings]

# In the order their findings are reported.
RULES: list[Rule] = [
    rule_metadata,
    rule_accessibility,
    rule_notes,
    rule_back,
    rule_ids,
    rule_lang,
    rule_alt,
    rule_model,
]
