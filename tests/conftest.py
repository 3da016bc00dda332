"""Shared pytest setup: a fixed Hypothesis profile, and the two real books built once.

The book fixture (tests/fixtures/book/) and the article (manuscript/) are built once per
session, with SOURCE_DATE_EPOCH fixed (and tests/fixtures/constructs/, every Markdown construct,
into the handout and the EPUB): both into the handout, the EPUB and the archival copy,
the book into a bag as well. The PDF, EPUB, archive and check tests all read those same files
back (`built_book["epub"]`), and each EPUB and PDF goes through the validators once.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from pressroom.checks import check
from pressroom.diagnostics import Diagnostic
from pressroom.formats import WRITERS
from pressroom.run.build import Built, build

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "tests" / "fixtures" / "book" / "book.md"
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
SCHOLAR = ROOT / "tests" / "fixtures" / "scholar" / "scholar.md"
CONSTRUCTS = ROOT / "tests" / "fixtures" / "constructs" / "constructs.md"
EPOCH = "1700000000"  # 2023-11-14T22:13:20Z

# Derandomized: the same examples on every run and machine, so a failure is reproducible
# and CI never fails by chance. `HYPOTHESIS_PROFILE=dev` explores more, at random.
SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much]
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=SLOW,
)
settings.register_profile(
    "dev", max_examples=500, deadline=None, print_blob=True, suppress_health_check=SLOW
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "validators: runs an external validator (EPUBCheck, DAISY Ace); slow"
    )


@dataclass(frozen=True)
class Outputs:
    """One book built into some formats: `out["epub"]` is the EPUB's path, `out.built` what
    `build` returned (its outputs and diagnostics)."""

    built: Built
    folder: Path
    paths: dict[str, Path]

    def __getitem__(self, fmt: str) -> Path:
        return self.paths[fmt]


def _build(source: Path, folder: Path, formats: tuple[str, ...]) -> Outputs:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        built = build(source, folder, formats)
    # Named by the writer registry, as `build` names them; and every one of them written.
    paths = {fmt: WRITERS[fmt].output(folder, source.stem) for fmt in formats}
    assert sorted(built.outputs) == sorted(paths.values()), built.outputs
    assert all(path.exists() for path in paths.values())
    return Outputs(built=built, folder=folder, paths=paths)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory) -> Outputs:
    return _build(BOOK, tmp_path_factory.mktemp("book"), ("pdf", "epub", "archival", "bag"))


@pytest.fixture(scope="session")
def built_article(tmp_path_factory) -> Outputs:
    return _build(ARTICLE, tmp_path_factory.mktemp("article"), ("pdf", "epub", "archival"))


@pytest.fixture(scope="session")
def built_scholar(tmp_path_factory) -> Outputs:
    """Math and citations: tests/fixtures/scholar/."""
    return _build(SCHOLAR, tmp_path_factory.mktemp("scholar"), ("pdf", "epub", "archival"))


@pytest.fixture(scope="session")
def built_constructs(tmp_path_factory) -> Outputs:
    """Each Markdown construct once (tests/fixtures/constructs/), in both formats."""
    return _build(CONSTRUCTS, tmp_path_factory.mktemp("constructs"), ("pdf", "epub"))


@pytest.fixture(scope="session")
def validated(built_book, built_article) -> dict[str, list[Diagnostic]]:
    """Every EPUB and PDF of both books through the own rules, EPUBCheck, Ace and qpdf, once
    a session: file name → findings."""
    paths = [out[fmt] for out in (built_book, built_article) for fmt in ("pdf", "epub", "archival")]
    findings = check(paths)
    return {path.name: [f for f in findings if f.file == str(path)] for path in paths}


@pytest.fixture(scope="session")
def constructs_epub(built_constructs):
    """The constructs fixture's EPUB: all its text chapters' bodies, in order, under one
    element."""
    import re
    import zipfile

    from lxml import etree

    holder = etree.Element("all")
    with zipfile.ZipFile(built_constructs["epub"]) as z:
        for name in sorted(n for n in z.namelist() if re.search(r"chapter-\d+\.xhtml$", n)):
            body = etree.fromstring(z.read(name)).find("x:body", XHTML)
            holder.append(body)
    return holder


XHTML = {"x": "http://www.w3.org/1999/xhtml"}
