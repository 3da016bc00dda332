"""Hostile input: nothing after a bad tag is lost, nothing unsafe is shipped, every failure is
one line naming the file, and what was there before stays as it was."""

from __future__ import annotations

import gzip
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from pypdf import PdfReader

from pressroom.checks import check_file
from pressroom.cli import main
from pressroom.errors import PressroomError
from pressroom.util import files
from support import outputs_in, pressroom, write

HEAD = "---\ntitle: T\nauthor: A. Writer\nrights: r\n---\n\n"
CHAPTERS = "\n\n# Two\n\nEvery word of chapter two survives.\n\n# Three\n\nAnd chapter three.\n"


def epub_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return " ".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xhtml"))


def one_line_error(run, pattern: str) -> None:
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and pattern in lines[0], run.stderr


@pytest.mark.parametrize(
    "opening",
    [
        '<video src="clip.mp4">',
        "Inline <video controls> in a paragraph.",
        "<script>",
        "A <svg/onload=alert(1)> tag.",
        "<form>",
        "<math><style>",
        "<iframe src=x>",
    ],
)
def test_an_unclosed_dropped_tag_loses_no_later_chapter(tmp_path, opening):
    write(
        tmp_path, {"t.md": HEAD + "# One\n\nBefore it.\n\n" + opening + "\n\nAfter it." + CHAPTERS}
    )
    run = pressroom("build", "t.md", "--format", "epub", "--format", "pdf", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "warning B-HTML" in run.stderr
    text = epub_text(tmp_path / "dist" / "t.epub")
    pdf = " ".join(p.extract_text() for p in PdfReader(tmp_path / "dist" / "t.pdf").pages)
    for words in (
        "Before it.",
        "After it.",
        "Every word of chapter two survives.",
        "And chapter three.",
    ):
        assert words in text and words in " ".join(pdf.split()), words
    assert "<script" not in text and "onload" not in text and "<video" not in text


def test_raw_html_cannot_take_the_ids_of_note_calls(tmp_path):
    write(
        tmp_path,
        {
            "t.md": HEAD + '<p id="noteref-1">Raw.</p>\n\n'
            'A note.[^a] <span id="note-1">x</span>\n\n[^a]: The note.\n'
        },
    )
    run = pressroom("build", "t.md", "--format", "epub", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr.count("warning B-ID") == 2, run.stderr
    findings = check_file(tmp_path / "dist" / "t.epub", validators=False)
    assert [f for f in findings if f.severity == "error"] == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEAD + "A bell \x07 rings.\n", "t.md:7: control character U+0007 at column 8"),
        (HEAD + "Not \ufffe text.\n", "t.md:7: Unicode noncharacter U+FFFE at column 5"),
        ('---\ntitle: "\\ud800"\n---\n\nText.\n', "t.md:2: surrogate U+D800 in a value"),
        ('---\ntitle: "\\x07"\n---\n\nText.\n', "t.md:2: control character U+0007 in a value"),
    ],
)
def test_characters_text_cannot_hold_are_one_line_errors(tmp_path, text, message):
    write(tmp_path, {"t.md": text})
    one_line_error(pressroom("build", "t.md", cwd=tmp_path), message)


NOT_TEXT = [
    *"\x01\x08\x0b\x0c\x0e\x1f\ufdd0\ufdef\ufffe\uffff",
    *(chr(plane * 0x10000 + low) for plane in range(1, 17) for low in (0xFFFE, 0xFFFF)),
]
TEXT = [*"\t\n\r \x7f\ufdcf\ufdf0\ufffd\ufeff", "\U0001fffd", "\U0010fffd", "\U0001f600"]


@pytest.mark.parametrize("character", NOT_TEXT + TEXT)
def test_every_character_text_cannot_hold_is_found_in_a_file(tmp_path, character):
    path = tmp_path / "t.md"
    path.write_bytes(f"Words {character} words.\n".encode())
    if character in NOT_TEXT:
        with pytest.raises(PressroomError, match=f"U\\+{ord(character):04X} at column 7"):
            files.read_text(path)
    else:
        assert files.read_text(path)


def test_output_folders_that_cannot_be_made_are_one_line_errors(tmp_path):
    write(tmp_path, {"t.md": HEAD + "Text.\n", "afile": "not a folder\n"})
    one_line_error(
        pressroom("build", "t.md", "-o", "afile", cwd=tmp_path),
        "afile: cannot write t.pdf: a file stands where a folder is needed",
    )
    one_line_error(
        pressroom("build", "t.md", "-o", "afile/below", cwd=tmp_path),
        "a file stands where a folder is needed",
    )
    (tmp_path / "folder").mkdir()
    one_line_error(
        pressroom("clean", "t.md", "-o", "folder", cwd=tmp_path),
        "folder: cannot write folder: is a folder",
    )


def test_a_folder_pressroom_did_not_make_is_never_replaced(tmp_path):
    write(tmp_path, {"t.md": HEAD + "Text.\n", "t-bag/red.png": "the author's own file\n"})
    run = pressroom("build", "t.md", "-o", ".", "--format", "bag", cwd=tmp_path)
    one_line_error(run, "t-bag: exists and was not made by Pressroom")
    assert (tmp_path / "t-bag" / "red.png").read_text() == "the author's own file\n"
    # Its own bag it replaces.
    run = pressroom("build", "t.md", "-o", "out", "--format", "bag", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    run = pressroom("build", "t.md", "-o", "out", "--format", "bag", cwd=tmp_path)
    assert run.returncode == 0, run.stderr


def test_a_failed_write_leaves_every_earlier_output_as_it_was(tmp_path, monkeypatch):
    write(tmp_path, {"t.md": HEAD + "First text.\n"})
    out = tmp_path / "dist"
    assert (
        main(
            ["build", str(tmp_path / "t.md"), "-o", str(out), "--format", "pdf", "--format", "epub"]
        )
        == 0
    )
    before = {p.name: p.read_bytes() for p in outputs_in(out)}
    write(tmp_path, {"t.md": HEAD + "Second text.\n"})
    stage = files._stage
    calls = []

    def full_disk(target, data):
        calls.append(target)
        if len(calls) == 2:  # the first output is staged, the second finds the disk full
            raise files._cannot_write(target, OSError(28, "No space left on device"))
        return stage(target, data)

    monkeypatch.setattr(files, "_stage", full_disk)
    assert (
        main(
            ["build", str(tmp_path / "t.md"), "-o", str(out), "--format", "pdf", "--format", "epub"]
        )
        == 1
    )
    assert {p.name: p.read_bytes() for p in outputs_in(out)} == before  # no mixed set, no temp


def png(width: int, height: int) -> bytes:
    """A PNG that says it is that size, with no pixel data in it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "pic.png",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>',
            "is an SVG file with a name for a PNG one",
        ),
        (
            "pic.png",
            b"just some text, not an image\n",
            "is not a PNG, JPEG, GIF, WebP or SVG image",
        ),
        ("pic.jpg", png(10, 10), "is a PNG file with a name for a JPEG one"),
        ("pic.png", png(50_000, 50_000), "is too large to decode safely"),
        ("pic.png", png(10, 10), "cannot be read as a PNG image"),
        ("pic.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><g>", "is not well-formed SVG"),
        ("pic.webp", png(10, 10), "is a PNG file with a name for a WebP one"),
        (  # a compressed SVG that expands past the image limit: not expanded further
            "pic.svgz",
            gzip.compress(b"<svg xmlns='http://www.w3.org/2000/svg'>" + b" " * 60_000_000),
            "expands to over 50,000,000 bytes",
        ),
    ],
)
def test_images_are_checked_by_content(tmp_path, name, data, message):
    write(tmp_path, {"t.md": HEAD + f"Text.\n\n![A picture]({name})\n"})
    (tmp_path / name).write_bytes(data)
    one_line_error(pressroom("build", "t.md", cwd=tmp_path), f"t.md:9: image {name} {message}")


def test_an_svg_that_draws_billions_is_refused(tmp_path):
    groups = "".join(
        f'<g id="g{i}">' + f'<use href="#g{i - 1}"/>' * 10 + "</g>" for i in range(1, 12)
    )
    (tmp_path / "bomb.svg").write_text(
        f'<svg xmlns="http://www.w3.org/2000/svg"><g id="g0"><rect/></g>{groups}</svg>'
    )
    write(tmp_path, {"t.md": HEAD + "![A bomb](bomb.svg)\n"})
    one_line_error(
        pressroom("build", "t.md", cwd=tmp_path), "image bomb.svg draws more than 100,000 elements"
    )


HOSTILE_SVG = """<?xml version="1.0"?>
<?xml-stylesheet href="http://127.0.0.1/x.css"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     onload="steal()" width="20" height="20">
  <script>steal()</script>
  <rect style="fill:url(file:///etc/passwd)" width="5" height="5"/>
  <a href="javascript:steal()"><text y="15">link</text></a>
  <set attributeName="href" to="javascript:steal()"/>
  <animate attributeName="href" values="javascript:steal()"/>
  <foreignObject><object data="x.swf"/><embed src="y"/></foreignObject>
  <image href="http://127.0.0.1/x.png" width="5" height="5"/>
  <rect id="r" fill="url(#g)" width="1" height="1"/><use xlink:href="#r" x="3"/>
</svg>
"""


def test_nothing_unsafe_from_an_svg_reaches_the_epub(tmp_path):
    write(tmp_path, {"t.md": HEAD + "![A drawing](d.svg)\n", "d.svg": HOSTILE_SVG})
    run = pressroom("build", "t.md", "--format", "epub", "--format", "pdf", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("warning B-IMAGE") >= 8
    with zipfile.ZipFile(tmp_path / "dist" / "t.epub") as zf:
        shipped = zf.read("EPUB/d.svg").decode()
    for bad in (
        "script",
        "onload",
        "javascript:",
        "file:",
        "http://127",
        "foreignObject",
        "<set",
        "<animate",
        "xml-stylesheet",
        "<image",
    ):
        assert bad not in shipped, bad
    assert 'xlink:href="#r"' in shipped and "url(#g)" in shipped  # local references stay


def test_check_refuses_unsafe_archives_without_unpacking_them(built_book, tmp_path):
    source = built_book["epub"]
    slip = tmp_path / "slip.epub"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(slip, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr("../../outside.txt", "x")
    (finding,) = check_file(slip)  # validators on: none is given the file
    assert (finding.code, finding.severity) == ("E-ZIP", "error")
    assert "'../../outside.txt' is named outside the archive" in finding.message
    bomb = tmp_path / "bomb.epub"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        dst.writestr("mimetype", "application/epub+zip")
        dst.writestr("EPUB/big.xhtml", b"\0" * (64 << 20))  # packs to about 64 KB
    (finding,) = check_file(bomb)
    assert finding.code == "E-ZIP" and "zip bomb" in finding.message


def test_a_validator_that_fails_to_run_is_an_error(built_book, tmp_path):
    broken = tmp_path / "ace"
    broken.write_text("#!/bin/sh\necho 'cannot start' >&2\nexit 3\n")
    broken.chmod(0o755)
    run = pressroom(
        "check", str(built_book["epub"]), cwd=tmp_path, env={"PRESSROOM_ACE": str(broken)}
    )
    assert run.returncode == 1
    assert "error V-FAIL: Ace wrote no report: cannot start" in run.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"---\ntitle: T\nsubtitle: {'long ' * 300}\n---\n\nText.\n",
            "t.md:3: the subtitle is 1,499 characters; the limit is 1,000",
        ),
        (
            HEAD + "".join("    " * i + "- item\n" for i in range(150)),
            "t.md:108: lists or quotes nested 101 levels deep; the limit is 100",
        ),
        (HEAD + ">" * 150 + " deep\n", "t.md:7: lists or quotes nested 150 levels deep"),
        (
            HEAD + "Short.\n\n- item\n\n" + "word " * 25_000 + "\n",
            "t.md:11: a paragraph of 125,000 characters; the limit is 100,000",
        ),
        (  # every formula is laid out on its own: counted before any is
            HEAD
            + "\n\n".join(
                " ".join(f"$x_{{{n}}}$" for n in range(k, k + 100)) for k in range(0, 10_100, 100)
            )
            + "\n",
            "t.md: more than 10,000 formulas; that is the limit",
        ),
        (  # a tab is a level; spaces that do not make four columns are none
            HEAD + "\n" + " " * 300 + "\n" + "> " * 60 + "\t" * 41 + "x\n",
            "t.md:9: lists or quotes nested 101 levels deep",
        ),
    ],
)
def test_past_a_limit_is_one_line_and_fast(tmp_path, text, message):
    write(tmp_path, {"t.md": text})
    one_line_error(pressroom("build", "t.md", cwd=tmp_path, timeout=20), message)


def test_limits_can_be_raised_or_lowered_in_the_config(tmp_path):
    notes = "".join(f"Call {n}.[^{n}]\n\n" for n in range(5)) + "".join(
        f"[^{n}]: Note {n}.\n" for n in range(5)
    )
    write(tmp_path, {"t.md": HEAD + notes, "pressroom.yml": "limits: {footnotes: 3}\n"})
    one_line_error(
        pressroom("build", "t.md", "--format", "epub", cwd=tmp_path),
        "t.md: more than 3 footnotes; that is the limit",
    )
    write(tmp_path, {"pressroom.yml": "limits: {footnotes: 10, manuscript_bytes: 100}\n"})
    one_line_error(
        pressroom("build", "t.md", "--format", "epub", cwd=tmp_path), "bytes; the limit is 100"
    )
    write(tmp_path, {"pressroom.yml": "limits: {pages: 3}\n"})
    one_line_error(
        pressroom("build", "t.md", cwd=tmp_path), "pressroom.yml:1: unknown limit 'pages'"
    )


def test_a_build_past_its_time_stops_with_one_line_and_writes_nothing(tmp_path):
    body = "\n\n".join(
        f"Paragraph {n} of a long text that takes a while to set." * 20 for n in range(400)
    )
    write(tmp_path, {"t.md": HEAD + body + "\n"})
    run = pressroom("build", "t.md", "--timeout", "1", cwd=tmp_path)
    one_line_error(run, "t.md: the build took longer than 1 s")
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize(
    ("files", "args", "wanted"),
    [
        ({"t.md": HEAD + "A $\\color{red}{y}$ formula.\n"}, (), None),
        ({"t.md": HEAD + "Raw <math><mtext></mtext></math> here.\n"}, (), None),
        (
            {"t.md": HEAD + 'Text <a class="noteref" href="#x">1</a> here.\n'},
            (),
            "class 'noteref' on <a> removed",
        ),
        (
            {"t.md": "---\ntitle: T\nx: " + "[" * 5000 + "]" * 5000 + "\n---\n\nText.\n"},
            (),
            "t.md:2: front matter is nested too deeply to be read",
        ),
        (
            {"t.md": HEAD + "Text.\n", "deep.css": "p { color: " + "(" * 500 + ")" * 500 + " }"},
            ("--css", "deep.css"),
            "deep.css: the stylesheet is nested too deeply to be read",
        ),
    ],
)
def test_inputs_that_were_internal_errors_end_as_the_promise_says(tmp_path, files, args, wanted):
    """Each was an exit 70 with no file: now a warning and the book, or one line at the
    file, exit 1."""
    write(tmp_path, files)
    run = pressroom("build", "t.md", *args, cwd=tmp_path)
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr, run.stderr
    if wanted and "nested too deeply" in wanted:
        one_line_error(run, wanted)
        return
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "dist" / "t.pdf").is_file() and (tmp_path / "dist" / "t.epub").is_file()
    if wanted:
        assert wanted in run.stderr


def test_webp_and_svgz_pictures_are_taken_by_their_content(tmp_path):
    """A WebP (an EPUB 3.3 core media type), and an `.svgz` compressed or plain: both
    outputs build, and the EPUB holds each SVG as the plain SVG it was checked as."""
    import io

    from PIL import Image

    svg = b"<svg xmlns='http://www.w3.org/2000/svg' width='20' height='10'><rect width='9' height='9'/></svg>"
    webp = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(webp, "WEBP")
    write(
        tmp_path,
        {
            "t.md": HEAD
            + "![A square](a.webp)\n\n![A plain one](b.svgz)\n\n![A packed one](c.svgz)\n"
        },
    )
    (tmp_path / "a.webp").write_bytes(webp.getvalue())
    (tmp_path / "b.svgz").write_bytes(svg)
    (tmp_path / "c.svgz").write_bytes(gzip.compress(svg))
    run = pressroom("build", "t.md", cwd=tmp_path)
    assert run.returncode == 0 and "error" not in run.stderr, run.stderr
    with zipfile.ZipFile(tmp_path / "dist" / "t.epub") as z:
        names = set(z.namelist())
        opf = z.read("EPUB/content.opf").decode()
        assert b"<svg" in z.read("EPUB/c.svg")[:100]  # stored plain
    assert {"EPUB/a.webp", "EPUB/b.svg", "EPUB/c.svg"} <= names
    assert 'media-type="image/webp"' in opf
