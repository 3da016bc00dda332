"""The manuscript `manuscript/peace-on-azerbaijans-terms.md` checked against its seed text.

Independent of every pressroom module: only the standard library and PyYAML. The seed
(a web copy of the article) is only ever read; its expected body paragraphs are derived
here with a small, explicit rule, so the test fails if the manuscript loses, adds,
reorders or alters a paragraph of the author's text.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
import uuid
from collections import Counter
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
MANUSCRIPT = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
# Copies of the shared seed and its checked sources, kept with the tests so they always run.
FIXTURES = Path(__file__).parent / "fixtures" / "seed"
SEED = FIXTURES / "article-raw.txt"
SOURCES = FIXTURES / "sources.md"

EXPECTED_BODY_COUNT = 33
PULLQUOTE_MARK = "{: .pullquote}"
FURNITURE = {"print friendly, pdf & email"}  # web-page furniture, normalised
BIO_MARK = "twitter: @algalitsky"  # the author-bio paragraph ends with this, normalised

REQUIRED_KEYS = {
    "title",
    "subtitle",
    "short_title",
    "author",
    "date",
    "lang",
    "publisher",
    "rights",
    "identifier",
    "description",
    "keywords",
    "original",
}
REQUIRED_KEYWORDS = {
    "Nagorno-Karabakh",
    "Azerbaijan",
    "Armenia",
    "self-determination",
    "OSCE Minsk Group",
}

NOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ ]+(\S.*)$")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
EDITORS_NOTE = "Editor's note:"

# Where sources.md says the record differs from the text: each needs an editor's note.
CORRECTIONS = {
    "Turkey, not Armenia, enforces the blockade (“the former”)": ["former"],
    "the Baku pogrom was in January 1990": ["January 1990"],
    "the 1921 decision was the Caucasus Bureau's": ["Caucasus Bureau"],
    "Mustafa Kemal was not yet president nor named Atatürk": ["Mustafa Kemal", "Atatürk"],
    "the 1991 referendum asked about independence": ["independence"],
    "the co-chairs' quotation is a paraphrase": ["paraphrase"],
}

# One marker per checked reference in sources.md (table rows 1-16).
REFERENCE_MARKERS = {
    1: "S/RES/822",
    2: "A/RES/62/243",
    3: "Alejandro Wolff",
    4: "primeminister.am",
    5: "Bloodshed in the Caucasus",
    6: "99.89",
    7: "Bishkek Protocol",
    8: "Caucasus Bureau",
    9: "Condoleezza Rice",
    10: "hyperallergic.com/482353",
    11: "17247/13",
    12: "Armenian Weekly",
    13: "Enver Pasha",
    14: "Sev Lake",
    15: "European Parliament",
    16: "Ministry of Defence",
}


# -- reading ---------------------------------------------------------------------------------
def _fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@functools.cache
def seed_text() -> str:
    return SEED.read_bytes().decode("utf-8")  # read-only access, never opened for writing


@functools.cache
def manuscript_text() -> str:
    assert MANUSCRIPT.is_file(), f"{MANUSCRIPT} is missing"
    return MANUSCRIPT.read_text(encoding="utf-8")


@pytest.fixture(scope="module", autouse=True)
def seed_snapshot():
    """Fingerprint the seed before the tests and check it is unchanged after them."""
    before = _fingerprint(SEED) if SEED.is_file() else None
    yield before
    if before is not None:
        assert _fingerprint(SEED) == before, "the seed file was modified"


# -- the explicit rule for the seed ----------------------------------------------------------
def split_paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]


def normalise(text: str) -> str:
    """For comparing paragraphs only: fold compatibility spaces, quotes, dashes, case."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(
        str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})
    )
    return " ".join(text.split()).casefold()


def strip_final_punctuation(text: str) -> str:
    return text.rstrip(" .,;:!?…")


def seed_parts() -> dict:
    """Title, standfirst, bio, body paragraphs and pull quotes of the seed.

    Rule: drop the first two paragraphs (title, standfirst), the author bio, the furniture
    line, every later repeat of a paragraph (compared after `normalise`), and any paragraph
    contained in a longer one (the pull quote).
    """
    paragraphs = split_paragraphs(seed_text())
    title, standfirst, rest = paragraphs[0], paragraphs[1], paragraphs[2:]
    bios = [p for p in rest if normalise(p).endswith(BIO_MARK)]
    rest = [p for p in rest if p not in bios and normalise(p) not in FURNITURE]
    unique, seen = [], set()
    for p in rest:
        if normalise(p) not in seen:
            seen.add(normalise(p))
            unique.append(p)

    def contained(p: str) -> bool:
        key = strip_final_punctuation(normalise(p))
        return any(q is not p and len(q) > len(p) and key in normalise(q) for q in unique)

    pulls = [p for p in unique if contained(p)]
    body = [p for p in unique if not contained(p)]
    return {"title": title, "standfirst": standfirst, "bios": bios, "pulls": pulls, "body": body}


# -- the manuscript --------------------------------------------------------------------------
def manuscript_parts() -> dict:
    text = manuscript_text()
    assert text.startswith("---\n"), "the manuscript must open with YAML front matter"
    end = text.index("\n---\n", 3)
    front, rest = text[4:end], text[end + len("\n---\n") :]
    lines = rest.split("\n")
    first_def = next((i for i, line in enumerate(lines) if NOTE_DEF.match(line)), len(lines))
    body = "\n".join(lines[:first_def])
    definitions: list[tuple[str, str]] = []
    for line in lines[first_def:]:
        if not line.strip():
            continue
        m = NOTE_DEF.match(line)
        assert m, f"after the first footnote definition, only definitions may follow: {line!r}"
        definitions.append((m.group(1), m.group(2)))
    blocks = split_paragraphs(body)
    pulls = [b for b in blocks if b.endswith("\n" + PULLQUOTE_MARK)]
    paragraphs = [b for b in blocks if b not in pulls]
    return {
        "front": yaml.safe_load(front),
        "body": body,
        "blocks": blocks,
        "pulls": pulls,
        "paragraphs": paragraphs,
        "definitions": definitions,
    }


def strip_refs(text: str) -> str:
    return NOTE_REF.sub("", text)


def editors_notes() -> list[str]:
    return [
        text.split(EDITORS_NOTE, 1)[1].strip()
        for _, text in manuscript_parts()["definitions"]
        if EDITORS_NOTE in text
    ]


# -- front matter ----------------------------------------------------------------------------
def test_front_matter_has_exactly_the_required_keys():
    front = manuscript_parts()["front"]
    assert isinstance(front, dict)
    assert set(front) == REQUIRED_KEYS
    for key in ("title", "subtitle", "short_title", "publisher", "rights", "description"):
        assert isinstance(front[key], str) and front[key].strip(), key


def test_front_matter_values():
    front = manuscript_parts()["front"]
    assert front["date"] == dt.date(2021, 8, 26)
    assert front["lang"] == "en"
    assert front["short_title"] == "Peace on Azerbaijan’s Terms"
    assert isinstance(front["author"], list) and len(front["author"]) == 1
    author = front["author"][0]
    assert author["name"] == "Alex Galitsky"
    assert isinstance(author["bio"], str) and "@algalitsky" in author["bio"]
    assert front["identifier"].startswith("urn:uuid:")
    assert uuid.UUID(front["identifier"].removeprefix("urn:uuid:")).version == 5
    assert set(front["keywords"]) >= REQUIRED_KEYWORDS
    original = front["original"]
    assert original["publication"] == "Foreign Policy"
    assert original["date"] == dt.date(2021, 8, 26)
    assert "Cutler" in original["responds_to"]
    assert "The Minsk Group Is Meaningless" in original["responds_to"]


def test_title_standfirst_and_bio_are_verbatim_from_the_seed():
    front, seed = manuscript_parts()["front"], seed_parts()

    def fold(text: str) -> str:
        return " ".join(text.split())

    assert fold(front["title"]) == fold(seed["title"])
    assert fold(front["subtitle"]) == fold(seed["standfirst"])
    assert [fold(b) for b in seed["bios"]] == [fold(front["author"][0]["bio"])]


# -- body ------------------------------------------------------------------------------------
def test_seed_yields_33_unique_body_paragraphs():
    seed = seed_parts()
    assert len(seed["body"]) == EXPECTED_BODY_COUNT
    assert len(seed["pulls"]) == 1
    assert len(seed["bios"]) == 1


def test_body_paragraphs_are_the_seed_paragraphs_verbatim_and_in_order():
    expected = seed_parts()["body"]
    actual = [strip_refs(p) for p in manuscript_parts()["paragraphs"]]
    assert len(actual) == EXPECTED_BODY_COUNT
    # Whitespace runs (the web copy's no-break spaces included) count as one space, as in
    # cleaning; every other character must be the author's.
    actual, expected = (
        [" ".join(p.split()) for p in actual],
        [" ".join(p.split()) for p in expected],
    )
    for i, (got, want) in enumerate(zip(actual, expected, strict=False), start=1):
        assert got == want, f"body paragraph {i} differs from the seed"
    assert actual == expected


def test_body_has_no_headings_title_bio_or_indented_lines():
    parts, seed = manuscript_parts(), seed_parts()
    for line in parts["body"].split("\n"):
        assert not line.startswith("#"), f"heading in the body: {line[:40]!r}"
        assert not line.startswith("    "), f"indented line in the body: {line[:40]!r}"
    texts = [normalise(strip_refs(b)) for b in parts["blocks"]]
    assert normalise(seed["title"]) not in texts
    assert normalise(seed["standfirst"]) not in texts
    assert not any(t.endswith(BIO_MARK) for t in texts)
    assert not any(t in FURNITURE for t in texts)


def test_note_references_follow_text_directly():
    body = manuscript_parts()["body"]
    assert not re.search(r"\s\[\^", body), "a note reference is preceded by whitespace"


# -- pull quote ------------------------------------------------------------------------------
def test_pull_quote_block():
    parts, seed = manuscript_parts(), seed_parts()
    assert len(parts["pulls"]) == 1
    block = parts["pulls"][0]
    quote = block[: -len("\n" + PULLQUOTE_MARK)]
    assert quote == seed["pulls"][0]
    key = strip_final_punctuation(normalise(quote))
    assert any(key in normalise(strip_refs(p)) for p in parts["paragraphs"])
    # placed where it first appeared: after the "This fateful decision…" paragraph
    before = parts["blocks"][parts["blocks"].index(block) - 1]
    assert strip_refs(before).startswith("This fateful decision")


# -- footnotes -------------------------------------------------------------------------------
def test_every_reference_has_one_definition_and_every_definition_is_used():
    parts = manuscript_parts()
    refs = NOTE_REF.findall(parts["body"])
    defined = Counter(key for key, _ in parts["definitions"])
    assert all(SLUG.fullmatch(key) for key in refs), "note ids must be lowercase ASCII slugs"
    assert [key for key, n in defined.items() if n > 1] == []
    assert set(refs) == set(defined)
    assert len(defined) >= 10


def test_first_paragraph_cites_the_article_it_answers():
    parts = manuscript_parts()
    notes = dict(parts["definitions"])
    cited = [notes[key] for key in NOTE_REF.findall(parts["paragraphs"][0])]
    assert any("Cutler" in n and "The Minsk Group Is Meaningless" in n for n in cited)


def test_editors_notes_cover_every_correction_in_sources():
    notes = editors_notes()
    for correction, keywords in CORRECTIONS.items():
        assert any(all(k in n for k in keywords) for n in notes), (
            f"no editor's note for: {correction}"
        )


def test_every_checked_reference_is_cited():
    notes = " ".join(text for _, text in manuscript_parts()["definitions"])
    missing = [row for row, marker in REFERENCE_MARKERS.items() if marker not in notes]
    assert missing == [], f"sources.md references not cited: rows {missing}"


def test_note_links_are_autolinks_given_in_sources():
    notes = " ".join(text for _, text in manuscript_parts()["definitions"])
    urls = re.findall(r"https?://[^\s<>]+", notes)
    autolinks = re.findall(r"<(https?://[^\s<>]+)>", notes)
    assert urls == autolinks, "URLs in notes must be written as <https://…> autolinks"
    known = SOURCES.read_text(encoding="utf-8")
    assert [u for u in urls if u not in known] == [], "URL not given in sources.md"


# -- the seed is only read -------------------------------------------------------------------
def test_seed_is_only_read(seed_snapshot):
    seed_parts()
    assert seed_snapshot is not None
    assert _fingerprint(SEED) == seed_snapshot
