"""The one Jinja layout step: templates are data, in the theme's `templates/` folder.

Writers hand templates the shared Document plus the bodies they transformed; the filters
here turn element trees back into markup for HTML (print) or XHTML (EPUB), and format what
readers see (dates, names) in the book's language.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal
from xml.etree import ElementTree as ET

import jinja2
from babel.core import UnknownLocaleError
from babel.dates import format_date
from markupsafe import Markup

from .themes import Theme


@cache
def environment(theme: Theme) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: _source(theme, name)),
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


def _source(theme: Theme, name: str) -> tuple[str, None, Any] | None:
    found = theme.find(f"templates/{name}")
    if found is None:
        return None
    return found.read_text("utf-8"), None, lambda: True


def render(theme: Theme, template: str, **context: Any) -> str:
    return environment(theme).get_template(template).render(**context)


def inner(el: ET.Element, method: Literal["xml", "html"]) -> str:
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


def long_date(iso: str, lang: str = "en") -> str:
    """2021-08-26 → 26 August 2021 in English, 26 août 2021 in French (partial dates stay
    partial: 2021-08 → August 2021)."""
    parts = [int(p) for p in iso.split("-")]
    locale = lang.replace("-", "_")
    try:
        if len(parts) == 3:
            return format_date(
                dt.date(*parts),
                format="long" if not lang.startswith("en") else "d MMMM y",
                locale=locale,
            )
        if len(parts) == 2:
            return format_date(dt.date(parts[0], parts[1], 1), format="LLLL y", locale=locale)
    except (
        ValueError,
        LookupError,
        UnknownLocaleError,
    ):  # a language babel does not know: the ISO form
        return iso
    return str(parts[0])


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
