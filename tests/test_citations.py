"""Citations and math in a real build: tests/fixtures/scholar/ (a .bib, APA, TeX formulas)
read back from the EPUB, the handout and the archival copy."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from pressroom.load.citations import find_citations
from support import pressroom, write

XHTML = "{http://www.w3.org/1999/xhtml}"
MATHML = "{http://www.w3.org/1998/Math/MathML}"
FIXTURE = Path(__file__).parent / "fixtures" / "scholar"


def epub_pages(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as z:
        return {
            name: etree.fromstring(z.read(name)) for name in z.namelist() if name.endswith(".xhtml")
        }


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# -- finding citations -------------------------------------------------------------------------
def test_citations_are_found_and_cross_references_emails_and_code_are_not():
    text = (
        "As [see @a, p. 4; @b] and @c say, [-@d]; not @fig:map, [@tbl:x], [@sec:y; @eq:z],\n"
        "scribe@stones.org, `@e` or [a link](#x) or [^1].\n\n```\n@f\n```\n"
    )
    cites = find_citations([text])
    assert [[i.key for i in c.items] for c in cites] == [["a", "b"], ["c"], ["d"]]
    first, in_text, year = cites
    assert first.items[0].prefix == "see " and first.items[0].locator == ("page", "4")
    assert in_text.in_text and not first.in_text
    assert year.items[0].suppress_author


def test_a_citation_in_a_footnote_is_marked_as_in_a_note():
    (cite,) = find_citations(["Text.[^1]\n\n[^1]: As [@a] says.\n"])
    assert cite.in_note


# -- the fixture built -------------------------------------------------------------------------
def test_build_warns_for_the_unknown_key_and_the_bad_formula_by_line(built_scholar):
    found = {(d.code, d.line, d.message) for d in built_scholar.built.diagnostics}
    assert (
        "B-CITE",
        26,
        "no entry @nobody2000 in the bibliography; the citation is printed as written",
    ) in found
    assert any(code == "B-MATH" and line == 26 and "\\frac{1}{" in m for code, line, m in found)
    # @fig:map is left to the cross-references, which find no such figure in this book.
    assert ("B-XREF", 27, "reference @fig:map has no figure with that id; kept as text") in found
    assert {code for code, _, _ in found} == {"B-CITE", "B-MATH", "B-XREF"}


def test_epub_has_mathml_with_alttext_and_the_mathml_property(built_scholar):
    pages = epub_pages(built_scholar["epub"])
    chapter = pages["EPUB/chapter-1.xhtml"]
    maths = chapter.findall(f".//{MATHML}math")
    assert [m.get("alttext") for m in maths] == [
        "A = \\pi r^2",
        "\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}",
        None,  # raw MathML, kept as written
        "e^{i\\pi} + 1 = 0",  # in the author's footnote
    ]
    assert [m.get("display") for m in maths][:2] == ["inline", "block"]
    with zipfile.ZipFile(built_scholar["epub"]) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    props = {
        item.get("href"): item.get("properties")
        for item in opf.iter("{http://www.idpf.org/2007/opf}item")
    }
    assert props["chapter-1.xhtml"] == "mathml"
    assert props["chapter-2.xhtml"] is None  # no math in the references
    metadata = {m.get("property"): m.text for m in opf.iter("{http://www.idpf.org/2007/opf}meta")}
    assert "It has 4 formulas in MathML" in metadata["schema:accessibilitySummary"]
    features = [
        m.text
        for m in opf.iter("{http://www.idpf.org/2007/opf}meta")
        if m.get("property") == "schema:accessibilityFeature"
    ]
    assert "MathML" in features


def test_epub_resolves_citations_and_lists_the_bibliography(built_scholar):
    pages = epub_pages(built_scholar["epub"])
    text = " ".join("".join(pages["EPUB/chapter-1.xhtml"].itertext()).split())
    assert "(Smith, 2020, p. 4)" in text
    assert "(Abel, 2015, pp. 10–12; see Doe & Roe, 2019)" in text
    assert "Smith (2020) says so plainly" in text
    assert "cited as (2019)." in text
    assert "[@nobody2000]" in text  # unknown: as written
    assert "@fig:map" in text and "scribe@stones.org" in text and "$5 and $6" in text
    refs = pages["EPUB/chapter-2.xhtml"]
    (section,) = refs.findall(f".//{XHTML}section[@role='doc-bibliography']")
    entries = ["".join(p.itertext()) for p in section]
    assert entries == [
        "Abel, A. (2015). Inscriptions of the Highlands. Valley Books.",
        "Doe, J., & Roe, R. (2019). Counting Crosses. Journal of Stones, 12, 33–50.",
        "Smith, J. (2020). The Shape of Letters. Stone Press.",
    ]
    assert refs.find(f".//{XHTML}h1").text == "References"


def test_pdf_draws_formulas_with_their_tex_as_alt_text(built_scholar):
    reader = PdfReader(built_scholar["pdf"])
    text = pdf_text(built_scholar["pdf"])
    assert "\\pi r^2" not in text and "A = " not in text
    assert "$\\frac{1}{$" in text  # the bad one, as written
    # WeasyPrint draws the SVG's glyph outlines into the page: curves, where text is fonts.
    page = next(p for p in reader.pages if "counted by hand" in p.extract_text())
    assert page.get_contents().get_data().count(b" c\n") > 100
    alts = set()
    stack = [reader.trailer["/Root"]["/StructTreeRoot"].get_object()]
    while stack:
        node = stack.pop()
        if hasattr(node, "get_object"):
            node = node.get_object()
        if isinstance(node, dict):
            if "/Alt" in node:
                alts.add(str(node["/Alt"]))
            kids = node.get("/K")
            stack.extend(kids if isinstance(kids, list) else [kids] if kids is not None else [])
        elif isinstance(node, list):
            stack.extend(node)
    assert {"A = \\pi r^2", "\\sum_{k=1}^{n} k = \\frac{n(n+1)}{2}", "y=2x"} <= alts


def test_pdf_resolves_citations_and_prints_the_bibliography(built_scholar):
    text = " ".join(pdf_text(built_scholar["pdf"]).split())
    assert "(Smith, 2020, p. 4)" in text and "[@smith2020" not in text
    assert "Smith, J. (2020). The Shape of Letters. Stone Press." in text
    assert "References" in text


def test_archival_copy_attaches_the_bibliography_and_the_style(built_scholar):
    names = set(PdfReader(built_scholar["archival"]).attachments)
    assert {"scholar.md", "sources.bib", "apa.csl"} <= names


@pytest.mark.validators
def test_epubcheck_and_ace_report_nothing_for_math_and_citations(built_scholar):
    from pressroom.checks import check, tools

    assert [name for name in ("epubcheck", "ace") if not tools()[name]] == []
    findings = check([built_scholar["epub"], built_scholar["pdf"]])
    assert [str(f) for f in findings] == []


# -- note styles, placement, errors ------------------------------------------------------------
HEAD = "---\ntitle: T\nauthor: A\nrights: r\nbibliography: refs.bib\n"
BIB = (FIXTURE / "sources.bib").read_text(encoding="utf-8")


def test_a_note_style_puts_citations_in_footnotes_numbered_with_the_authors(tmp_path):
    write(
        tmp_path,
        {
            "refs.bib": BIB,
            "t.md": HEAD + "csl: chicago-notes-bibliography\n---\n\n"
            "First.[^own] Then [@smith2020, p. 4].\n\n"
            "[^own]: The author's note, after [@abel2015].\n",
        },
    )
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    page = epub_pages(tmp_path / "dist" / "t.epub")["EPUB/chapter-1.xhtml"]
    notes = ["".join(a.itertext()).strip().split(None, 1)[1] for a in page.iter(f"{XHTML}aside")]
    # A citation in the author's note stays in it: no note inside a note.
    assert notes == [
        "The author’s note, after A. Abel, Inscriptions of the Highlands (Valley Books, 2015).",
        "J. Smith, The Shape of Letters (Stone Press, 2020), 4.",
    ]
    body = "".join(page.find(f".//{XHTML}section").itertext())
    assert "Then 2." in " ".join(body.split())
    heading = page.findall(f".//{XHTML}h2")
    assert [h.text for h in heading] == ["References"]  # an article: a section, at the end


def test_a_missing_bibliography_is_an_error_at_its_line(tmp_path):
    write(tmp_path, {"t.md": HEAD + "---\n\nText [@a].\n"})
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 1
    assert "t.md:5: bibliography refs.bib not found" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_malformed_bibliography_is_an_error_naming_it(tmp_path):
    write(tmp_path, {"refs.bib": "@book{x, title = {never closed", "t.md": HEAD + "---\n\nText.\n"})
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 1
    assert "refs.bib: malformed bibliography" in run.stderr
    assert "Traceback" not in run.stderr


def test_an_unknown_style_is_an_error_at_its_line(tmp_path):
    write(tmp_path, {"refs.bib": BIB, "t.md": HEAD + "csl: no-such-style\n---\n\nText.\n"})
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 1 and "t.md:6: no CSL style 'no-such-style'" in run.stderr


def test_csl_json_works_and_without_a_bibliography_nothing_is_a_citation(tmp_path):
    json_bib = '[{"id": "Key1", "type": "book", "title": "A Book", "author": [{"family": "Ward", "given": "Ann"}], "issued": {"date-parts": [[2001]]}}]'
    write(
        tmp_path,
        {
            "refs.json": json_bib,
            "a.md": HEAD.replace("refs.bib", "refs.json") + "---\n\nAs [@Key1].\n",
            "b.md": "---\ntitle: T\nauthor: A\nrights: r\n---\n\nAs [@Key1] and @Key1.\n",
        },
    )
    for name in ("a.md", "b.md"):
        run = pressroom("build", name, "--format", "epub", cwd=tmp_path)
        assert run.returncode == 0 and "B-CITE" not in run.stderr, run.stderr
    a = "".join(epub_pages(tmp_path / "dist" / "a.epub")["EPUB/chapter-1.xhtml"].itertext())
    b = "".join(epub_pages(tmp_path / "dist" / "b.epub")["EPUB/chapter-1.xhtml"].itertext())
    assert "As (Ward 2001)." in a and "Ward, A. 2001. A Book." in a  # chicago-author-date
    assert "As [@Key1] and @Key1." in b


def test_biblatex_entry_types_are_read(tmp_path):
    bib = "@online{site, title = {A Web Page}, url = {https://example.org}, year = {2021}}\n"
    write(tmp_path, {"refs.bib": bib, "t.md": HEAD + "csl: apa\n---\n\nSee [@site].\n"})
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 0 and "B-CITE" not in run.stderr, run.stderr
    text = "".join(epub_pages(tmp_path / "dist" / "t.epub")["EPUB/chapter-1.xhtml"].itertext())
    assert "See (A Web Page, 2021)." in " ".join(text.split())


def test_two_builds_of_math_and_citations_are_byte_identical(tmp_path):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    for n in (1, 2):
        run = pressroom(
            "build",
            str(FIXTURE / "scholar.md"),
            "-o",
            str(tmp_path / str(n)),
            cwd=tmp_path,
            env=env,
        )
        assert run.returncode == 0, run.stderr
    for name in ("scholar.pdf", "scholar.epub", "scholar-archival.pdf"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes(), name


def test_the_bibliography_heading_is_in_the_books_language_and_old_style_names_work(tmp_path):
    write(
        tmp_path,
        {
            "refs.bib": BIB,
            "t.md": HEAD + "lang: fr\ncsl: chicago-note-bibliography\n---\n\nTexte [@smith2020].\n",
            "u.md": "---\ntitle: T\nauthor: A\nrights: r\ncsl: apa\n---\n\nText.\n",
        },
    )
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 0 and "warning" not in run.stderr, run.stderr
    page = epub_pages(tmp_path / "dist" / "t.epub")["EPUB/chapter-1.xhtml"]
    assert [h.text for h in page.iter(f"{XHTML}h2")] == ["Bibliographie"]
    assert len(list(page.iter(f"{XHTML}aside"))) == 1  # a note style
    run = pressroom("build", "u.md", "--format", "epub", cwd=tmp_path)
    assert "u.md:5: warning B-CITE: 'csl' without 'bibliography'" in run.stderr


def test_string_macros_that_double_are_refused_before_they_are_expanded(tmp_path):
    """Each @string joining the last twice over: 1 KB asked for 21 GB. Measured, not
    expanded: one line, at once."""
    from pressroom.errors import PressroomError
    from pressroom.load import load

    macros = ['@string{s0 = "xxxxxxxxxxxxxxxx"}'] + [
        f"@string{{s{n} = s{n - 1} # s{n - 1}}}" for n in range(1, 40)
    ]
    (tmp_path / "refs.bib").write_text(
        "\n".join(macros) + '\n@book{k, title = s39, author = "A", year = 2020}\n', "utf-8"
    )
    (tmp_path / "t.md").write_text(
        "---\ntitle: T\nauthor: A\nbibliography: refs.bib\n---\n\nAs said [@k].\n", "utf-8"
    )
    with pytest.raises(PressroomError, match=r"@string s2\d expands to over 50,000,000") as raised:
        load(tmp_path / "t.md")
    assert raised.value.path.endswith("refs.bib") and raised.value.line is not None


def test_macros_within_the_limit_are_read_as_before(tmp_path):
    from pressroom.load.citations import _value_length

    macros = {"pub": 9}
    text = 'x = "A " # pub # {B {c}} # jan # 2020,'
    assert _value_length(text, 4, macros) == len("A ") + 9 + len("B {c}") + len("January") + 4


LAUGHS = '<!ENTITY a0 "lol">' + "".join(
    f'<!ENTITY a{n} "{f"&a{n - 1};" * 10}">' for n in range(1, 10)
)
LOOP_CSL = """<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Loop</title><id>loop</id><updated>2020-01-01T00:00:00+00:00</updated></info>
  <macro name="a"><text macro="b"/></macro>
  <macro name="b"><text macro="a"/></macro>
  <citation><layout><text macro="a"/></layout></citation>
  <bibliography><layout><text variable="title"/></layout></bibliography>
</style>
"""


@pytest.mark.parametrize(
    ("files", "front", "said"),
    [
        (
            {"loop.csl": LOOP_CSL},
            "bibliography: refs.bib\ncsl: loop.csl\n",
            "loop.csl: the CSL style calls a macro from within itself",
        ),
        (
            {"deep.json": "[" * 100_000 + "]" * 100_000},
            "bibliography: deep.json\n",
            "deep.json: the bibliography is nested too deeply",
        ),
        (  # read whole into a tree: bounded before it is read
            {"big.csl": LOOP_CSL.replace("<info>", "<!--" + "x" * 2_000_000 + "--><info>")},
            "bibliography: refs.bib\ncsl: big.csl\n",
            "t.md:5: CSL style big.csl is over 2,000,000 bytes; that is the limit",
        ),
        (  # entities that double: libxml2 stops them
            {
                "laughs.csl": LOOP_CSL.replace(
                    "<style", "<!DOCTYPE style [" + LAUGHS + "]>\n<style"
                ).replace("<title>Loop", "<title>&a9;")
            },
            "bibliography: refs.bib\ncsl: laughs.csl\n",
            "CSL style laughs.csl cannot be read: Maximum entity amplification",
        ),
        (  # an entity naming a file outside is never read
            {
                "outside.csl": LOOP_CSL.replace(
                    "<style", '<!DOCTYPE style [<!ENTITY x SYSTEM "file:///etc/hostname">]>\n<style'
                ).replace("<title>Loop", "<title>&x;")
            },
            "bibliography: refs.bib\ncsl: outside.csl\n",
            "CSL style outside.csl cannot be read: Entity 'x' not defined",
        ),
    ],
)
def test_a_style_or_bibliography_that_never_ends_is_one_line(tmp_path, files, front, said):
    from support import pressroom

    (tmp_path / "refs.bib").write_text(
        "@book{k, title = {T}, author = {A}, year = 2020}\n", "utf-8"
    )
    for name, text in files.items():
        (tmp_path / name).write_text(text, "utf-8")
    (tmp_path / "t.md").write_text(
        f"---\ntitle: T\nauthor: A\n{front}---\n\nAs said [@k].\n", "utf-8"
    )
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert len(run.stderr.splitlines()) == 1 and said in run.stderr, run.stderr


def test_a_csl_json_bibliography_of_too_many_entries_is_one_line(tmp_path):
    import json

    from pressroom.errors import PressroomError
    from pressroom.load import load
    from pressroom.load.citations import MOST_ENTRIES

    entries = [{"id": f"k{n}", "type": "book", "title": "T"} for n in range(MOST_ENTRIES + 1)]
    (tmp_path / "refs.json").write_text(json.dumps(entries), "utf-8")
    (tmp_path / "t.md").write_text(
        "---\ntitle: T\nauthor: A\nbibliography: refs.json\n---\n\nAs said [@k1].\n", "utf-8"
    )
    with pytest.raises(PressroomError, match="more than 50,000 entries; that is the limit"):
        load(tmp_path / "t.md")
