#!/usr/bin/env python3
"""Benchmark `pressroom build` side by side with Pandoc, in one run.

Contenders (each run as its own subprocess, so peak memory is per process):

  pressroom-pdf   pressroom build FILE -o DIR --format pdf      (WeasyPrint)
  pressroom-epub  pressroom build FILE -o DIR --format epub     (ebooklib)
  pandoc-epub     pandoc FILE -o OUT.epub                       (Pandoc's EPUB 3 writer)
  pandoc-pdf      pandoc FILE --pdf-engine=weasyprint -o OUT.pdf
                  (falls back to `pandoc -s -o OUT.html && weasyprint OUT.html OUT.pdf`
                  if the single command does not work here)

Inputs: the article manuscript, and a "100x book" generated from it in a temporary folder
(same front matter, title marked as a book, N chapters `# Chapter n` + the article body, with
footnote ids renamed `[^id]` -> `[^cn-id]` so they stay unique).

Runs are interleaved round-robin across contenders; the report gives the median wall time,
the ratio pressroom/pandoc for PDF and EPUB on each input, and the peak RSS of each contender
(from `/usr/bin/time -v`, or from `os.wait4` when GNU time is not installed).

Speed is measured only here, never in the tests. Needs no network.

    .venv/bin/python benchmarks/bench_build.py                 # article x3, book x3
    .venv/bin/python benchmarks/bench_build.py --quick         # article only, once
    .venv/bin/python benchmarks/bench_build.py --repeat 3 --book-repeat 1 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "manuscript" / "peace-on-azerbaijans-terms.md"
GNU_TIME = "/usr/bin/time"

FRONT_MATTER = re.compile(r"\A---\n(.*?\n)---\n(.*)\Z", re.S)
FOOTNOTE = re.compile(r"\[\^([^\]\s]+)\]")
FOOTNOTE_DEF = re.compile(r"^\[\^[^\]\s]+\]:", re.M)
TITLE_LINE = re.compile(r"^title:[ \t]*(.*)$", re.M)

CONTENDERS = ("pressroom-pdf", "pandoc-pdf", "pressroom-epub", "pandoc-epub")
PAIRS = {"pdf": ("pressroom-pdf", "pandoc-pdf"), "epub": ("pressroom-epub", "pandoc-epub")}


class Missing(Exception):
    """A tool the benchmark needs is not installed."""


# --------------------------------------------------------------------------- inputs


def make_book(article: Path, folder: Path, chapters: int) -> Path:
    """The article's front matter (title marked as a book) + `chapters` copies of its body."""
    text = article.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        raise SystemExit(f"bench_build: {article}: no YAML front matter")
    front, body = match.groups()

    def retitle(m: re.Match) -> str:
        title = m.group(1).strip()
        if len(title) >= 2 and title[0] == title[-1] and title[0] in "\"'":
            title = title[1:-1]
        # A JSON string is a valid YAML double-quoted scalar.
        return "title: " + json.dumps(f"{title} ({chapters}\u00d7 book)", ensure_ascii=False)

    front, found = TITLE_LINE.subn(retitle, front, count=1)
    if not found:
        raise SystemExit(f"bench_build: {article}: front matter has no title")
    parts = [f"---\n{front}---\n"]
    for n in range(1, chapters + 1):
        renamed = FOOTNOTE.sub(lambda m, n=n: f"[^c{n}-{m.group(1)}]", body.strip("\n"))
        parts.append(f"\n# Chapter {n}\n\n{renamed}\n")
    book = folder / f"book-{chapters}x.md"
    book.write_text("".join(parts), encoding="utf-8")
    return book


def describe_input(name: str, path: Path, chapters: int) -> dict:
    text = path.read_text(encoding="utf-8")
    return {
        "name": name,
        "path": str(path),
        "bytes": len(text.encode("utf-8")),
        "words": len(text.split()),
        "footnotes": len(FOOTNOTE_DEF.findall(text)),
        "chapters": chapters,
    }


# --------------------------------------------------------------------------- tools


@dataclass
class Tools:
    pressroom: str
    pandoc: str
    weasyprint: str
    pandoc_pdf_mode: str = "single"  # "single" or "two-step"
    versions: dict = field(default_factory=dict)


def _which(name: str) -> str | None:
    """Prefer the tool next to this interpreter, then the project's .venv, then PATH."""
    for folder in (Path(sys.executable).parent, ROOT / ".venv" / "bin"):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


def _pandoc_path() -> str | None:
    try:
        import pypandoc  # pypandoc-binary bundles a pandoc executable

        path = pypandoc.get_pandoc_path()
        if path and Path(path).is_file():
            return str(path)
    except Exception:  # not importable here, or no bundled binary
        pass
    # pypandoc-binary in the project's venv, when this runs under another interpreter
    for candidate in sorted(ROOT.glob(".venv/lib/python3*/site-packages/pypandoc/files/pandoc")):
        if os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which("pandoc")


def _first_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except Exception as err:
        return f"unknown ({type(err).__name__})"


def find_tools() -> Tools:
    pressroom = _which("pressroom")
    if not pressroom:
        raise Missing("pressroom not found (install the project: pip install -e .)")
    pandoc = _pandoc_path()
    if not pandoc:
        raise Missing("pandoc not found (pip install pypandoc-binary, or put pandoc on PATH)")
    weasyprint = _which("weasyprint")
    if not weasyprint:
        raise Missing("weasyprint CLI not found (it comes with pressroom's dependencies)")
    tools = Tools(pressroom, pandoc, weasyprint)
    tools.versions = {
        "pressroom": _first_line([pressroom, "--version"]),
        "pandoc": _first_line([pandoc, "--version"]),
        "weasyprint": _first_line([weasyprint, "--version"]),
    }
    return tools


def tools_or_say(program: str) -> Tools | None:
    """The tools, or None after one line on stderr saying which is missing."""
    try:
        return find_tools()
    except Missing as err:
        print(f"{program}: {err}", file=sys.stderr)
        return None


def gnu_time() -> bool:
    """Whether GNU time is there to report each run's peak memory, user and system time."""
    return Path(GNU_TIME).is_file() and os.access(GNU_TIME, os.X_OK)


def check_pandoc_pdf(tools: Tools, env: dict, scratch: Path) -> None:
    """Use `pandoc --pdf-engine=weasyprint` if it works here, else the two-step fallback."""
    src = scratch / "probe.md"
    src.write_text("---\ntitle: probe\n---\n\nHello.[^a]\n\n[^a]: Note.\n", encoding="utf-8")
    out = scratch / "probe.pdf"
    try:
        subprocess.run(
            [tools.pandoc, str(src), f"--pdf-engine={tools.weasyprint}", "-o", str(out)],
            env=env,
            capture_output=True,
            timeout=120,
        )
        ok = out.is_file() and out.read_bytes()[:5] == b"%PDF-"
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    tools.pandoc_pdf_mode = "single" if ok else "two-step"


def command(tools: Tools, contender: str, source: Path, out: Path) -> tuple[list[str], Path]:
    """The command line for one run, and the file it should produce."""
    stem = source.stem
    if contender in ("pressroom-pdf", "pressroom-epub"):
        fmt = contender.removeprefix("pressroom-")
        # --force: every run builds; the cache would otherwise answer every run after the first.
        build = [tools.pressroom, "build", str(source), "-o", str(out), "--format", fmt, "--force"]
        return build, out / f"{stem}.{fmt}"
    if contender == "pandoc-epub":
        return [tools.pandoc, str(source), "-o", str(out / f"{stem}.epub")], out / f"{stem}.epub"
    if contender == "pandoc-pdf":
        pdf = out / f"{stem}.pdf"
        if tools.pandoc_pdf_mode == "single":
            return [
                tools.pandoc,
                str(source),
                f"--pdf-engine={tools.weasyprint}",
                "-o",
                str(pdf),
            ], pdf
        html = out / f"{stem}.html"
        # One shell runs both steps: wall time covers both, and the shell's max RSS
        # (which includes its waited-for children) is the max of the two.
        script = 'set -e; "$1" "$2" -s -o "$3"; "$4" "$3" "$5"'
        return [
            "/bin/sh",
            "-c",
            script,
            "sh",
            tools.pandoc,
            str(source),
            str(html),
            tools.weasyprint,
            str(pdf),
        ], pdf
    raise ValueError(contender)


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    contender: str
    input: str
    seconds: float
    max_rss_mib: float | None
    user_s: float | None
    sys_s: float | None
    output_bytes: int | None
    ok: bool
    error: str | None = None


def _parse_time_v(report: str) -> dict:
    values = {}
    for line in report.splitlines():
        key, _, value = line.strip().rpartition(": ")
        if key == "Maximum resident set size (kbytes)":
            values["maxrss_kb"] = int(value)
        elif key == "User time (seconds)":
            values["user"] = float(value)
        elif key == "System time (seconds)":
            values["sys"] = float(value)
    return values


def run_once(
    cmd: list[str],
    expected: Path,
    env: dict,
    timeout: float,
    use_gnu_time: bool,
    scratch: Path,
    contender: str,
    input_name: str,
) -> Run:
    report_file = scratch / "time-v.txt"
    stderr_file = scratch / "stderr.txt"
    report_file.unlink(missing_ok=True)
    full = [GNU_TIME, "-v", "-o", str(report_file), *cmd] if use_gnu_time else cmd
    with open(stderr_file, "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            full, stdout=subprocess.DEVNULL, stderr=err, env=env, start_new_session=True
        )
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):  # it ended by itself meanwhile
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            # wait4 gives this child's rusage; on Linux its ru_maxrss is the max over the
            # child and every descendant it waited for (e.g. weasyprint under pandoc).
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)

    scale = 1024 if sys.platform != "darwin" else 1024 * 1024  # ru_maxrss: KiB on Linux
    maxrss_mib = usage.ru_maxrss / scale
    user_s, sys_s = usage.ru_utime, usage.ru_stime
    if use_gnu_time and report_file.is_file():
        parsed = _parse_time_v(report_file.read_text(errors="replace"))
        if "maxrss_kb" in parsed:
            maxrss_mib = parsed["maxrss_kb"] / 1024
        user_s, sys_s = parsed.get("user", user_s), parsed.get("sys", sys_s)

    error = None
    if timed_out.is_set():
        error = f"timed out after {timeout:.0f} s"
    elif proc.returncode != 0:
        lines = [
            line
            for line in stderr_file.read_text(errors="replace").splitlines()
            if line.strip() and not line.startswith(("WARNING:", "\tCommand", "Command"))
        ]
        error = f"exit {proc.returncode}: " + (lines[-1].strip() if lines else "no message")
    elif not expected.is_file() or expected.stat().st_size == 0:
        error = f"no output at {expected.name}"
    size = expected.stat().st_size if expected.is_file() else None
    return Run(
        contender,
        input_name,
        seconds,
        round(maxrss_mib, 1),
        user_s,
        sys_s,
        size,
        ok=error is None,
        error=error,
    )


# --------------------------------------------------------------------------- the benchmark


def median_or_none(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarise(runs: list[Run], inputs: list[dict]) -> dict:
    summary: dict = {}
    for info in inputs:
        name = info["name"]
        per = {}
        for c in CONTENDERS:
            mine = [r for r in runs if r.input == name and r.contender == c]
            good = [r for r in mine if r.ok]
            per[c] = {
                "runs": len(mine),
                "ok": len(good),
                "median_s": median_or_none([r.seconds for r in good]),
                "min_s": min((r.seconds for r in good), default=None),
                "max_s": max((r.seconds for r in good), default=None),
                "median_cpu_s": median_or_none(
                    [r.user_s + r.sys_s for r in good if r.user_s is not None]
                ),
                "peak_rss_mib": max((r.max_rss_mib for r in good if r.max_rss_mib), default=None),
                "output_bytes": good[-1].output_bytes if good else None,
                "errors": sorted({r.error for r in mine if r.error}),
            }
        ratios = {}
        for fmt, (ours, theirs) in PAIRS.items():
            a, b = per[ours], per[theirs]
            ratios[fmt] = {
                "time": a["median_s"] / b["median_s"] if a["median_s"] and b["median_s"] else None,
                "cpu": (
                    a["median_cpu_s"] / b["median_cpu_s"]
                    if a["median_cpu_s"] and b["median_cpu_s"]
                    else None
                ),
                "peak_rss": (
                    a["peak_rss_mib"] / b["peak_rss_mib"]
                    if a["peak_rss_mib"] and b["peak_rss_mib"]
                    else None
                ),
            }
        summary[name] = {"contenders": per, "ratios": ratios}
    return summary


def fmt(value, spec: str, missing: str = "n/a") -> str:
    return missing if value is None else format(value, spec)


def print_table(summary: dict, inputs: list[dict], tools: Tools, meta: dict) -> None:
    print()
    print(f"pressroom vs pandoc, {meta['date']}, {meta['machine']}")
    print(
        f"  {tools.versions['pressroom']}; {tools.versions['pandoc']}; "
        f"{tools.versions['weasyprint']}; pandoc PDF: {meta['pandoc_pdf']}; "
        f"peak RSS via {meta['rss_method']}"
    )
    print(
        f"  load average (1 min) before {meta['load_before']:.1f}, after {meta['load_after']:.1f}"
    )
    for info in inputs:
        print(
            f"  {info['name']}: {info['bytes'] / 1024:.0f} KiB, {info['words']} words, "
            f"{info['footnotes']} footnotes, {info['chapters']} chapter(s)"
        )
    print()
    head = (
        f"{'input':<8} {'contender':<15} {'runs':>4} {'median s':>9} {'min s':>8} "
        f"{'max s':>8} {'cpu s':>7} {'peak RSS MiB':>13} {'output KiB':>11}"
    )
    print(head)
    print("-" * len(head))
    for info in inputs:
        per = summary[info["name"]]["contenders"]
        for c in CONTENDERS:
            s = per[c]
            out_kib = s["output_bytes"] / 1024 if s["output_bytes"] else None
            print(
                f"{info['name']:<8} {c:<15} {s['ok']:>2}/{s['runs']:<1} "
                f"{fmt(s['median_s'], '9.2f', 'FAILED'):>9} {fmt(s['min_s'], '8.2f'):>8} "
                f"{fmt(s['max_s'], '8.2f'):>8} {fmt(s['median_cpu_s'], '7.2f'):>7} "
                f"{fmt(s['peak_rss_mib'], '13.0f'):>13} {fmt(out_kib, '11.0f'):>11}"
            )
            for e in s["errors"]:
                print(f"{'':<8}   ! {e}")
    print()
    print(
        "ratios pressroom / pandoc (median wall time, median CPU time user+sys, peak RSS);"
        " > 1 means pressroom is slower/bigger"
    )
    head = (
        f"{'input':<8} {'PDF time':>9} {'EPUB time':>10} {'PDF cpu':>8} {'EPUB cpu':>9} "
        f"{'PDF RSS':>8} {'EPUB RSS':>9}"
    )
    print(head)
    print("-" * len(head))

    def x(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.2f}x"

    for info in inputs:
        r = summary[info["name"]]["ratios"]
        print(
            f"{info['name']:<8} {x(r['pdf']['time']):>9} {x(r['epub']['time']):>10} "
            f"{x(r['pdf']['cpu']):>8} {x(r['epub']['cpu']):>9} "
            f"{x(r['pdf']['peak_rss']):>8} {x(r['epub']['peak_rss']):>9}"
        )


def machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def profile_pressroom_pdf(tools: Tools, source: Path, scratch: Path, env: dict, top: int) -> str:
    """cProfile one `pressroom build --format pdf` in a subprocess; top entries by cumtime."""
    first = Path(tools.pressroom).read_text(errors="replace").splitlines()[0]
    python = first[2:].strip() if first.startswith("#!") else sys.executable
    stats = scratch / "pressroom-pdf.prof"
    out = scratch / "profile-out"
    subprocess.run(
        [
            python,
            "-m",
            "cProfile",
            "-o",
            str(stats),
            "-m",
            "pressroom",
            "build",
            str(source),
            "-o",
            str(out),
            "--format",
            "pdf",
            "--force",
        ],
        env=env,
        check=True,
        capture_output=True,
        timeout=3600,
    )
    import io
    import pstats

    buf = io.StringIO()
    # Skip the interpreter/runpy/CLI wrappers, which all share the total.
    pstats.Stats(str(stats), stream=buf).sort_stats("cumulative").print_stats(
        r"site-packages|pressroom/(?!cli\.py)", top
    )
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (default 3)")
    parser.add_argument(
        "--book-repeat",
        type=int,
        default=None,
        help="runs per contender on the book (default: --repeat)",
    )
    parser.add_argument("--quick", action="store_true", help="article only, one run each")
    parser.add_argument("--chapters", type=int, default=100, help="book chapters (default 100)")
    parser.add_argument("--manuscript", type=Path, default=ARTICLE, help="the article to use")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per run (default 900)")
    parser.add_argument(
        "--no-warmup",
        action="store_true",
        help="skip the untimed warm-up run of each contender on the article",
    )
    parser.add_argument(
        "--profile",
        type=int,
        metavar="N",
        default=0,
        help="also cProfile pressroom's PDF build of the largest input and "
        "print the top N entries by cumulative time",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.book_repeat = 1, 0
    book_repeat = args.repeat if args.book_repeat is None else args.book_repeat
    if args.repeat < 1 or book_repeat < 0:
        parser.error("--repeat must be >= 1 and --book-repeat >= 0")
    if not args.manuscript.is_file():
        print(f"bench_build: manuscript not found: {args.manuscript}", file=sys.stderr)
        return 2

    tools = tools_or_say("bench_build")
    if tools is None:
        return 2

    use_gnu_time = gnu_time()
    env = dict(os.environ)
    bins = {str(Path(tools.weasyprint).parent), str(Path(tools.pressroom).parent)}
    env["PATH"] = os.pathsep.join([*sorted(bins), env.get("PATH", "")])

    scratch = Path(tempfile.mkdtemp(prefix="pressroom-bench-"))
    try:
        check_pandoc_pdf(tools, env, scratch)
        plan = [("article", args.manuscript, 1, args.repeat)]
        if book_repeat:
            book = make_book(args.manuscript, scratch, args.chapters)
            plan.append(("book", book, args.chapters, book_repeat))
        inputs = [describe_input(name, path, ch) for name, path, ch, _ in plan]
        meta = {
            "date": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(),
            "python": platform.python_version(),
            "commit": _first_line(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"]),
            "load_before": os.getloadavg()[0],
            "versions": tools.versions,
            "pandoc_pdf": (
                "pandoc --pdf-engine=weasyprint"
                if tools.pandoc_pdf_mode == "single"
                else "pandoc -s -o HTML && weasyprint HTML PDF"
            ),
            "rss_method": "/usr/bin/time -v" if use_gnu_time else "os.wait4 ru_maxrss",
            "repeat": {name: n for name, _, _, n in plan},
            "order": "round-robin across contenders, starting contender rotated each round",
        }
        print(
            f"bench_build: {meta['machine']}; {tools.versions['pandoc']}; "
            f"pandoc PDF via {meta['pandoc_pdf']}",
            file=sys.stderr,
        )

        counter = 0

        def one(contender: str, name: str, source: Path) -> Run:
            nonlocal counter
            counter += 1
            out = scratch / f"out-{counter}"
            out.mkdir()
            cmd, expected = command(tools, contender, source, out)
            run = run_once(cmd, expected, env, args.timeout, use_gnu_time, scratch, contender, name)
            shutil.rmtree(out, ignore_errors=True)
            return run

        if not args.no_warmup:
            print("bench_build: warm-up (untimed) on the article", file=sys.stderr)
            for c in CONTENDERS:
                one(c, "warmup", args.manuscript)

        runs: list[Run] = []
        for name, source, _, repeat in plan:
            for round_ in range(repeat):
                k = round_ % len(CONTENDERS)
                for c in CONTENDERS[k:] + CONTENDERS[:k]:
                    run = one(c, name, source)
                    runs.append(run)
                    state = "ok" if run.ok else run.error
                    print(
                        f"bench_build: {name} round {round_ + 1}/{repeat} {c:<15} "
                        f"{run.seconds:8.2f} s {run.max_rss_mib or 0:7.0f} MiB  {state}",
                        file=sys.stderr,
                    )

        summary = summarise(runs, inputs)
        meta["load_after"] = os.getloadavg()[0]
        print_table(summary, inputs, tools, meta)

        profile = None
        if args.profile:
            name, source, _, _ = plan[-1]
            print(
                f"\ncProfile: pressroom build {name} --format pdf, top {args.profile} "
                "by cumulative time"
            )
            profile = profile_pressroom_pdf(tools, source, scratch, env, args.profile)
            print(profile)

        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(
                json.dumps(
                    {
                        "meta": meta,
                        "inputs": inputs,
                        "summary": summary,
                        "runs": [asdict(r) for r in runs],
                        "profile": profile,
                    },
                    indent=2,
                    ensure_ascii=False,
                )
                + "\n",
                encoding="utf-8",
            )
            print(f"\nbench_build: wrote {args.json}", file=sys.stderr)
        return 0 if all(r.ok for r in runs) else 1
    finally:
        if args.keep:
            print(f"bench_build: kept {scratch}", file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
