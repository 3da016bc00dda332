"""Many books in one run: `-j N` builds them in worker processes, byte for byte as one after
another; a broken book is one line and the others are written; what is printed in a pipe
and with --quiet."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from catalog_project import BOOKS, BROKEN, catalog, outputs
from pressroom.errors import PressroomError
from pressroom.run.deadline import time_limit
from support import outputs_in, pressroom

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
    assert not [p.name for p in outputs_in(folder / "two") if p.name.startswith(".")]


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


def test_a_terminal_gets_the_live_display(tmp_path):
    """stderr a terminal: the progress display is drawn there; stdout stays the outputs."""
    import os
    import pty
    import subprocess
    import sys

    folder = catalog(tmp_path)
    (folder / "manuscript" / f"{BROKEN}.md").unlink()
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm"}
    run = subprocess.Popen(
        [sys.executable, "-m", "pressroom", "build", "-o", "out", "--format", "epub", "-j", "1"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=follower,
        env=env,
        text=True,
    )
    os.close(follower)
    drawn = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the other end closed
            break
        if not chunk:
            break
        drawn += chunk
    stdout, _ = run.communicate(timeout=300)
    os.close(leader)
    assert run.returncode == 0
    assert sorted(stdout.splitlines()) == sorted(f"out/{stem}.epub" for stem in BOOKS)
    assert ANSI.search(drawn.decode("utf-8", "replace"))
    assert "books" in drawn.decode("utf-8", "replace")


def _workers(pid: int) -> list[int]:
    """The processes the forkserver under `pid` has forked: the pool's workers."""
    parents: dict[int, int] = {}
    servers: set[int] = set()
    for folder in Path("/proc").glob("[0-9]*"):
        try:
            parents[int(folder.name)] = int(
                (folder / "stat").read_text().rsplit(")", 1)[1].split()[1]
            )
            if b"forkserver" in (folder / "cmdline").read_bytes():
                servers.add(int(folder.name))
        except (OSError, ValueError):
            continue
    servers = {s for s in servers if parents.get(s) == pid}
    return sorted(child for child, parent in parents.items() if parent in servers)


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_worker_that_dies_has_its_books_built_again(tmp_path):
    """A worker process killed mid-build: the books it may have held are built again, alone,
    and every book is written."""
    import os
    import signal
    import subprocess
    import sys
    import time

    folder = catalog(tmp_path)
    (folder / "manuscript" / f"{BROKEN}.md").unlink()
    long = "\n\n".join(
        f"## Part {n}\n\n" + "A line of text about the sea. " * 60 for n in range(40)
    )
    for stem in BOOKS:
        path = folder / "manuscript" / f"{stem}.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n\n" + long, encoding="utf-8")
    run = subprocess.Popen(
        [sys.executable, "-m", "pressroom", "build", "-o", "out", "-j", "2", "--format", "pdf"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = None
    while killed is None and run.poll() is None:
        for worker in _workers(run.pid):
            try:
                os.kill(worker, signal.SIGKILL)
            except ProcessLookupError:
                continue
            killed = worker
            break
        else:
            time.sleep(0.05)
    stdout, stderr = run.communicate(timeout=600)
    assert killed is not None, "the build ended before a worker could be killed"
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert sorted(stdout.splitlines()) == sorted(f"out/{stem}.pdf" for stem in BOOKS)
