"""One smartening path: the front matter is set like the text."""

from __future__ import annotations

from pressroom.load import load
from pressroom.load.typography import smarten
from pressroom.util.tree import text_of

SAMPLE = "the '90s, \"quoted\" and 'single' -- en, --- em... it's"
EXPECTED = "the ’90s, “quoted” and ‘single’ – en, — em… it’s"


def test_smarten():
    assert smarten(SAMPLE) == EXPECTED
    assert smarten("") == ""


def test_markup_in_front_matter_stays_text():
    assert smarten("A *b* <c> [d](e) & f") == "A *b* <c> [d](e) & f"
    assert smarten("1. Not a list") == "1. Not a list"
    assert smarten("# Not a heading") == "# Not a heading"
    assert smarten(r"back\slash") == r"back\slash"


def test_front_matter_and_body_are_smartened_alike(tmp_path):
    source = tmp_path / "t.md"
    title = SAMPLE.replace('"', '\\"')
    source.write_text(f'---\ntitle: "{title}"\nsubtitle: "{title}"\n---\n\n{SAMPLE}\n')
    doc = load(source)
    body = text_of(doc.chapters[0].body)
    assert doc.meta.title == body == EXPECTED
    assert doc.meta.subtitle == EXPECTED
