"""Glyph coverage: a character no font has is a B-GLYPH warning at build and a P-GLYPH error
in `pressroom check`; the scripts the Noto fallback faces cover print in full (with
fonts-noto-core, fonts-noto-cjk and fonts-noto-color-emoji installed)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from pressroom import glyphs
from pressroom.checks.notdef import cids, to_unicode
from pressroom.cover import Setting, _font
from pressroom.themes import Theme
from support import pressroom, write

PRIVATE = "\ue000"  # no font has a glyph for a private-use character
SCRIPTS = {
    "Japanese": "灯台守",
    "Chinese": "灯塔看守人",
    "Korean": "등대지기",
    "Hindi": "प्रकाशस्तंभ",
    "Thai": "ประภาคาร",
    "Bengali": "বাতিঘর",
    "Hebrew": "מגדלור",
    "Arabic": "منارة",
    "Armenian": "փարոս",
    "emoji": "🌊",
}


def test_nothing_installed_has_the_private_use_character():
    fonts = glyphs.repertoire(Theme.load())
    assert ord(PRIVATE) not in fonts
    assert ord("a") in fonts and ord("ա") in fonts  # ASCII, and the bundled Armenian face


@pytest.mark.parametrize("script, word", SCRIPTS.items())
def test_the_fallback_faces_cover_each_script(script, word):
    fonts = glyphs.repertoire(Theme.load())
    assert list(glyphs.missing(word, fonts)) == [], script


def test_describe_names_code_point_name_and_script():
    assert glyphs.describe("\U0001e900") == "U+1E900 ADLAM CAPITAL LETTER ALIF (Adlam script)"
    assert glyphs.describe(PRIVATE) == "U+E000 a private-use character (Unknown script)"


def test_invisible_characters_need_no_glyph():
    fonts = glyphs.Repertoire(frozenset(), lambda: ((), ()))
    assert list(glyphs.missing("\u200d\u200f\ufe0f\u00ad", fonts)) == []
    assert list(glyphs.missing(f"x{PRIVATE}y{PRIVATE}", fonts)) == [PRIVATE]


def test_cmap_parsing():
    encoding = "1 begincidchar\n<0cb8> 0\n<0024> 36\nendcidchar\n1 begincidrange\n<0100> <0102> 7\nendcidrange"
    assert cids(encoding) == {0x0CB8: 0, 0x24: 36, 0x100: 7, 0x101: 8, 0x102: 9}
    unicode = "2 beginbfchar\n<0cb8> <e000>\n<0005> <d83cdf0a>\nendbfchar\n1 beginbfrange\n<0010> <0011> <0041>\nendbfrange"
    assert to_unicode(unicode) == {0xCB8: PRIVATE, 5: "🌊", 0x10: "A", 0x11: "B"}


def manuscript(folder: Path, text: str) -> Path:
    return (
        write(
            folder,
            {"essay.md": f"---\ntitle: Scripts\nauthor: A. Writer\nrights: r\n---\n\n{text}\n"},
        )
        / "essay.md"
    )


def test_an_uncovered_character_warns_at_build_and_fails_check(tmp_path):
    manuscript(tmp_path, f"First line.\n\nA box {PRIVATE} here, and {PRIVATE} again.")
    built = pressroom("build", "essay.md", "-o", "out", "--format", "pdf", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    warnings = [line for line in built.stderr.splitlines() if "B-GLYPH" in line]
    assert warnings == [
        "pressroom: essay.md:9: warning B-GLYPH: U+E000 a private-use character (Unknown "
        "script): no font has it, so it prints as an empty box"
    ]
    checked = pressroom("check", "out/essay.pdf", "--no-validators", cwd=tmp_path)
    assert checked.returncode == 1
    assert "error P-GLYPH: U+E000 a private-use character" in checked.stdout + checked.stderr


def test_strict_build_fails_on_an_uncovered_character(tmp_path):
    source = manuscript(tmp_path, f"A box {PRIVATE}.")
    built = pressroom(
        "build", str(source), "-o", "out", "--format", "pdf", "--strict", cwd=tmp_path
    )
    assert built.returncode != 0


def test_every_script_prints_and_checks_clean(tmp_path):
    text = " ".join(
        f"[{word}]{{lang={lang}}}" for word, lang in zip(SCRIPTS.values(), LANGS, strict=True)
    )
    source = manuscript(tmp_path, f"Words: {text}.")
    built = pressroom("build", str(source), "-o", "out", "--format", "pdf", cwd=tmp_path)
    assert built.returncode == 0 and "B-GLYPH" not in built.stderr, built.stderr
    out = subprocess.run(
        ["pdftotext", str(tmp_path / "out" / "essay.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    flat = "".join(out.split())
    for script, word in SCRIPTS.items():
        if script not in ("Arabic", "Hebrew"):  # right-to-left runs come back reordered
            assert word in flat, script
    checked = pressroom("check", "out/essay.pdf", "--no-validators", cwd=tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr


LANGS = ("ja", "zh", "ko", "hi", "th", "bn", "he", "ar", "hy", "und")


@pytest.mark.parametrize(
    "lang, word, face",
    [
        ("ja", "灯台の記録", "NotoSerifCJK"),
        ("ar", "منارة", "NotoNaskhArabic"),
        ("hi", "प्रकाशस्तंभ", "NotoSerifDevanagari"),
    ],
)
def test_the_generated_cover_sets_each_word_in_a_face_that_has_it(lang, word, face):
    font = _font(Setting(Theme.load(), lang), "bold", 100, word)
    assert face in str(font.path)


def test_the_config_file_is_scanned_too(tmp_path):
    write(
        tmp_path,
        {
            "pressroom.yml": f"title: A box {PRIVATE}\nauthor: A. Writer\nrights: r\n"
            "chapters: [one.md]\nformats: [pdf]\n",
            "one.md": "# One\n\nText.\n",
        },
    )
    built = pressroom("build", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "pressroom.yml:1: warning B-GLYPH: U+E000" in built.stderr
