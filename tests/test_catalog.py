"""Many books in one run: `-j N` builds them in worker processes, byte for byte as one after
another; a broken book is one line and the others are written; what is printed in a pipe
and with --quiet."""

from __future__ import annotations

import re
import threading

import pytest

from catalog_project import BOOKS, BROKEN, catalog, outputs
from pressroom.deadline import time_limit
from pressroom.errors import PressroomError
from support import pressroom

EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
ANSI = re.compile(r"\x1b\[")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The catalog built one book after another (-j 1) and in two processes (-j 2)."""
    folder = catalog(tmp_path_factory.mktemp("catalog"))
    (folder / "two").mkdir()
    (folder / "two" / f"{BROKEN}.pdf").write_bytes(b"an earlier build")
    runs = {
        out: pressroom("build", "-o", out, "-j", jobs, cwd=folder, env=EPOCH)
        for out, jobs in (("one", "1"), ("two", "2"))
    }
    return folder, runs


def test_two_processes_make_the_same_bytes_as_one(built):
    folder, _ = built
    one, two = outputs(folder / "one"), outputs(folder / "two")
    assert sorted(one) == sorted(
        f"{stem}{suffix}" for stem in BOOKS for suffix in (".pdf", ".epub", "-archival.pdf")
    )
    del two[f"{BROKEN}.pdf"]
    assert one == two


@pytest.mark.parametrize("jobs", ["one", "two"])
def test_a_broken_book_is_one_line_and_the_others_are_written(built, jobs):
    folder, runs = built
    run = runs[jobs]
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    errors = run.stderr.splitlines()
    assert re.match(rf"pressroom: \S*/manuscript/{BROKEN}.md:2: invalid YAML", errors[0])
    assert errors[1:] == ["pressroom: 1 of 5 books failed"]
    # Each book's outputs in the registry's order, a book's lines together.
    written = run.stdout.splitlines()
    assert sorted(written) == sorted(f"{jobs}/{name}" for name in outputs(folder / "one"))
    for stem in BOOKS:
        at = written.index(f"{jobs}/{stem}.pdf")
        assert written[at : at + 3] == [
            f"{jobs}/{stem}.pdf",
            f"{jobs}/{stem}.epub",
            f"{jobs}/{stem}-archival.pdf",
        ]


def test_the_broken_books_earlier_output_stays(built):
    folder, _ = built
    assert (folder / "two" / f"{BROKEN}.pdf").read_bytes() == b"an earlier build"
    assert not [p.name for p in (folder / "two").iterdir() if p.name.startswith(".")]


def test_a_pipe_gets_plain_lines(built):
    _, runs = built
    for run in runs.values():
        assert not ANSI.search(run.stdout) and not ANSI.search(run.stderr)


def test_quiet_prints_only_errors(tmp_path):
    folder = catalog(tmp_path)
    (folder / "manuscript" / "bread.md").write_text(
        "---\ntitle: Bread\n---\n\nNo author, no rights: warnings.\n", encoding="utf-8"
    )
    run = pressroom("build", "-q", "-o", "out", "--format", "epub", cwd=folder)
    assert run.returncode == 1
    assert run.stdout == ""
    assert f"/manuscript/{BROKEN}.md:2: " in run.stderr.splitlines()[0]
    assert " warning " not in run.stderr
    assert len(list((folder / "out").glob("*.epub"))) == len(BOOKS)
    (folder / "manuscript" / f"{BROKEN}.md").unlink()
    strict = pressroom("build", "-q", "--strict", "-o", "out", "--format", "epub", cwd=folder)
    assert strict.returncode == 1 and strict.stdout == ""
    assert "/manuscript/bread.md: warning B-AUTHOR" in strict.stderr
    assert strict.stderr.strip().endswith("warning(s)")


def test_jobs_must_be_a_positive_number(tmp_path):
    run = pressroom("build", "-j", "0", cwd=catalog(tmp_path))
    assert run.returncode == 2
    assert "is not a number of jobs" in run.stderr


def test_the_time_limit_stops_a_build_in_another_thread(tmp_path):
    """A Dask worker builds in threads, where SIGALRM cannot be used."""
    caught: list[BaseException] = []

    def busy() -> None:
        try:
            with time_limit(1, tmp_path / "slow.md"):
                while True:
                    sum(range(1000))
        except PressroomError as err:
            caught.append(err)

    thread = threading.Thread(target=busy, daemon=True)
    thread.start()
    thread.join(60)
    assert not thread.is_alive()
    assert "slow.md: the build took longer than 1 s" in str(caught[0])
