"""The `pressroom` command as a user runs it: from any folder, warnings with codes and
lines, --strict, and check's --select/--ignore. Run through `python -m pressroom` in a
subprocess, so under the test script these exercise the installed wheel."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from support import ACE, outputs_in, pressroom

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"


@pytest.mark.validators
def test_an_empty_folder_with_the_article_builds_and_checks_clean(tmp_path):
    shutil.copy(ARTICLE, tmp_path)
    run = pressroom("build", ARTICLE.name, "-o", "out", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""  # a complete manuscript: no warning
    made = sorted(p.name for p in outputs_in(tmp_path / "out"))
    stem = ARTICLE.stem
    assert made == [f"{stem}-archival.pdf", f"{stem}.epub", f"{stem}.pdf"]
    # The folder has no node_modules: Ace is named the way a user without npm in the project
    # would name it.
    check = pressroom(
        "check", *(f"out/{name}" for name in made), cwd=tmp_path, env={"PRESSROOM_ACE": str(ACE)}
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "epubcheck" in check.stdout and "ace" in check.stdout  # validators ran
    assert check.stdout.strip().endswith("checked 3 files: 0 errors, 0 warnings")


@pytest.mark.validators
def test_build_check_drops_the_claim_when_ace_disagrees(tmp_path):
    """`build --check` runs EPUBCheck and Ace on the EPUB before writing it: a book Ace
    faults (here, grey text on white from the publisher's stylesheet) does not claim
    conformance, says so in its summary, and the check fails; the validators run once."""
    from lxml import etree

    (tmp_path / "t.md").write_text(
        "---\ntitle: Pale\nauthor: A. Writer\nrights: © 2024 A. Writer\n---\n\n"
        "A paragraph of pale text.\n",
        encoding="utf-8",
    )
    (tmp_path / "epub.css").write_text("p { color: #d8d8d8; }\n", encoding="utf-8")
    env = {"PRESSROOM_ACE": str(ACE)}
    args = ("build", "t.md", "-o", "out", "--format", "epub", "--check", "--css", "epub.css")
    run = pressroom(*args, cwd=tmp_path, env=env)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "warning B-CLAIM: the EPUB's checks found DAISY Ace: " in run.stderr
    assert "color-contrast" in run.stdout
    assert run.stdout.count("color-contrast") == len(
        [line for line in run.stdout.splitlines() if "error ACE:" in line]
    )
    with zipfile.ZipFile(tmp_path / "out" / "t.epub") as epub:
        opf = etree.fromstring(epub.read("EPUB/content.opf"))
    values = {m.get("property"): m.text for m in opf.iter("{*}meta")}
    assert "dcterms:conformsTo" not in values
    assert "was not verified" in values["schema:accessibilitySummary"]
    assert "DAISY Ace" in values["schema:accessibilitySummary"]


LACKING = """---
title: Lacking
---

Text with [a link](#nowhere).
"""


def test_build_warns_about_what_check_would_fail(tmp_path):
    (tmp_path / "t.md").write_text(LACKING)
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 0
    lines = run.stderr.splitlines()
    assert (
        "pressroom: t.md: warning B-AUTHOR: no author: add 'author:' to the front matter "
        "(the EPUB needs a dc:creator)" in lines
    )
    assert any(line.startswith("pressroom: t.md: warning B-RIGHTS:") for line in lines)
    assert "pressroom: t.md:5: warning B-LINK: link #nowhere points nowhere; kept as text" in lines
    assert (tmp_path / "dist" / "t.epub").is_file()


def test_strict_turns_warnings_into_a_failure(tmp_path):
    (tmp_path / "t.md").write_text(LACKING)
    run = pressroom("build", "t.md", "--format", "epub", "--strict", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.splitlines()[-1] == "pressroom: --strict: 3 warning(s)"
    (tmp_path / "t.md").write_text("---\ntitle: T\nauthor: W\nrights: r\n---\n\nText.\n")
    run = pressroom("build", "t.md", "--format", "epub", "--strict", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr == ""


def test_check_select_and_ignore(tmp_path):
    (tmp_path / "t.md").write_text("---\ntitle: T\n---\n\nText.\n")
    assert pressroom("build", "t.md", "--format", "epub", cwd=tmp_path).returncode == 0
    epub = "dist/t.epub"
    run = pressroom("check", epub, "--no-validators", cwd=tmp_path)
    assert run.returncode == 1 and "error E-META: no dc:creator" in run.stdout
    run = pressroom("check", epub, "--no-validators", "--ignore", "E-META", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert "E-META" not in run.stdout
    run = pressroom("check", epub, "--no-validators", "--select", "E-A11Y,E-LANG", cwd=tmp_path)
    assert run.returncode == 0 and "E-META" not in run.stdout


def test_version_comes_from_one_place(tmp_path):
    from importlib.metadata import version

    import pressroom as package

    assert version("pressroom") == package.__version__
    run = pressroom("--version", cwd=tmp_path)
    assert run.stdout.strip() == f"pressroom {package.__version__}"


@pytest.mark.parametrize(
    ("formats", "warmed"),
    [(["epub"], False), (["epub", "pdf"], True), (["bag"], True), (None, True)],
)
def test_a_print_process_is_started_early_only_for_page_formats(monkeypatch, formats, warmed):
    import argparse

    from pressroom import cli
    from pressroom.run import printing
    from pressroom.util import processes

    started: list[int | None] = []
    monkeypatch.setattr(printing, "warm", started.append)
    monkeypatch.setattr(processes, "cores", lambda: 2)
    args = argparse.Namespace(format=formats, jobs=None, scheduler=None)
    cli._start_early(args, 1)
    assert started == ([None] if warmed else [])  # no -j: the print process counts the cores
