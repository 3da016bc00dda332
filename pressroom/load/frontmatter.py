"""Front matter and other metadata sources → `Metadata`, with the line of every key.

Metadata can come from several places; later layers win, as in Pandoc:

    pressroom.yml  <  --metadata-file  <  the manuscript's front matter  <  -M key=value

Each layer is a YAML mapping read with its marks, so a bad value is reported at the line
that holds it, and a key Pressroom does not know is a warning naming that key and line.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..diagnostics import Diagnostics
from ..errors import PressroomError
from ..limits import DEFAULT, Limits
from ..model import Author, Contributor, Metadata, Original
from ..util.files import bad_character
from .typography import smarten

# Keys a manuscript's metadata may hold. Anything else is reported (B-KEY): a typo such as
# `auther:` should not pass in silence.
# Contributor roles written as their own keys (`translator: A. Name`), and their MARC
# relator codes, which EPUB packages and catalogues use.
ROLES = {
    "translator": "trl",
    "editor": "edt",
    "illustrator": "ill",
    "photographer": "pht",
    "narrator": "nrt",
    "introduction": "aui",
    "afterword": "aft",
    "cover-designer": "cov",
    "contributor": "ctb",
}
METADATA_KEYS = frozenset(
    {
        "title",
        "subtitle",
        "short_title",
        "author",
        "authors",
        "date",
        "lang",
        "language",
        "publisher",
        "rights",
        "identifier",
        "description",
        "keywords",
        "original",
        "toc",
        "toc-depth",
        "cover",
        "contributors",
        *ROLES,
        "series",
        "series-index",
        "isbn",
        "number-sections",
        "cover-page",
        "bibliography",
        "csl",
    }
)
LANG_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class Layer:
    """One YAML mapping of metadata and where each key was written."""

    path: Path
    data: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


def read_yaml(
    path: Path, text: str, first_line: int = 1, what: str = "YAML", limits: Limits = DEFAULT
) -> Layer:
    """Parse a YAML mapping; `first_line` is the file line of the text's first line."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _bounded(path, node, first_line, limits.yaml_values)
        data = loader.construct_document(node) if node is not None else {}
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + first_line if mark else None
        problem = getattr(err, "problem", None) or "invalid YAML"
        raise PressroomError(path, f"invalid YAML in {what}: {problem}", line) from None
    except ValueError as err:  # a value YAML reads as a date but that names no day
        line = _bad_timestamp_line(loader, node, first_line) if node is not None else None
        raise PressroomError(path, f"invalid value in {what}: {err}", line) from None
    except RecursionError:  # `[[[[…` thousands deep: the parser recurses once a level
        raise PressroomError(path, f"{what} is nested too deeply to be read", first_line) from None
    finally:
        loader.dispose()
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PressroomError(path, f"{what} must be a YAML mapping (key: value lines)", first_line)
    _check_nodes(path, node, first_line)
    lines = {}
    if isinstance(node, yaml.MappingNode):
        lines = {str(key.value): key.start_mark.line + first_line for key, _ in node.value}
    return Layer(path=path, data={str(k): v for k, v in data.items()}, lines=lines)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _nodes(root: yaml.Node) -> Iterator[yaml.Node]:
    """Every node once, in document order (an alias is the node it names)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            yield node
            stack.extend(reversed(_children(node)))


def _bounded(path: Path, root: yaml.Node, first_line: int, limit: int) -> None:
    """Refuse YAML whose aliases expand past `limit` values ("billion laughs"): each node
    counts once for every place it is named."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if done or not children:
            sizes[id(node)] = 1 + sum(sizes.get(id(c), 1) for c in children)
            if sizes[id(node)] > limit:
                raise PressroomError(
                    path,
                    f"YAML expands to more than {limit:,} values (aliases nested too deeply)",
                    node.start_mark.line + first_line,
                )
            continue
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _check_nodes(path: Path, root: yaml.Node | None, first_line: int) -> None:
    """What YAML takes silently but a writer means otherwise: a key given twice (the last
    would win), and escapes ("\\ud800", "\\x07") making characters text cannot hold."""
    for node in _nodes(root) if root is not None else ():
        if isinstance(node, yaml.ScalarNode):
            bad = bad_character(str(node.value))
            if bad is not None:
                raise PressroomError(
                    path,
                    f"{bad[1]} in a value: not allowed in text",
                    node.start_mark.line + first_line,
                )
        elif isinstance(node, yaml.MappingNode):
            seen: dict[object, int] = {}
            for key, _ in node.value:
                if not isinstance(key, yaml.ScalarNode):
                    continue
                line = key.start_mark.line + first_line
                if key.value in seen:
                    raise PressroomError(
                        path,
                        f"'{key.value}' is given twice (first on line {seen[key.value]}); keep one",
                        line,
                    )
                seen[key.value] = line


def _bad_timestamp_line(loader: yaml.SafeLoader, root: yaml.Node, first_line: int) -> int | None:
    """The line of the first value YAML reads as a date that names no day."""
    for node in _nodes(root):
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":timestamp"):
            try:
                loader.construct_yaml_timestamp(node)
            except ValueError:
                return node.start_mark.line + first_line
    return None


def split_front_matter(path: Path, text: str) -> tuple[str | None, str, int]:
    """(front matter or None, body, line number where the body starts)."""
    lines = text.split("\n")
    if lines[0].strip() != "---":
        return None, text, 1
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1 :]), i + 2
    raise PressroomError(path, "front matter is not closed: add a '---' line after it", 1)


def parse_override(path: Path, pair: str) -> Layer:
    """`-M key=value` (or `-M key` for true), as Pandoc takes it."""
    key, sep, value = pair.partition("=")
    key = key.strip()
    if not key:
        raise PressroomError(path, f"-M {pair!r}: expected key=value")
    parsed: Any = value if sep else True
    if value.strip().lower() in ("true", "false"):
        parsed = value.strip().lower() == "true"
    return Layer(path=path, data={key: parsed})


def warn_unknown(
    layer: Layer, diagnostics: Diagnostics, allowed: frozenset[str], what: str = "key"
) -> None:
    """B-KEY for each key of `layer` not in `allowed`, at its line."""
    for key in layer.data:
        if key not in allowed:
            diagnostics.warn(
                "B-KEY",
                layer.path,
                f"unknown {what} '{key}' (not used; see the README for the keys)",
                layer.line(key),
            )


def merge(layers: list[Layer]) -> dict[str, Layer]:
    """Each key → the layer it comes from: the last layer that sets it."""
    winner: dict[str, Layer] = {}
    for layer in layers:
        for key in layer.data:
            winner[key] = layer
    # `author` and `authors`, `lang` and `language` are one key each, spelt two ways.
    for short, long in (("author", "authors"), ("lang", "language")):
        if short in winner and long in winner:
            order = layers.index(winner[short]) >= layers.index(winner[long])
            winner.pop(long if order else short)
    return winner


def parse_metadata(layers: list[Layer], fallback: Path) -> Metadata:
    """Metadata from the merged layers; errors name the file and line of the bad value."""
    winner = merge(layers)

    def where(key: str) -> tuple[Path, int | None]:
        layer = winner.get(key)
        return (layer.path, layer.line(key)) if layer else (fallback, None)

    def value(key: str) -> Any:
        layer = winner.get(key)
        return layer.data[key] if layer else None

    def fail(key: str, message: str) -> PressroomError:
        path, line = where(key)
        return PressroomError(path, message, line)

    def text_field(key: str) -> str | None:
        found = value(key)
        if found is None or (isinstance(found, str) and not found.strip()):
            return None
        if isinstance(found, (dt.date, int, float)) and not isinstance(found, bool):
            found = str(found)
        if not isinstance(found, str):
            raise fail(key, f"'{key}' must be text")
        return " ".join(found.split())

    title = text_field("title")
    if title is None:
        path, line = where("title")
        first = next((layer for layer in reversed(layers) if layer.lines), None)
        raise PressroomError(
            path if "title" in winner else (first.path if first else path),
            "front matter has no 'title'",
            line or (2 if first else 1),
        )
    author_key = "author" if "author" in winner else "authors"
    authors = parse_authors(value(author_key), lambda m: fail(author_key, m))
    lang_key = "lang" if "lang" in winner else "language"
    lang = text_field(lang_key) or "en"
    if not LANG_TAG.match(lang):
        raise fail(lang_key, f"'lang: {lang}' is not a language tag such as en or hy-AM")
    keywords = value("keywords") or ()
    if isinstance(keywords, str):
        keywords = [k.strip() for k in keywords.split(",")]
    if not isinstance(keywords, (list, tuple)):
        raise fail("keywords", "'keywords' must be a list")
    identifier = text_field("identifier") or stable_identifier(title, authors)
    shown = {
        key: smarten(text_field(key) or "") or None
        for key in ("subtitle", "short_title", "publisher", "rights", "description")
    }
    toc = value("toc")
    if toc is not None and not isinstance(toc, bool):
        raise fail("toc", "'toc' must be true or false")
    depth = value("toc-depth")
    if isinstance(depth, str) and depth.strip().isdigit():  # -M toc-depth=3
        depth = int(depth)
    if depth is not None and (
        not isinstance(depth, int) or isinstance(depth, bool) or not 1 <= depth <= 6
    ):
        raise fail("toc-depth", "'toc-depth' must be a whole number from 1 to 6")
    series_index = value("series-index")
    if series_index is not None:
        series_index = str(series_index).strip()
        if not re.fullmatch(r"\d+(\.\d+)?", series_index):
            raise fail("series-index", "'series-index' must be a number such as 2 or 2.5")
    number_sections = value("number-sections")
    if number_sections is not None and not isinstance(number_sections, bool):
        raise fail("number-sections", "'number-sections' must be true or false")
    isbn = parse_isbn(value("isbn"), lambda m: fail("isbn", m))
    cover_page = value("cover-page")
    if cover_page is not None and not isinstance(cover_page, bool):
        raise fail("cover-page", "'cover-page' must be true or false")
    if isbn and not text_field("identifier"):
        identifier = f"urn:isbn:{isbn}"
    return Metadata(
        contributors=parse_contributors(value, fail),
        series=smarten(text_field("series") or "") or None,
        series_index=series_index if text_field("series") else None,
        isbn=isbn,
        number_sections=bool(number_sections),
        cover_page=True if cover_page is None else cover_page,
        toc=True if toc is None else toc,
        toc_depth=2 if depth is None else depth,
        title=smarten(title),
        authors=authors,
        lang=lang,
        identifier=identifier,
        date=parse_date(value("date"), lambda m: fail("date", m)),
        keywords=tuple(str(k).strip() for k in keywords if str(k).strip()),
        original=parse_original(value("original"), lambda m: fail("original", m)),
        **shown,
    )


def parse_authors(value: Any, fail) -> tuple[Author, ...]:
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
            raise fail("each author needs a 'name' (and may have a 'bio')")
        if not isinstance(bio, str):
            raise fail(f"the bio of {name} must be text")
        authors.append(
            Author(
                name=" ".join(name.split()), bio=smarten(" ".join(bio.split())), id=f"author-{i}"
            )
        )
    return tuple(authors)


def parse_contributors(value: Callable[[str], Any], fail) -> tuple[Contributor, ...]:
    """`translator: A. Name` (or a list) for each role in ROLES, then `contributors:` as
    a list of `{name, role}` with a role word or a MARC relator code."""
    found: list[Contributor] = []
    codes = set(ROLES.values())
    for key, code in ROLES.items():
        names = value(key)
        if names is None:
            continue
        for name in names if isinstance(names, list) else [names]:
            if not isinstance(name, str) or not name.strip():
                raise fail(key, f"'{key}' must be a name or a list of names")
            found.append(Contributor(" ".join(name.split()), code))
    listed = value("contributors")
    if listed is not None:
        for item in listed if isinstance(listed, list) else [listed]:
            name = item.get("name") if isinstance(item, dict) else None
            role = str(item.get("role") or "contributor").strip() if isinstance(item, dict) else ""
            if not isinstance(name, str) or not name.strip():
                raise fail("contributors", "each contributor needs a 'name' and a 'role'")
            code = ROLES.get(role.lower(), role.lower())
            if code not in codes:
                raise fail(
                    "contributors",
                    f"role {role!r} of {name} is not one of {', '.join(ROLES)} "
                    f"(or their MARC codes {', '.join(sorted(codes))})",
                )
            found.append(Contributor(" ".join(name.split()), code))
    return tuple(found)


def parse_isbn(value: Any, fail) -> str | None:
    """An ISBN-13, or an ISBN-10 made into one, as 13 digits; its check digit must hold."""
    if value is None:
        return None
    digits = re.sub(r"[\s-]", "", str(value)).upper()
    if re.fullmatch(r"\d{9}[\dX]", digits):
        check = sum((10 - i) * (10 if c == "X" else int(c)) for i, c in enumerate(digits))
        if check % 11:
            raise fail(f"'isbn: {value}' has a wrong check digit")
        digits = "978" + digits[:9]
        digits += str((10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits))) % 10)
    if not re.fullmatch(r"97[89]\d{10}", digits):
        raise fail(f"'isbn: {value}' is not an ISBN (13 digits starting 978 or 979, or 10)")
    if sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits)) % 10:
        raise fail(f"'isbn: {value}' has a wrong check digit")
    return digits


def parse_date(value: Any, fail) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", text):
        try:  # a date that matches the pattern can still name no day (2021-13-45)
            dt.date(*[int(p) for p in text.split("-")] + [1] * (2 - text.count("-")))
        except ValueError:
            raise fail(f"'date: {text}' is not a real date") from None
        return text
    raise fail(f"'date: {text}' is not a date like 2021-08-26")


def parse_original(value: Any, fail) -> Original | None:
    if value is None:
        return None
    if isinstance(value, str):
        return Original(publication=value)
    if not isinstance(value, dict) or not value.get("publication"):
        raise fail("'original' needs a 'publication'")
    return Original(
        publication=str(value["publication"]),
        date=parse_date(value.get("date"), fail),
        url=value.get("url"),
        responds_to=value.get("responds_to"),
    )


def stable_identifier(title: str, authors: tuple[Author, ...]) -> str:
    """The same title and authors always give the same identifier."""
    key = "\n".join([title, *(a.name for a in authors)])
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'pressroom:' + key)}"
