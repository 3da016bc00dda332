"""What HTML elements may hold, from the HTML standard's content categories, as data: the
loader fits a book's body to it (`load/content.py`) and the EPUB's own rules check every
file against it (`checks/epub.py`, E-MODEL)."""

# Elements whose content is phrasing content only (HTML: "Content model: Phrasing content").
PHRASING_ONLY = frozenset({
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dt", "caption", "legend", "summary",
    "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "label",
    "mark", "q", "rp", "rt", "ruby", "s", "samp", "small", "span", "strong", "sub", "sup",
    "time", "u", "var",
})  # fmt: skip
# Transparent: their content model is their parent's.
TRANSPARENT = frozenset({"a", "del", "ins", "map", "object", "audio", "video", "canvas"})
# Flow content that is not phrasing content: what cannot stand inside a paragraph.
BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "details", "dialog", "div", "dl",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "main", "menu", "nav", "ol", "p", "pre", "search", "section",
    "table", "ul",
})  # fmt: skip
LISTS = frozenset({"ul", "ol", "menu"})
LIST_ITEMS = frozenset({"li", "script", "template"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
