"""`pressroom build --scheduler`: the catalog built on a real Dask cluster (a scheduler and
two workers on 127.0.0.1, started with the `dask` command as the README shows), byte for byte
as a local build; the workers read no file of the project, the client writes every output."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from catalog_project import BOOKS, BROKEN, catalog, outputs
from support import pressroom

distributed = pytest.importorskip("distributed")

EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
DASK = Path(sys.executable).parent / "dask"


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a scheduler with two single-threaded workers, each in a folder of its
    own and without SOURCE_DATE_EPOCH: the build's time comes from the client."""
    folder = tmp_path_factory.mktemp("cluster")
    address_file = folder / "scheduler.json"
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    common = ["--no-dashboard"]
    started = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0", *common,
             "--scheduler-file", str(address_file)],
            cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    ]  # fmt: skip
    try:
        for _ in range(600):
            if address_file.exists():
                break
            time.sleep(0.1)
        for n in (1, 2):
            (folder / f"worker{n}").mkdir()
            started.append(
                subprocess.Popen(
                    [str(DASK), "worker", "--scheduler-file", str(address_file), "--host",
                     "127.0.0.1", "--nthreads", "1", *common],
                    cwd=folder / f"worker{n}", env=env,
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        with distributed.Client(scheduler_file=str(address_file), timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def built(scheduler, tmp_path_factory):
    folder = catalog(tmp_path_factory.mktemp("catalog"))
    here = pressroom("build", "-o", "here", "-j", "1", cwd=folder, env=EPOCH)
    remote = pressroom("build", "-o", "remote", "--scheduler", scheduler, cwd=folder, env=EPOCH)
    return folder, here, remote


def test_the_cluster_makes_the_same_bytes_as_a_local_build(built):
    folder, _, _ = built
    local = outputs(folder / "here")
    assert sorted(local) == sorted(
        f"{stem}{suffix}" for stem in BOOKS for suffix in (".pdf", ".epub", "-archival.pdf")
    )
    assert outputs(folder / "remote") == local


def test_the_broken_book_is_reported_and_the_others_written(built):
    folder, here, remote = built
    assert remote.returncode == 1
    assert "Traceback" not in remote.stderr
    errors = remote.stderr.splitlines()
    assert re.match(rf"pressroom: \S*/manuscript/{BROKEN}.md:2: invalid YAML", errors[0])
    assert errors[0] == here.stderr.splitlines()[0]  # named as the client names it
    assert errors[1:] == ["pressroom: 1 of 5 books failed"]
    assert sorted(remote.stdout.splitlines()) == sorted(
        f"remote/{name}" for name in outputs(folder / "remote")
    )


def test_the_archival_copy_names_its_sources_within_the_project(built):
    from pypdf import PdfReader

    folder, _, _ = built
    reader = PdfReader(folder / "remote" / "atlas-archival.pdf")
    attached = {name: data[0] for name, data in reader.attachments.items()}
    assert {"atlas.md", "images/map.png", "pressroom.yml"} <= set(attached)
    assert attached["images/map.png"] == (folder / "manuscript/images/map.png").read_bytes()
    inputs = json.loads(attached["build-manifest.json"])["inputs"]
    assert not [name for name in inputs if name.startswith("/") or "pressroom-" in name]


def test_a_book_is_built_from_its_bundle_alone(tmp_path):
    """Packed here, the project moved away, built from the bytes: what a worker does."""
    from pressroom.config import Config
    from pressroom.run.build import plan
    from pressroom.run.bundle import pack, unpack_and_render
    from pressroom.run.catalog import Settings

    folder = catalog(tmp_path / "project")
    book = plan([folder / "manuscript" / "atlas.md"], Config())[0]
    bundle = pack(0, book, Settings(out=tmp_path / "out", formats=("pdf", "epub")))
    assert set(bundle.files) >= {"manuscript/atlas.md", "manuscript/images/map.png"}
    assert "styles/print.css" in bundle.files  # the house style beside the manuscripts
    shutil.move(folder, tmp_path / "elsewhere")
    outcome = unpack_and_render(bundle)
    assert outcome.error is None
    assert outcome.rendered is not None
    assert sorted(p.name for p in outcome.rendered.outputs) == ["atlas.epub", "atlas.pdf"]
    assert outcome.source == folder / "manuscript" / "atlas.md"


def test_an_unreachable_scheduler_is_one_line(tmp_path):
    folder = catalog(tmp_path)
    run = pressroom("build", "--scheduler", "tcp://127.0.0.1:9", cwd=folder)
    assert run.returncode == 1
    assert run.stderr.startswith("pressroom: tcp://127.0.0.1:9: cannot reach the Dask scheduler")
    assert len(run.stderr.splitlines()) == 1, run.stderr


def test_each_book_s_steps_on_the_workers_reach_the_client(scheduler, tmp_path):
    """The progress display's news: the steps each book starts on a worker, as they start."""
    from pressroom.config import Config
    from pressroom.run.build import plan
    from pressroom.run.catalog import Settings
    from pressroom.run.cluster import on_cluster

    folder = catalog(tmp_path / "project")
    books = plan(sorted((folder / "manuscript").glob("[!_]*.md"))[:2], Config())
    told: list[tuple[int, str]] = []
    settings = Settings(out=tmp_path / "out", formats=("pdf", "epub"))
    outcomes = list(on_cluster(books, settings, scheduler, lambda i, name: told.append((i, name))))
    assert [o.error for o in outcomes] == [None, None]
    wanted = {(i, step) for i in (0, 1) for step in ("load", "epub", "layout", "pdf")}
    deadline = time.monotonic() + 30  # the workers' events travel on their own
    while not wanted <= set(told) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert wanted <= set(told), told
    assert {(0, "sent to the cluster"), (1, "sent to the cluster")} <= set(told)


@pytest.mark.parametrize(
    "name", ["../escaped.md", "manuscript/../../escaped.md", "/tmp/escaped.md"]
)
def test_a_bundle_never_writes_outside_its_folder(tmp_path, monkeypatch, name):
    """A worker unpacks what a client sends: a name that climbs out of the temporary
    folder, or an absolute one, is refused before anything is written."""
    import tempfile

    from pressroom.load import Sources
    from pressroom.run.bundle import Bundle, unpack_and_render
    from pressroom.run.catalog import Settings

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    if name == "ABSOLUTE":
        name = str(tmp_path / "elsewhere" / "escaped.md")
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    bundle = Bundle(
        0,
        Sources(files=[Path("book.md")]),
        Settings(out=Path("out"), formats=("epub",)),
        files={"book.md": b"# Book\n", name: b"written outside"},
    )
    with pytest.raises(ValueError, match="outside the build folder"):
        unpack_and_render(bundle)
    assert list(tmp_path.rglob("escaped.md")) == []


# -- what a worker sends back is data, checked --------------------------------------------


def _made(tmp_path: Path):
    from pressroom.diagnostics import Diagnostic
    from pressroom.run.build import Rendered
    from pressroom.run.job import Outcome

    out = tmp_path / "out"
    rendered = Rendered(
        source=tmp_path / "book.md",
        outputs={out / "book.pdf": b"%PDF-1.7 pages", out / "book-bag": {"data/a.txt": b"a"}},
        diagnostics=[Diagnostic(str(tmp_path / "book.md"), "B-NOTE", "warning", "never called", 9)],
        validated={out / "book.pdf": []},
    )
    return out, Outcome(3, tmp_path / "book.md", rendered, None)


def test_an_outcome_travels_as_data(tmp_path):
    from pressroom.run.bundle import decode, encode

    out, outcome = _made(tmp_path)
    version, back = decode(encode("0.1.0", outcome), {out / "book.pdf", out / "book-bag"})
    assert version == "0.1.0" and back == outcome


@pytest.mark.parametrize(
    "forge",
    [
        lambda out, o: o.rendered.outputs.update({Path.home() / ".bashrc": b"rm -rf ~"}),
        lambda out, o: o.rendered.outputs.update({out / "book-bag": {"../../escaped": b"x"}}),
        lambda out, o: o.rendered.outputs.update({out / "book-bag": {"/etc/passwd": b"x"}}),
        lambda out, o: o.rendered.validated.update({out / "other.pdf": []}),
    ],
)
def test_a_worker_cannot_make_the_client_write_elsewhere(tmp_path, forge):
    from pressroom.run.bundle import Refused, decode, encode

    out, outcome = _made(tmp_path)
    forge(out, outcome)
    with pytest.raises(Refused):
        decode(encode("0.1.0", outcome), {out / "book.pdf", out / "book-bag"})


@pytest.mark.parametrize("data", [b"", b"\x00" * 8, b"garbage", pickle.dumps(object())])
def test_what_is_no_outcome_is_refused(tmp_path, data):
    from pressroom.run.bundle import Refused, decode

    with pytest.raises(Refused):
        decode(data, {tmp_path / "book.pdf"})


@pytest.mark.parametrize("address", ["", "127.0.0.1:8786", "ucx://127.0.0.1:8786", "tcp://h/x"])
def test_a_scheduler_address_is_checked_before_anything_else(tmp_path, address):
    folder = catalog(tmp_path)
    run = pressroom("build", "--scheduler", address, cwd=folder)
    assert run.returncode == 2
    assert "is not a Dask scheduler's address (tcp://HOST:PORT or tls://HOST:PORT)" in run.stderr
    assert "Traceback" not in run.stderr and not (folder / "dist").exists()


def test_a_listener_that_never_answers_is_one_line(tmp_path):
    """Something listens at the address, takes the connection and says nothing: the build
    stops with one line within the connection's time, not hanging."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    try:
        folder = catalog(tmp_path)
        run = pressroom("build", "--scheduler", f"tcp://127.0.0.1:{port}", cwd=folder, timeout=120)
    finally:
        listener.close()
    assert run.returncode == 1
    assert run.stderr.startswith(
        f"pressroom: tcp://127.0.0.1:{port}: cannot reach the Dask scheduler"
    )
    assert len(run.stderr.splitlines()) == 1, run.stderr
