"""Incremental builds: nothing is built again while nothing has changed, and every kind of
input, option or output change builds the book again."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from pressroom.build import Built, build
from pressroom.cache import FOLDER
from pressroom.load import Sources
from pressroom.load.frontmatter import Layer

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
