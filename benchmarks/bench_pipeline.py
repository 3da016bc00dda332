#!/usr/bin/env python3
"""Whole pipelines side by side: every format Pressroom makes against the peer pipeline, and
WeasyPrint alone on Pressroom's own HTML (the floor).

Contenders, each run as its own process (peak memory per process tree, wall and CPU time):

  pressroom   pressroom build FILE -o DIR --force      handout PDF, EPUB and PDF/A-3 copy
  peer        pandoc FILE -o X.epub; pandoc FILE -s -o X.html; weasyprint X.html X.pdf
              (Pandoc's EPUB, and its HTML printed by the same WeasyPrint; no archival copy)
  floor       WeasyPrint alone, no Pressroom code: the handout HTML and stylesheets Pressroom
              lays out (captured once, before timing) rendered and written as a tagged PDF/UA-1

Inputs: the article, and every `--input FILE` (for instance the Rust book). Runs are
interleaved round-robin, the first contender rotating each round; the table gives medians and
the ratios pressroom / peer. `--stages` then builds each input once in this process and prints
the time and memory at the start of each stage (load, layout, each format).

    .venv/bin/python benchmarks/bench_pipeline.py --repeat 5
    .venv/bin/python benchmarks/bench_pipeline.py --repeat 3 --input ../shared/corpus/rust-book/rust-book.md --stages

Speed is measured here, never in the tests. Needs pandoc (`pip install -e '.[bench]'`).
"""

from __future__ import annotations

import argparse
import os
import pickle
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_build import (  # the sibling benchmark's runner and tool finder
    ARTICLE,
    Run,
    gnu_time,
    machine,
    run_once,
    tools_or_say,
)

CONTENDERS = ("pressroom", "peer", "floor")


# --------------------------------------------------------------------------- the floor


def capture(source: Path, path: Path) -> None:
    """Lay `source` out with Pressroom once, recording the HTML, the stylesheets and every
    file WeasyPrint fetched, so that WeasyPrint can be run on them alone."""
    import weasyprint

    from pressroom.load import load
    from pressroom.run.build import _prepared
    from pressroom.writers import pdf

    htmls: list[str] = []
    sheets: list[tuple[str, str]] = []
    files: dict[str, bytes] = {}
    html_class, css_class, read = weasyprint.HTML, weasyprint.CSS, pdf.LocalFetcher.read

    def html(*args: Any, **kwargs: Any) -> Any:
        htmls.append(kwargs["string"])
        return html_class(*args, **kwargs)

    def css(*args: Any, **kwargs: Any) -> Any:
        sheets.append((kwargs["string"], kwargs["base_url"]))
        return css_class(*args, **kwargs)

    def recorded(self: Any, url: str) -> bytes | None:
        data = read(self, url)
        if data is not None:
            files[url] = data
        return data

    sources, ctx, *_ = _prepared(source, path.parent, ("pdf",), "a4", None, (), 3.0, False, None)
    doc = load(sources, ctx.diagnostics, ctx.theme)
    weasyprint.HTML, weasyprint.CSS, pdf.LocalFetcher.read = html, css, recorded  # type: ignore[method-assign]
    try:
        pdf.layout(doc, ctx)
    finally:
        weasyprint.HTML, weasyprint.CSS, pdf.LocalFetcher.read = html_class, css_class, read  # type: ignore[method-assign]
    # The last HTML is the one laid out (a first pass may have moved a note).
    captured = {"html": htmls[-1], "css": sheets, "files": files, "base": pdf.MANUSCRIPT_URL}
    path.write_bytes(pickle.dumps(captured))


def floor(captured: Path, out: Path) -> None:
    """WeasyPrint alone on a capture: layout, then a tagged PDF/UA-1 write."""
    import mimetypes
    from urllib.parse import urlparse

    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    data = pickle.loads(captured.read_bytes())
    files: dict[str, bytes] = data["files"]

    class Fetcher(weasyprint.URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url not in files:
                raise ValueError(f"not captured: {url}")
            kind = mimetypes.guess_type(urlparse(url).path)[0] or "application/octet-stream"
            return weasyprint.urls.URLFetcherResponse(url, files[url], {"Content-Type": kind})

    fetcher = Fetcher()
    fonts = FontConfiguration()
    sheets = [
        weasyprint.CSS(string=css, base_url=base, url_fetcher=fetcher, font_config=fonts)
        for css, base in data["css"]
    ]
    html = weasyprint.HTML(string=data["html"], base_url=data["base"], url_fetcher=fetcher)
    pages = html.render(
        stylesheets=sheets, font_config=fonts, pdf_tags=True, presentational_hints=True
    )
    out.write_bytes(pages.write_pdf(pdf_variant="pdf/ua-1", pdf_identifier=True))


# --------------------------------------------------------------------------- the runs


class TreeMemory:
    """The largest sum of the memory (PSS) of this process's descendants, sampled every 10 ms
    while a run lasts: processes working at once hold their sum, where the peak RSS of GNU
    time is that of the largest one."""

    def __init__(self, every: float = 0.01) -> None:
        self.peak = 0.0
        self.every = every  # 0: not sampled
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeMemory:
        if self.every:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.every:
            self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(self.every):
            self.peak = max(self.peak, _tree_rss(os.getpid()) / 2**20)


def _pss(pid: int) -> int:
    """Proportional set size: memory shared with another process (a forked child's pages
    not yet written, libraries) counts half in each, so the sum over processes is real."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def _tree_rss(pid: int) -> int:
    total = 0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return 0
    for child in map(int, children):
        try:
            if Path(f"/proc/{child}/comm").read_text().strip() != "time":  # GNU time's own
                total += _pss(child)
        except (OSError, ValueError, IndexError):
            pass  # it ended meanwhile
        total += _tree_rss(child)
    return total


def command(contender: str, tools: Any, source: Path, out: Path, captured: Path) -> list[str]:
    stem = source.stem
    if contender == "pressroom":
        return [tools.pressroom, "build", str(source), "-o", str(out), "--force", "-q"]
    if contender == "peer":
        # One shell runs the three steps: wall time covers them all, and its max RSS (which
        # includes the children it waited for) is the largest of the three.
        script = 'set -e; "$1" "$2" -o "$3"; "$1" "$2" -s -o "$4"; "$5" -q "$4" "$6"'
        return [
            "/bin/sh",
            "-c",
            script,
            "sh",
            tools.pandoc,
            str(source),
            str(out / f"{stem}.epub"),
            str(out / f"{stem}.html"),
            tools.weasyprint,
            str(out / f"{stem}.pdf"),
        ]
    if contender == "floor":
        return [sys.executable, __file__, "--floor", str(captured), str(out / f"{stem}.pdf")]
    raise ValueError(contender)


def stages(source: Path, scratch: Path) -> list[tuple[str, float, float]]:
    """One in-process build: (stage, seconds since start, RSS MiB) at each stage's start."""
    import resource

    from pressroom.run.build import render

    start = time.perf_counter()
    marks: list[tuple[str, float, float]] = []

    def rss() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def stage(name: str) -> None:
        marks.append((name, time.perf_counter() - start, rss()))

    render(source, scratch / "stages", force=True, stage=stage)
    stage("end")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    marks.append(("peak", time.perf_counter() - start, peak))
    return marks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (default 3)")
    parser.add_argument("--input", type=Path, action="append", default=[], help="another input")
    parser.add_argument("--no-article", action="store_true", help="only the --input files")
    parser.add_argument("--stages", action="store_true", help="also time each stage once")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument(
        "--no-together",
        action="store_true",
        help="do not sample all processes' memory: reading each one's smaps every 10 ms takes "
        "CPU (and its memory map's lock) from a build that keeps both cores busy",
    )
    parser.add_argument("--floor", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor:
        floor(*args.floor)
        return 0
    inputs = ([] if args.no_article else [ARTICLE]) + [p.resolve() for p in args.input]
    for path in inputs:
        if not path.is_file():
            print(f"bench_pipeline: not found: {path}", file=sys.stderr)
            return 2
    tools = tools_or_say("bench_pipeline")
    if tools is None:
        return 2
    use_gnu_time = gnu_time()
    env = dict(os.environ, SOURCE_DATE_EPOCH=os.environ.get("SOURCE_DATE_EPOCH", "1700000000"))
    scratch = Path(tempfile.mkdtemp(prefix="pressroom-pipeline-"))
    runs: list[Run] = []
    together: dict[int, float] = {}  # id(run) -> its processes' largest sum of memory
    try:
        captures = {}
        for n, source in enumerate(inputs):
            captures[source] = scratch / f"capture-{n}.pickle"
            capture(source, captures[source])
        print(
            f"bench_pipeline: {machine()}; {tools.versions['pandoc']}; "
            f"{tools.versions['weasyprint']}; load {os.getloadavg()[0]:.1f}",
            file=sys.stderr,
        )
        counter = 0
        for source in inputs:
            for round_ in range(args.repeat):
                k = round_ % len(CONTENDERS)
                for contender in CONTENDERS[k:] + CONTENDERS[:k]:
                    counter += 1
                    out = scratch / f"out-{counter}"
                    out.mkdir()
                    cmd = command(contender, tools, source, out, captures[source])
                    expected = out / (
                        f"{source.stem}-archival.pdf"
                        if contender == "pressroom"
                        else f"{source.stem}.pdf"
                    )
                    with TreeMemory(0 if args.no_together else 0.01) as memory:
                        run = run_once(
                            cmd,
                            expected,
                            env,
                            args.timeout,
                            use_gnu_time,
                            scratch,
                            contender,
                            source.stem,
                        )
                    runs.append(run)
                    together[id(run)] = memory.peak
                    shutil.rmtree(out, ignore_errors=True)
                    print(
                        f"bench_pipeline: {source.stem} {round_ + 1}/{args.repeat} "
                        f"{contender:<9} {run.seconds:8.2f} s {run.max_rss_mib or 0:7.0f} MiB "
                        f"(together {memory.peak:5.0f} MiB) "
                        f"{'ok' if run.ok else run.error}",
                        file=sys.stderr,
                    )
        report(inputs, runs, together)
        print(f"load average after: {os.getloadavg()[0]:.1f}")
        if args.stages:
            for source in inputs:
                print(f"\nstages of one pressroom build of {source.name} (in process):")
                last = None
                for name, seconds, mib in stages(source, scratch):
                    if last is not None:
                        print(f"  {last[0]:<9} {seconds - last[1]:7.2f} s")
                    print(f"  @ {seconds:7.2f} s  {mib:6.0f} MiB  -> {name}")
                    last = (name, seconds)
        return 0 if all(r.ok for r in runs) else 1
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def report(inputs: list[Path], runs: list[Run], together: dict[int, float]) -> None:
    print()
    head = (
        f"{'input':<14} {'contender':<10} {'ok':>4} {'median s':>9} {'cpu s':>7} "
        f"{'peak MiB':>9} {'together':>9}"
    )
    print(head)
    print("-" * len(head))
    medians: dict[tuple[str, str], tuple[float, float, float, float]] = {}
    for source in inputs:
        for contender in CONTENDERS:
            mine = [r for r in runs if r.input == source.stem and r.contender == contender]
            good = [r for r in mine if r.ok]
            if not good:
                print(f"{source.stem:<14} {contender:<10} {0:>2}/{len(mine):<1}   FAILED")
                for error in sorted({r.error or "" for r in mine}):
                    print(f"{'':<14}   ! {error}")
                continue
            wall = statistics.median(r.seconds for r in good)
            cpu = statistics.median((r.user_s or 0) + (r.sys_s or 0) for r in good)
            rss = max(r.max_rss_mib or 0 for r in good)
            summed = max(together.get(id(r), 0.0) for r in good)
            medians[source.stem, contender] = (wall, cpu, rss, summed)
            print(
                f"{source.stem:<14} {contender:<10} {len(good):>2}/{len(mine):<1} "
                f"{wall:9.2f} {cpu:7.2f} {rss:9.0f} {summed:9.0f}"
            )
    print(
        "\nratios (median wall, median CPU, peak memory of the largest process and of all at"
        " once); < 1 means pressroom is faster/smaller"
    )
    for source in inputs:
        ours = medians.get((source.stem, "pressroom"))
        for other in ("peer", "floor"):
            theirs = medians.get((source.stem, other))
            if ours and theirs:
                wall, cpu, rss, summed = (
                    a / b if b else 0.0 for a, b in zip(ours, theirs, strict=True)
                )
                print(
                    f"  {source.stem:<14} pressroom / {other:<6} time {wall:.2f}x  cpu {cpu:.2f}x"
                    f"  memory {rss:.2f}x"
                    + (f"  together {summed:.2f}x" if summed else "  (together not sampled)")
                )


if __name__ == "__main__":
    sys.exit(main())
