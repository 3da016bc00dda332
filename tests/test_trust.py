"""A project sent by someone else (SECURITY.md): what it names stays inside it, nothing of the
user's is written through it or deleted, its cache is not believed, its theme runs no code."""

from __future__ import annotations

import json
import zipfile
import zlib
from pathlib import Path

import pytest

from pressroom.run import cache
from support import pressroom, write

BOOK = "---\ntitle: T\nauthor: A. Writer\nrights: r\n---\n\n# One\n\nFirst words.\n"


def one_line(run, *wanted: str) -> str:
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    for text in wanted:
        assert text in lines[0], lines[0]
    return lines[0]


# --- Paths a project names stay inside it ---


@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("chapters: [book.md, ../outside.md]", "chapters: ../outside.md"),
        ("chapters: [book.md, link.md]", "chapters: link.md"),  # a symlink out
        ("css: [/etc/hostname]", "css: /etc/hostname"),
        ("css: [../outside.css]", "css: ../outside.css"),
        ("theme: ../theme", "theme: ../theme"),
        ("output: ../written-above", "output: ../written-above"),
        ("output: /tmp/pressroom-written-outside", "output: /tmp/pressroom-written-outside"),
        ("output: .", "project folder itself"),
    ],
)
def test_a_path_a_project_names_outside_itself_is_refused(tmp_path, setting, line):
    write(tmp_path, {"outside.md": "# Outside\n\nThe user's own text.\n", "outside.css": "p{}"})
    (tmp_path / "theme").mkdir()
    project = write(tmp_path / "project", {"book.md": BOOK, "pressroom.yml": setting + "\n"})
    (project / "link.md").symlink_to(tmp_path / "outside.md")
    run = pressroom("build", cwd=project)
    message = one_line(run, "pressroom.yml:1:", line)
    assert "outside the project folder" in message or "project folder itself" in message
    assert not (tmp_path / "written-above").exists()
    assert not Path("/tmp/pressroom-written-outside").exists()


def test_the_command_line_may_name_any_folder(tmp_path):
    project = write(tmp_path / "project", {"book.md": BOOK})
    run = pressroom(
        "build", "book.md", "-o", str(tmp_path / "elsewhere"), "--format", "epub", cwd=project
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "elsewhere" / "book.epub").is_file()


# --- Writes: only Pressroom's own files, never through a link ---


def test_a_cache_folder_linked_to_a_users_folder_is_left_alone(tmp_path):
    """`out/.pressroom-cache/book` → a folder of the user's: the build neither prunes nor
    writes there (it builds without keeping pieces)."""
    users = write(tmp_path / "users", {"thesis.tex": "years of work", "a" * 64 + ".z": "mine"})
    project = write(tmp_path / "project", {"book.md": BOOK})
    (project / "out" / cache.FOLDER).mkdir(parents=True)
    (project / "out" / cache.FOLDER / "book").symlink_to(users)
    before = {p.name: p.read_bytes() for p in users.iterdir()}
    for _ in range(2):
        run = pressroom("build", "book.md", "-o", "out", "--format", "epub", "--force", cwd=project)
        assert run.returncode == 0, run.stderr
    assert {p.name: p.read_bytes() for p in users.iterdir()} == before


def test_a_planted_link_in_the_cache_is_never_written_through(tmp_path):
    victim = write(tmp_path, {"victim.txt": "the user's file"}) / "victim.txt"
    project = write(tmp_path / "project", {"book.md": BOOK})
    folder = project / "out" / cache.FOLDER
    folder.mkdir(parents=True)
    for name in ("book.tmp", "book.json.tmp", "book.json"):
        (folder / name).symlink_to(victim)
    run = pressroom("build", "book.md", "-o", "out", "--format", "epub", cwd=project)
    assert run.returncode == 0, run.stderr
    assert victim.read_text() == "the user's file"
    assert not (folder / "book.json").is_symlink()  # replaced by the record itself


def test_a_bag_rebuilt_leaves_a_folder_named_like_its_old_copy(tmp_path):
    project = write(tmp_path / "project", {"book.md": BOOK})
    keep = write(project / "out" / ".book-bag.old", {"notes.txt": "the user's notes"})
    for _ in range(2):
        run = pressroom("build", "book.md", "-o", "out", "--format", "bag", "--force", cwd=project)
        assert run.returncode == 0, run.stderr
    assert (keep / "notes.txt").read_text() == "the user's notes"
    assert (project / "out" / "book-bag" / "bag-info.txt").is_file()
    assert sorted(p.name for p in (project / "out").iterdir() if p.name.startswith(".book")) == [
        ".book-bag.old"
    ]


# --- The cache is untrusted input ---


def _entries(project: Path) -> list[Path]:
    return sorted((project / "out" / cache.FOLDER / "book").glob("*.z"))


def test_a_forged_cache_entry_is_not_served(tmp_path):
    """A `.pressroom-cache/` sent with the project, whose entry for the manuscript's text
    holds a script: the text is converted again, and nothing of the entry ships."""
    project = write(tmp_path / "project", {"book.md": BOOK})
    run = pressroom("build", "book.md", "-o", "out", "--format", "epub", cwd=project)
    assert run.returncode == 0, run.stderr
    for entry in _entries(project):
        key = entry.stem
        forged = {
            "key": key,
            "html": '<h1 id="one">One</h1><p>Forged<script>alert(1)</script></p>',
            "dropped": [],
            "outline": "",
            "blocks": 2,
        }
        entry.write_bytes(zlib.compress(json.dumps(forged).encode()))
    run = pressroom("build", "book.md", "-o", "out", "--format", "epub", "--force", cwd=project)
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(project / "out" / "book.epub") as epub:
        text = " ".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".xhtml"))
    assert "First words." in text and "Forged" not in text and "<script" not in text


def test_a_tampered_record_reads_nothing_it_names(tmp_path):
    """A record that names `/dev/zero` (endless) and a pipe (which would hang a read):
    not this user's record, so not read, and the book is built."""
    import os

    project = write(tmp_path / "project", {"book.md": BOOK})
    os.mkfifo(tmp_path / "pipe")
    record = project / "out" / cache.FOLDER / "book.json"
    record.parent.mkdir(parents=True)
    record.write_text(
        json.dumps(
            {
                "options": "x",
                "inputs": {"/dev/zero": "0" * 64, str(tmp_path / "pipe"): "0" * 64},
                "outputs": {},
                "diagnostics": [],
            }
        )
    )
    run = pressroom("build", "book.md", "-o", "out", "--format", "epub", cwd=project, timeout=60)
    assert run.returncode == 0, run.stderr
    assert (project / "out" / "book.epub").is_file()


def test_entries_are_sealed_with_the_users_key(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-home"))
    cache._key.cache_clear()
    try:
        payload = b"converted text"
        data = cache.sealed("x.z", payload)
        assert data is not None and cache.opened("x.z", data) == payload
        assert cache.opened("y.z", data) is None  # another entry's name
        assert cache.opened("x.z", data[:-1] + b"!") is None
        key = tmp_path / "cache-home" / "pressroom" / "key"
        assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_bytes()) == 32
        key.write_bytes(bytes(32))  # another user's key
        cache._key.cache_clear()
        assert cache.opened("x.z", data) is None
    finally:
        cache._key.cache_clear()


# --- A theme is read as its own regular files ---


def test_a_theme_with_a_link_loop_and_a_link_out_builds_as_if_they_were_not_there(tmp_path):
    outside = write(tmp_path, {"secret.css": "body { color: red } /* the user's */"})
    project = write(tmp_path / "project", {"book.md": BOOK})
    theme = project / "theme"
    (theme / "fonts").mkdir(parents=True)
    (theme / "fonts" / "loop").symlink_to(theme)  # round and round
    (theme / "epub.css").symlink_to(outside / "secret.css")
    run = pressroom(
        "build",
        "book.md",
        "--theme",
        "theme",
        "-o",
        "out",
        "--format",
        "epub",
        cwd=project,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    with zipfile.ZipFile(project / "out" / "book.epub") as epub:
        css = " ".join(epub.read(n).decode() for n in epub.namelist() if n.endswith(".css"))
    assert "the user's" not in css


def test_a_theme_file_past_its_size_is_one_line(tmp_path):
    project = write(tmp_path / "project", {"book.md": BOOK})
    (project / "theme").mkdir()
    with (project / "theme" / "unused.bin").open("wb") as out:
        out.truncate(60_000_000)  # sparse: nothing is written
    run = pressroom(
        "build", "book.md", "--theme", "theme", "-o", "out", "--format", "epub", cwd=project
    )
    one_line(run, "unused.bin: a theme file of over 50,000,000 bytes")
