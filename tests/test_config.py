"""pressroom.yml, -M and --metadata-file: one book from several files, metadata layers,
settings, and errors by file and line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from pressroom.config import read_config
from pressroom.diagnostics import Diagnostics
from pressroom.errors import PressroomError
from support import outputs_in, pressroom, write

OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


BOOK = {
    "pressroom.yml": "title: Two Files, One Book\nauthor: A. Writer\nrights: © 2026 A. Writer\n"
    "chapters: [01-one.md, 02-two.md]\nformats: [pdf, epub]\n",
    "01-one.md": "# One\n\nThe first chapter.[^a]\n\n[^a]: The first chapter's note.\n",
    "02-two.md": "# Two\n\nThe second chapter.[^a]\n\n[^a]: The second chapter's note.\n",
}


def package(epub: Path) -> tuple[etree._Element, list[str]]:
    with zipfile.ZipFile(epub) as zf:
        opf = etree.fromstring(zf.read("EPUB/content.opf"))
        names = zf.namelist()
    return opf, names


def test_chapters_make_one_book_titled_from_the_config(tmp_path):
    project = write(tmp_path / "book", BOOK)
    run = pressroom("build", cwd=project)
    assert run.returncode == 0, run.stderr
    outputs = sorted(p.name for p in outputs_in(project / "dist"))
    assert outputs == ["book.epub", "book.pdf"]  # one book, formats from the config
    opf, names = package(project / "dist" / "book.epub")
    assert opf.findtext("opf:metadata/dc:title", namespaces=OPF) == "Two Files, One Book"
    assert [n for n in names if n.startswith("EPUB/chapter-")] == [
        "EPUB/chapter-1.xhtml",
        "EPUB/chapter-2.xhtml",
    ]
    with zipfile.ZipFile(project / "dist" / "book.epub") as zf:
        second = zf.read("EPUB/chapter-2.xhtml").decode()
    # Notes are numbered through the book, though each file calls its own [^a].
    assert 'href="#note-2"' in second and "The second chapter’s note." in second
    pdf = PdfReader(project / "dist" / "book.pdf")
    assert pdf.metadata.title == "Two Files, One Book"
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert text.index("The first chapter") < text.index("The second chapter")


def test_front_matter_wins_over_the_config_and_m_wins_over_both(tmp_path):
    files = dict(BOOK)
    files["01-one.md"] = "---\ntitle: From the Front Matter\n---\n\n" + BOOK["01-one.md"]
    files["meta.yml"] = "title: From the Metadata File\npublisher: File Press\n"
    project = write(tmp_path / "book", files)
    run = pressroom("build", "--metadata-file", "meta.yml", "--format", "epub", cwd=project)
    assert run.returncode == 0, run.stderr
    opf, _ = package(project / "dist" / "book.epub")
    assert opf.findtext("opf:metadata/dc:title", namespaces=OPF) == "From the Front Matter"
    assert opf.findtext("opf:metadata/dc:publisher", namespaces=OPF) == "File Press"
    run = pressroom(
        "build",
        "--metadata-file",
        "meta.yml",
        "-M",
        "title=From -M",
        "--format",
        "epub",
        cwd=project,
    )
    assert run.returncode == 0, run.stderr
    opf, _ = package(project / "dist" / "book.epub")
    assert opf.findtext("opf:metadata/dc:title", namespaces=OPF) == "From -M"


def test_settings_are_typed_and_relative_to_the_file(tmp_path):
    project = write(
        tmp_path,
        {
            **BOOK,
            "pressroom.yml": BOOK["pressroom.yml"]
            + "paper: letter\noutput: out\ntheme: house\ncss: extra.css\n"
            "name: two-files\n",
        },
    )
    (project / "house").mkdir()
    (project / "extra.css").write_text("p { color: #111; }\n")
    config = read_config(project / "pressroom.yml", Diagnostics())
    assert config.chapters == [project / "01-one.md", project / "02-two.md"]
    assert (config.paper, config.output, config.theme) == (
        "letter",
        project / "out",
        project / "house",
    )
    assert config.css == [project / "extra.css"] and config.name == "two-files"
    assert config.formats == ["pdf", "epub"]
    assert config.metadata is not None and config.metadata.data["title"] == "Two Files, One Book"


@pytest.mark.parametrize(
    ("extra", "message", "line"),
    [
        ("paper: a3\n", "paper 'a3' is not a4, letter", 6),
        ("format_: x\n", "unknown key 'format_'", 6),
        ("formats: [docx]\n", "'formats' is given twice (first on line 5)", 6),
        ("css: 42\n", "'css' must be a list of file names", 6),
        ("name: ../elsewhere\n", "must be a plain file name", 6),
    ],
)
def test_bad_settings_are_errors_by_line(tmp_path, extra, message, line):
    project = write(tmp_path, {**BOOK, "pressroom.yml": BOOK["pressroom.yml"] + extra})
    found = Diagnostics()
    try:
        read_config(project / "pressroom.yml", found)
    except PressroomError as err:
        assert message in err.message and err.line == line
    else:  # not an error: a warning at the line
        (warning,) = found
        assert message in warning.message and warning.line == line


def test_an_unknown_format_is_an_error_by_line(tmp_path):
    config = BOOK["pressroom.yml"].replace("formats: [pdf, epub]", "formats: [pdf, docx]")
    project = write(tmp_path, {**BOOK, "pressroom.yml": config})
    with pytest.raises(PressroomError, match="unknown format 'docx'") as caught:
        read_config(project / "pressroom.yml", Diagnostics())
    assert caught.value.line == 5


def test_missing_chapter_and_front_matter_in_a_later_file_are_one_line_errors(tmp_path):
    project = write(
        tmp_path / "a",
        {**BOOK, "pressroom.yml": BOOK["pressroom.yml"].replace("02-two.md", "03-three.md")},
    )
    run = pressroom("build", cwd=project)
    assert run.returncode == 1 and run.stderr.count("\n") == 1
    assert "pressroom.yml:4: chapter file 03-three.md not found" in run.stderr
    project = write(tmp_path / "b", {**BOOK, "02-two.md": "---\ntitle: X\n---\n\n# Two\n"})
    run = pressroom("build", cwd=project)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "02-two.md:1: front matter belongs in the first chapter file" in run.stderr
    assert not (project / "dist").exists()


def test_unknown_keys_are_warned_with_file_and_line(tmp_path):
    project = write(
        tmp_path,
        {
            **BOOK,
            "pressroom.yml": BOOK["pressroom.yml"] + "colour: blue\n",
            "01-one.md": "---\ntitle: T\nauther: Typo\n---\n\n# One\n\nText.\n",
        },
    )
    run = pressroom("build", "--format", "epub", cwd=project)
    assert run.returncode == 0, run.stderr
    assert "pressroom.yml:6: warning B-KEY: unknown key 'colour'" in run.stderr
    assert "01-one.md:3: warning B-KEY: unknown front-matter key 'auther'" in run.stderr


def test_without_a_config_files_named_are_separate_books(tmp_path):
    project = write(
        tmp_path,
        {
            "a.md": "---\ntitle: A\nauthor: W\nrights: r\n---\n\nText A.\n",
            "b.md": "---\ntitle: B\nauthor: W\nrights: r\n---\n\nText B.\n",
        },
    )
    run = pressroom("build", "a.md", "b.md", "--format", "epub", cwd=project)
    assert run.returncode == 0, run.stderr
    assert sorted(p.name for p in outputs_in(project / "dist")) == ["a.epub", "b.epub"]


def test_two_manuscripts_with_one_name_are_refused(tmp_path):
    project = write(
        tmp_path,
        {
            "one/dup.md": "---\ntitle: A\n---\n\nText.\n",
            "two/dup.md": "---\ntitle: B\n---\n\nText.\n",
        },
    )
    run = pressroom("build", "one/dup.md", "two/dup.md", "--format", "epub", cwd=project)
    assert run.returncode == 1 and "same name" in run.stderr
    assert not (project / "dist").exists()


def test_manuscripts_whose_outputs_would_collide_are_refused(tmp_path):
    """notes-archival.md's handout is notes.md's archival copy: one would replace the other."""
    project = write(
        tmp_path,
        {
            "notes.md": "---\ntitle: A\n---\n\nText.\n",
            "notes-archival.md": "---\ntitle: B\n---\n\nText.\n",
        },
    )
    run = pressroom("build", "notes.md", "notes-archival.md", cwd=project)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert (
        "notes-archival.md: has the same name as notes.md: both would write "
        "notes-archival.pdf" in run.stderr
    )
    assert not (project / "dist").exists()


def test_a_project_cannot_lift_a_limit_past_its_ceiling(tmp_path):
    from support import pressroom

    (tmp_path / "pressroom.yml").write_text(
        "chapters: [book.md]\nlimits: {footnotes: 5000000}\n", "utf-8"
    )
    (tmp_path / "book.md").write_text("---\ntitle: T\nauthor: A\n---\n\nText.\n", "utf-8")
    run = pressroom("build", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr == (
        f"pressroom: {tmp_path / 'pressroom.yml'}:2: limit 'footnotes' may be at most 200,000 "
        "in a project; only the command line lifts it further (--limit footnotes=N)\n"
    )
    run = pressroom("build", "--format", "epub", "--limit", "footnotes=5000000", cwd=tmp_path)
    assert run.returncode == 1  # the project still asks for it: the line stays
    (tmp_path / "pressroom.yml").write_text("chapters: [book.md]\n", "utf-8")
    run = pressroom("build", "--format", "epub", "--limit", "footnotes=5000000", cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def test_limits_from_the_command_line_are_checked(tmp_path):
    from support import pressroom

    (tmp_path / "book.md").write_text(
        "---\ntitle: T\nauthor: A\n---\n\nText.[^1]\n\n[^1]: N.\n", "utf-8"
    )
    run = pressroom("build", "book.md", "--format", "epub", "--limit", "footnots=5", cwd=tmp_path)
    assert run.returncode == 1 and run.stderr.startswith(
        "pressroom: --limit: unknown limit 'footnots'"
    )
    run = pressroom("build", "book.md", "--format", "epub", "--limit", "footnotes=0", cwd=tmp_path)
    assert run.returncode == 1 and "more than 0 footnotes" in run.stderr
