"""Bad input: one line naming the file (and line), exit ≠ 0, no traceback, nothing lost."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from pressroom.cli import main
from support import outputs_in

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "tests" / "fixtures" / "book"

GOOD = """---
title: A Good Title
author: A. Writer
lang: en
---

Text with a note.[^n]

[^n]: The note.
"""

BAD = {
    "invalid_yaml": ("---\ntitle: [unclosed\nlang: en\n---\n\nText.\n", r"invalid YAML", 3),
    "missing_title": ("---\nlang: en\n---\n\nText.\n", r"no 'title'", 2),
    "no_front_matter": ("Just text.\n", r"no front matter", 1),
    "unclosed_front_matter": ("---\ntitle: T\n\nText.\n", r"not closed", 1),
    "undefined_note": (
        "---\ntitle: T\n---\n\nOne.\n\nTwo with a call.[^missing]\n",
        r"footnote \[\^missing\] has no definition",
        7,
    ),
    "missing_image": (
        "---\ntitle: T\n---\n\nText.\n\n![A map](images/none.png)\n",
        r"image images/none.png not found",
        7,
    ),
    "image_without_alt": ("---\ntitle: T\n---\n\n![](images/map.png)\n", r"no alt text", 5),
    "image_outside": (
        "---\ntitle: T\n---\n\n![A file](../../etc/passwd)\n",
        r"outside the manuscript",
        5,
    ),
    "bad_lang": ("---\ntitle: T\nlang: english please\n---\n\nText.\n", r"not a language tag", 3),
    "bad_date": ("---\ntitle: T\ndate: last week\n---\n\nText.\n", r"not a date", 3),
    "duplicate_key": (
        "---\ntitle: T\nlang: en\ntitle: Again\n---\n\nText.\n",
        r"'title' is given twice \(first on line 2\); keep one",
        4,
    ),
    "impossible_date": (
        "---\ntitle: T\nlang: en\ndate: 2021-13-45\n---\n\nText.\n",
        r"month must be in 1..12",
        4,
    ),
    "impossible_quoted_date": (
        "---\ntitle: T\ndate: '2021-02-30'\n---\n\nText.\n",
        r"'date: 2021-02-30' is not a real date",
        3,
    ),
    "alias_bomb": (
        "---\ntitle: T\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "keywords: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n---\n\nText.\n",
        r"YAML expands to more than",
        7,
    ),
    "front_matter_only": ("---\ntitle: T\n---\n\n", r"no text after the front matter", 4),
    "isbn_check_digit": (
        "---\ntitle: T\nisbn: 978-3-16-148410-1\n---\n\nText.\n",
        r"'isbn: 978-3-16-148410-1' has a wrong check digit",
        3,
    ),
    "isbn_not_a_number": ("---\ntitle: T\nisbn: soon\n---\n\nText.\n", r"is not an ISBN", 3),
    "unknown_role": (
        "---\ntitle: T\ncontributors:\n  - name: A. Person\n    role: caterer\n---\n\nText.\n",
        r"role 'caterer' of A. Person is not one of translator, editor",
        3,
    ),
    "series_index_not_a_number": (
        "---\ntitle: T\nseries: S\nseries-index: second\n---\n\nText.\n",
        r"'series-index' must be a number",
        4,
    ),
    "nested_brackets": (
        "---\ntitle: T\n---\n\nText.\n\n" + "[" * 101 + "x" + "]" * 101 + "\n",
        r"square brackets nested 101 deep; the limit is 100",
        7,
    ),
    "author_without_name": (
        "---\ntitle: T\nauthor:\n  - bio: x\n---\n\nText.\n",
        r"needs a 'name'",
        3,
    ),
}


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pressroom", *args], cwd=cwd, capture_output=True, text=True
    )


@pytest.fixture
def project(tmp_path) -> Path:
    """A manuscript folder with images, and a good earlier build in dist/."""
    shutil.copytree(BOOK / "images", tmp_path / "images")
    (tmp_path / "essay.md").write_text(GOOD, encoding="utf-8")
    assert (
        main(
            [
                "build",
                str(tmp_path / "essay.md"),
                "-o",
                str(tmp_path / "dist"),
                "--format",
                "pdf",
                "--format",
                "epub",
            ]
        )
        == 0
    )
    return tmp_path


def assert_one_line_error(result, name: str, pattern: str, line: int | None):
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    where = f"{name}:{line}:" if line else f"{name}:"
    assert where in lines[0], lines[0]
    assert __import__("re").search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_manuscript(project, case):
    text, pattern, line = BAD[case]
    before = {p.name: p.read_bytes() for p in outputs_in(project / "dist")}
    source = project / "essay.md"
    source.write_text(text, encoding="utf-8")
    result = run("build", "essay.md", "-o", "dist", cwd=project)
    assert_one_line_error(result, "essay.md", pattern, line)
    after = {p.name: p.read_bytes() for p in outputs_in(project / "dist")}
    assert after == before, "earlier outputs must stay intact, and no temporary files left"
    assert source.read_text(encoding="utf-8") == text, "sources are never modified"


def test_not_utf8_names_the_line(project):
    (project / "essay.md").write_bytes(b"---\ntitle: T\n---\n\nCaf\xe9 au lait.\n")
    assert_one_line_error(run("build", "essay.md", cwd=project), "essay.md", "not UTF-8", 5)


def test_empty_and_binary_files(project):
    (project / "empty.md").write_bytes(b"  \n\n")
    assert_one_line_error(run("build", "empty.md", cwd=project), "empty.md", "empty", None)
    (project / "blob.md").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert_one_line_error(run("build", "blob.md", cwd=project), "blob.md", "binary", 3)


def test_missing_file_and_no_manuscripts(tmp_path):
    assert_one_line_error(run("build", "nope.md", cwd=tmp_path), "nope.md", "no such file", None)
    assert_one_line_error(run("build", cwd=tmp_path), "manuscript", "no manuscripts", None)


def test_remote_and_outside_references_are_not_fetched(project):
    (project / "essay.md").write_text(
        '---\ntitle: T\n---\n\nText.\n\n<img src="http://127.0.0.1:9/x.png" alt="remote">\n'
        '<img src="file:///etc/hostname" alt="local file">\n',
        encoding="utf-8",
    )
    result = run("build", "essay.md", "-o", "out", "--format", "pdf", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    refused = [line for line in result.stderr.splitlines() if " warning B-HTML: " in line]
    assert len(refused) == 2, result.stderr
    assert "'http://127.0.0.1:9/x.png'" in refused[0] and "'file:///etc/hostname'" in refused[1]
    assert [line.split(" warning")[0] for line in refused] == [
        "pressroom: essay.md:7:",
        "pressroom: essay.md:8:",
    ]  # each at its line
    assert "B-FETCH" not in result.stderr  # refused before the layout ever asked for them
    pdf = PdfReader(project / "out" / "essay.pdf")
    assert "Text." in pdf.pages[0].extract_text()
    assert [image for page in pdf.pages for image in page.images] == []


def test_build_py_is_pressroom_build(tmp_path):
    result = subprocess.run(
        [sys.executable, str(ROOT / "build.py"), "-o", str(tmp_path), "--format", "pdf"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "peace-on-azerbaijans-terms.pdf").is_file()


def test_each_format_is_named_after_the_manuscript(project):
    result = run("build", "essay.md", "-o", "all", cwd=project)
    assert result.returncode == 0, result.stderr
    names = sorted(p.name for p in outputs_in(project / "all"))
    assert names == ["essay-archival.pdf", "essay.epub", "essay.pdf"]


def test_check_command_reports_and_fails_on_errors(project):
    (project / "junk.pdf").write_text("not a pdf", encoding="utf-8")
    result = run("check", "junk.pdf", "dist/essay.epub", "--no-validators", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("junk.pdf: error P-READ")
    assert lines[-1].startswith("checked 2 files: 1 error, ")  # warnings: sparse metadata
    clean = run("check", "dist/essay.epub", "dist/essay.pdf", "--no-validators", cwd=project)
    assert clean.returncode == 0, clean.stdout
