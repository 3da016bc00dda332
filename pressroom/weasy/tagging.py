"""The PDF's structure tree (PDF/UA-1): what WeasyPrint 70 tags, and how, where Pressroom's
HTML says more than it knows: footnotes, passages in another language, pull quotes."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

import pydyf
from weasyprint.pdf import stream as weasyprint_stream
from weasyprint.pdf import tags as weasyprint_tags

from ..markup import ARTIFACT, NOTE_ELEMENT
from .patch import Patch, Patcher, Target

BOX_TREE = Target(
    "weasyprint.pdf.tags",
    "_build_box_tree",
    ("box", "parent", "pdf", "page_number", "nums", "annotations", "tags"),
)


def _install_note_tags(patcher: Patcher) -> None:
    def make(original: Any) -> Any:
        def pressroom_pdf_tag(tag: str) -> str:
            if tag == NOTE_ELEMENT:
                return "Note"
            if tag == f"{NOTE_ELEMENT}::footnote-marker":
                return "Lbl"
            if tag == f"{NOTE_ELEMENT}::footnote-call":
                return "Link"  # see notes.link_calls
            return original(tag)

        return pressroom_pdf_tag

    patcher.put(weasyprint_tags, "_get_pdf_tag", make)


NOTE_TAGS = Patch(
    name="notes-tagged-as-notes",
    kind="behaviour",
    targets=(Target("weasyprint.pdf.tags", "_get_pdf_tag", ("tag",)),),
    why=(
        "PDF/UA-1 wants a footnote tagged Note with its number as Lbl; WeasyPrint 70 tags an "
        "element it does not know NonStruct"
    ),
    test="tests/test_weasy.py::test_a_tagging_patch_makes_its_difference",
    install=_install_note_tags,
)


def _install_languages(patcher: Patcher) -> None:
    """WeasyPrint 70 gives only the catalog a /Lang: a passage in another language
    (`<span lang="hy">`) gets its own on each structure element made for it (ISO 32000-1,
    14.9.2), so a screen reader switches voice and a search knows the language."""

    def make(original: Any) -> Any:
        def pressroom_box_tree(box: Any, parent: Any, pdf: Any, *args: Any) -> Iterator[Any]:
            element = getattr(box, "element", None)
            lang = element.get("lang") if element is not None and hasattr(element, "get") else None
            own = lang and getattr(box, "element_tag", None) not in ("html", "body")
            for made in original(box, parent, pdf, *args):
                if own and "Lang" not in made:
                    made["Lang"] = pydyf.String(lang)
                yield made

        return pressroom_box_tree

    patcher.put(weasyprint_tags, "_build_box_tree", make)


LANGUAGES = Patch(
    name="languages-tagged",
    kind="behaviour",
    targets=(BOX_TREE,),
    why="a passage in another language gets its /Lang on its structure elements",
    test="tests/test_weasy.py::test_a_tagging_patch_makes_its_difference",
    install=_install_languages,
)


def _artifact(box: Any) -> bool:
    element = getattr(box, "element", None)
    return element is not None and hasattr(element, "get") and element.get(ARTIFACT) is not None


def _install_artifacts(patcher: Patcher) -> None:
    """A pull quote repeats a sentence of the text for display: a screen reader or a copy
    of the text must not meet it twice. Its text is drawn as an artifact (ISO 14289-1, 7.1)
    and it gets no structure element."""

    def marked_as(marked: Any) -> Any:
        @contextlib.contextmanager
        def pressroom_marked(self: Any, box: Any, tag: str) -> Iterator[None]:
            context = self.artifact() if _artifact(box) else marked(self, box, tag)
            with context:
                yield

        return pressroom_marked

    def tree_without(box_tree: Any) -> Any:
        def pressroom_artifact_tree(box: Any, *args: Any) -> Iterator[Any]:
            if not _artifact(box):
                yield from box_tree(box, *args)

        return pressroom_artifact_tree

    patcher.put(weasyprint_stream.Stream, "marked", marked_as)
    patcher.put(weasyprint_tags, "_build_box_tree", tree_without)


ARTIFACTS = Patch(
    name="pull-quotes-as-artifacts",
    kind="behaviour",
    targets=(
        BOX_TREE,
        Target("weasyprint.pdf.stream", "Stream.marked", ("self", "box", "tag")),
        Target("weasyprint.pdf.stream", "Stream.artifact", ("self",)),
    ),
    why="a pull quote repeats the text: drawn as an artifact, with no structure element",
    test="tests/test_weasy.py::test_a_tagging_patch_makes_its_difference",
    install=_install_artifacts,
)


# A part of a book laid out on its own (`writers/parts.py`): the notes before it, whose IDs
# its own follow; and what its other IDs (table headers') begin with, unique in the book.
NOTES_BEFORE: ContextVar[int] = ContextVar("pressroom_notes_before", default=0)
ID_PREFIX: ContextVar[str] = ContextVar("pressroom_id_prefix", default="")


def _prefix_ids(pdf: Any, prefix: str) -> None:
    """WeasyPrint names a table header cell after the object numbers of this PDF, which
    another part's PDF may also have."""
    for obj in pdf.objects:
        if not (isinstance(obj, dict) and obj.get("Type") == "/StructElem"):
            continue
        if "ID" in obj and obj.get("S") != "/Note":
            obj["ID"] = pydyf.String(prefix + obj["ID"].string)
        attributes = obj.get("A")
        if isinstance(attributes, dict) and "Headers" in attributes:
            attributes["Headers"] = pydyf.Array(
                [pydyf.String(prefix + header.string) for header in attributes["Headers"]]
            )


def identify_notes(document: Any, pdf: Any) -> None:
    """A `write_pdf` finisher. PDF/UA-1 (ISO 14289-1, 7.9): every Note structure element has
    a unique ID, listed in the structure tree's IDTree."""
    if prefix := ID_PREFIX.get():
        _prefix_ids(pdf, prefix)
    notes: list[Any] = [
        obj
        for obj in pdf.objects
        if isinstance(obj, dict) and obj.get("Type") == "/StructElem" and obj.get("S") == "/Note"
    ]
    if not notes:
        return
    # A note of several blocks gets an anonymous block around its number and first
    # paragraph, which WeasyPrint tags as a second Note inside the first: a paragraph.
    references = {str(note.reference) for note in notes}
    for note in notes:
        if str(note.get("P")) in references:
            note["S"] = "/P"
    notes = [note for note in notes if note["S"] == "/Note"]
    names = []
    for number, note in enumerate(notes, start=NOTES_BEFORE.get() + 1):
        key = f"note-{number}"
        note["ID"] = pydyf.String(key)
        names.append((key, note.reference))
    root = next(
        obj for obj in pdf.objects if isinstance(obj, dict) and obj.get("Type") == "/StructTreeRoot"
    )
    tree = pydyf.Dictionary(
        {
            "Names": pydyf.Array(
                [item for key, ref in sorted(names) for item in (pydyf.String(key), ref)]
            )
        }
    )
    pdf.add_object(tree)
    root["IDTree"] = tree.reference


NOTE_IDS = Patch(
    name="note-ids",
    kind="behaviour",
    targets=(
        Target(
            "weasyprint.document",
            "Document.write_pdf",
            ("self", "target", "zoom", "finisher", "options"),
        ),
    ),
    why="each Note structure element gets a unique ID, listed in the IDTree (PDF/UA-1, 7.9)",
    test="tests/test_pdf.py::test_tagged_structure",
    install=None,
)

PATCHES = (NOTE_TAGS, LANGUAGES, ARTIFACTS, NOTE_IDS)
