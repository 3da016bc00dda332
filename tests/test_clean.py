"""`pressroom clean`: the seed article, synthetic web copies with the same defects, properties
(nothing unique lost, every injected defect removed), Markdown/YAML round trips, bad input."""

from __future__ import annotations

import html
import json
import os
import re
import statistics
import unicodedata
from pathlib import Path

import markdown
import pytest
import yaml
from hypothesis import assume, given
from hypothesis import strategies as st

from pressroom.clean import clean_file, clean_text, escape_markdown, format_report, is_furniture
from pressroom.errors import PressroomError

HERE = Path(__file__).resolve().parent
SEED = HERE / "fixtures" / "seed" / "article-raw.txt"  # a copy of the shared seed


# -- helpers ---------------------------------------------------------------------------------
def fold(text: str) -> str:
    return " ".join(text.split())


def split_document(doc: str) -> tuple[dict, str]:
    assert doc.startswith("---\n") and doc.endswith("\n") and not doc.endswith("\n\n")
    front, body = doc[4:].split("\n---\n\n", 1)
    return yaml.safe_load(front), body


def rendered_blocks(body: str) -> list[tuple[str, bool]]:
    """(text, is pull quote) of each block python-markdown makes; nothing but <p> is allowed."""
    out = markdown.markdown(body, extensions=["attr_list"])
    assert set(re.findall(r"<(\w+)", out)) <= {"p"}, out
    return [
        (html.unescape(m[2]), bool(m[1]))
        for m in re.finditer(r'<p( class="pullquote")?>(.*?)</p>', out, re.S)
    ]


def kinds(result) -> list[tuple[str, int, int | None]]:
    return [(r.kind, r.line, r.duplicate_of) for r in result.removed]


# -- the seed --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def seed():
    return clean_text(SEED.read_text(encoding="utf-8"), "article-raw.txt")


def test_seed_body(seed):
    assert len(seed.paragraphs) == 33
    assert seed.paragraphs[0].startswith(
        "In a recent Foreign Policy article, Robert M. Cutler argued"
    )
    assert seed.paragraphs[-1].startswith(
        "Although reducing the Nagorno-Karabakh conflict to a “territorial dispute”"
    )
    # Independently: every raw paragraph between standfirst and bio, once, minus the pull quote.
    raw = [fold(p) for p in re.split(r"\n\s*\n", SEED.read_text(encoding="utf-8")) if p.strip()]
    assert raw[-1] == "Print Friendly, PDF & Email"
    expected = [
        p for i, p in enumerate(raw[2:-2]) if p not in raw[2 : 2 + i] and p not in seed.pullquotes
    ]
    assert seed.paragraphs == expected


def test_seed_front_matter_pullquote_and_removals(seed):
    assert seed.title == "Peace on Azerbaijan’s Terms Won’t End the Nagorno-Karabakh Conflict"
    assert seed.subtitle.startswith("Baku is attempting to assert sovereignty through force")
    assert [a["name"] for a in seed.authors] == ["Alex Galitsky"]
    assert seed.authors[0]["bio"].startswith("Alex Galitsky is the communications director")
    assert seed.authors[0]["bio"].endswith("Twitter: @algalitsky")
    assert seed.pullquotes == [
        "The principle of self-determination was enshrined in international law to resolve "
        "the very predicament Nagorno-Karabakh finds itself in today."
    ]
    assert kinds(seed) == [
        ("title", 1, None),
        ("subtitle", 3, None),
        ("pullquote", 19, 41),
        ("duplicate", 47, 43),
        ("duplicate", 49, 45),
        ("duplicate", 62, 58),
        ("duplicate", 64, 60),
        ("bio", 83, None),
        ("furniture", 85, None),
    ]
    assert seed.doubts == []
    assert (
        "Print Friendly" not in seed.markdown
        and "@algalitsky" not in seed.markdown.split("\n---\n", 1)[1]
    )


def test_seed_markdown_round_trip(seed):
    front, body = split_document(seed.markdown)
    assert list(front) == ["title", "subtitle", "author"]
    assert front == {"title": seed.title, "subtitle": seed.subtitle, "author": seed.authors}
    blocks = rendered_blocks(body)
    assert [t for t, pull in blocks if not pull] == seed.paragraphs
    assert [t for t, pull in blocks if pull] == seed.pullquotes
    assert blocks[7] == (seed.pullquotes[0], True)  # kept where it stood, between lines 17 and 21
    assert "\n{: .pullquote}\n" in body


def test_seed_format_report(seed):
    lines = format_report(seed, "article-raw.txt")
    assert len(lines) == len(seed.removed)
    assert (
        'article-raw.txt:47: removed duplicate of line 43: "Azerbaijan’s refusal to accept anything…"'
        in lines
    )
    assert (
        lines[-1] == 'article-raw.txt:85: removed web-page furniture: "Print Friendly, PDF & Email"'
    )


def test_seed_cleaning_is_deterministic(seed):
    again = clean_text(SEED.read_text(encoding="utf-8"), "article-raw.txt")
    assert again.markdown == seed.markdown and again.removed == seed.removed


# -- synthetic web copies --------------------------------------------------------------------
FERRIES = """\
The Quiet Return of the River Ferries

Cities are rediscovering boats as commuters tire of crowded bridges.

Advertisement

When the last ferry across the Tamsin closed in 1962, few people mourned it. The bridge had opened two years earlier, and the “future” seemed to belong to cars — or so the planners said. Nobody asked the ferrymen, who had crossed the river in fog, flood and ice for three generations.

Today the city’s council has voted to bring the boats back, at a cost of forty million pounds over ten years. It isn’t nostalgia, officials insist; it’s arithmetic: the bridge is full, and widening it would take a decade.
Share this:

The first route will run from the old customs house to the university quay, a journey of nine minutes that now takes forty by bus at rush hour, and the council expects six thousand passengers a day.

WHEN THE LAST FERRY ACROSS THE TAMSIN CLOSED IN 1962, FEW PEOPLE MOURNED IT. THE BRIDGE HAD OPENED TWO YEARS EARLIER, AND THE "FUTURE" SEEMED TO BELONG TO CARS - OR SO THE PLANNERS SAID. NOBODY ASKED THE FERRYMEN, WHO HAD CROSSED THE RIVER IN FOG, FLOOD AND ICE FOR THREE GENERATIONS.

Today the city's council has voted to bring the boats back,   at a cost of forty million pounds over ten years.
It isn't nostalgia, officials insist; it's arithmetic:  the bridge is full, and widening it would take a decade.

It isn’t nostalgia, officials insist; it’s arithmetic.

The first route will run from the old customs house to the cathedral quay, a journey of nine minutes that now takes forty by bus at rush hour, and the council expects six thousand passengers a day.

The first route will carry bicycles free of charge, which the cycling lobby has demanded for a decade, and the boats will be electric, charged overnight from the quay.
Subscribe to our newsletter

Critics say the money would be better spent on buses. “A ferry carries two hundred people an hour; a bus lane carries thousands,” said one transport researcher, who asked not to be named because she advises the council. Would she take the boat? Yes, every day.

Yes.

When the last ferry across the Tamsin closed in 1962, few people mourned it. The bridge had opened two years earlier, and the ‘future’ seemed to belong to cars–or so the planners said. Nobody asked the ferrymen, who had crossed the river in fog, flood and ice for three generations.

Maria Lopez is an associate professor of urban history at the University of Leeds. Follow her on Twitter @mlopez

Print Friendly, PDF & Email"""


def paragraph_starting(result, opening: str) -> str:
    return next(p for p in result.paragraphs if p.startswith(opening))


def test_synthetic_article_keeps_each_unique_paragraph_once():
    result = clean_text(FERRIES, "ferries.txt")
    assert result.title == "The Quiet Return of the River Ferries"
    assert result.subtitle == "Cities are rediscovering boats as commuters tire of crowded bridges."
    assert result.authors == [
        {
            "name": "Maria Lopez",
            "bio": "Maria Lopez is an associate professor of urban history at the University of Leeds. "
            "Follow her on Twitter @mlopez",
        }
    ]
    assert [p[:40] for p in result.paragraphs] == [
        "When the last ferry across the Tamsin cl",
        "Today the city’s council has voted to br",
        "The first route will run from the old cu",  # university quay
        "The first route will run from the old cu",  # cathedral quay: differs in one word, stays
        "The first route will carry bicycles free",  # shares only its opening, stays
        "Critics say the money would be better sp",
        "Yes.",
    ]
    assert "university quay" in result.paragraphs[2] and "cathedral quay" in result.paragraphs[3]
    assert result.paragraphs[1].endswith(
        "widening it would take a decade."
    )  # glued "Share this:" gone
    assert result.pullquotes == ["It isn’t nostalgia, officials insist; it’s arithmetic."]


def test_synthetic_article_reports_removals_and_doubts():
    result = clean_text(FERRIES, "ferries.txt")
    assert kinds(result) == [
        ("title", 1, None),
        ("subtitle", 3, None),
        ("furniture", 5, None),
        ("furniture", 10, None),  # "Share this:" glued under a paragraph
        ("duplicate", 14, 7),  # upper case, straight quotes, spaced hyphen
        ("duplicate", 16, 9),  # straight apostrophes, extra spaces, a line break
        ("pullquote", 19, 9),
        ("furniture", 24, None),  # "Subscribe to our newsletter" glued
        ("duplicate", 30, 7),  # single quotes, unspaced en dash
        ("bio", 32, None),
        ("furniture", 34, None),
    ]
    assert len(result.doubts) == 2
    assert result.doubts[0].startswith('line 28: kept "Yes." as body: too short to be a pull quote')
    assert result.doubts[1].startswith("line 21: kept") and "resembles line 12" in result.doubts[1]
    lines = format_report(result, "ferries.txt")
    assert (
        'ferries.txt:14: removed duplicate of line 7: "WHEN THE LAST FERRY ACROSS THE TAMSIN…"'
        in lines
    )
    assert lines[-1].startswith("ferries.txt: doubt: line 21: kept")


def test_no_subtitle_when_second_paragraph_is_body():
    body = [
        "A long opening paragraph that begins the article at once, without any standfirst, and goes on "
        "to describe the harbour, the boats and the people who work on them through the winter.",
        "The second paragraph is as long as the first and tells the rest of the story in the same "
        "plain way, with the ferrymen, the council and the money all in their places.",
    ]
    result = clean_text("\n\n".join(["Harbour Life", *body]))
    assert result.subtitle is None
    assert result.paragraphs == body
    assert "subtitle" not in split_document(result.markdown)[0]


def test_no_author_note():
    body = [
        "Short opening standfirst of the piece.",
        "The ferry sails at dawn and the harbour master counts the passengers one by one as they board.",
        "She is the last of her family in the trade, and says the river has given her a good life.",
    ]
    result = clean_text("\n\n".join(["Harbour Life", *body]))
    assert result.authors == []
    assert result.paragraphs == body[1:]
    assert list(split_document(result.markdown)[0]) == ["title", "subtitle"]


def test_closing_line_about_a_person_in_the_story_is_not_an_author_note():
    body = [
        "Ilham Aliyev spoke first at the summit, and for over an hour, about roads and railways.",
        "The talks ended without a statement, and the delegations left the city the same evening.",
        "Ilham Aliyev is the president of Azerbaijan, and his word is law in Baku.",
    ]
    result = clean_text("\n\n".join(["The Summit", *body]))
    assert result.authors == [] and result.paragraphs == body
    assert any("reads like an author note" in d for d in result.doubts)


def test_pullquote_after_its_paragraph_in_quotes():
    para = (
        "The council met at noon. Officials said the river had never been so full of boats, and "
        "the harbour master agreed. Nobody could remember a busier spring on the water."
    )
    quote = "“Officials said the river had never been so full of boats”"
    last = "The end came quickly for the old bridge, which was closed that summer."
    result = clean_text(f"Title\n\n{para}\n\n{quote}\n\n{last}")
    assert result.pullquotes == [quote]
    assert result.paragraphs == [para, last]
    assert rendered_blocks(split_document(result.markdown)[1])[1] == (result.pullquotes[0], True)


def test_furniture_lines_inside_a_block():
    text = (
        "Title\n\nAdvertisement\nThe ferry left at dawn.\nTweet\nIt came back at dusk.\n\n"
        "The company spent more on\nadvertisement\nthan on engines that year.\n\n"
        "Jo Bloggs is a reporter for the Gazette. Twitter: @jo\nPrint Friendly, PDF & Email"
    )
    result = clean_text(text)
    assert result.paragraphs == [
        "The ferry left at dawn. It came back at dusk.",
        "The company spent more on advertisement than on engines that year.",
    ]
    assert result.authors == [
        {"name": "Jo Bloggs", "bio": "Jo Bloggs is a reporter for the Gazette. Twitter: @jo"}
    ]
    assert kinds(result)[1:] == [
        ("furniture", 3, None),
        ("furniture", 5, None),
        ("bio", 12, None),
        ("furniture", 13, None),
    ]
    assert sorted(result.doubts) == [
        'line 4: kept "The ferry left at dawn. It came back at…" as body; it may be a standfirst '
        "(subtitle)",
        'line 9: kept "advertisement": looks like web-page furniture but may be part of a sentence',
    ]


def test_a_borderline_standfirst_stays_in_the_body_with_a_doubt():
    body = "A body paragraph of ordinary length, with some clauses in it."  # 61 characters
    text = f"Title\n\nA short line that could be a standfirst, or not.\n\n{body}\n\n{body} x\n"
    result = clean_text(text)
    assert result.subtitle is None
    assert result.paragraphs[0] == "A short line that could be a standfirst, or not."
    assert any("may be a standfirst" in d for d in result.doubts)


FURNITURE = [
    "Advertisement",
    "ADVERTISEMENT",
    "Print Friendly, PDF & Email",
    "Share this:",
    "Share on Facebook",
    "Tweet",
    "Subscribe to our newsletter",
    "Sign up for our weekly newsletter",
    "Read more: Ferries return to the Tamsin",
    "Related:",
    "Click here to subscribe",
    "Continue reading",
    "Follow us on Twitter",
    "Photo: Getty Images",
    "This site uses cookies. By continuing you agree to our cookie policy.",
]


@pytest.mark.parametrize(
    "line",
    [
        *FURNITURE,
        "Advertisement - Continue Reading Below",
        "Image: Reuters/Stringer",
        "Photo credit: Jane Doe",
        "This website uses cookies to improve your experience. Accept",
        "Print  Friendly,\u00a0PDF & Email",
    ],
)
def test_furniture_patterns_match_furniture(line):
    assert is_furniture(line)


@pytest.mark.parametrize(
    "sentence",
    [
        "Follow us on this journey.",
        "Sign up for the draft was compulsory in 1917, and thousands refused.",
        "Photo: soldiers near Shusha in 2020",
        "Advertisement revenue fell by half.",
        "Share prices collapsed.",
        "Tweet by tweet, the campaign unravelled.",
        "Continue reading the report and you will see why.",
        "Credit where it is due.",
        "Print the ballots.",
        "Related matters were discussed at length.",
        "Click the link, he said, and nothing happened.",
        "We use cookies in the kitchen.",
        "Comments were closed.",
    ],
)
def test_furniture_patterns_never_match_a_real_sentence(sentence):
    assert not is_furniture(sentence)


# -- Markdown and YAML safety ----------------------------------------------------------------
MARKUP_PARAGRAPHS = [
    "# Not a heading, just a hash sign at the start.",
    "> Not a quotation block either.",
    "- Not a list item, a dash.",
    "+ Nor this one.",
    "* Nor a star bullet.",
    "1994. The year began badly.",
    "2) A parenthesised number.",
    "---",
    "Stars *like this*, under_scores_ and __bold__, `code`, [a link](http://x.org) and ![img](y.png).",
    "Tags <b>bold</b> and <!-- comment --> and <http://auto.link> stay text; so do AT&T, &amp; and &#169;.",
    "A backslash \\ and \\* and braces {: .class} and a | pipe | row.",
    "Curly “quotes”, ‘single’, dashes — and – and ellipses… stay as they are.",
]


def test_markdown_specials_round_trip():
    result = clean_text("\n\n".join(["Title", *MARKUP_PARAGRAPHS]))
    assert result.paragraphs == MARKUP_PARAGRAPHS
    assert [t for t, _ in rendered_blocks(split_document(result.markdown)[1])] == MARKUP_PARAGRAPHS
    assert (
        escape_markdown(MARKUP_PARAGRAPHS[-1]) == MARKUP_PARAGRAPHS[-1]
    )  # prose punctuation untouched


@pytest.mark.parametrize(
    "title",
    [
        "Peace: On “Whose” Terms?",
        "# Not a comment",
        "- a dash",
        "'single' and \"double\"",
        "yes",
        "null",
        "1994",
        "[brackets] and {braces}",
        "@handle",
        "key: value # tail",
        "a\\b",
        "100% & more",
        "Ça va — déjà",
    ],
)
def test_yaml_front_matter_round_trips_any_title(title):
    result = clean_text(f"{title}\n\nThe body paragraph is here, and it is long enough to be one.")
    front, _ = split_document(result.markdown)
    assert front == {"title": title}


# -- properties ------------------------------------------------------------------------------
VOCAB = [
    "river",
    "city",
    "bridge",
    "council",
    "boat",
    "ferry",
    "harbour",
    "water",
    "road",
    "market",
    "winter",
    "summer",
    "morning",
    "evening",
    "people",
    "children",
    "worker",
    "engineer",
    "mayor",
    "teacher",
    "farmer",
    "history",
    "plan",
    "promise",
    "border",
    "village",
    "mountain",
    "valley",
    "treaty",
    "church",
    "school",
    "museum",
    "library",
    "garden",
    "station",
    "railway",
    "letter",
    "story",
    "season",
    "island",
    "quiet",
    "old",
    "new",
    "long",
    "short",
    "bright",
    "dark",
    "early",
    "late",
    "small",
    "large",
    "distant",
    "narrow",
    "ancient",
    "modern",
    "crossed",
    "built",
    "carried",
    "opened",
    "closed",
    "watched",
    "found",
    "lost",
    "kept",
    "sold",
    "moved",
    "counted",
    "remembered",
    "across",
    "under",
    "over",
    "through",
    "after",
    "before",
    "beyond",
    "around",
    "between",
    "toward",
    "with",
    "without",
    "slowly",
    "quickly",
    "rarely",
    "always",
    "often",
    "never",
]
SPECIAL = [
    "Baku",
    "Yerevan",
    "Leeds",
    "U.N.",
    "city’s",
    "it’s",
    "don’t",
    "“quiet”",
    "‘old’",
    "self-determination",
    "well-known",
    "river—road",
    "*",
    "_a_",
    "[note]",
    "<b>",
    "&amp;",
    "AT&T",
    "`code`",
    "\\",
    "{x}",
    "#5",
    "a|b",
    "(1994)",
]
STARTS = ["", "", "", "", "# ", "> ", "- ", "+ ", "* ", "1. ", "2) ", "1994. "]
NAMES = ["Maria Lopez", "Alex Galitsky", "Jane van der Berg", "Tomás Ó Briain"]

word = st.one_of(*[st.sampled_from(VOCAB)] * 4, st.sampled_from(SPECIAL))


@st.composite
def sentences(draw, min_words=6, max_words=14):
    words = [
        *draw(st.lists(word, min_size=min_words - 1, max_size=max_words - 1)),
        draw(st.sampled_from(VOCAB)),
    ]
    return (words[0][:1].upper() + words[0][1:] + " " + " ".join(words[1:])) + "."


@st.composite
def paragraphs(draw, min_sentences=1):
    start = draw(st.sampled_from(STARTS))
    return start + " ".join(draw(st.lists(sentences(), min_size=min_sentences, max_size=4)))


def key(text: str) -> str:
    """The test's own reading of the normalisation rule, for the inputs generated here."""
    text = unicodedata.normalize("NFKC", re.sub(r"[‘’“”\"'`′″«»„]+", "'", text))
    return " ".join(re.sub(r"\s*[-‐–—―]+\s*", "-", text).casefold().split())


def independent(texts: list[str]) -> bool:
    keys = [key(t) for t in texts]
    cores = [k.rstrip(" .'") for k in keys]
    return len(set(keys)) == len(keys) and not any(
        i != j and cores[i] in keys[j] for i in range(len(keys)) for j in range(len(keys))
    )


def variant(draw, text: str) -> str:
    """The same paragraph in another typography: quotes, dashes, case, whitespace."""
    quotes = draw(
        st.sampled_from(
            [
                {},
                {"‘": "'", "’": "'", "“": '"', "”": '"'},
                {"’": "′", "”": "″"},
                {"“": "« ", "”": " »"},
                {"“": "„"},
            ]
        )
    )
    dashes = draw(
        st.sampled_from(
            [{}, {"—": " — "}, {"—": " – "}, {"—": "-"}, {"—": " -- "}, {"-": "‐"}, {"-": " – "}]
        )
    )
    text = text.translate(str.maketrans(quotes | dashes)).strip(" ")
    text = draw(st.sampled_from([str, str.upper, str.lower, str.swapcase, str.title]))(text)
    # Each run of spaces (" — " next to a space is a run) becomes one drawn space holding one
    # line break at most, so two breaks never meet: a blank line would be a paragraph break,
    # which changes the document, not its typography. Around the paragraph, no break at all.
    spaces = st.sampled_from([" ", " ", "  ", "\t", "\n", " \n  ", "\u00a0", "\u2009"])
    edges = st.sampled_from(["", "", " ", "\t", "\u00a0", "\u2009"])
    text = draw(edges) + re.sub(r" +", lambda _: draw(spaces), text) + draw(edges)
    assert len(blocks(text)) == 1, repr(text)
    return text


def blocks(raw: str) -> list[str]:
    """The paragraphs of raw text as the cleaner reads them: split at blank lines, a blank
    line being one with nothing but whitespace (no-break and thin spaces included)."""
    found, current = [], []
    for line in raw.split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            found.append("\n".join(current))
            current = []
    return found + (["\n".join(current)] if current else [])


@st.composite
def articles(draw):
    """(raw text, title, subtitle, body, author, repeats) with repeats and furniture injected."""
    title = draw(sentences(3, 8)).rstrip(".") + draw(st.sampled_from(["", ": a “Story” #2"]))
    first = draw(paragraphs(min_sentences=3))  # at least three sentences: never a standfirst
    body = [first, *draw(st.lists(paragraphs(), min_size=0, max_size=6))]
    subtitle = draw(st.one_of(st.none(), sentences(3, 6)))
    assume(
        subtitle is None or len(subtitle) * 2 < statistics.median(len(p) for p in body)
    )  # much shorter
    assume(independent([title, *([subtitle] if subtitle else []), *body]))
    author = None
    if draw(st.booleans()):
        name = draw(st.sampled_from(NAMES))
        bio = f"{name} is an associate professor of history at the University of Leeds. Follow her on Twitter @z"
        author = {"name": name, "bio": bio}
    items = [title, *([subtitle] if subtitle else []), *body]
    repeats = draw(st.integers(0, 4))
    for _ in range(repeats):  # each after its first occurrence
        original = draw(st.sampled_from(body))
        at = draw(st.integers(items.index(original) + 1, len(items)))
        items.insert(at, variant(draw, original))
    items += [author["bio"]] if author else []
    for _ in range(
        draw(st.integers(0, 4))
    ):  # furniture: a paragraph of its own, or glued under one
        furniture = draw(st.sampled_from(FURNITURE))
        at = draw(st.integers(0, len(items)))
        if at < len(items) and draw(st.booleans()):
            items[at] = items[at].rstrip() + "\n" + furniture
        else:
            items.insert(at, furniture)
    raw = "".join(item + draw(st.sampled_from(["\n\n", "\n\n\n", "\n \n"])) for item in items)
    raw = raw.rstrip("\n") + draw(st.sampled_from(["", "\n"]))
    # Every item a paragraph of its own, and no paragraph broken in two.
    assert [fold(b) for b in blocks(raw)] == [fold(item) for item in items]
    return raw, title, subtitle, body, author, repeats


# Examples, seed, deadline and health checks come from the profile loaded in conftest.py
# (`ci`: derandomized, so every run tries the same examples; `dev`: more, at random).


@given(articles())
def test_property_unique_paragraphs_survive_and_defects_go(article):
    raw, title, subtitle, body, author, repeats = article
    result = clean_text(raw)
    assert result.paragraphs == [fold(p) for p in body]
    assert [r.kind for r in result.removed].count("duplicate") == repeats
    assert result.title == fold(title)
    assert result.subtitle == (fold(subtitle) if subtitle else None)
    assert result.authors == ([author] if author else [])
    assert result.pullquotes == []
    front, md_body = split_document(result.markdown)
    assert front["title"] == result.title
    assert [t for t, _ in rendered_blocks(md_body)] == result.paragraphs


@given(articles())
def test_property_cleaning_its_own_output_changes_nothing(article):
    result = clean_text(article[0])
    front, md_body = split_document(result.markdown)
    again = [
        front["title"],
        *([front["subtitle"]] if "subtitle" in front else []),
        *(t for t, _ in rendered_blocks(md_body)),
        *(a["bio"] for a in front.get("author", [])),
    ]
    second = clean_text("\n\n".join(again))
    assert second.paragraphs == result.paragraphs
    assert second.markdown == result.markdown


@given(articles(), st.data())
def test_property_pullquote_is_marked_not_lost(article, data):
    _, title, subtitle, body, author, _ = article
    # A pull quote repeats part of a paragraph, not all of it; the first has three sentences or more.
    split = [re.findall(r"(?:^|(?<=\. ))[^ ].*?\.(?= |$)", p) for p in body]
    quote = data.draw(st.sampled_from([s for parts in split if len(parts) > 1 for s in parts]))
    assume(len(quote.split()) >= 6)  # "U.N." can cut a sentence short
    quote = data.draw(st.sampled_from([quote, f"“{quote}”", quote.upper()]))
    assume(
        subtitle is None or len(subtitle) * 2 < statistics.median(len(p) for p in [*body, quote])
    )
    items = [title, *([subtitle] if subtitle else []), body[0]]
    rest = body[1:]
    rest.insert(data.draw(st.integers(0, len(rest))), quote)
    result = clean_text("\n\n".join(items + rest + ([author["bio"]] if author else [])))
    assert result.paragraphs == body
    assert result.pullquotes == [quote]
    assert (quote, True) in rendered_blocks(split_document(result.markdown)[1])


# -- files and bad input ---------------------------------------------------------------------
ARTICLE = "A Title: With a Colon\n\nThe one body paragraph, which is long enough to be a body paragraph.\n"


def fingerprint(path: Path) -> tuple[bytes, int]:
    return path.read_bytes(), path.stat().st_mtime_ns


@pytest.mark.parametrize(
    "name,data",
    [
        ("binary.txt", b"Title\n\nBody\x00text\n"),
        ("latin1.txt", b"Title\n\nCaf\xe9 society.\n"),
        ("empty.txt", b""),
        ("blank.txt", b"  \n\n\t\n"),
        ("furniture.txt", b"Advertisement\n\nShare this:\n\nPrint Friendly, PDF & Email"),
        ("title-only.txt", b"Only a Title\n\nPrint Friendly, PDF & Email\n"),
    ],
)
def test_bad_input_names_the_file(tmp_path, name, data):
    raw = tmp_path / name
    raw.write_bytes(data)
    before = fingerprint(raw)
    with pytest.raises(PressroomError) as err:
        clean_file(raw, tmp_path / "out.md", tmp_path / "report.json")
    assert name in str(err.value)
    assert fingerprint(raw) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


def test_missing_file(tmp_path):
    with pytest.raises(PressroomError, match=r"nope\.txt"):
        clean_file(tmp_path / "nope.txt", tmp_path / "out.md")
    assert list(tmp_path.iterdir()) == []


def test_non_utf8_error_gives_the_line(tmp_path):
    raw = tmp_path / "latin1.txt"
    raw.write_bytes(b"Title\n\nCaf\xe9 society.\n")
    with pytest.raises(PressroomError, match=r"latin1\.txt:3: "):
        clean_file(raw)


def test_clean_file_writes_output_and_report_leaving_input_alone(tmp_path):
    raw = tmp_path / "raw.txt"
    raw.write_text(FERRIES, encoding="utf-8")
    before = fingerprint(raw)
    result = clean_file(raw, tmp_path / "out" / "article.md", tmp_path / "report.json")
    assert fingerprint(raw) == before
    assert (tmp_path / "out" / "article.md").read_text(encoding="utf-8") == result.markdown
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    assert files == ["out", "out/article.md", "raw.txt", "report.json"]  # no temporary files left
    text = (tmp_path / "report.json").read_text(encoding="utf-8")
    report = json.loads(text)
    assert text == json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert report["paragraphs"] == 7 and report["pullquotes"] == result.pullquotes
    duplicate = {
        "kind": "duplicate",
        "line": 14,
        "excerpt": "WHEN THE LAST FERRY ACROSS THE TAMSIN…",
        "duplicate_of": 7,
    }
    assert duplicate in report["removed"]
    assert report["doubts"] == result.doubts
    clean_file(raw, tmp_path / "again.md")
    assert (tmp_path / "again.md").read_bytes() == (tmp_path / "out" / "article.md").read_bytes()


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink"])
def test_refuses_to_overwrite_the_input(tmp_path, spelling):
    raw = tmp_path / "raw.txt"
    raw.write_text(ARTICLE, encoding="utf-8")
    out = {"same": raw, "dotted": tmp_path / "." / "raw.txt", "symlink": tmp_path / "link.txt"}[
        spelling
    ]
    if spelling == "symlink":
        os.symlink(raw, out)
    before = fingerprint(raw)
    with pytest.raises(PressroomError, match=r"raw\.txt"):
        clean_file(raw, out)
    with pytest.raises(PressroomError, match=r"raw\.txt"):
        clean_file(raw, tmp_path / "ok.md", report=out)
    assert fingerprint(raw) == before


def test_furniture_run_onto_the_end_of_a_paragraph():
    text = (
        "Title\n\nBody text of the article, long enough to be a paragraph of its own. "
        "Advertisement\n\nMore text here, which ends where it should. And then it goes on "
        "about advertisement\n\n"
        "Jo Bloggs is a reporter for the Gazette. Twitter: @jo Print Friendly, PDF & Email\n"
    )
    result = clean_text(text)
    assert result.paragraphs == [
        "Body text of the article, long enough to be a paragraph of its own.",
        "More text here, which ends where it should. And then it goes on about advertisement",
    ]
    assert result.authors[0]["bio"] == "Jo Bloggs is a reporter for the Gazette. Twitter: @jo"
    assert [r.excerpt for r in result.removed if r.kind == "furniture"] == [
        "Advertisement",
        "Print Friendly, PDF & Email",
    ]


def test_a_near_duplicate_far_from_its_original_is_found_among_many():
    """The near-duplicate index (rare words, prefix filtering) finds what comparing every
    pair would: one word changed in a long paragraph, 300 paragraphs later."""
    rng = __import__("random").Random(7)
    vocabulary = [f"word{n}" for n in range(5000)]

    def paragraph() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(40)).capitalize() + "."

    body = [paragraph() for _ in range(400)]
    changed = body[10].split()
    changed[20] = "different"
    body.insert(310, " ".join(changed))
    result = clean_text("A Title Here\n\n" + "\n\n".join(body) + "\n")
    resembles = [d for d in result.doubts if "resembles" in d]
    assert len(resembles) == 1 and "resembles line 23" in resembles[0], resembles


def test_a_text_of_few_words_compares_each_paragraph_with_a_bounded_number():
    """Thousands of distinct paragraphs drawn from 26 words: every pair shares most words,
    so each paragraph is compared with a bounded number of others, and says so once."""
    import random

    from pressroom.clean import MOST_CANDIDATES, clean_text

    rng = random.Random(7)
    words = [letter * 3 for letter in "abcdefghijklmnopqrstuvwxyz"]
    paragraphs: set[str] = set()
    while len(paragraphs) < 4000:
        paragraphs.add(" ".join(rng.choice(words) for _ in range(rng.randint(8, 20))) + ".")
    result = clean_text("A title\n\n" + "\n\n".join(sorted(paragraphs)))
    assert len(result.paragraphs) + len(result.pullquotes) == len(paragraphs)  # none lost
    assert any(
        f"compared with {MOST_CANDIDATES} others sharing their words only" in d
        for d in result.doubts
    )


def test_many_doubts_are_summed_up_on_stderr_and_listed_in_the_report(tmp_path):
    from pressroom.clean import MOST_DOUBTS_SHOWN, Cleaned, format_report

    result = Cleaned(title="T", subtitle=None, authors=[], paragraphs=[], pullquotes=[])
    result.doubts = [f"doubt {n}" for n in range(50)]
    lines = format_report(result, "raw.txt")
    assert len(lines) == MOST_DOUBTS_SHOWN + 1
    assert lines[-1] == "raw.txt: and 30 more doubts (every one in the report: --report FILE)"


def test_a_raw_file_past_the_size_limit_is_refused_before_it_is_read(tmp_path):
    from pressroom.clean import clean_file
    from pressroom.errors import PressroomError
    from pressroom.limits import DEFAULT

    raw = tmp_path / "huge.txt"
    with raw.open("wb") as out:
        out.truncate(DEFAULT.manuscript_bytes + 1)  # sparse: nothing is written
    with pytest.raises(PressroomError, match=r"is 50,000,001 bytes; the limit is 50,000,000"):
        clean_file(raw)


def test_a_pipe_is_refused_not_waited_for(tmp_path):
    import os

    from pressroom.clean import clean_file
    from pressroom.errors import PressroomError

    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(PressroomError, match="is not a regular file"):
        clean_file(tmp_path / "pipe")
