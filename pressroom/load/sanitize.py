"""Raw HTML allowed in Markdown, reduced to safe, well-formed XHTML.

Markdown lets authors write any HTML. Nothing that runs, embeds or reaches the network may
ship in a book, and EPUB needs well-formed XML, so the converted HTML is re-emitted from an
allow-list: unknown tags are unwrapped (their text kept), dangerous ones dropped with their
content, attributes filtered, remote and data: resources removed with a warning.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from xml.sax.saxutils import escape, quoteattr

VOID = {"br", "hr", "img", "col", "wbr"}
# Elements HTML never closes: dropping one must not wait for its end tag.
HTML_VOID = VOID | {"area", "base", "embed", "input", "link", "meta", "param", "source", "track"}
ALLOWED = VOID | {
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "em",
    "strong",
    "b",
    "i",
    "u",
    "s",
    "sub",
    "sup",
    "small",
    "mark",
    "abbr",
    "cite",
    "q",
    "dfn",
    "code",
    "kbd",
    "samp",
    "var",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "caption",
    "colgroup",
    "a",
    "figure",
    "figcaption",
    "div",
    "span",
    "section",
    "aside",
    "del",
    "ins",
    "time",
    "bdi",
    "bdo",
    "ruby",
    "rt",
    "rp",
}
# Dropped together with everything inside them.
DROPPED = {
    "script",
    "style",
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "noscript",
    "template",
    "form",
    "input",
    "button",
    "select",
    "textarea",
    "option",
    "svg",
    "annotation-xml",
    "audio",
    "video",
    "source",
    "track",
    "canvas",
    "link",
    "meta",
    "base",
    "title",
    "head",
    "portal",
    "dialog",
}
# MathML (Presentation, as EPUB 3 allows it): no links, no scripts, no foreign content.
MATHML = {
    "math",
    "mi",
    "mn",
    "mo",
    "ms",
    "mtext",
    "mspace",
    "mrow",
    "mfrac",
    "msqrt",
    "mroot",
    "mstyle",
    "merror",
    "mpadded",
    "mphantom",
    "mfenced",
    "menclose",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mmultiscripts",
    "mprescripts",
    "none",
    "mtable",
    "mtr",
    "mlabeledtr",
    "mtd",
    "semantics",
    "annotation",
}
MATHML_ATTRS = {
    "alttext",
    "display",
    "mathvariant",
    "mathsize",
    "displaystyle",
    "scriptlevel",
    "stretchy",
    "symmetric",
    "fence",
    "separator",
    "largeop",
    "movablelimits",
    "accent",
    "accentunder",
    "form",
    "lspace",
    "rspace",
    "minsize",
    "maxsize",
    "width",
    "height",
    "depth",
    "voffset",
    "linethickness",
    "notation",
    "open",
    "close",
    "separators",
    "columnalign",
    "rowalign",
    "columnspacing",
    "rowspacing",
    "columnlines",
    "rowlines",
    "columnspan",
    "rowspan",
    "frame",
    "encoding",
}
ALLOWED |= MATHML
COMMON_ATTRS = {"id", "class", "lang", "title", "dir"}
# Classes Pressroom gives its own elements after the Markdown is read (`load/notes.py`).
RESERVED_CLASSES = frozenset({"noteref"})
TAG_ATTRS = {
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start", "reversed", "type"},
    "col": {"span"},
    "colgroup": {"span"},
    "time": {"datetime"},
    "section": {"role"},
    **{tag: MATHML_ATTRS for tag in MATHML},
}
# Inline style is kept only for what Markdown itself writes: a table column's alignment and
# an image's size (`{width=50%}`). Anything else in a style attribute goes.
STYLES = {
    "img": {"width", "height", "max-width"},
    "p": {"text-align"},
    "div": {"text-align"},
    "td": {"text-align"},
    "th": {"text-align"},
}
ALIGNED = {"p", "div", "td", "th"}
LENGTH = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:px|cm|mm|in|pt|pc|em|rem|ex|ch|%)")
SIZE = re.compile(LENGTH.pattern + "|auto")
STYLE_VALUES = {
    "width": SIZE,
    "height": SIZE,
    "max-width": LENGTH,
    "text-align": re.compile(r"left|right|center|justify|start|end"),
}
SAFE_LINK = re.compile(r"^(https?:|mailto:|#)", re.I)
HAS_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*:|//)", re.I)


Event = tuple[str, str, list[tuple[str, str | None]]]


class _Sanitizer(HTMLParser):
    def __init__(self, depth: int) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = depth  # deeper elements are unwrapped: their text stays, the nesting goes
        self.out: list[str] = []
        self.open: list[str] = []  # allowed elements currently open
        self.warnings: list[str] = []
        # Inside a dropped element: its tag, how deep in dropped elements, the elements
        # opened within it, and everything seen since it opened, to replay if it never ends.
        self.skipping: str | None = None
        self.skip = 0
        self.inner: list[str] = []
        self.held: list[Event] = []

    # -- helpers -----------------------------------------------------------------------
    def _attrs(self, tag: str, attrs: list[tuple[str, str | None]]) -> list[tuple[str, str]] | None:
        keep = COMMON_ATTRS | TAG_ATTRS.get(tag, set())
        result = []
        styles: dict[str, str] = {}
        for name, value in attrs:
            name = name.lower()
            value = value or ""
            if name == "style":
                styles |= self._style(tag, value)
                continue
            if name in ("width", "height") and tag == "img":
                # HTML's width and height are pixels, digits only (EPUBCheck: RSC-005);
                # `{width=50%}` or `width="3cm"` is a CSS size. Either is the author's
                # size, kept as CSS too: an image sized so is a picture, not an icon.
                size = value.strip()
                styles |= self._style(
                    tag, f"{name}: {size}px" if size.isdigit() else f"{name}: {size}"
                )
                if not size.isdigit():
                    continue
            if name == "align" and tag in ALIGNED:  # how READMEs centre a picture
                styles |= self._style(tag, f"text-align: {value}")
                continue
            if name not in keep:
                continue
            if name == "href" and not SAFE_LINK.match(value.strip()):
                self.warnings.append(
                    f"link to {value!r} removed (only web, mailto and in-text links)"
                )
                continue
            if name == "role" and value != "doc-bibliography":
                continue  # the one role Pressroom writes itself (a bibliography)
            if name == "class" and RESERVED_CLASSES & set(value.split()):
                # A note's call is Pressroom's own (made from [^note]): written by hand it
                # would be a call to no note.
                self.warnings.append(
                    f"class {value!r} on <{tag}> removed: Pressroom makes its note calls itself"
                )
                value = " ".join(c for c in value.split() if c not in RESERVED_CLASSES)
                if not value:
                    continue
            if name == "src" and (HAS_SCHEME.match(value.strip()) or not value.strip()):
                self.warnings.append(
                    f"image {value!r} not included: a book holds only its own image files"
                )
                return None
            result.append((name, value))
        if styles:
            result.append(("style", " ".join(f"{k}: {v};" for k, v in styles.items())))
        return result

    def _style(self, tag: str, style: str) -> dict[str, str]:
        """The declarations of `style` allowed on `tag`, with values CSS reads safely."""
        kept = {}
        for declaration in style.split(";"):
            name, _, value = (part.strip().lower() for part in declaration.partition(":"))
            if not name:
                continue
            if name not in STYLES.get(tag, ()):
                continue  # dropped quietly, as any attribute not on the list
            if STYLE_VALUES[name].fullmatch(value):
                kept[name] = value
            else:
                self.warnings.append(
                    f"{name} {value!r} on <{tag}> removed (not a size or an alignment)"
                )
        return kept

    def _close_to(self, tag: str) -> None:
        while self.open:
            top = self.open.pop()
            self.out.append(f"</{top}>")
            if top == tag:
                return

    def _unclosed(self) -> None:
        """A dropped element that never ends (its parent ends first, or the text does) is
        taken as empty: the tag goes, and what followed it is sanitized like any text.
        Dropping it all would silently lose the rest of the chapter, or of the book."""
        tag, held = self.skipping, self.held
        self.skipping, self.skip, self.inner, self.held = None, 0, [], []
        self.warnings[-1] = f"<{tag}> removed; it is not closed, so the text after it is kept"
        for kind, name, attrs in held:
            if kind == "start":
                self.handle_starttag(name, attrs)
            elif kind == "startend":
                self.handle_startendtag(name, attrs)
            elif kind == "end":
                self.handle_endtag(name)
            else:
                self.handle_data(name)

    # -- parser events -----------------------------------------------------------------
    def handle_starttag(self, tag, attrs):
        if self.skipping:
            self.held.append(("start", tag, attrs))
            if tag in DROPPED and tag not in HTML_VOID:
                self.skip += 1
            elif tag not in HTML_VOID:
                self.inner.append(tag)
            return
        if tag in DROPPED:
            self.warnings.append(f"<{tag}> removed")
            if tag not in HTML_VOID:
                self.skipping, self.skip = tag, 1
            return
        if "math" in self.open and tag not in MATHML:
            self._close_to("math")  # only MathML inside a formula: a paragraph ends it
        if tag not in ALLOWED or len(self.open) >= self.depth:
            return  # unwrap: keep the text, lose the tag
        kept = self._attrs(tag, attrs)
        if kept is None:
            return
        text = "".join(f" {n}={quoteattr(v)}" for n, v in kept)
        if tag in VOID:
            self.out.append(f"<{tag}{text} />")
        else:
            self.out.append(f"<{tag}{text}>")
            self.open.append(tag)

    def handle_startendtag(self, tag, attrs):
        if self.skipping:
            self.held.append(("startend", tag, attrs))
            return  # `<circle/>` inside a dropped <svg>: nothing opens
        self.handle_starttag(tag, attrs)
        if tag in DROPPED and tag not in HTML_VOID and self.skipping == tag and self.skip == 1:
            self.skipping, self.skip = None, 0  # self-closed: no content to skip
        elif tag not in VOID and self.open and self.open[-1] == tag:
            self._close_to(tag)

    def handle_endtag(self, tag):
        if self.skipping:
            if tag in DROPPED:
                self.skip -= 1
                if self.skip == 0:  # the dropped element ends: drop all it held
                    self.skipping, self.inner, self.held = None, [], []
                else:
                    self.held.append(("end", tag, []))
                return
            if tag in self.inner:
                while self.inner and self.inner.pop() != tag:
                    pass
                self.held.append(("end", tag, []))
                return
            if tag in self.open:  # a parent ends before the dropped element did
                self._unclosed()
            else:
                self.held.append(("end", tag, []))
                return
        if tag in self.open:
            self._close_to(tag)

    def handle_data(self, data):
        if self.skipping:
            self.held.append(("data", data, []))
        else:
            self.out.append(escape(data))

    def close(self) -> None:
        if self.cdata_elem:
            # An unclosed <script> or <style>: the parser still holds everything after it
            # as raw text. Read that as markup again, so `_unclosed` can keep it.
            self.clear_cdata_mode()
        super().close()
        while self.skipping:
            self._unclosed()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")


def sanitize(html: str, depth: int = 200) -> tuple[str, list[str]]:
    """Return (safe XHTML fragment, warnings); elements nested deeper than `depth` lose
    their tags (not their text)."""
    parser = _Sanitizer(depth)
    parser.feed(html)
    parser.close()
    return "".join(parser.out), parser.warnings
