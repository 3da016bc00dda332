"""Incremental builds: nothing is built again while nothing has changed, and every kind of
input, option or output change builds the book again."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from pressroom.errors import PressroomError
from pressroom.load import Sources
from pressroom.load.frontmatter import Layer
from pressroom.run.build import Built, build
from pressroom.run.cache import FOLDER
from test_outline import BLOCKS as OUTLINE_BLOCKS
from test_outline import FRONT as OUTLINE_FRONT

SCHOLAR = Path(__file__).resolve().parent / "fixtures" / "scholar"
FORMATS = ("pdf", "epub")


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A manuscript with an image, a bibliography, a stylesheet fetching an image, a
    metadata file and a theme of its own, built once."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    shutil.copytree(SCHOLAR, tmp_path / "book")
    book = tmp_path / "book"
    Image.new("RGB", (40, 30), (90, 30, 30)).save(book / "dot.png")
    source = book / "scholar.md"
    text = source.read_text("utf-8")
    source.write_text(text + "\n![A dark red dot](dot.png)\n", "utf-8")
    (book / "css").mkdir()
    (book / "css" / "print.css").write_text("body { background: url(ground.png); }\n", "utf-8")
    Image.new("RGB", (4, 4), (250, 250, 245)).save(book / "css" / "ground.png")
    (book / "meta.yml").write_text("publisher: Stone Press\n", "utf-8")
    theme = book / "theme"
    (theme / "strings").mkdir(parents=True)
    (theme / "strings" / "en.yml").write_text("references: Works Cited\n", "utf-8")
    first = run(tmp_path)
    assert not first.cached
    return tmp_path


def run(root: Path, force: bool = False, paper: str = "a4", overrides=()) -> Built:
    book = root / "book"
    sources = Sources(
        files=[book / "scholar.md"],
        defaults=[Layer(book / "meta.yml", {"publisher": "Stone Press"})],
        overrides=list(overrides),
        inputs=[book / "meta.yml"],
    )
    return build(
        sources,
        root / "out",
        FORMATS,
        paper,
        theme=book / "theme",
        css=[book / "css" / "print.css"],
        force=force,
    )


def stamps(out: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != FOLDER}


def test_nothing_changed_nothing_written(project):
    out = project / "out"
    before = stamps(out)
    again = run(project)
    assert again.cached
    assert sorted(p.name for p in again.outputs) == ["scholar.epub", "scholar.pdf"]
    assert stamps(out) == before
    # The warnings of the build are said again (the fixture cites an unknown key).
    assert "B-CITE" in {d.code for d in again.diagnostics}


def edit(path: str, change: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda root: change(root / path)


def append(text: str) -> Callable[[Path], None]:
    return lambda path: path.write_text(path.read_text("utf-8") + text, "utf-8")


def repaint(path: Path) -> None:
    Image.new("RGB", (40, 30), (20, 90, 30)).save(path)


CHANGES = {
    "manuscript": edit("book/scholar.md", append("\nOne more sentence.\n")),
    "image": edit("book/dot.png", repaint),
    "bibliography": edit("book/sources.bib", append("\n@misc{new2024, title = {New}}\n")),
    "stylesheet": edit("book/css/print.css", append("p { color: #111; }\n")),
    "what the stylesheet fetched": edit("book/css/ground.png", repaint),
    "metadata file": edit("book/meta.yml", append("rights: CC BY\n")),
    "theme": edit("book/theme/strings/en.yml", append("contents: Inside\n")),
    "output edited": edit("out/scholar.pdf", lambda p: p.write_bytes(p.read_bytes() + b"\n")),
    "output deleted": edit("out/scholar.epub", Path.unlink),
    "cache deleted": lambda root: shutil.rmtree(root / "out" / FOLDER),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_builds_again(project, change):
    CHANGES[change](project)
    rebuilt = run(project)
    assert not rebuilt.cached
    assert all(p.is_file() for p in rebuilt.outputs)
    assert run(project).cached  # and then it is fresh again


def test_options_time_and_force_build_again(project, monkeypatch):
    assert not run(project, paper="a5").cached
    assert not run(project, paper="a5", overrides=[Layer(Path("-M"), {"title": "T"})]).cached
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    assert not run(project).cached
    assert run(project).cached
    assert not run(project, force=True).cached


def test_a_catalog_unchanged_is_not_built_again_in_any_mode(tmp_path):
    """With -j 2 as with -j 1: nothing written the second time, and the outputs named."""
    from support import pressroom, write

    front = "---\ntitle: {0}\nauthor: A\nrights: CC BY\n---\n\nText of {0}.\n"
    write(tmp_path, {f"{name}.md": front.format(name) for name in ("one", "two")})
    args = ("build", "one.md", "two.md", "-o", "out", "--format", "epub", "-j", "2")
    first = pressroom(*args, cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert first.returncode == 0, first.stderr
    before = stamps(tmp_path / "out")
    for jobs in ("2", "1"):
        again = pressroom(*args[:-1], jobs, cwd=tmp_path, env={"SOURCE_DATE_EPOCH": "1700000000"})
        assert again.returncode == 0, again.stderr
        assert sorted(again.stdout.split()) == ["out/one.epub", "out/two.epub"]
        assert stamps(tmp_path / "out") == before


# -- pieces: a changed book converts again only the Markdown that changed -------------------
FRONT = "---\ntitle: Pieces\nauthor: A. Writer\nrights: CC BY\nlang: en\n---\n\n"
CHAPTERS = {
    "one.md": "# One\n\nFirst words.[^a]\n\n![A dot](dot.png){#fig:dot}\n\n[^a]: Note a.\n",
    "two.md": "# Two\n\nAs @fig:dot shows, it is red.[^b]\n\n[^b]: Note b.\n\n"
    "```python\nprint('two')\n```\n",
    "three.md": "# Three\n\nLast words.[^c] Back to [the start](#one).\n\n[^c]: Note c.\n",
}


def book_project(root: Path, layout: str) -> None:
    """The three chapters in one file, or each in a file of its own (`chapters:`)."""
    book = root / "book"
    (book / "styles").mkdir(parents=True)
    (book / "styles" / "epub.css").write_text("p { margin: 0; }\n", "utf-8")
    (book / "theme" / "strings").mkdir(parents=True)
    (book / "theme" / "strings" / "en.yml").write_text("figure: Figure\n", "utf-8")
    Image.new("RGB", (40, 30), (200, 30, 30)).save(book / "dot.png")
    if layout == "one file":
        (book / "book.md").write_text(FRONT + "\n".join(CHAPTERS.values()), "utf-8")
    else:
        for n, (name, text) in enumerate(CHAPTERS.items()):
            (book / name).write_text((FRONT if n == 0 else "") + text, "utf-8")


def build_book(root: Path, out: str, force: bool = False) -> Built:
    book = root / "book"
    files = [book / "book.md"] if (book / "book.md").is_file() else [book / n for n in CHAPTERS]
    sources = Sources(files=files, root=book, stem="book")
    return build(sources, root / out, ("epub",), theme=book / "theme", force=force)


def in_book(root: Path, name: str) -> Path:
    """The file that holds chapter `name` in either layout."""
    whole = root / "book" / "book.md"
    return whole if whole.is_file() else root / "book" / name


def replace_text(name: str, old: str, new: str) -> Callable[[Path], None]:
    def change(root: Path) -> None:
        path = in_book(root, name)
        text = path.read_text("utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), "utf-8")

    return change


BOOK_CHANGES = {
    # change, how many pieces are converted again in the one file (of three)
    "one chapter's text": (replace_text("two.md", "it is red", "it is a deep red"), 1),
    "a note that numbers the later ones": (
        replace_text("one.md", "First words.", "First[^new] words.\n\n[^new]: New.\n\n"),
        1,
    ),
    "front matter": (replace_text("one.md", "title: Pieces", "title: Other Pieces"), 0),
    "stylesheet": (edit("book/styles/epub.css", append("h1 { color: #222; }\n")), 0),
    "theme words": (edit("book/theme/strings/en.yml", append("figure: Plate\n")), 0),
    "image": (edit("book/dot.png", repaint), 0),
}


@pytest.fixture
def converted(monkeypatch) -> list[str]:
    """The pieces of Markdown converted (not taken from the cache) from here on."""
    import pressroom.load

    done: list[str] = []
    real = pressroom.load.convert

    def counting(text: str, depth: int) -> tuple[str, list[str]]:
        done.append(text)
        return real(text, depth)

    monkeypatch.setattr(pressroom.load, "convert", counting)
    return done


@pytest.mark.parametrize("layout", ["one file", "three files"])
@pytest.mark.parametrize("change", sorted(BOOK_CHANGES))
def test_a_changed_book_is_the_book_built_whole(tmp_path, monkeypatch, converted, layout, change):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, layout)
    build_book(tmp_path, "out")
    assert len(converted) == 3  # a piece a chapter, in either layout
    converted.clear()
    apply, again = BOOK_CHANGES[change]
    apply(tmp_path)
    changed = build_book(tmp_path, "out")
    assert not changed.cached
    assert len(converted) == again
    full = build_book(tmp_path, "full", force=True)
    assert len(converted) == again + 3  # --force converts every piece
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")
    assert changed.diagnostics == full.diagnostics


def pieces_kept(root: Path) -> list[Path]:
    return sorted((root / "out" / FOLDER / "book").glob("*.z"))


def test_a_piece_changed_shows_in_the_book(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    replace_text("three.md", "Last words.", "Final words.")(tmp_path)
    build_book(tmp_path, "out")
    with zipfile.ZipFile(tmp_path / "out" / "book.epub") as epub:
        text = epub.read("EPUB/chapter-3.xhtml").decode()
    assert "Final words." in text and "Last words." not in text


def test_corrupt_and_foreign_pieces_are_converted_again(tmp_path, monkeypatch, converted):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    first, second, third = pieces_kept(tmp_path)
    (cover,) = (tmp_path / "out" / FOLDER / "book").glob("*.jpg")
    cover.write_bytes(cover.read_bytes()[:-1] + b"!")  # a cover not what was drawn
    first.write_bytes(b"not an entry")
    second.write_bytes(third.read_bytes())  # another piece's entry under this one's key
    third.write_bytes(zlib.compress(b'{"key": "' + third.stem.encode() + b'", "html": 1}'))
    converted.clear()
    replace_text("one.md", "First words.", "First words, again.")(tmp_path)
    build_book(tmp_path, "out")
    assert len(converted) == 3
    build_book(tmp_path, "full", force=True)
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")
    converted.clear()
    replace_text("one.md", "First words, again.", "First words.")(tmp_path)
    build_book(tmp_path, "out")
    assert len(converted) == 1  # the entries were written again, whole


def test_only_the_pieces_of_the_last_build_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    for n in range(3):
        replace_text("two.md", "it is", f"it is {n},")(tmp_path)
        build_book(tmp_path, "out")
    assert len(pieces_kept(tmp_path)) == 3
    shutil.rmtree(tmp_path / "out" / FOLDER)  # safe to delete: the next build makes it again
    assert not build_book(tmp_path, "out").cached
    assert len(pieces_kept(tmp_path)) == 3


def test_an_image_broken_after_a_build_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    assert len(list((tmp_path / "out" / FOLDER / "book").glob("*.ok"))) == 1  # dot.png
    dot = tmp_path / "book" / "dot.png"
    dot.write_bytes(dot.read_bytes()[:16] + b"broken" * 10)
    with pytest.raises(PressroomError, match=r"dot\.png cannot be read"):
        build_book(tmp_path, "out")


def test_only_the_entries_whose_bytes_changed_are_compressed_again(tmp_path, monkeypatch):
    from pressroom.util import zipwrite

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    deflated: list[bytes] = []
    real = zipwrite.deflate
    monkeypatch.setattr(zipwrite, "deflate", lambda data: deflated.append(data) or real(data))
    replace_text("two.md", "it is red", "it is a deep red")(tmp_path)
    build_book(tmp_path, "out")
    with zipfile.ZipFile(tmp_path / "out" / "book.epub") as epub:
        changed = epub.read("EPUB/chapter-2.xhtml")
        entries = len(epub.namelist())
    assert changed in deflated and len(deflated) < entries - 3


def test_derived_entries_corrupt_or_lost_are_made_again(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    folder = tmp_path / "out" / FOLDER / "book"
    derived = sorted([*folder.glob("*.facts"), *folder.glob("*.deflate")])
    assert {p.suffix for p in derived} == {".facts", ".deflate"}
    for n, path in enumerate(derived):
        if n % 2:
            path.write_bytes(path.read_bytes()[:-1] + b"!")
        else:
            path.unlink()
    replace_text("two.md", "it is red", "it is a deep red")(tmp_path)
    build_book(tmp_path, "out")
    build_book(tmp_path, "full", force=True)
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")
    assert len([*folder.glob("*.facts"), *folder.glob("*.deflate")]) == len(derived)  # whole


def pages_laid_out(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the EPUB pages laid out from here on (not taken from the cache)."""
    import pressroom.writers.epub as writer

    laid_out: list[str] = []
    real = writer.page
    monkeypatch.setattr(
        writer,
        "page",
        lambda t, d, c, s, title, **k: laid_out.append(title) or real(t, d, c, s, title, **k),
    )
    return laid_out


def epub_of(root: Path, out: str = "out") -> bytes:
    return (root / out / "book.epub").read_bytes()


# -- pages: an edited book takes the pages of the chapters that read nothing changed -------
def pages_kept(root: Path, out: str = "out") -> list[Path]:
    return sorted((root / out / FOLDER / "book").glob("*.page"))


@pytest.mark.parametrize("layout", ["one file", "three files"])
def test_an_edited_chapter_is_the_only_page_laid_out(tmp_path, monkeypatch, layout):
    import pressroom.writers.epub as writer

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, layout)
    build_book(tmp_path, "out")
    assert len(pages_kept(tmp_path)) == 3
    laid_out: list[str] = []
    real = writer.page

    def counting(template, doc, ctx, styles, title, **context):
        laid_out.append(title)
        return real(template, doc, ctx, styles, title, **context)

    monkeypatch.setattr(writer, "page", counting)
    replace_text("two.md", "it is red", "it is a deep red")(tmp_path)
    build_book(tmp_path, "out")
    assert "Two" in laid_out and not {"One", "Three"} & set(laid_out)
    assert len(pages_kept(tmp_path)) == 3  # the last build's, and only them
    build_book(tmp_path, "full", force=True)
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")


# What every chapter's page reads of the book: each change must lay out again the pages
# that read it, and give the --force build's bytes.
SHARED_CHANGES = {
    "a note before numbers the later ones": replace_text(
        "one.md", "First words.", "First[^new] words.\n\n[^new]: New.\n\n"
    ),
    "a figure before renumbers references": replace_text(
        "one.md", "First words.", "![Another](dot.png){#fig:other}\n\nFirst words."
    ),
    "an id taken before": replace_text("one.md", "First words.", '<p id="two">Taken.</p>'),
    "a link target gone": replace_text("one.md", "# One", "# Uno"),
    "a heading level": replace_text("three.md", "# Three", "# Three\n\n#### Deep"),
    "metadata": replace_text("one.md", "title: Pieces", "title: Other Pieces"),
    "theme words": edit("book/theme/strings/en.yml", append("figure: Plate\n")),
    "stylesheet added": lambda root: (root / "book" / "styles" / "print.css").write_text("p{}"),
    "chapters in another order": lambda root: swap_chapters(root),
}


def swap_chapters(root: Path) -> None:
    """Two and Three change places: the same pieces, each at the other's place."""
    two, three = CHAPTERS["two.md"], CHAPTERS["three.md"]
    whole = root / "book" / "book.md"
    if whole.is_file():
        text = whole.read_text("utf-8")
        whole.write_text(text.replace(two + "\n" + three, three + "\n" + two), "utf-8")
    else:
        (root / "book" / "two.md").write_text(three, "utf-8")
        (root / "book" / "three.md").write_text(two, "utf-8")


@pytest.mark.parametrize("layout", ["one file", "three files"])
@pytest.mark.parametrize("change", sorted(SHARED_CHANGES))
def test_what_the_book_shares_changed_is_the_book_built_whole(
    tmp_path, monkeypatch, layout, change
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, layout)
    build_book(tmp_path, "out")
    SHARED_CHANGES[change](tmp_path)
    changed = build_book(tmp_path, "out")
    full = build_book(tmp_path, "full", force=True)
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")
    assert changed.diagnostics == full.diagnostics


def not_a_page(path: Path) -> None:
    """Whole (its SHA-256 agrees), but not a page the writer kept."""
    packed = zlib.compress(b'{"images": "none"}\n<html/>')
    path.write_bytes(hashlib.sha256(packed).digest() + packed)


PAGE_DAMAGE = {
    "cut short": lambda path: path.write_bytes(path.read_bytes()[:-1]),
    "lost": Path.unlink,
    "not a page": not_a_page,
}


@pytest.mark.parametrize("damage", sorted(PAGE_DAMAGE))
def test_a_kept_page_not_whole_reads_the_book_whole(tmp_path, monkeypatch, damage):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    replace_text("one.md", "First words.", "First words, [lost](#nowhere).")(tmp_path)
    build_book(tmp_path, "out")
    for page in pages_kept(tmp_path):
        PAGE_DAMAGE[damage](page)
    replace_text("two.md", "it is red", "it is a deep red")(tmp_path)
    changed = build_book(tmp_path, "out")
    full = build_book(tmp_path, "full", force=True)
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")
    # Said once, by the book read whole: not by the outlines tried first too.
    assert [d.code for d in changed.diagnostics] == ["B-LINK"]
    assert changed.diagnostics == full.diagnostics
    assert len(pages_kept(tmp_path)) == 3


@given(
    st.lists(st.lists(st.sampled_from(OUTLINE_BLOCKS), max_size=3), min_size=1, max_size=4),
    st.data(),
    st.booleans(),
)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_book_edited_is_the_book_built_whole(
    tmp_path_factory, monkeypatch, before, data, files
):
    """Random books, one chapter's blocks drawn again: the EPUB and the warnings are the
    --force build's, the chapter files alike."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    root = tmp_path_factory.mktemp("random")
    at = data.draw(st.integers(0, len(before) - 1))
    headless = files and data.draw(st.booleans())
    after = [*before[:at], data.draw(st.lists(st.sampled_from(OUTLINE_BLOCKS), max_size=3))]
    after += before[at + 1 :]

    def write(chapters: list[list[str]]) -> list[Path]:
        # In files of their own, some chapters go on from the file before (no heading).
        texts = [
            "\n\n".join([*([] if headless and n % 2 else [f"# Chapter {n % 3}"]), *blocks])
            for n, blocks in enumerate(chapters)
        ]
        if not files:
            texts = ["\n\n".join(texts)]
        paths = []
        for n, text in enumerate(texts):
            paths.append(root / f"c{n}.md")
            paths[-1].write_text((OUTLINE_FRONT if n == 0 else "") + text + "\n", "utf-8")
        return paths

    def built(out: str, force: bool = False) -> Built | str:
        sources = Sources(files=write(after if out != "before" else before), root=root, stem="b")
        try:
            return build(
                sources, root / ("out" if out == "before" else out), ("epub",), force=force
            )
        except PressroomError as err:
            return str(err)

    Image.new("RGB", (4, 3), (200, 30, 30)).save(root / "dot.png")
    if isinstance(built("before"), str):
        return
    changed, full = built("out"), built("full", force=True)
    if isinstance(full, str):
        assert changed == full
        return
    assert (root / "out" / "b.epub").read_bytes() == (root / "full" / "b.epub").read_bytes()
    assert isinstance(changed, Built) and changed.diagnostics == full.diagnostics


def test_an_svg_is_sanitized_once_and_what_it_lost_said_again(tmp_path, monkeypatch):
    import pressroom.load.images as images

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script><rect width="4"/></svg>'
    (tmp_path / "book" / "map.svg").write_text(svg, "utf-8")
    replace_text("three.md", "Last words.", "![A map](map.svg)\n\nLast words.")(tmp_path)
    first = build_book(tmp_path, "out")
    assert "B-IMAGE" in {d.code for d in first.diagnostics}
    sanitized: list[bytes] = []
    real = images.sanitize_svg
    monkeypatch.setattr(images, "sanitize_svg", lambda d, lim: sanitized.append(d) or real(d, lim))
    replace_text("two.md", "it is red", "it is a deep red")(tmp_path)
    changed = build_book(tmp_path, "out")
    assert sanitized == []
    (entry,) = (tmp_path / "out" / FOLDER / "book").glob("*.svg")
    entry.write_bytes(entry.read_bytes().replace(b"rect", b"line"))  # not what was kept
    replace_text("two.md", "a deep red", "red")(tmp_path)
    again = build_book(tmp_path, "out")
    assert len(sanitized) == 1
    full = build_book(tmp_path, "full", force=True)
    assert changed.diagnostics == again.diagnostics == full.diagnostics
    replace_text("two.md", "it is red", "it is a deep red")(tmp_path)
    build_book(tmp_path, "out")
    build_book(tmp_path, "full", force=True)
    assert epub_of(tmp_path) == epub_of(tmp_path, "full")


def test_the_works_cited_are_read_by_the_chapter_that_lists_them(tmp_path, monkeypatch):

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    shutil.copytree(SCHOLAR, tmp_path / "book")
    source = tmp_path / "book" / "scholar.md"

    def built(out: str, force: bool = False) -> Built:
        return build(Sources(files=[source]), tmp_path / out, ("epub",), force=force)

    def same() -> bool:
        built("full", force=True)
        return (tmp_path / "out" / "scholar.epub").read_bytes() == (
            tmp_path / "full" / "scholar.epub"
        ).read_bytes()

    built("out")
    laid_out = pages_laid_out(monkeypatch)
    for old, new, references in [
        ("The sum of the counted marks follows:", "The sum of the marks follows:", False),
        ("later surveys agree\n[see @doe2019; @abel2015, pp. 10-12]", "later surveys agree", True),
    ]:
        laid_out.clear()
        text = source.read_text("utf-8")
        assert old in text
        source.write_text(text.replace(old, new), "utf-8")
        built("out")
        assert ("References" in laid_out) == references
        assert same()


def test_pages_are_kept_for_one_code_one_time_and_one_set_of_limits(tmp_path, monkeypatch):
    """The code and the versions (cache._code), the build time and the limits are parts
    of the keys: another of each lays the pages out again, as --force does."""
    import pressroom.run.cache as kept
    from pressroom.limits import DEFAULT

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    book_project(tmp_path, "one file")
    build_book(tmp_path, "out")
    laid_out = pages_laid_out(monkeypatch)

    def edited_then_forced() -> None:
        laid_out.clear()
        replace_text("two.md", "it is", "it is, again,")(tmp_path)
        build_book(tmp_path, "out")
        assert {"One", "Two", "Three"} <= set(laid_out)
        build_book(tmp_path, "full", force=True)
        assert epub_of(tmp_path) == epub_of(tmp_path, "full")

    monkeypatch.setattr(kept, "_code", lambda: "another version of the code")
    edited_then_forced()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000001")
    edited_then_forced()
    # An SVG kept under the default limits is not given under lower ones.
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><g><rect width="4"/><rect/></g></svg>'
    (tmp_path / "book" / "map.svg").write_text(svg, "utf-8")
    replace_text("three.md", "Last words.", "![A map](map.svg)\n\nLast words.")(tmp_path)
    book = tmp_path / "book" / "book.md"
    build(Sources(files=[book], root=book.parent, stem="book"), tmp_path / "out", ("epub",))
    few = Sources(
        files=[book], root=book.parent, stem="book", limits=replace(DEFAULT, svg_elements=3)
    )
    with pytest.raises(PressroomError, match=r"map\.svg has 4 elements"):
        build(few, tmp_path / "out", ("epub",))
