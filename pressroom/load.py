"""Read a manuscript once into the shared document model.

front matter (YAML) → Metadata;  Markdown → HTML (python-markdown) → sanitized XHTML →
notes, headings, figures and chapters. Nothing here knows about PDF or EPUB.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET

import markdown
import yaml

from .errors import PressroomError
from .files import read_text
from .model import Author, Chapter, Document, Heading, Image, Metadata, Note, Original
from .sanitize import sanitize

EXTENSIONS = ["footnotes", "tables", "attr_list", "smarty", "fenced_code", "sane_lists", "def_list"]
EXTENSION_CONFIG = {"footnotes": {"BACKLINK_TEXT": "", "SUPERSCRIPT_TEXT": "{}"}}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml", ".gif": "image/gif"}
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
CODE_SPAN = re.compile(r"`[^`\n]*`")
NOTE_REF = re.compile(r"(?<!\\)\[\^([^\]\s]+)\](?!:)")
NOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.M)
IMAGE_MD = re.compile(r"!\[([^\]]*)\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def load(path: str | Path) -> Document:
    path = Path(path)
    text = read_text(path)
    front, body, body_line = split_front_matter(path, text)
    meta = parse_metadata(path, front)
    check_notes(path, body, body_line)
    warnings: list[str] = []
    html = markdown.markdown(body, extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG,
                             output_format="xhtml")
    safe, dropped = sanitize(html)
    warnings += [f"{path}: {w}" for w in dropped]
    root = ET.fromstring(f"<div>{safe}</div>")
    images = collect_images(path, root, body, body_line)   # notes' images included
    notes, unused = extract_notes(root)
    warnings += [f"{path}: footnote [^{key}] is never called; left out" for key in unused]
    make_figures(root)
    trees = [root, *(n.body for n in notes.values())]
    unique_ids(trees, warnings, path)
    number_headings(root)   # after: every heading keeps an id, so every heading has a target
    resolve_links(trees, warnings, path)
    chapters = split_chapters(root)
    if not chapters:
        raise PressroomError(path, "no text after the front matter", body_line)
    return Document(source=path, meta=meta, chapters=chapters, notes=notes, images=images,
                    warnings=warnings)


# -- front matter -------------------------------------------------------------------------
def split_front_matter(path: Path, text: str) -> tuple[str, str, int]:
    """Return (front matter, body, line number where the body starts)."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise PressroomError(path, "no front matter: start the file with a '---' line, "
                                   "a YAML block with at least 'title:', and another '---'", 1)
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise PressroomError(path, "front matter is not closed: add a '---' line after it", 1)


def parse_metadata(path: Path, front: str) -> Metadata:
    try:
        data = yaml.safe_load(front) if front.strip() else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark else None  # +1 for 0-based, +1 for the opening '---'
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise PressroomError(path, f"invalid YAML in front matter: {problem}", line) from None
    if not isinstance(data, dict):
        raise PressroomError(path, "front matter must be a YAML mapping (key: value lines)", 2)

    def line_of(key: str) -> int | None:
        m = re.search(rf"^{re.escape(key)}\s*:", front, re.M)
        return front[: m.start()].count("\n") + 2 if m else None

    def text_field(key: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise PressroomError(path, f"front matter has no '{key}'", line_of(key) or 2)
            return None
        if isinstance(value, (dt.date, int, float)):
            value = str(value)
        if not isinstance(value, str):
            raise PressroomError(path, f"'{key}' must be text", line_of(key))
        return " ".join(value.split())

    title = text_field("title", required=True)
    authors = parse_authors(path, data.get("author", data.get("authors")),
                            line_of("author") or line_of("authors"))
    lang = text_field("lang") or text_field("language") or "en"
    if not LANG_TAG.match(lang):
        raise PressroomError(path, f"'lang: {lang}' is not a language tag such as en or hy-AM",
                             line_of("lang"))
    date = parse_date(path, data.get("date"), line_of("date"))
    keywords = data.get("keywords") or ()
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    if not isinstance(keywords, (list, tuple)):
        raise PressroomError(path, "'keywords' must be a list", line_of("keywords"))
    identifier = text_field("identifier") or stable_identifier(title, authors)
    shown = {key: smarten(text_field(key) or "") or None
             for key in ("subtitle", "short_title", "publisher", "rights", "description")}
    return Metadata(
        title=smarten(title), authors=authors, lang=lang, identifier=identifier, date=date,
        **shown,
        keywords=tuple(str(k).strip() for k in keywords if str(k).strip()),
        original=parse_original(path, data.get("original"), line_of("original")),
    )


def parse_authors(path: Path, value, line: int | None) -> tuple[Author, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    authors = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, str):
            name, bio = item, ""
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            name, bio = item["name"], item.get("bio") or ""
        else:
            raise PressroomError(path, "each author needs a 'name' (and may have a 'bio')", line)
        if not isinstance(bio, str):
            raise PressroomError(path, f"the bio of {name} must be text", line)
        authors.append(Author(name=" ".join(name.split()), bio=smarten(" ".join(bio.split())),
                              id=f"author-{i}"))
    return tuple(authors)


def parse_date(path: Path, value, line: int | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        return text
    raise PressroomError(path, f"'date: {text}' is not a date like 2021-08-26", line)


def parse_original(path: Path, value, line: int | None) -> Original | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Original(publication=value)
    if not isinstance(value, dict) or not value.get("publication"):
        raise PressroomError(path, "'original' needs a 'publication'", line)
    return Original(publication=str(value["publication"]),
                    date=parse_date(path, value.get("date"), line),
                    url=value.get("url"), responds_to=value.get("responds_to"))


OPENING = r"(^|[\s(\[{\u2014\u2013/-])"


def smarten(text: str) -> str:
    """Front matter gets the typography smarty gives the body: curly quotes, dashes, ellipses."""
    text = text.replace("---", "\u2014").replace("--", "\u2013").replace("...", "\u2026")
    text = re.sub(OPENING + '"', "\\1\u201c", text).replace('"', "\u201d")
    return re.sub(OPENING + "'", "\\1\u2018", text).replace("'", "\u2019")


def stable_identifier(title: str, authors: tuple[Author, ...]) -> str:
    """The same title and authors always give the same identifier."""
    key = "\n".join([title, *(a.name for a in authors)])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'pressroom:' + key)}"


# -- notes --------------------------------------------------------------------------------
def check_notes(path: Path, body: str, first_line: int) -> None:
    """Every footnote call needs a definition; report the first that has none, by line."""
    visible = CODE_SPAN.sub(lambda m: " " * len(m.group()),
                            FENCE.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), body))
    defined = set(NOTE_DEF.findall(visible))
    for m in NOTE_REF.finditer(visible):
        if m.group(1) not in defined:
            line = first_line + visible[: m.start()].count("\n")
            raise PressroomError(path, f"footnote [^{m.group(1)}] has no definition", line)


def extract_notes(root: ET.Element) -> tuple[dict[str, Note], list[str]]:
    """Take python-markdown's footnote list out of the text; calls become <a class="noteref">.

    Each call gets id `noteref-N`, each note id `note-N`; writers decide where notes go.
    Also returns the keys of notes defined but never called.
    """
    container = next((d for d in root.iter("div") if d.get("class") == "footnote"), None)
    if container is None:
        return {}, []
    _remove(root, container)
    bodies: dict[str, ET.Element] = {}
    for item in container.iter("li"):
        key = (item.get("id") or "").removeprefix("fn:")
        for backref in [a for a in item.iter("a") if a.get("class") == "footnote-backref"]:
            _remove(item, backref)
        body = ET.Element("div")
        body.text, body[:] = item.text, list(item)
        _strip_end(body)
        bodies[key] = body
    notes: dict[str, Note] = {}
    seen: dict[str, int] = {}
    for parent in list(root.iter()):
        for i, child in enumerate(list(parent)):
            link = child.find("a") if child.tag == "sup" else None
            if link is None or link.get("class") != "footnote-ref":
                continue
            key = link.get("href", "").removeprefix("#fn:")
            if key not in notes:
                notes[key] = Note(id=f"note-{len(notes) + 1}", number=len(notes) + 1,
                                  body=bodies[key])
            note = notes[key]
            seen[key] = seen.get(key, 0) + 1
            ref = ET.Element("a", {"class": "noteref", "href": f"#{note.id}",
                                   "id": f"noteref-{note.number}" + (f"-{seen[key]}" if seen[key] > 1 else "")})
            ref.text = str(note.number)
            ref.tail = child.tail
            parent[i] = ref
    return {n.id: n for n in notes.values()}, [key for key in bodies if key not in notes]


def _strip_end(el: ET.Element) -> None:
    """Drop the no-break space python-markdown leaves where its back link stood."""
    while len(el) and not (el[-1].tail or "").strip():
        if el[-1].tag not in ("p", "div", "ul", "ol", "blockquote"):
            el[-1].tail = (el[-1].tail or "").rstrip("\xa0 \n") or None
            return
        el[-1].tail = None
        el = el[-1]
    if len(el):
        el[-1].tail = el[-1].tail.rstrip("\xa0 \n")
    elif el.text:
        el.text = el.text.rstrip("\xa0 \n")


def _remove(root: ET.Element, target: ET.Element) -> None:
    for parent in root.iter():
        if target in list(parent):
            index = list(parent).index(target)
            if target.tail:  # keep text that followed the removed element
                if index:
                    prev = parent[index - 1]
                    prev.tail = (prev.tail or "") + target.tail
                else:
                    parent.text = (parent.text or "") + target.tail
            parent.remove(target)
            return


# -- images, figures, headings, links -------------------------------------------------------
def collect_images(path: Path, root: ET.Element, body: str, first_line: int) -> list[Image]:
    folder = path.parent.resolve()
    images: dict[str, Image] = {}
    for img in root.iter("img"):
        src = img.get("src", "")
        line = _line_of(body, src, first_line)
        target = (folder / src).resolve()
        if not target.is_relative_to(folder):
            raise PressroomError(path, f"image {src} is outside the manuscript's folder", line)
        if not target.is_file():
            raise PressroomError(path, f"image {src} not found", line)
        media_type = IMAGE_TYPES.get(target.suffix.lower())
        if media_type is None:
            raise PressroomError(path, f"image {src}: use PNG, JPEG, GIF or SVG", line)
        alt = " ".join((img.get("alt") or "").split())
        if not alt:
            raise PressroomError(path, f"image {src} has no alt text: write ![what it shows]({src})",
                                 line)
        images.setdefault(src, Image(src=src, path=target, media_type=media_type, alt=alt))
    return list(images.values())


def _line_of(body: str, needle: str, first_line: int) -> int | None:
    index = body.find(needle)
    return None if index < 0 else first_line + body[:index].count("\n")


def make_figures(root: ET.Element) -> None:
    """A paragraph holding only an image becomes a <figure>; its title, the caption."""
    for p in root.iter("p"):
        if len(p) == 1 and p[0].tag == "img" and not (p.text or "").strip() \
                and not (p[0].tail or "").strip():
            img = p[0]
            p.tag, p.text = "figure", None
            img.tail = None
            caption = img.attrib.pop("title", None)
            if caption:
                ET.SubElement(p, "figcaption").text = caption


def number_headings(root: ET.Element) -> None:
    used = {el.get("id") for el in root.iter() if el.get("id")}
    n = 0
    for el in root.iter():
        if el.tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not el.get("id"):
            n += 1
            while f"sec-{n}" in used:
                n += 1
            el.set("id", f"sec-{n}")


def unique_ids(trees: list[ET.Element], warnings: list[str], path: Path) -> None:
    """Ids must be unique and valid XML names; note ids are the writers' (`note-N`)."""
    seen = {f"note-{i}" for i in range(1, len(trees))}   # trees: the text, then each note
    for el in [e for tree in trees for e in tree.iter()]:
        ident = el.get("id")
        if ident is None:
            continue
        if ident in seen or not re.fullmatch(r"[A-Za-z_][\w.-]*", ident):
            el.attrib.pop("id")
            warnings.append(f"{path}: id {ident!r} removed (duplicate or not a valid id)")
        else:
            seen.add(ident)


def resolve_links(trees: list[ET.Element], warnings: list[str], path: Path) -> None:
    """In-text links must land somewhere (EPUBCheck rejects dangling fragments), and an
    element emptied by sanitizing (a dropped remote image) goes."""
    root, notes = trees[0], trees[1:]
    targets = {e.get("id") for tree in trees for e in tree.iter() if e.get("id")}
    targets |= {f"note-{i}" for i in range(1, len(notes) + 1)}
    for a in [e for tree in trees for e in tree.iter("a")]:
        href = a.get("href", "")
        if href.startswith("#") and href[1:] not in targets:
            a.attrib.pop("href")
            warnings.append(f"{path}: link {href} points nowhere; kept as text")
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "p" and not len(child) and not (child.text or "").strip():
                _remove(parent, child)


def split_chapters(root: ET.Element) -> list[Chapter]:
    """Each `#` heading starts a chapter; text before the first one is a chapter of its own."""
    groups: list[list[ET.Element]] = [[]]
    for child in list(root):
        if child.tag == "h1" and groups[-1]:
            groups.append([])
        groups[-1].append(child)
    chapters = []
    for i, blocks in enumerate(g for g in groups if g):
        body = ET.Element("div")
        body[:] = blocks
        first = blocks[0]
        title = _text(first) if first.tag == "h1" else None
        headings = [Heading(id=h.get("id"), level=int(h.tag[1]), text=_text(h))
                    for h in body.iter() if h.tag in ("h1", "h2", "h3", "h4", "h5", "h6")]
        chapters.append(Chapter(id=f"chapter-{i + 1}", title=title, body=body, headings=headings))
    return chapters


def _text(el: ET.Element) -> str:
    return " ".join("".join(el.itertext()).split())
