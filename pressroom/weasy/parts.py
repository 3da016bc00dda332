"""A part of a long book laid out on its own (`writers/parts.py`): what WeasyPrint is told
of the rest of the book, and what it is asked of its pages. Each patch is the identity
outside a part (its context variable unset)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any

from weasyprint import document as weasyprint_document
from weasyprint import layout as weasyprint_layout
from weasyprint import pdf as weasyprint_pdf
from weasyprint.css.targets import TargetCollector, TargetLookupItem

from .notes import boxes
from .patch import Patch, Patcher, Target

# Told when the part is paginated (before its margin boxes are made).
PAGINATED: ContextVar[Callable[[Any], None] | None] = ContextVar(
    "pressroom_paginated", default=None
)
# Targets in the other parts: their page numbers, by id.
ELSEWHERE: ContextVar[dict[str, int]] = ContextVar("pressroom_elsewhere", default={})  # noqa: B039
# Every id of the book: links to them are kept though their anchors are in another part.
LINKED: ContextVar[frozenset[str]] = ContextVar("pressroom_linked", default=frozenset())


def _install_paginated(patcher: Patcher) -> None:
    def make(original: Any) -> Any:
        def pressroom_make_margin_boxes(context: Any, page: Any, state: Any) -> Any:
            told = PAGINATED.get()
            if told is not None and context.current_page == 1:
                told(context)
            return original(context, page, state)

        return pressroom_make_margin_boxes

    patcher.put(weasyprint_layout, "make_margin_boxes", make)


def page_count(context: Any) -> int:
    """The pages of a part paginated (`PAGINATED`), told before its margin boxes."""
    return len(context.page_maker) - 1


def anchors_by_page(context: Any) -> dict[str, int]:
    """Where each anchor of a paginated part fell: its page's index."""
    pages = page_count(context)
    return {
        name: index
        for index, entry in enumerate(context.page_maker[:pages])
        for name in entry[-1]["anchors"]
    }


def renumber(context: Any, offset: int) -> None:
    """Add `offset` to every page number of a paginated part, before its margin boxes are
    made from them."""
    for entry in context.page_maker:
        values = entry[3][1]
        if "page" in values:
            values["page"] = [value + offset for value in values["page"]]


PAGINATION = Patch(
    name="told-when-paginated",
    kind="behaviour",
    targets=(
        Target("weasyprint.layout", "make_margin_boxes", ("context", "page", "state")),
        Target(
            "weasyprint.layout.page",
            "make_all_pages",
            ("context", "root_box", "html", "pages"),
        ),
    ),
    why=(
        "a part's page numbers are set once it is paginated, from the page counts of the parts "
        "before it, before its running heads and folios are made"
    ),
    test="tests/test_parts.py::test_the_book_in_parts_is_the_book_laid_out_whole",
    install=_install_paginated,
)


class _Elsewhere:
    """A target in another part: its page number, as a laid-out target's counters."""

    def __init__(self, number: int):
        self.cached_counter_values = {"page": [number]}

    def extract_text(self, style: Any) -> str:
        return ""


class PartTargets(TargetCollector):
    """WeasyPrint's targets, with those of the other parts known by their page numbers."""

    def __init__(self) -> None:
        super().__init__()
        for name, number in ELSEWHERE.get().items():
            item = TargetLookupItem("up-to-date")
            item.target_box = _Elsewhere(number)
            self.target_lookup_items[name] = item


TARGETS = Patch(
    name="targets-in-other-parts",
    kind="behaviour",
    targets=(
        Target("weasyprint.document", "TargetCollector"),
        Target("weasyprint.css.targets", "TargetCollector.__init__", ("self",)),
        Target("weasyprint.css.targets", "TargetLookupItem.__init__", ("self", "state")),
    ),
    why="a cross-reference to another part's page gets that page's number",
    test="tests/test_parts.py::test_the_book_in_parts_is_the_book_laid_out_whole",
    install=lambda patcher: patcher.put(
        weasyprint_document, "TargetCollector", lambda _: PartTargets
    ),
)


def _install_links(patcher: Patcher) -> None:
    """A link to another part's anchor is kept: the joined PDF has its destination.
    WeasyPrint drops links whose anchor is not among the document's own."""

    def make(original: Any) -> Any:
        def pressroom_resolve_links(pages: Any) -> Iterator[Any]:
            elsewhere = LINKED.get()
            if not elsewhere:
                yield from original(pages)
                return
            seen: set[str] = set()
            paged: list[list[tuple[str, float, float]]] = []
            for page in pages:
                paged.append([])
                for name, (x, y, _, _) in page.anchors.items():
                    if name not in seen:
                        paged[-1].append((name, x, y))
                        seen.add(name)
            for page, anchors in zip(pages, paged, strict=True):
                links = [
                    link
                    for link in page.links
                    if link[0] != "internal" or link[1] in seen or link[1] in elsewhere
                ]
                yield links, anchors

        return pressroom_resolve_links

    patcher.put(weasyprint_pdf, "resolve_links", make)


LINKS = Patch(
    name="links-to-other-parts",
    kind="behaviour",
    targets=(Target("weasyprint.pdf", "resolve_links", ("pages",)),),
    why="a link to another part's anchor is kept; the joined PDF has its destination",
    test="tests/test_parts.py::test_the_book_in_parts_is_the_book_laid_out_whole",
    install=_install_links,
)


def opens_on_recto(pages: Any, chapter: str) -> bool:
    """A part's first chapter opens on its third page, after the lead and a blank verso,
    and would in the whole book too: its own style breaks to a recto."""
    laid = pages.pages
    if (
        len(laid) < 3
        or laid[0].anchors
        or laid[1].anchors
        or not laid[1]._page_box.page_type.blank
        or chapter not in laid[2].anchors
    ):
        return False
    box = next(
        (b for b in boxes(laid[2]) if b.element is not None and b.element.get("id") == chapter),
        None,
    )
    rtl = box is not None and box.style["direction"] == "rtl"
    return box is not None and box.style["break_before"] in ("recto", "left" if rtl else "right")


PATCHES = (PAGINATION, TARGETS, LINKS)
