"""Footnotes: where WeasyPrint 70 places them, how fast, and how their calls link to them.

Pressroom's layouts use `NoteContext`, its own subclass of WeasyPrint's `LayoutContext`,
while a window is open (`patch.window`); each patch below turns one of its behaviours on.
"""

from __future__ import annotations

import dis
import math
import sys
from collections.abc import Iterator
from typing import Any

from weasyprint import css as weasyprint_css
from weasyprint import document as weasyprint_document
from weasyprint.formatting_structure.boxes import FootnoteAreaBox, InlineBox, LineBox
from weasyprint.formatting_structure.build import create_anonymous_boxes
from weasyprint.layout import LayoutContext
from weasyprint.layout import block as weasyprint_block
from weasyprint.layout import page as weasyprint_page
from weasyprint.layout.block import block_level_layout

from ..markup import NOTE_ELEMENT
from .patch import Patch, Patcher, Target


class _Notes(list):
    """The notes still to place: a box that is not a note's call (`footnote` None) is not
    among them, which a list would learn by comparing it with every note."""

    def __contains__(self, item: object) -> bool:
        return item is not None and list.__contains__(self, item)


class NoteContext(LayoutContext):
    """WeasyPrint's layout context, with Pressroom's footnote policy and note measures.
    Each flag is set by its patch for the length of a window; all off, this is
    WeasyPrint's own class."""

    measure_notes = False  # footnote-area-by-note
    notes_with_calls = False  # notes-stay-with-their-calls
    calls_only = False  # a-lines-notes-among-its-calls

    # WeasyPrint's line layout, whose single read of `in_column` decides whether a line
    # that must stay on the page may push the page's notes to the next one.
    line_layout: Any = None

    @property
    def in_column(self) -> bool:
        if self._in_column:
            return True
        # Only that read, in that function: everywhere else the context is not in a column.
        return self.notes_with_calls and sys._getframe(1).f_code is self.line_layout

    @in_column.setter
    def in_column(self, value: bool) -> None:
        self._in_column = value

    @property
    def footnotes(self) -> list[Any]:
        return self._footnotes

    @footnotes.setter
    def footnotes(self, value: list[Any]) -> None:
        self._footnotes = _Notes(value) if self.calls_only else value

    def _update_footnote_area(self) -> bool:
        if not self.measure_notes:
            return super()._update_footnote_area()
        return _footnote_area(self)


def _use_note_context(patcher: Patcher, flag: str) -> None:
    patcher.put(NoteContext, flag, lambda _: True)
    patcher.put(weasyprint_document, "LayoutContext", lambda _: NoteContext)


# --- notes-stay-with-their-calls (behaviour) ---

# In WeasyPrint's line layout, a line overflows the page where the block's orphans and
# widows allow a break after it but not before it: then
#   report = not context.in_column and can_break_now and not could_break_before
# moves the page's last notes, whose calls are already set, to the next page to make room.


def _line_layout_reads_in_column_once() -> str | None:
    """`_linebox_layout` reads `context.in_column` exactly once, into `report`."""
    code = weasyprint_block._linebox_layout.__code__
    instructions = list(dis.get_instructions(code))
    reads = [i for i, ins in enumerate(instructions) if ins.argval == "in_column"]
    if len(reads) != 1:
        return (
            f"weasyprint.layout.block._linebox_layout reads in_column {len(reads)} times, not once"
        )
    stored = next(
        (ins.argval for ins in instructions[reads[0] :] if ins.opname.startswith("STORE")), None
    )
    if stored != "report":
        return "weasyprint.layout.block._linebox_layout no longer decides `report` from in_column"
    return None


def _install_notes_with_calls(patcher: Patcher) -> None:
    patcher.put(NoteContext, "line_layout", lambda _: weasyprint_block._linebox_layout.__code__)
    _use_note_context(patcher, "notes_with_calls")


NOTES_WITH_CALLS = Patch(
    name="notes-stay-with-their-calls",
    kind="behaviour",
    targets=(
        Target(
            "weasyprint.layout.block",
            "_linebox_layout",
            (
                "context",
                "box",
                "index",
                "child",
                "new_children",
                "page_is_empty",
                "absolute_boxes",
                "fixed_boxes",
                "adjoining_margins",
                "bottom_space",
                "position_y",
                "skip_stack",
                "first_letter_style",
                "first_line_style",
                "draw_bottom_decoration",
                "max_lines",
            ),
        ),
        Target(
            "weasyprint.layout",
            "LayoutContext.__init__",
            (
                "self",
                "style_for",
                "get_image_from_uri",
                "font_config",
                "counter_style",
                "target_collector",
            ),
        ),
        Target("weasyprint.document", "LayoutContext"),
    ),
    why=(
        "footnote-policy: line: a line that must stay on its page does not push notes whose "
        "calls are already set to the next page"
    ),
    test="tests/test_pdf.py::test_notes_stay_with_their_calls_in_one_layout",
    install=_install_notes_with_calls,
    checks=(_line_layout_reads_in_column_once,),
)


# --- a-lines-notes-among-its-calls (speed) ---

LINE_NOTES = Patch(
    name="a-lines-notes-among-its-calls",
    kind="speed",
    targets=NOTES_WITH_CALLS.targets[1:],
    why=(
        "a line's boxes that are no note's call are not looked for in the list of every "
        "note still to place"
    ),
    test="tests/test_pdf.py::test_a_lines_notes_are_looked_for_among_its_calls",
    install=lambda patcher: _use_note_context(patcher, "calls_only"),
)


# --- footnote-area-by-note (speed) ---


def _footnote_area(context: NoteContext) -> bool:
    """WeasyPrint 70 lays the whole footnote area out again each time a note is added to a
    page, so a page of n notes costs n² note layouts (a book of 1,000 notes: 10 of its 15 s).
    The area's height is the sum of its notes' heights when they are lines of text (blocks
    without vertical margins, stacked), so each note is laid out once, alone, and its height
    kept; the area's own minimum and maximum height apply as before. A page with a note of
    several blocks is laid out WeasyPrint's way."""
    area = context.current_footnote_area
    heights = context.__dict__.setdefault("_pressroom_note_heights", {})
    page, content, laid = area.page, 0.0, area
    for note in context.current_page_footnotes:
        key = (id(note), page.width, page.margin_left, page.margin_right)
        if key not in heights:
            # The note is kept with its height: an id is only unique while it lives.
            heights[key] = (note, *_alone(context, area, note))
        if heights[key][1] is None:  # a note of several blocks: their margins collapse
            return LayoutContext._update_footnote_area(context)
        content += heights[key][1]
        laid = heights[key][2]
    if area.height != "auto" and not context.in_column:
        context.page_bottom += area.margin_height()
    area.children = context.current_page_footnotes
    if not area.children:
        area.height = 0
        if not context.in_column:
            context.page_bottom -= area.margin_height()
        return False
    area.height = max(min(content, laid.max_height), laid.min_height)
    if not context.in_column:
        context.page_bottom -= area.margin_height()
    return content > area.height


def _alone(context: Any, area: Any, note: Any) -> tuple[float | None, Any]:
    """A note's height laid out alone in its page's note area, and that area; None for a
    note that is not lines of text only (its blocks' margins would collapse differently
    among other notes than alone)."""
    alone = create_anonymous_boxes(area.copy_with_children([note]).deepcopy())
    laid = block_level_layout(context, alone, -math.inf, None, area.page)[0]
    box = laid.children[-1]
    simple = (
        len(laid.children) == 1
        and box.margin_top == 0
        and box.margin_bottom == 0
        and all(isinstance(child, LineBox) for child in box.children)
    )
    height = box.position_y + box.margin_height() - laid.content_box_y()
    return (height if simple else None), laid


FOOTNOTE_AREA = Patch(
    name="footnote-area-by-note",
    kind="speed",
    targets=(
        Target("weasyprint.layout", "LayoutContext._update_footnote_area", ("self",)),
        Target(
            "weasyprint.layout.block",
            "block_level_layout",
            (
                "context",
                "box",
                "bottom_space",
                "skip_stack",
                "containing_block",
                "page_is_empty",
                "absolute_boxes",
                "fixed_boxes",
                "adjoining_margins",
                "first_letter_style",
                "first_line_style",
                "discard",
                "max_lines",
            ),
        ),
        Target("weasyprint.formatting_structure.build", "create_anonymous_boxes", ("box",)),
        *NOTES_WITH_CALLS.targets[1:],
    ),
    why="the footnote area's height summed from its notes, each laid out once (not n² times)",
    test="tests/test_pdf.py::test_footnote_area_by_note_lays_out_the_same_pages",
    install=lambda patcher: _use_note_context(patcher, "measure_notes"),
)


# --- note-area-from-measured-notes (speed) ---


def stacked_notes(context: Any, box: Any) -> Any:
    """The page's note area `box` laid out from its notes measured alone, or None if one
    of them was not measured so (a note of several blocks)."""
    heights = context.__dict__.get("_pressroom_note_heights", {})
    page, notes = box.page, context.current_page_footnotes
    measured = [
        heights.get((id(n), page.width, page.margin_left, page.margin_right)) for n in notes
    ]
    if (
        not notes
        or len(notes) != len(box.children)
        or any(m is None or m[1] is None for m in measured)
    ):
        return None
    first = measured[0][2]
    area = first.copy_with_children([])
    area.translate(box.position_x - first.position_x, box.position_y - first.position_y)
    y = area.content_box_y()
    for _, _, laid in measured:
        note = laid.children[-1].deepcopy()
        note.translate(area.content_box_x() - laid.content_box_x(), y - note.position_y)
        area.children.append(note)
        y = note.position_y + note.margin_height()
    area.height = max(min(y - area.content_box_y(), area.max_height), area.min_height)
    return area


def _install_area_layout(patcher: Patcher) -> None:
    def make(original: Any) -> Any:
        def pressroom_area_layout(context: Any, box: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(box, FootnoteAreaBox):
                stacked = stacked_notes(context, box)
                if stacked is not None:
                    return stacked, None, {"break": "any", "page": None}, [], False, None
            return original(context, box, *args, **kwargs)

        return pressroom_area_layout

    patcher.put(weasyprint_page, "block_level_layout", make)


NOTE_AREA = Patch(
    name="note-area-from-measured-notes",
    kind="speed",
    targets=(
        Target("weasyprint.layout.page", "block_level_layout", FOOTNOTE_AREA.targets[1].parameters),
    ),
    why=(
        "when a page is done, its note area is stacked from the notes measured alone, "
        "not laid out once more"
    ),
    test="tests/test_pdf.py::test_footnote_area_by_note_lays_out_the_same_pages",
    install=_install_area_layout,
)


# --- notes-share-styles (speed) ---


def _install_shared_styles(patcher: Patcher) -> None:
    """WeasyPrint 70 computes one style for elements matched alike under the same parent
    style, and each property of it once, when first read. Not so for a footnote's: each one
    gets a copy of its element's style (`float` set to none), and its `::footnote-call` and
    `::footnote-marker` a style each, as does every anonymous box made from those: a
    thousand notes computed the same styles a thousand times, property by property. Notes
    whose styles were copied from the same style share one copy; a note's call and marker
    share the style of their kind with every note of the same style whose rules for them
    are the same."""

    def attributes(original: Any) -> Any:
        # An id is an anchor, declared in the element's style, which made every note's style
        # its own; `link_calls` makes the notes' anchors instead.
        def pressroom_style_attributes(tree: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
            for found in original(tree, *args, **kwargs):
                _, element, declarations, _ = found
                if element.tag != NOTE_ELEMENT or [
                    getattr(d, "lower_name", None) for d in declarations
                ] != ["-weasy-anchor"]:
                    yield found

        return pressroom_style_attributes

    def structure(build: Any) -> Any:
        def pressroom_formatting_structure(*args: Any) -> Any:
            root = build(*args)
            copies: dict[tuple[int, int], Any] = {}
            for note in args[-1]:  # the footnotes, whose lines are made when laid out
                style = note.style
                key = (id(style.cascaded), id(style.parent_style))
                note.style = copies.setdefault(key, style)
            return root

        return pressroom_formatting_structure

    def computed_styles(computed: Any) -> Any:
        def pressroom_computed_styles(
            self: Any,
            element: Any,
            parent: Any,
            root: Any = None,
            pseudo_type: Any = None,
            *args: Any,
            **kwargs: Any,
        ) -> None:
            if pseudo_type not in ("footnote-call", "footnote-marker"):
                return computed(self, element, parent, root, pseudo_type, *args, **kwargs)
            styles = self.get_computed_styles()
            cascaded = self.get_cascaded_styles().get((element, pseudo_type), {})
            # The same rules are the same declaration objects, from the parsed stylesheets.
            key = (
                id(styles[parent, None]),
                pseudo_type,
                tuple((name, id(value), weight) for name, (value, weight) in cascaded.items()),
            )
            shared = self.__dict__.setdefault("_pressroom_note_styles", {})
            if key in shared:
                styles[element, pseudo_type] = shared[key]
            else:
                computed(self, element, parent, root, pseudo_type, *args, **kwargs)
                shared[key] = styles[element, pseudo_type]

        return pressroom_computed_styles

    patcher.put(weasyprint_css, "find_style_attributes", attributes)
    patcher.put(weasyprint_document, "build_formatting_structure", structure)
    patcher.put(weasyprint_css.StyleFor, "set_computed_styles", computed_styles)


SHARED_STYLES = Patch(
    name="notes-share-styles",
    kind="speed",
    targets=(
        Target(
            "weasyprint.css",
            "find_style_attributes",
            ("tree", "presentational_hints", "base_url"),
        ),
        Target(
            "weasyprint.document",
            "build_formatting_structure",
            (
                "element_tree",
                "style_for",
                "get_image_from_uri",
                "base_url",
                "target_collector",
                "counter_style",
                "footnotes",
            ),
        ),
        Target(
            "weasyprint.css",
            "StyleFor.set_computed_styles",
            ("self", "element", "parent", "root", "pseudo_type", "base_url", "target_collector"),
        ),
        Target("weasyprint.css", "StyleFor.get_computed_styles", ("self",)),
        Target("weasyprint.css", "StyleFor.get_cascaded_styles", ("self",)),
    ),
    why="the notes' styles, and their calls' and markers', computed once, not once a note",
    test="tests/test_pdf.py::test_notes_share_their_styles_and_pages_stay_the_same",
    install=_install_shared_styles,
)


# --- note-links (behaviour, applied to laid-out pages) ---


def boxes(page: Any) -> Iterator[Any]:
    """Every box of a laid-out page."""
    stack = [page._page_box]
    while stack:
        box = stack.pop()
        yield box
        stack.extend(getattr(box, "children", None) or ())


def link_calls(rendered: Any) -> None:
    """Make each footnote call a link to its note. WeasyPrint draws the call from the note
    element (`::footnote-call`) and links only `<a href>`; the link is added to the laid-out
    page, where the PDF writer makes its annotation and tags it Link. Each note is made the
    anchor of its id here, as WeasyPrint makes an element's (its border box, the first one
    kept), not from its style (`notes-share-styles`)."""
    seen: set[str] = set()
    for page in rendered.pages:
        for box in boxes(page):
            tag = getattr(box, "element_tag", "") or ""
            if tag == NOTE_ELEMENT and (note := box.element.get("id")) not in seen:
                seen.add(note)
                x, y, width, height = box.hit_area()
                page.anchors[note] = (x, y, x + width, y + height)
            elif tag.endswith("::footnote-call") and isinstance(box, InlineBox):
                # The call has no line height of its own; its text has.
                areas = [b.hit_area() for b in (box, *box.children)]
                rectangle = (
                    min(x for x, _, _, _ in areas),
                    min(y for _, y, _, _ in areas),
                    max(x + w for x, _, w, _ in areas),
                    max(y + h for _, y, _, h in areas),
                )
                page.links.append(("internal", box.element.get("id"), rectangle, box))


NOTE_LINKS = Patch(
    name="note-links",
    kind="behaviour",
    targets=(
        Target("weasyprint.document", "Page.__init__", ("self", "page_box")),
        Target("weasyprint.formatting_structure.boxes", "Box.hit_area", ("self",)),
    ),
    why="each footnote call is a link to its note, and each note the anchor of its id",
    test="tests/test_pdf.py::test_every_note_call_is_a_link_to_its_note",
    install=None,
)

PATCHES = (NOTES_WITH_CALLS, LINE_NOTES, FOOTNOTE_AREA, NOTE_AREA, SHARED_STYLES, NOTE_LINKS)
