"""The print side in a second process: the same bytes, diagnostics and inputs as in one
process, and its failures reported here as one line (or as the bug they are)."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from pressroom.errors import PressroomError
from pressroom.run import printing
from pressroom.run.build import Rendered, render
from pressroom.writers import pdf
from support import outputs_in, pressroom

SCHOLAR = Path(__file__).resolve().parent / "fixtures" / "scholar"
CLOCK = dt.datetime(2024, 3, 15, 12, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.skipif(not printing.available(), reason="needs fork (Linux)")


@pytest.fixture
def book(tmp_path) -> Path:
    shutil.copytree(SCHOLAR, tmp_path / "book")
    folder = tmp_path / "book"
    (folder / "css").mkdir()
    # A print stylesheet that fetches a file: the print side reads it, and the cache must
    # know it as an input.
    (folder / "css" / "print.css").write_text("h1 { background: url(rule.svg); }\n", "utf-8")
    (folder / "css" / "rule.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="1"/>', "utf-8"
    )
    source = folder / "scholar.md"
    # A character no font has: the glyph scan, which runs on the print side, warns.
    source.write_text(source.read_text("utf-8") + "\nA private sign: \ue000.\n", "utf-8")
    return source


def made(source: Path, split: bool, formats=("pdf", "epub", "archival")) -> Rendered:
    return render(
        source,
        source.parent / "out",
        formats,
        css=[source.parent / "css" / "print.css"],
        force=True,
        clock=CLOCK,
        split=split,
    )


def test_split_build_is_the_same_as_one_process(book):
    alone, split = made(book, False), made(book, True)
    assert alone.outputs.keys() == split.outputs.keys()
    for path, data in alone.outputs.items():
        assert split.outputs[path] == data, path
    assert [str(d) for d in split.diagnostics] == [str(d) for d in alone.diagnostics]
    assert any(d.code == "B-GLYPH" for d in split.diagnostics)
    assert alone.record is not None and split.record is not None
    assert set(split.record.inputs) == set(alone.record.inputs)
    assert any(Path(p).name == "rule.svg" for p in split.record.inputs)


def test_stages_of_the_print_side_are_told(book):
    told: list[str] = []
    render(book, book.parent / "out", ("pdf", "epub"), force=True, clock=CLOCK, split=True,
           stage=told.append)  # fmt: skip
    assert told == ["load", "epub", "layout", "pdf"]


def test_an_input_error_on_the_print_side_is_one_line(book, monkeypatch):
    def refuse(doc, ctx, *args, **kwargs):
        raise PressroomError(doc.source, "no pages", 7)

    monkeypatch.setattr(pdf, "layout", refuse)  # the forked print side inherits it
    with pytest.raises(PressroomError) as caught:
        made(book, True)
    assert str(caught.value) == f"{book}:7: no pages"


def test_a_print_side_that_dies_is_an_error_not_a_hang(book, monkeypatch):
    monkeypatch.setattr(pdf, "layout", lambda *args, **kwargs: os._exit(9))
    with pytest.raises(PressroomError, match="the process laying out the pages stopped"):
        made(book, True)


def test_a_bug_on_the_print_side_is_raised_with_its_traceback(book, monkeypatch):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(pdf, "layout", broken)
    with pytest.raises(RuntimeError, match="ZeroDivisionError") as caught:
        made(book, True)
    assert "in broken" in str(caught.value)  # the child's traceback comes along


def test_no_print_process_without_page_formats(book, monkeypatch):
    started: list[object] = []
    monkeypatch.setattr(printing, "Printer", lambda names, ctx: started.append(names))
    made(book, True, formats=("epub",))
    assert started == []


def test_a_print_process_started_early_and_not_taken_is_stopped():
    printing.warm()
    started = printing._warm
    assert started is not None and started.process.is_alive()
    printing.cool()
    assert printing._warm is None and not started.process.is_alive()


def test_one_book_from_the_command_line_is_the_same_with_its_print_process(book):
    env = {"SOURCE_DATE_EPOCH": "1700000000"}
    folder = book.parent
    pressroom(
        "build", book.name, "-o", "two", "-j", "2", "--css", "css/print.css", cwd=folder, env=env
    )
    pressroom(
        "build", book.name, "-o", "one", "-j", "1", "--css", "css/print.css", cwd=folder, env=env
    )
    two, one = outputs_in(folder / "two"), outputs_in(folder / "one")
    assert [p.name for p in two] == [p.name for p in one] and len(one) == 3
    for a, b in zip(two, one, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        task = Path(f"/proc/{todo.pop()}/task")
        for thread in task.iterdir() if task.exists() else []:
            with contextlib.suppress(OSError):
                children = [int(c) for c in (thread / "children").read_text().split()]
                found += children
                todo += children
    return found


@pytest.mark.parametrize(
    ("chapters", "processes"),
    [
        (0, 1),  # laid out whole: the print process
        (40, 3),  # laid out in parts: the print process and its two workers
    ],
)
def test_ctrl_c_stops_every_process_with_one_line(tmp_path, chapters, processes):
    import signal
    import subprocess
    import sys
    import time

    paragraph = "Paragraph {n} of a long book, set at length. " * 8 + "\n\n"
    if chapters:  # past writers.cut.MIN_CHARACTERS
        text = "".join(
            f"# Chapter {c}\n\n" + "".join(paragraph.format(n=n) for n in range(40))
            for c in range(chapters)
        )
    else:
        text = "".join(paragraph.format(n=n) for n in range(3000))
    (tmp_path / "long.md").write_text(f"---\ntitle: Long\n---\n\n{text}", "utf-8")
    # Ctrl-C as a terminal sends it: to the whole process group, SIGINT not ignored.
    run = subprocess.Popen(
        [sys.executable, "-m", "pressroom", "build", "long.md", "--format", "pdf", "-j", "2"],
        cwd=tmp_path,
        start_new_session=True,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(_descendants(run.pid)) < processes:
        time.sleep(0.05)
    assert len(_descendants(run.pid)) >= processes
    time.sleep(1.0)  # at work
    os.killpg(run.pid, signal.SIGINT)
    _, err = run.communicate(timeout=60)
    assert run.returncode == 130, err
    assert err.splitlines() == ["pressroom: interrupted; outputs already written are complete"]
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").glob("long*"))
