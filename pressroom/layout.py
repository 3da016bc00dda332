"""The one Jinja layout step: templates are data, in the theme's `templates/` folder.

Writers hand templates the shared Document plus the bodies they transformed; the filters
here turn element trees back into markup for HTML (print) or XHTML (EPUB), and format what
readers see (dates, names) in the book's language.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Any, Literal
from xml.etree import ElementTree as ET

import jinja2
from babel.core import UnknownLocaleError
from babel.dates import format_date
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .errors import PressroomError
from .themes import Theme


@cache
def environment(theme: Theme) -> jinja2.Environment:
    """A theme's templates are data a project may send: they run sandboxed (no attribute
    that starts with an underscore, no Python object's internals, no changing what they are
    given), and read only the theme's own `templates/`."""
    env = ImmutableSandboxedEnvironment(
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


TEMPLATES = "templates/"
_LOADED: set[str] = set()  # the file names of every template loaded (see `_where`)


def _source(theme: Theme, name: str) -> tuple[str, str, Any] | None:
    found = theme.find(f"{TEMPLATES}{name}")
    if found is None:
        return None
    # A user's theme file by its path; the default theme's by its name in the theme.
    filename = str(found) if isinstance(found, Path) else f"{theme.name} theme: {TEMPLATES}{name}"
    _LOADED.add(filename)
    return found.read_text("utf-8"), filename, lambda: True


def render(theme: Theme, template: str, **context: Any) -> str:
    """`template` of `theme` made with `context`; a template that fails (a syntax error,
    an undefined name, a reach past the sandbox) is one error naming its file and line."""
    try:
        return environment(theme).get_template(template).render(**context)
    except jinja2.TemplateError as err:
        name, line = _where(err, f"{theme.name} theme: {TEMPLATES}{template}")
        raise PressroomError(name, f"template: {_first_line(err)}", line, "B-THEME") from None


def _where(err: jinja2.TemplateError, fallback: str) -> tuple[str, int | None]:
    """The theme file and line a template error arose at: a syntax error says; otherwise
    the innermost frame of a template (Jinja rewrites the traceback to name them)."""
    if isinstance(err, jinja2.TemplateSyntaxError):
        return err.filename or fallback, err.lineno
    found: tuple[str, int | None] = (fallback, None)
    trace = err.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if filename in _LOADED:
            found = (filename, trace.tb_lineno)
        trace = trace.tb_next
    return found


def _first_line(err: Exception) -> str:
    if isinstance(err, jinja2.TemplateNotFound):
        return (
            f"no template {err.name!r} in the theme (a template reads only its theme's templates/)"
        )
    text = str(err).strip().splitlines()
    message = text[0] if text else type(err).__name__
    return message if len(message) <= 200 else message[:199] + "…"


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
