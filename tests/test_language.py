"""Every language: direction, names and UI strings by language tag, bracketed spans with
`lang`, and a Japanese and an Arabic book built and read back (PDF text, structure tree and
layout; EPUB direction and xml:lang; EPUBCheck and Ace)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from pressroom.checks import check
from pressroom.diagnostics import Diagnostics
from pressroom.layout import long_date
from pressroom.load import load
from pressroom.load.markdown import to_html
from pressroom.run.build import build
from pressroom.themes import Theme
from pressroom.util import language
from pressroom.writers.handout import handout_html
from support import pressroom, write

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "languages"
XHTML = "{http://www.w3.org/1999/xhtml}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
OPF = "{http://www.idpf.org/2007/opf}"
THEME = ROOT / "pressroom" / "themes" / "default"


# -- tags, direction, names, strings ----------------------------------------------------------
@pytest.mark.parametrize("tag", ["ar", "he", "fa", "ur", "yi", "ar-EG", "az-Arab", "ckb"])
def test_right_to_left_languages_by_babel(tag):
    assert language.direction(tag) == "rtl"


@pytest.mark.parametrize("tag", ["en", "ja", "hy", "hy-AM-arevmda", "es-MX", "zh-Hant", "xx"])
def test_left_to_right_and_unknown_languages(tag):
    assert language.direction(tag) == "ltr"


def test_language_names():
    assert language.name("hy") == "Armenian"
    assert language.name("pt-BR") == "Portuguese"
    assert language.name("hy", "fr") == "arménien"
    assert language.name("qaa") == "the language tagged qaa"


@pytest.mark.parametrize("value", ["en", "hy-AM", "zh-Hant-TW", "sr-Latn", "de-CH-1996"])
def test_language_tags(value):
    assert language.is_tag(value)


@pytest.mark.parametrize("value", ["", "english", "en_US", "e", "hy--AM", "en-", "ar dir"])
def test_not_language_tags(value):
    assert not language.is_tag(value)


def _template_keys() -> set[str]:
    """Every word the default templates and the EPUB writer ask the strings for."""
    keys = set()
    for template in (THEME / "templates").rglob("*"):
        if template.is_file():
            keys |= set(re.findall(r"\bt\.(\w+)", template.read_text("utf-8")))
    writer = (ROOT / "pressroom" / "writers" / "epub.py").read_text("utf-8")
    keys |= set(re.findall(r'words\["(\w+)"\]', writer))
    return keys


@pytest.mark.parametrize("lang", ["en", "fr", "de", "es", "ar", "ja", "hy"])
def test_strings_have_every_word_the_templates_print(lang):
    table = yaml_table(lang)
    keys = _template_keys()
    assert {"about_author", "contents", "cover", "first_published"} <= keys
    assert keys <= set(table), keys - set(table)
    assert all(isinstance(table[k], str) and table[k].strip() for k in keys)
    if lang != "en":
        english = yaml_table("en")
        assert table["contents"] != english["contents"]


def yaml_table(lang: str) -> dict:
    import yaml

    return yaml.safe_load((THEME / "strings" / f"{lang}.yml").read_text("utf-8"))


def test_region_tags_fall_back_to_their_language():
    theme = Theme.load()
    assert theme.strings("es-MX") == theme.strings("es")
    assert theme.strings("es-MX")["contents"] == "Índice"
    assert theme.strings("pt-BR") == theme.strings("en")  # no Portuguese words: English


def test_long_dates_in_the_books_language():
    assert long_date("2026-03-14", "ja") == "2026年3月14日"
    assert "2026" in long_date("2026-03-14", "ar") or "٢٠٢٦" in long_date("2026-03-14", "ar")
    assert long_date("2026-03-14", "es-MX") == "14 de marzo de 2026"


# -- bracketed spans -----------------------------------------------------------------------
def test_bracketed_spans():
    html = to_html(
        "A [փարոս *x*]{lang=hy} and [كتاب]{lang=ar dir=rtl}, [Title]{.smallcaps #t}, "
        '[quoted]{title="a b"}, [link](https://example.org) and [a]{not attributes}.'
    )
    assert '<span lang="hy">փարոս <em>x</em></span>' in html
    assert '<span dir="rtl" lang="ar">كتاب</span>' in html
    assert '<span class="smallcaps" id="t">Title</span>' in html
    assert 'title="a b"' in html
    assert '<a href="https://example.org">link</a>' in html
    assert "[a]{not attributes}" in html


def test_spans_keep_notes_and_references(tmp_path):
    html = to_html("[see it]{lang=fr}[^1] and [ref].\n\n[^1]: A note.\n\n[ref]: https://e.org\n")
    assert '<span lang="fr">see it</span>' in html
    assert 'href="#fn:1"' in html and 'href="https://e.org"' in html


def test_invalid_lang_and_dir_are_warnings_with_their_line(tmp_path):
    source = (
        write(
            tmp_path,
            {
                "bad.md": "---\ntitle: T\n---\n\nFirst.\n\nA [word]{lang=en_US} here.\n\n"
                'And <span dir="sideways">this</span>.\n'
            },
        )
        / "bad.md"
    )
    diagnostics = Diagnostics()
    doc = load(source, diagnostics)
    found = [(d.code, d.line, d.message) for d in diagnostics if d.code == "B-LANG"]
    assert [(code, line) for code, line, _ in found] == [("B-LANG", 7), ("B-LANG", 9)]
    assert "'en_US'" in found[0][2] and "'sideways'" in found[1][2]
    body = doc.chapters[0].body
    assert all(el.get("lang") is None and el.get("dir") is None for el in body.iter("span"))
    assert "word" in "".join(body.itertext())


# -- a Japanese and an Arabic book, built and read back ------------------------------------
@pytest.fixture(scope="module")
def books(tmp_path_factory) -> dict[str, dict[str, Path]]:
    out = tmp_path_factory.mktemp("languages")
    built = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        for name in ("japanese", "arabic"):
            result = build(FIXTURES / f"{name}.md", out, ("pdf", "epub"))
            assert not [d for d in result.diagnostics if d.code == "B-GLYPH"]
            built[name] = {"pdf": out / f"{name}.pdf", "epub": out / f"{name}.epub"}
    return built


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def words(text: str) -> set[str]:
    """Letters only, without vowel marks and bidi controls: how text is compared across the
    PDF's reordering of punctuation and lines."""
    text = "".join(
        c for c in unicodedata.normalize("NFC", text) if unicodedata.category(c)[0] != "M"
    )
    return set(re.findall(r"\w+", text))


def manuscript_words(name: str) -> set[str]:
    text = (FIXTURES / f"{name}.md").read_text("utf-8").split("---", 2)[2]
    text = re.sub(r"\]\{[^}]*\}", "]", text)  # the span's attributes are not printed
    return words(text)


def test_japanese_pdf_reads_back_in_full(books):
    text = re.sub(r"\s+", "", pdf_text(books["japanese"]["pdf"]))
    body = (FIXTURES / "japanese.md").read_text("utf-8").split("---", 2)[2]
    for sentence in re.findall(r"[^。\n>]+。", re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", body)):
        assert sentence.strip() in text, sentence
    for name in ("灯台の記録", "山田花子", "著者について", "2026年3月14日"):
        assert name in text


def test_japanese_pdf_uses_a_cjk_face(books):
    reader = PdfReader(books["japanese"]["pdf"])
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("Noto-Serif-CJK-JP" in f for f in fonts), fonts
    assert any("Armenian" in f for f in fonts), fonts


def _struct_langs(path: Path) -> list[tuple[str, str]]:
    found = []

    def walk(node):
        node = node.get_object()
        if isinstance(node, dict):
            if "/Lang" in node and "/S" in node:
                found.append((str(node["/S"]), str(node["/Lang"])))
            if node.get("/K") is not None:
                walk(node["/K"])
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(PdfReader(path).trailer["/Root"]["/StructTreeRoot"])
    return found


def test_language_spans_tag_their_structure_elements(books):
    assert ("/Span", "hy") in _struct_langs(books["japanese"]["pdf"])
    langs = _struct_langs(books["arabic"]["pdf"])
    assert ("/Span", "hy") in langs and ("/Span", "en") in langs
    assert str(PdfReader(books["arabic"]["pdf"]).trailer["/Root"]["/Lang"]) == "ar"


def test_arabic_pdf_reads_back_in_full(books):
    assert manuscript_words("arabic") <= words(pdf_text(books["arabic"]["pdf"]))


def test_arabic_is_set_right_to_left(books):
    """The paragraph's last, short line sits at the right margin: the layout pdftotext keeps
    puts it far from the left edge, while the full line above starts at it."""
    lines = pdf_text(books["arabic"]["pdf"], "-layout").split("\n")
    full = next(i for i, line in enumerate(lines) if "كانت المنارة" in line)
    last = next(i for i, line in enumerate(lines) if "إلى الميناء" in line)
    assert last == full + 1
    indent = len(lines[last]) - len(lines[last].lstrip())
    assert len(lines[full]) - len(lines[full].lstrip()) <= 2
    assert indent >= 10, lines[full : last + 1]


def test_arabic_handout_html_is_rtl(books):
    doc = load(FIXTURES / "arabic.md")
    from pressroom.context import BuildContext

    html = handout_html(doc, BuildContext(theme=Theme.load()))
    assert '<html lang="ar" dir="rtl">' in html
    # Versos (right-hand pages in a right-to-left book) carry the title, at the outer corner.
    assert "@page :right { @top-right { content:" in html
    assert "@page :left { @top-left { content: string(chapter" in html


def test_japanese_handout_html_is_ltr():
    from pressroom.context import BuildContext

    html = handout_html(load(FIXTURES / "japanese.md"), BuildContext(theme=Theme.load()))
    assert '<html lang="ja" dir="ltr">' in html


def _epub_pages(path: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(path) as zf:
        return {
            name: etree.fromstring(zf.read(name))
            for name in zf.namelist()
            if name.endswith(".xhtml")
        }


def _spine(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as zf:
        opf = next(n for n in zf.namelist() if n.endswith(".opf"))
        return etree.fromstring(zf.read(opf)).find(f"{OPF}spine")


def test_arabic_epub_is_rtl_in_every_page_and_the_spine(books):
    pages = _epub_pages(books["arabic"]["epub"])
    assert len(pages) >= 5
    for name, root in pages.items():
        assert root.get("dir") == "rtl", name
        assert root.get("lang") == root.get(XML_LANG) == "ar", name
    assert _spine(books["arabic"]["epub"]).get("page-progression-direction") == "rtl"
    nav = pages["EPUB/nav.xhtml"]
    assert "المحتويات" in "".join(nav.itertext())


def test_japanese_epub_is_ltr_and_spans_have_both_language_attributes(books):
    pages = _epub_pages(books["japanese"]["epub"])
    assert all(root.get("dir") == "ltr" for root in pages.values())
    assert _spine(books["japanese"]["epub"]).get("page-progression-direction") == "ltr"
    spans = [s for root in pages.values() for s in root.iter(f"{XHTML}span") if s.get("lang")]
    assert [(s.get("lang"), s.get(XML_LANG), s.text) for s in spans] == [("hy", "hy", "փարոս")]


@pytest.mark.validators
def test_epubcheck_and_ace_pass_both_books(books):
    findings = check([books[name][fmt] for name in books for fmt in ("epub", "pdf")])
    errors = [f for f in findings if f.severity == "error" or f.code == "SKIP"]
    assert errors == [], errors


def test_command_line_build_of_the_arabic_book(tmp_path):
    result = pressroom("build", str(FIXTURES / "arabic.md"), "-o", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "B-GLYPH" not in result.stderr and "B-LANG" not in result.stderr


def test_strings_from_the_most_specific_file(tmp_path):
    strings = write(
        tmp_path / "theme",
        {
            "strings/zh.yml": "contents: 目录\ncover: 封面\n",
            "strings/zh-Hant.yml": "contents: 目錄\n",
        },
    )
    theme = Theme.load(strings)
    assert theme.strings("zh-Hant-TW")["contents"] == "目錄"
    assert theme.strings("zh-Hant-TW")["cover"] == "封面"
    assert theme.strings("zh-CN")["contents"] == "目录"
    assert theme.strings("zh")["landmarks"] == "Landmarks"
