"""The gate in front of WeasyPrint (`pressroom/weasy/`): supported releases, each patch's
targets checked at import, patches installed only around Pressroom's own work, and each
speed patch the same bytes as WeasyPrint's own code."""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import pytest

from pressroom import supported as versions
from pressroom import weasy
from pressroom.context import BuildContext
from pressroom.load import load
from pressroom.weasy.drawing import drawn_once
from pressroom.writers.archival import write_archival
from pressroom.writers.pdf import layout, write_handout

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
BOOK = ROOT / "tests" / "fixtures" / "book" / "book.md"
EPOCH = "1700000000"

# --- Supported releases ---


@pytest.mark.parametrize(
    ("installed", "refused"),
    [
        ({"weasyprint": "69.0", "pydyf": "0.13.0"}, "weasyprint 69.0"),
        ({"weasyprint": "71.0", "pydyf": "0.13.0"}, "weasyprint 71.0"),
        ({"weasyprint": "70.1", "pydyf": "0.12.1"}, "pydyf 0.12.1"),
        ({"pydyf": "0.13.0"}, "weasyprint"),
    ],
)
def test_a_release_outside_the_range_is_refused_naming_the_range(installed, refused):
    with pytest.raises(versions.Unsupported) as raised:
        versions.require(installed)
    message = str(raised.value)
    assert message.startswith(f"{refused}: ")
    assert message.endswith("Pressroom supports weasyprint>=70,<71 and pydyf>=0.13,<0.14")
    assert "\n" not in message


def test_releases_inside_the_range_are_taken():
    versions.require({"weasyprint": "70.0", "pydyf": "0.13.0"})
    versions.require({"weasyprint": "70.2.1", "pydyf": "0.13.9"})
    assert versions.parse("71.0b1") == (71, 0) and versions.parse("70") == (70,)


def test_pyproject_pins_the_supported_ranges_and_declares_what_is_imported():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    requirements = [re.sub(r"\s", "", r) for r in project["dependencies"]]
    for name in versions.SUPPORTED:
        assert versions.specifier(name) in requirements
    declared = {re.split(r"[<>=!~]", r, maxsplit=1)[0].lower() for r in requirements}
    # Imported by Pressroom's own code, not only by its dependencies.
    assert {"weasyprint", "pydyf", "tinyhtml5", "pillow", "pikepdf"} <= declared


# --- The table of patches ---


def test_every_patch_is_written_up_and_tested():
    names = [patch.name for patch in weasy.PATCHES]
    assert len(names) == len(set(names))
    for patch in weasy.PATCHES:
        assert patch.kind in ("speed", "behaviour")
        assert (ROOT / patch.upstream).is_file(), patch.upstream
        file, test = patch.test.split("::")
        assert re.search(rf"^def {test}\(", (ROOT / file).read_text("utf-8"), re.M), patch.test
        assert patch.name in (ROOT / "docs" / "weasyprint" / "README.md").read_text("utf-8")


def test_every_patch_takes_the_installed_release():
    assert weasy.skipped() == {}
    assert all(patch.problem() is None for patch in weasy.PATCHES)


def test_a_target_that_changed_is_named():
    target = weasy.Target("weasyprint.layout.block", "_linebox_layout", ("context",))
    assert target.problem() is not None and "takes (context, box," in str(target.problem())
    missing = weasy.Target("weasyprint.layout.block", "no_such_function")
    assert missing.problem() == "weasyprint.layout.block.no_such_function is missing"


def test_the_notes_policy_checks_weasyprints_line_layout(monkeypatch):
    """The footnote policy depends on where WeasyPrint's line layout reads `in_column`:
    a line layout that reads it elsewhere, or twice, is a change the gate refuses."""
    from weasyprint.layout import block

    from pressroom.weasy import notes

    assert notes._line_layout_reads_in_column_once() is None

    def twice(context, *args):
        return context.in_column or context.in_column

    monkeypatch.setattr(block, "_linebox_layout", twice)
    assert "2 times" in str(notes._line_layout_reads_in_column_once())

    def elsewhere(context, *args):
        column = context.in_column
        return column

    monkeypatch.setattr(block, "_linebox_layout", elsewhere)
    assert "report" in str(notes._line_layout_reads_in_column_once())


def _run(script: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**__import__("os").environ, "SOURCE_DATE_EPOCH": EPOCH},
    )


BUILD = """
import sys
from pressroom.cli import main
sys.exit(main(["build", "book.md", "-o", "out"]))
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "book.md").write_text(
        "---\ntitle: T\nauthor: A\n---\n\nText with a note.[^1]\n\n[^1]: The note.\n", "utf-8"
    )
    return tmp_path


@pytest.mark.parametrize(
    "drift",
    [
        "import weasyprint.layout.block as b; del b._linebox_layout",  # a behaviour patch's
        "import weasyprint.pdf.tags as t; t._get_pdf_tag = lambda tag, level: tag",
    ],
)
def test_a_changed_target_of_a_behaviour_patch_stops_the_build_in_one_line(tmp_path, drift):
    """A WeasyPrint whose patched parts moved: one line naming the supported range, exit 1,
    nothing written (never an internal error, never a silently different PDF)."""
    run = _run(drift + BUILD, _project(tmp_path))
    assert run.returncode == 1, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("pressroom: weasyprint 70.")
    assert lines[0].endswith("Pressroom supports weasyprint>=70,<71 and pydyf>=0.13,<0.14")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("book*"))


def test_an_unsupported_release_stops_the_build_before_anything_is_read(tmp_path):
    script = (
        "import pressroom.supported as v\n"
        "v.version = lambda name: {'weasyprint': '69.0'}.get(name, '0.13.0')\n" + BUILD
    )
    run = _run(script, _project(tmp_path))
    assert run.returncode == 1, run.stderr
    assert run.stderr == (
        "pressroom: weasyprint 69.0: is not a supported release; "
        "Pressroom supports weasyprint>=70,<71 and pydyf>=0.13,<0.14\n"
    )
    assert not (tmp_path / "out").exists()


def test_an_epub_alone_needs_no_supported_weasyprint(tmp_path):
    script = (
        "import pressroom.supported as v\n"
        "v.version = lambda name: {'weasyprint': '69.0'}.get(name, '0.13.0')\n"
        "import sys\nfrom pressroom.cli import main\n"
        'sys.exit(main(["build", "book.md", "-o", "out", "--format", "epub"]))\n'
    )
    run = _run(script, _project(tmp_path))
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "book.epub").is_file()


def test_a_changed_target_of_a_speed_patch_is_one_warning_and_weasyprints_code(tmp_path):
    drift = (
        "import weasyprint.text.line_break as lb\n"
        "original = lb.get_next_word_boundaries\n"
        "lb.get_next_word_boundaries = lambda text, lang, more=None: original(text, lang)\n"
    )
    run = _run(drift + BUILD, _project(tmp_path))
    assert run.returncode == 0, run.stderr
    warnings = [line for line in run.stderr.splitlines() if "next-word-in-a-window" in line]
    assert len(warnings) == 1 and "WeasyPrint's own, slower code runs" in warnings[0]
    assert (tmp_path / "out" / "book.pdf").is_file()


# --- Installed only around Pressroom's own work ---


def _targets() -> dict[str, object]:
    found = {}
    for patch in weasy.PATCHES:
        for target in patch.targets:
            found[str(target)] = target.resolve()
    return found


def test_patches_are_installed_only_inside_a_window():
    import pydyf
    from weasyprint import document
    from weasyprint.layout import inline

    before = _targets()
    outside = (document.LayoutContext, document.TargetCollector, pydyf.Stream.data)
    with weasy.patched():
        inside = (document.LayoutContext, document.TargetCollector, pydyf.Stream.data)
        assert all(a is not b for a, b in zip(inside, outside, strict=True))
        with weasy.patched():  # re-entrant
            assert inline.split_first_line.__name__ == "pressroom_split_first_line"
        assert inline.split_first_line.__name__ == "pressroom_split_first_line"
    assert _targets() == before
    assert (document.LayoutContext, document.TargetCollector, pydyf.Stream.data) == outside
    assert inline.split_first_line.__name__ == "split_first_line"


PLAIN = """
import os, sys
from weasyprint import HTML
HTML(string='''<html lang="en"><style>
  @page {{ size: A6 }}
  pressroom-note {{ float: footnote }}
  p {{ orphans: 3; widows: 3; line-height: 1.5 }}
</style><body>{body}</body></html>''').write_pdf(sys.argv[1], pdf_variant="pdf/ua-1")
"""
BODY = "".join(
    f"<p>Paragraph {n} and its words, "
    + "more words " * 30
    + f"<pressroom-note>Note {n}, "
    + "said at length " * 8
    + "</pressroom-note> end.</p>"
    for n in range(12)
)


def test_plain_weasyprint_after_a_pressroom_build_is_plain_weasyprint(tmp_path):
    """A document with footnotes (Pressroom's own note element, too) written by plain
    WeasyPrint after a Pressroom build in the same process: the bytes a fresh process
    writes. Inside a patch window the same document comes out otherwise, so the comparison
    can tell."""
    plain = PLAIN.format(body=BODY)
    fresh = _run(plain.replace("sys.argv[1]", repr(str(tmp_path / "fresh.pdf"))), tmp_path)
    assert fresh.returncode == 0, fresh.stderr
    after = (
        "from pathlib import Path\nfrom pressroom.run.build import build\n"
        f"build(Path({str(BOOK)!r}), Path({str(tmp_path / 'out')!r}), ('pdf', 'archival', 'press'))\n"
        + plain.replace("sys.argv[1]", repr(str(tmp_path / "after.pdf")))
        + "from pressroom import weasy\n"
        "with weasy.patched():\n"
        + textwrap.indent(plain.replace("sys.argv[1]", repr(str(tmp_path / "inside.pdf"))), "    ")
    )
    run = _run(after, tmp_path)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "book.pdf").is_file()
    assert (tmp_path / "after.pdf").read_bytes() == (tmp_path / "fresh.pdf").read_bytes()
    assert (tmp_path / "inside.pdf").read_bytes() != (tmp_path / "fresh.pdf").read_bytes()


def test_another_thread_meets_weasyprints_own_code_while_a_window_is_open(monkeypatch):
    """A web application that builds with Pressroom in one thread and prints invoices with
    WeasyPrint in another: the invoice printed while Pressroom lays out is WeasyPrint's."""
    import threading

    from weasyprint import HTML

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    html = PLAIN.split("HTML(string=, 1)[1].split()", 1)[0].format(body=BODY)

    def write() -> bytes:
        return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")

    alone = write()
    other: list[bytes] = []
    with weasy.patched():
        thread = threading.Thread(target=lambda: other.append(write()))
        thread.start()
        thread.join()
        inside = write()
    assert other == [alone]
    assert inside != alone  # the window's own thread is patched: the comparison can tell


# --- Speed patches: WeasyPrint's own bytes ---

SPEED = [patch.name for patch in weasy.PATCHES if patch.kind == "speed" and patch.install]


def _pdfs(source: Path, *off: str) -> tuple[bytes, bytes]:
    """The handout and the archival copy, drawn once for both as a build makes them, with
    the patches `off` left out."""
    with weasy.without(*off) if off else contextlib.nullcontext():
        doc, ctx = load(source), BuildContext()
        pages = layout(doc, ctx)
        with drawn_once(pages):
            return write_handout(doc, ctx, pages), write_archival(doc, ctx, pages)


@pytest.fixture(scope="module")
def patched_pdfs() -> dict[Path, tuple[bytes, bytes]]:
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        return {source: _pdfs(source) for source in (ARTICLE, BOOK)}


@pytest.mark.parametrize("name", [*SPEED, "drawn-once"])
def test_a_speed_patch_gives_weasyprints_own_bytes(name, patched_pdfs, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert weasy.applies(name)
    for source, made in patched_pdfs.items():
        assert _pdfs(source, name) == made, source.name


# --- Behaviour patches: the difference each makes ---

TAGGED = """---
title: Tagged
author: A. Writer
lang: en
---

Text with a note.[^1] A word in Armenian: [Բարեւ]{lang=hy}.

> A sentence repeated for display.
{: .pullquote}

[^1]: The note.
"""


def _tagged(tmp_path: Path, *off: str) -> dict[str, object]:
    """What the handout's structure tree and content say of the note, the Armenian word
    and the pull quote, with the patches `off` left out."""
    import io

    import pikepdf

    source = tmp_path / "tagged.md"
    source.write_text(TAGGED, "utf-8")
    with weasy.without(*off) if off else contextlib.nullcontext():
        doc, ctx = load(source), BuildContext()
        data = write_handout(doc, ctx, layout(doc, ctx))
    kinds, langs = set(), set()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        stack = [pdf.Root.StructTreeRoot]
        while stack:
            element = stack.pop()
            if "/S" in element:
                kinds.add(str(element.S))
            if "/Lang" in element:
                langs.add(str(element.Lang))
            kids = element.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
                    stack.append(kid)
        artifacts = sum(page.Contents.read_bytes().count(b"/Artifact") for page in pdf.pages)
    return {"note": "/Note" in kinds, "hy": "hy" in langs, "artifacts": artifacts}


@pytest.mark.parametrize(
    ("name", "shows"),
    [
        ("notes-tagged-as-notes", "note"),
        ("languages-tagged", "hy"),
        ("pull-quotes-as-artifacts", "artifacts"),
    ],
)
def test_a_tagging_patch_makes_its_difference(tmp_path, name, shows):
    """With the patch: the note is a Note, the Armenian word has its /Lang, the pull quote
    is drawn as an artifact; WeasyPrint alone does none of these."""
    ours, theirs = _tagged(tmp_path), _tagged(tmp_path, name)
    assert ours[shows] and ours[shows] != theirs[shows]
    assert {k: v for k, v in ours.items() if k != shows} == {
        k: v for k, v in theirs.items() if k != shows
    }


def test_the_docs_show_the_patch_table():
    readme = (ROOT / "docs" / "weasyprint" / "README.md").read_text("utf-8")
    assert weasy.table() in readme


def test_a_build_leaves_no_temporary_folder(tmp_path, monkeypatch):
    """WeasyPrint keeps the fonts of `@font-face` rules in a temporary folder it removes
    when finalised, which the print process, forked, is not: Pressroom removes it."""
    import tempfile

    from support import pressroom

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    (tmp_path / "book.md").write_text(
        "---\ntitle: T\nauthor: A\n---\n\nText with a note.[^1]\n\n[^1]: The note.\n", "utf-8"
    )
    run = pressroom("build", "book.md", "-o", "out", cwd=tmp_path, env={"TMPDIR": str(scratch)})
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "book.pdf").is_file()
    assert list(scratch.iterdir()) == []
    assert tempfile.gettempdir() != str(scratch)  # only the build's own processes were told
