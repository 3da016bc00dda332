"""Themes, --css and the house style: what a user changes is what the outputs show."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from pressroom.themes import Theme, default_folder
from support import pressroom

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
SHORT = (
    "---\ntitle: A Short Text\nauthor: A. Writer\nrights: r\n---\n\n"
    + "A paragraph of plain words that goes on for a while. " * 40
    + "\n"
)


def pages(pdf: Path) -> int:
    return len(PdfReader(pdf).pages)


def fonts(pdf: Path) -> set[str]:
    names = set()
    for page in PdfReader(pdf).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return names


@pytest.fixture
def article(tmp_path) -> Path:
    """An empty folder holding only a copy of the article."""
    shutil.copy(ARTICLE, tmp_path / ARTICLE.name)
    return tmp_path


def test_the_default_theme_ships_in_the_package():
    theme = Theme.load()
    for name in (
        "print.css",
        "epub.css",
        "fonts/NotoSerif-Regular.ttf",
        "templates/print/handout.html.j2",
        "templates/epub/page.xhtml",
        "strings/en.yml",
    ):
        assert theme.find(name) is not None, name
    assert default_folder().joinpath("print.css").is_file()
    assert theme.find("../pyproject.toml") is None


def test_a_theme_needs_only_what_it_changes(tmp_path):
    (tmp_path / "strings").mkdir()
    (tmp_path / "print.css").write_text("html { color: black; }\n")
    (tmp_path / "strings" / "en.yml").write_text("about_author: The writer\n")
    theme = Theme.load(tmp_path)
    assert theme.css("print") == "html { color: black; }\n"
    assert "hyphens" in theme.css("epub")  # from the default
    assert theme.strings("en")["about_author"] == "The writer"
    assert theme.strings("en")["contents"] == "Contents"  # from the default
    assert theme.strings("fr-CA")["contents"] == "Table des matières"
    assert theme.strings("xx")["contents"] == "Contents"  # no table: English


def test_css_with_a_bigger_body_gives_more_pages(article):
    (article / "big.css").write_text("body { font-size: 14pt }\n")
    plain = pressroom("build", ARTICLE.name, "-o", "plain", "--format", "pdf", cwd=article)
    big = pressroom(
        "build", ARTICLE.name, "-o", "big", "--format", "pdf", "--css", "big.css", cwd=article
    )
    assert plain.returncode == 0 and big.returncode == 0, plain.stderr + big.stderr
    stem = ARTICLE.stem
    assert pages(article / "big" / f"{stem}.pdf") > pages(article / "plain" / f"{stem}.pdf")


def test_css_goes_to_both_formats_or_to_the_one_it_is_named_for(tmp_path):
    (tmp_path / "t.md").write_text(SHORT)
    (tmp_path / "both.css").write_text(".both { color: red; }\n")
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "print.css").write_text(".print-only { color: red; }\n")
    (tmp_path / "y").mkdir()
    (tmp_path / "y" / "epub.css").write_text(".epub-only { color: red; }\n")
    run = pressroom(
        "build",
        "t.md",
        "--format",
        "epub",
        "--css",
        "both.css",
        "--css",
        "x/print.css",
        "--css",
        "y/epub.css",
        cwd=tmp_path,
    )
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "t.epub") as zf:
        sheets = {n: zf.read(n).decode() for n in zf.namelist() if n.endswith(".css")}
        page = zf.read("EPUB/chapter-1.xhtml").decode()
    assert sheets["EPUB/styles/user-1.css"] == ".both { color: red; }\n"
    assert sheets["EPUB/styles/user-2.css"] == ".epub-only { color: red; }\n"
    assert not any(".print-only" in css for css in sheets.values())
    # Every page links the theme's sheet first, then the user's in order.
    assert (
        page.index("styles/epub.css")
        < page.index("styles/user-1.css")
        < page.index("styles/user-2.css")
    )


def test_a_theme_copied_from_the_default_and_changed_is_used(article):
    theme = article / "mono"
    shutil.copytree(default_folder(), theme, ignore=shutil.ignore_patterns("__pycache__"))
    css = theme / "print.css"
    css.write_text(css.read_text() + '\nhtml, html :lang(hy) { font-family: "Pressroom Mono"; }\n')
    plain = pressroom("build", ARTICLE.name, "-o", "plain", "--format", "pdf", cwd=article)
    mono = pressroom(
        "build", ARTICLE.name, "-o", "mono-out", "--format", "pdf", "--theme", "mono", cwd=article
    )
    assert plain.returncode == 0 and mono.returncode == 0, plain.stderr + mono.stderr
    stem = ARTICLE.stem
    assert "Pressroom-Mono" not in fonts(article / "plain" / f"{stem}.pdf")
    assert "Pressroom-Mono" in fonts(article / "mono-out" / f"{stem}.pdf")


def test_a_missing_theme_or_stylesheet_is_a_one_line_error(article):
    for option in (["--theme", "nowhere"], ["--css", "none.css"]):
        run = pressroom("build", ARTICLE.name, *option, cwd=article)
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert run.stderr.strip().endswith("not found"), run.stderr
        assert not (article / "dist").exists()


def test_the_house_style_beside_the_manuscript_folder_is_used(tmp_path):
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "t.md").write_text(SHORT)
    plain = pressroom("build", "-o", "plain", "--format", "pdf", cwd=tmp_path)
    (tmp_path / "styles").mkdir()
    (tmp_path / "styles" / "print.css").write_text("body { font-size: 16pt }\n")
    house = pressroom("build", "-o", "house", "--format", "pdf", cwd=tmp_path)
    assert plain.returncode == 0 and house.returncode == 0, plain.stderr + house.stderr
    assert pages(tmp_path / "house" / "t.pdf") > pages(tmp_path / "plain" / "t.pdf")


def test_words_and_dates_follow_the_book_language(tmp_path):
    (tmp_path / "t.md").write_text(
        "---\ntitle: Un texte\nlang: fr\ndate: 2024-03-15\npublisher: Éditions\n"
        "author: {name: A. Auteur, bio: A. Auteur écrit.}\n---\n\nDu texte.\n"
    )
    run = pressroom("build", "t.md", "--format", "epub", "--format", "pdf", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "t.epub") as zf:
        about = zf.read("EPUB/about.xhtml").decode()
        title = zf.read("EPUB/titlepage.xhtml").decode()
    assert "À propos de l’auteur" in about
    assert "15 mars 2024" in title
    text = "".join(p.extract_text() for p in PdfReader(tmp_path / "dist" / "t.pdf").pages)
    assert "À propos de l’auteur" in text and "15 mars 2024" in text
