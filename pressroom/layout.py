"""The one Jinja layout step: templates are data, in `pressroom/templates/`.

Writers hand templates the shared Document plus the bodies they transformed; these helpers
turn element trees back into markup for HTML (print) or XHTML (EPUB).
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from xml.etree import ElementTree as ET

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
STYLES = Path(__file__).resolve().parent.parent / "styles"


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["html"] = html
    env.filters["xhtml"] = xhtml
    env.filters["cssstring"] = css_string
    env.filters["longdate"] = long_date
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def inner(el: ET.Element, method: str) -> str:
    """Serialize an element's content, without the element itself."""
    parts = [_escape(el.text or "")]
    parts += [ET.tostring(child, encoding="unicode", method=method) for child in el]
    return "".join(parts)


def html(el: ET.Element) -> Markup:
    """Content as HTML: HTML parsers mis-read `<span />`, so non-void elements get end tags."""
    return Markup(inner(el, "html"))


def xhtml(el: ET.Element) -> Markup:
    return Markup(inner(el, "xml"))


def css_string(text: str) -> Markup:
    """A CSS string literal: every non-alphanumeric ASCII character escaped as hex."""
    out = "".join(c if c.isalnum() or c == " " or ord(c) > 127 else f"\\{ord(c):x} " for c in text)
    return Markup(f'"{out}"')


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December"]


def long_date(iso: str) -> str:
    """2021-08-26 → 26 August 2021 (partial dates stay partial)."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        return f"{parts[2]} {MONTHS[parts[1] - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTHS[parts[1] - 1]} {parts[0]}"
    return str(parts[0])


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def drop_class(body: ET.Element, name: str) -> ET.Element:
    """A copy of `body` without the blocks of class `name` (e.g. pull quotes in running text)."""
    body = copy.deepcopy(body)
    for parent in list(body.iter()):
        for child in list(parent):
            if name in (child.get("class") or "").split():
                tail = child.tail
                parent.remove(child)
                if tail and tail.strip():
                    parent.text = (parent.text or "") + tail
    return body


def replace(parent: ET.Element, old: ET.Element, new: ET.Element) -> None:
    """Put `new` where `old` stands, keeping the text that followed it."""
    new.tail = old.tail
    parent[list(parent).index(old)] = new
