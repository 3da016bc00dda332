"""Diagnostics: one type, codes from the catalogue, --select/--ignore semantics."""

from __future__ import annotations

import re
from importlib import resources

from pressroom.diagnostics import Diagnostic, Diagnostics, catalogue, is_known, select
from pressroom.errors import PressroomError

FOUND = [
    Diagnostic("a.epub", code, "error", "m")
    for code in ("E-META", "E-LANG", "RSC-005", "RSC-012", "P-XMP", "ACE")
]


def codes(found: list[Diagnostic]) -> list[str]:
    return [d.code for d in found]


def test_catalogue_entries_are_complete():
    assert len(catalogue()) >= 30
    for code, entry in catalogue().items():
        assert entry.severity in ("error", "warning"), code
        assert entry.stage in ("build", "check"), code
        assert entry.summary and code == entry.code


def test_no_code_is_listed_twice_in_the_catalogue():
    """YAML keeps the last of two equal keys without a word: count the lines instead."""
    text = resources.files("pressroom").joinpath("data/codes.yml").read_text("utf-8")
    listed = re.findall(r"^([A-Z][A-Z0-9-]*):", text, re.M)
    assert len(listed) == len(set(listed)), sorted(c for c in listed if listed.count(c) > 1)
    assert sorted(listed) == sorted(catalogue())


def test_known_codes():
    assert is_known("B-LINK") and is_known("E-META")
    assert is_known("RSC-005") and is_known("OPF-014")  # EPUBCheck's own IDs
    assert not is_known("X-NOPE") and not is_known("rsc-005")


def test_select_and_ignore():
    assert codes(select(FOUND)) == codes(FOUND)
    assert codes(select(FOUND, ["E-META"])) == ["E-META"]
    assert codes(select(FOUND, ["E-"])) == ["E-META", "E-LANG"]
    assert codes(select(FOUND, ["RSC-*"])) == ["RSC-005", "RSC-012"]
    assert codes(select(FOUND, ignored=["RSC-*", "ACE"])) == ["E-META", "E-LANG", "P-XMP"]
    assert codes(select(FOUND, ["E-"], ["E-LANG"])) == ["E-META"]
    # Nothing else matches: a prefix ends with "-", and a code is never part of a longer one.
    assert codes(select(FOUND, ["E"])) == [] and codes(select(FOUND, ["RSC-00"])) == []
    assert codes(select(FOUND, ["AC"])) == [] and codes(select(FOUND, ignored=["E"])) == codes(
        FOUND
    )


def test_one_type_for_warnings_and_errors():
    found = Diagnostics()
    found.warn("B-LINK", "a.md", "link #x points nowhere", 4)
    (warning,) = found
    assert str(warning) == "a.md:4: warning B-LINK: link #x points nowhere"
    error = PressroomError("a.md", "footnote [^x] has no definition", 9).diagnostic
    assert (error.code, error.severity, error.where) == ("B-INPUT", "error", "a.md:9")
    assert str(PressroomError("a.md", "no such file")) == "a.md: no such file"
