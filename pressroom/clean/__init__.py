"""`pressroom clean`: text copied from a web article -> a Markdown manuscript.

The raw text is paragraphs separated by blank lines. Cleaning takes the title, standfirst and
author note into YAML front matter, drops web-page furniture and repeated paragraphs, marks pull
quotes, and reports every removal. The rule throughout: never lose a unique sentence; when a
rule is unsure, keep the text and report a doubt.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import gc
import itertools
import json
import os
import re
import statistics
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from ..errors import PressroomError
from ..limits import DEFAULT
from ..util.files import read_text, write_atomic

__all__ = ["Cleaned", "Removal", "clean_file", "clean_text", "format_report", "report_data"]

# Patterns for web-page furniture: data, one regular expression a line, shipped in the package.
FURNITURE_FILE = Path(str(resources.files("pressroom.clean").joinpath("furniture.txt")))

PULLQUOTE_MIN_WORDS = 6  # shorter paragraphs are contained in longer ones by chance ("Yes.")
SUBTITLE_MAX_CHARS = 250
SUBTITLE_MAX_SENTENCES = 2
SUBTITLE_MAX_SHARE = 0.6  # of the median body paragraph: a standfirst is much shorter
BIO_MAX_CHARS = 600
EXCERPT_CHARS = 40
TITLE_MAX_CHARS = 200

# Quote and dash look-alikes, folded before NFKC: NFKC would turn ″ into two primes.
_QUOTES = "'\"`´‘’‚‛“”„‟′″‴‵‶‷‹›«»＂＇"
_DASHES = "-‐‑‒–—―−⁃﹘﹣－"
_FOLD = str.maketrans({**{q: "'" for q in _QUOTES}, **{d: "-" for d in _DASHES}})
_GUILLEMETS = "«‹»›"
_GUILLEMET_SPACE = re.compile(r"(?<=[«‹])\s+|\s+(?=[»›])")  # French spacing inside « »
_QUOTE_RUN = re.compile(r"['\"`]+")  # nested quotes ‘“ vs a single " are one style choice
_DASH_RUN = re.compile(r"\s*-+\s*")  # "a - b", "a—b", "a -- b" are one dash

# A sentence ends after a lower-case letter or digit, so "Robert M. Cutler" and "U.N." don't count.
_SENTENCE_END = re.compile(r"(?<=[a-z0-9%)])[.!?]+['\"’”»)]*(?=\s|$)")
_LINE_ENDS_SENTENCE = re.compile(r"[.!?…:]['\"’”»)]*$")
_AUTHOR_NOTE = re.compile(r"(?P<name>\S+(?: \S+){1,5}?) is (?:a|an|the) (?P<rest>.+)")
_ROLE_LINK = re.compile(r"\b(?:at|of|for)\b")
_NAME_PARTICLES = {
    "de",
    "da",
    "del",
    "della",
    "di",
    "du",
    "van",
    "von",
    "der",
    "den",
    "la",
    "le",
    "bin",
    "al",
    "el",
}
_NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’.-])*")

# Markdown: escape only what python-markdown (or CommonMark) would read as markup.
_INLINE_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]{"} | {"<": "&lt;"})
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_BLOCK_START = re.compile(r"^(?:([#>+-])|(\d+)([.)])(?=\s|$))")


@dataclass
class Removal:
    kind: str  # "duplicate" | "pullquote" | "furniture" | "title" | "subtitle" | "bio"
    line: int  # raw line where the paragraph (or furniture line) starts
    excerpt: str
    duplicate_of: int | None = None  # first occurrence; for a pull quote, the paragraph quoted


@dataclass
class Cleaned:
    title: str
    subtitle: str | None
    authors: list[dict]  # [{"name": ..., "bio": ...}]
    paragraphs: list[str]  # body text kept, in order, without pull quotes
    pullquotes: list[str]
    removed: list[Removal] = field(default_factory=list)
    doubts: list[str] = field(default_factory=list)
    markdown: str = ""


@dataclass
class _Para:
    line: int
    text: str  # raw text, whitespace runs folded to single spaces
    key: str  # normalised for comparison
    pullquote_of: int | None = None

    @functools.cached_property
    def core(self) -> str:
        return _core(self.key)


def normalise(text: str) -> str:
    """The comparison key: NFKC, one quote and one dash character, unspaced dashes, folded case
    and whitespace. Two paragraphs with the same key differ only in typography."""
    # Each substitution only where it can match: most paragraphs have no guillemet or dash.
    if any(g in text for g in _GUILLEMETS):
        text = _GUILLEMET_SPACE.sub("", text)
    text = _QUOTE_RUN.sub("'", unicodedata.normalize("NFKC", text.translate(_FOLD)))
    if "-" in text:
        text = _DASH_RUN.sub("-", text)
    return " ".join(text.casefold().split())


def _core(key: str) -> str:
    """A normalised paragraph without its surrounding quotes and closing punctuation.
    A key's only white space is single spaces between words, so stripping characters will do."""
    return key.lstrip(" '").rstrip(" '.!?,;:")


def _fold(text: str) -> str:
    return " ".join(text.split())


def _excerpt(text: str) -> str:
    if len(text) <= EXCERPT_CHARS:
        return text
    cut = text[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "…"


def _quoted(text: str) -> str:
    return f'"{_excerpt(text)}"'


@cache
def furniture_patterns(path: Path = FURNITURE_FILE) -> tuple[re.Pattern, ...]:
    patterns = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            patterns.append(re.compile(line, re.IGNORECASE))
        except re.error as err:
            raise PressroomError(path, f"bad furniture pattern: {err}", number) from None
    return tuple(patterns)


@cache
def _any_furniture() -> re.Pattern:
    """All patterns as one alternation: one match per question instead of one a pattern."""
    return re.compile("|".join(f"(?:{p.pattern})" for p in furniture_patterns()), re.IGNORECASE)


def is_furniture(text: str) -> bool:
    return _any_furniture().fullmatch(normalise(text)) is not None


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Cleaning makes millions of small lists, sets and tuples and no reference cycle: the
    cycle collector would walk them again and again for nothing (a fifth of the time)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def clean_text(text: str, name: str = "<text>") -> Cleaned:
    with _no_cycle_collection():
        return _clean(text, name)


def _clean(text: str, name: str) -> Cleaned:
    removed: list[Removal] = []
    doubts: list[str] = []
    paras = _dedupe(_paragraphs(text, removed, doubts), removed)
    if not paras:
        raise PressroomError(name, "no text left after removing web-page furniture")

    title = paras.pop(0)
    removed.append(Removal("title", title.line, _excerpt(title.text)))
    if len(title.text) > TITLE_MAX_CHARS:
        doubts.append(
            f"line {title.line}: took {_quoted(title.text)} as the title, "
            f"but it is {len(title.text)} characters long"
        )
    authors = _take_author(paras, removed, doubts)
    subtitle = None
    if len(paras) > 1 and _is_standfirst(paras[0].text, paras[1:]):
        subtitle = paras.pop(0)
        removed.append(Removal("subtitle", subtitle.line, _excerpt(subtitle.text)))
    elif len(paras) > 1 and _is_standfirst(paras[0].text, paras[1:], share=1.0):
        doubts.append(
            f"line {paras[0].line}: kept {_quoted(paras[0].text)} as body; "
            "it may be a standfirst (subtitle)"
        )
    if not paras:
        raise PressroomError(
            name, "no body paragraph left after the title, standfirst and author note"
        )

    _mark_pullquotes(paras, removed, doubts)
    _doubt_near_duplicates([p for p in paras if p.pullquote_of is None], doubts)
    removed.sort(key=lambda r: r.line)
    result = Cleaned(
        title=title.text,
        subtitle=subtitle.text if subtitle else None,
        authors=authors,
        paragraphs=[p.text for p in paras if p.pullquote_of is None],
        pullquotes=[p.text for p in paras if p.pullquote_of is not None],
        removed=removed,
        doubts=doubts,
    )
    result.markdown = _markdown(result, paras)
    return result


def _paragraphs(text: str, removed: list[Removal], doubts: list[str]) -> list[_Para]:
    """Split on blank lines, dropping furniture paragraphs and furniture lines glued to a paragraph."""
    lines = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(lines, 1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    # A one-line block, its line and the paragraph kept are most often one string: normalised once.
    key = functools.cache(normalise)

    def furniture(text: str) -> bool:
        return _any_furniture().fullmatch(key(text)) is not None

    paras = []
    for block in filter(None, blocks):
        joined = _fold(" ".join(line for _, line in block))
        if furniture(joined):
            removed.append(Removal("furniture", block[0][0], _excerpt(joined)))
            continue
        kept = _strip_furniture_lines(block, removed, doubts, furniture)
        if kept:
            text = _strip_trailing_furniture(
                _fold(" ".join(line for _, line in kept)), kept[-1][0], removed, furniture
            )
            paras.append(_Para(kept[0][0], text, key(text)))
    return paras


_ENDS_CLAUSE = re.compile(r"(?:[.!?…]['\"’”»)]*|@\w+|https?://\S+)$")
TRAILING_FURNITURE_WORDS = 8


def _strip_trailing_furniture(
    text: str, line: int, removed: list[Removal], furniture: Callable[[str], bool]
) -> str:
    """Furniture run onto the end of a paragraph ("… Twitter: @x Print Friendly, PDF & Email").
    Only after a sentence end, a handle or a link, so no sentence of the author's is cut."""
    words = text.split(" ")
    for start in range(max(1, len(words) - TRAILING_FURNITURE_WORDS), len(words)):
        # _ENDS_CLAUSE holds no space: the head's last word alone decides.
        if _ENDS_CLAUSE.search(words[start - 1]):
            tail = " ".join(words[start:])
            if furniture(tail):
                removed.append(Removal("furniture", line, _excerpt(tail)))
                return " ".join(words[:start])
    return text


def _strip_furniture_lines(
    block: list[tuple[int, str]],
    removed: list[Removal],
    doubts: list[str],
    furniture: Callable[[str], bool],
) -> list[tuple[int, str]]:
    """Drop lines that are furniture on their own, unless the line reads as part of a wrapped
    sentence: it starts in lower case after a line that ends no sentence, or the next line
    continues in lower case ("spent more on / advertisement / than on engines")."""
    kept = []
    for i, (number, line) in enumerate(block):
        if not furniture(line):
            kept.append((number, line))
            continue
        after = block[i + 1][1].strip() if i + 1 < len(block) else ""
        runs_on = (
            kept
            and kept[-1][0] == number - 1
            and not _LINE_ENDS_SENTENCE.search(kept[-1][1].rstrip())
        )
        if (runs_on and line.strip()[:1].islower()) or after[:1].islower():
            kept.append((number, line))
            doubts.append(
                f"line {number}: kept {_quoted(_fold(line))}: "
                "looks like web-page furniture but may be part of a sentence"
            )
        else:
            removed.append(Removal("furniture", number, _excerpt(_fold(line))))
    return kept


def _dedupe(paras: list[_Para], removed: list[Removal]) -> list[_Para]:
    first: dict[str, int] = {}
    kept = []
    for p in paras:
        if p.key in first:
            removed.append(Removal("duplicate", p.line, _excerpt(p.text), first[p.key]))
        else:
            first[p.key] = p.line
            kept.append(p)
    return kept


def _take_author(paras: list[_Para], removed: list[Removal], doubts: list[str]) -> list[dict]:
    """The last paragraph, if it is an author note about someone the article does not name."""
    author = _author_note(paras[-1].text) if paras else None
    if author is None:
        return []
    surname = author["name"].split()[-1]
    if any(surname in p.text for p in paras[:-1]):  # a closing line about a person in the story
        doubts.append(
            f"line {paras[-1].line}: kept {_quoted(paras[-1].text)} as body: "
            f"reads like an author note, but the article names {surname}"
        )
        return []
    removed.append(Removal("bio", paras[-1].line, _excerpt(paras.pop().text)))
    return [author]


def _author_note(text: str) -> dict | None:
    """'Jane Roe is an associate professor of X at Y. Follow her on Twitter @z' -> name and bio."""
    match = _AUTHOR_NOTE.match(text)
    if not match or len(text) > BIO_MAX_CHARS or not _ROLE_LINK.search(match["rest"]):
        return None
    words = [w for w in match["name"].split() if w not in _NAME_PARTICLES]
    is_name = 2 <= len(words) <= 4 and all(
        _NAME_WORD.fullmatch(w) and w[0].isupper() for w in words
    )
    return {"name": match["name"], "bio": text} if is_name else None


def _is_standfirst(text: str, body: list[_Para], share: float = SUBTITLE_MAX_SHARE) -> bool:
    """One or two sentences, much shorter than the body paragraphs, not introducing what follows."""
    typical = statistics.median(len(p.text) for p in body)
    return (
        len(text) <= min(SUBTITLE_MAX_CHARS, typical * share)
        and len(_SENTENCE_END.findall(text)) <= SUBTITLE_MAX_SENTENCES
        and not text.endswith(":")
    )


_TOKEN = re.compile(r"\w+")
# Share of words (Jaccard) from which two paragraphs resemble; exact, so that the index's
# bounds and the final test agree at the edge (4/5 of 35 is 28, not 28.000000000000004).
NEAR_DUPLICATE = Fraction(4, 5)
# Paragraphs a paragraph is compared with, at the most, in each search: a text of a few
# dozen words (no writing, or a hostile one) would have every pair share most of them.
MOST_CANDIDATES = 64


def _mark_pullquotes(paras: list[_Para], removed: list[Removal], doubts: list[str]) -> None:
    """A paragraph repeated word for word inside a longer one is a pull quote.

    A paragraph containing another contains its words in a row, the rarest of them
    included: only the paragraphs holding that rarest word are searched (an inverted index),
    so the work grows with the text, not with its square."""
    # A core has its key's words: only characters outside words are stripped from the key.
    words = [_TOKEN.findall(p.key) for p in paras]
    counts = collections.Counter(itertools.chain.from_iterable(map(set, words)))
    rarest = [min(tokens, key=counts.__getitem__) if tokens else "" for tokens in words]
    holders: dict[str, list[int]] = {token: [] for token in rarest if token}
    for index, tokens in enumerate(words):
        for token in holders.keys() & tokens:  # only words some paragraph is looked up by
            holders[token].append(index)
    lengths = [len(p.core) for p in paras]
    cut_short = 0
    for p, word in zip(paras, rarest, strict=True):
        if not word:
            continue
        core = p.core
        held = holders[word]
        if len(held) > MOST_CANDIDATES:  # a text of few words: its rarest is everywhere
            held = held[:MOST_CANDIDATES]
            cut_short += 1
        found = [c for c in held if lengths[c] > len(core) and core in paras[c].key]
        if not found:
            continue
        inside = re.compile(rf"(?<!\w){re.escape(core)}(?!\w)")  # whole words only
        container = next((paras[c] for c in found if inside.search(paras[c].key)), None)
        if container is None:
            continue
        if len(core.split()) < PULLQUOTE_MIN_WORDS:
            doubts.append(
                f"line {p.line}: kept {_quoted(p.text)} as body: "
                f"too short to be a pull quote of line {container.line}"
            )
            continue
        p.pullquote_of = container.line
        removed.append(Removal("pullquote", p.line, _excerpt(p.text), container.line))
    if cut_short:
        doubts.append(
            f"{cut_short:,} paragraphs were looked for as pull quotes in the first "
            f"{MOST_CANDIDATES} paragraphs holding their rarest word only: the text uses "
            "too few words to look in all"
        )


def _doubt_near_duplicates(paras: list[_Para], doubts: list[str]) -> None:
    """Paragraphs that open alike or share most words are kept, but a person should look:
    each is reported with the earliest paragraph before it that it resembles.

    Opening alike is a dictionary look-up. Sharing NEAR_DUPLICATE of their words (Jaccard)
    is a set-similarity join (PPJoin): with words ranked rarest first, two such sets share
    one of the first few words of each, so paragraphs are indexed by a short prefix and
    looked up by a slightly longer one, smallest first, and a shared word too late in both
    orders rules a pair out. The work grows with the text, not with its square, even when
    every paragraph shares most of its words with every other."""
    words = [p.core.split() for p in paras]
    sets = [set(w) for w in words]
    frequency = collections.Counter(itertools.chain.from_iterable(sets))
    # Words become their ranks, rarest first: a paragraph's sorted ranks start with its prefix.
    # Any one order finds the same pairs; the rarest first keeps the lists looked up short.
    rank = {w: n for n, w in enumerate(sorted(frequency, key=frequency.__getitem__))}
    ordered = [sorted(map(rank.__getitem__, found)) for found in sets]
    sizes = [len(found) for found in sets]
    # The bounds below in whole numbers, exactly: with t = p/q, a set of s words resembles
    # only sets of at least ceil(t*s) words, and two of sizes s and o must share
    # ceil(t/(1+t)*(s+o)), the same as sharing t of their union.
    p, q = NEAR_DUPLICATE.numerator, NEAR_DUPLICATE.denominator
    resembles: dict[int, int] = {}  # later paragraph → earliest one it resembles

    def found(i: int, j: int) -> None:
        first, later = min(i, j), max(i, j)
        if resembles.get(later, later) > first:
            resembles[later] = first

    opening: dict[tuple[str, ...], int] = {}
    for j, w in enumerate(words):
        key = tuple(w[:5])
        if key in opening:
            found(opening[key], j)
        else:
            opening[key] = j
    index: list[list[tuple[int, int]]] = [[] for _ in rank]  # by word: (paragraph, its rank in it)
    start = [0] * len(rank)  # entries before it are too small for every paragraph still to come
    cut_short = 0
    for x in sorted(range(len(paras)), key=sizes.__getitem__):  # smallest first
        size = sizes[x]
        smallest = -(-p * size // q)  # ceil(t * size), by ceiling division
        seen: set[int] = set()
        looked, short = 0, False
        for position, word in enumerate(ordered[x][: size - smallest + 1]):
            entries = index[word]
            first = start[word]
            while first < len(entries) and sizes[entries[first][0]] < smallest:
                first += 1
            start[word] = first
            budget = MOST_CANDIDATES - looked
            short = short or len(entries) - first > budget  # few words: every pair shares most
            for k in range(first, min(len(entries), first + budget)):
                y, rank_in_y = entries[k]
                looked += 1
                if y in seen:
                    continue
                seen.add(y)
                other = sizes[y]
                needed = -(-p * (size + other) // (p + q))
                # Before the first shared word nothing is shared, so this bounds the overlap.
                if (
                    min(size - position, other - rank_in_y) >= needed
                    and len(sets[x] & sets[y]) >= needed
                ):
                    found(x, y)
        cut_short += short
        kept = size - -(-2 * p * size // (p + q)) + 1
        for position, word in enumerate(ordered[x][:kept]):
            index[word].append((x, position))
    for later, earlier in sorted(resembles.items()):
        doubts.append(
            f"line {paras[later].line}: kept {_quoted(paras[later].text)}: "
            f"resembles line {paras[earlier].line} but differs"
        )
    if cut_short:
        doubts.append(
            f"{cut_short:,} paragraphs were compared with {MOST_CANDIDATES} others sharing "
            "their words only: the text uses too few words to compare every pair"
        )


def escape_markdown(text: str) -> str:
    """Escape what Markdown would read as markup; a paragraph is one line, so only its start
    can open a block (heading, quote, list, rule). `|` is left alone: a one-line paragraph
    cannot be a table, and python-markdown keeps `\\|` literally."""
    text = _ENTITY.sub("&amp;", text).translate(_INLINE_ESCAPES)
    return _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text, count=1)


def _markdown(result: Cleaned, paras: list[_Para]) -> str:
    meta: dict = {"title": result.title}
    if result.subtitle:
        meta["subtitle"] = result.subtitle
    if result.authors:
        meta["author"] = result.authors
    front = yaml.safe_dump(
        meta, allow_unicode=True, sort_keys=False, width=1_000_000, default_flow_style=False
    )
    blocks = [
        escape_markdown(p.text) + ("\n{: .pullquote}" if p.pullquote_of else "") for p in paras
    ]
    return f"---\n{front}---\n\n" + "\n\n".join(blocks) + "\n"


def clean_file(
    raw: str | Path, out: str | Path | None = None, report: str | Path | None = None
) -> Cleaned:
    """Clean `raw`; write the Markdown to `out` and the JSON report to `report` if given."""
    text = read_text(raw, max_bytes=DEFAULT.manuscript_bytes)
    for target in (out, report):
        if target is not None and _same_file(raw, target):
            raise PressroomError(target, f"would overwrite the input {raw}; choose another output")
    result = clean_text(text, str(raw))
    if out is not None:
        write_atomic(out, result.markdown)
    if report is not None:
        data = report_data(result, str(raw))
        write_atomic(report, json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return result


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # `b` does not exist yet
        return Path(a).resolve() == Path(b).resolve()


def report_data(result: Cleaned, name: str) -> dict:
    return {
        "source": name,
        "title": result.title,
        "subtitle": result.subtitle,
        "authors": result.authors,
        "paragraphs": len(result.paragraphs),
        "pullquotes": result.pullquotes,
        "removed": [asdict(r) for r in result.removed],
        "doubts": result.doubts,
    }


_VERBS = {
    "duplicate": "removed duplicate of line {}",
    "pullquote": "marked pull quote of line {}",
    "furniture": "removed web-page furniture",
    "title": "took the title",
    "subtitle": "took the subtitle",
    "bio": "took the author note",
}


MOST_DOUBTS_SHOWN = 20  # on stderr; the report (--report) lists every one


def format_report(result: Cleaned, name: str = "<text>") -> list[str]:
    """One line per removal and doubt, `file:line: what`, for stderr; past MOST_DOUBTS_SHOWN
    doubts, one line says how many more the report holds."""
    lines = [
        f'{name}:{r.line}: {_VERBS[r.kind].format(r.duplicate_of)}: "{r.excerpt}"'
        for r in result.removed
    ]
    shown = result.doubts[:MOST_DOUBTS_SHOWN]
    lines += [f"{name}: doubt: {d}" for d in shown]
    if len(result.doubts) > len(shown):
        lines.append(
            f"{name}: and {len(result.doubts) - len(shown):,} more doubts "
            "(every one in the report: --report FILE)"
        )
    return lines
