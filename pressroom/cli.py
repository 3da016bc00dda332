"""The `pressroom` command: clean, build, check. Errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import __version__
from .errors import PressroomError

if TYPE_CHECKING:
    from .diagnostics import Diagnostic


def parser() -> argparse.ArgumentParser:
    from .formats import WRITERS
    from .util.paper import NAMED

    main = argparse.ArgumentParser(
        prog="pressroom",
        description=(
            "Single-source publishing: Markdown manuscript → print PDF, EPUB 3, archival PDF/A."
        ),
    )
    main.add_argument("--version", action="version", version=f"pressroom {__version__}")
    commands = main.add_subparsers(dest="command", required=True)

    clean = commands.add_parser("clean", help="turn raw web text into a Markdown manuscript")
    clean.add_argument("raw", type=Path, help="raw text file (paragraphs split by blank lines)")
    clean.add_argument("-o", "--output", type=Path, help="manuscript to write (default: stdout)")
    clean.add_argument("--report", type=Path, help="also write what was removed as JSON")

    build = commands.add_parser("build", help="build manuscripts into PDF and EPUB")
    build.add_argument(
        "manuscripts",
        nargs="*",
        type=Path,
        help=(
            "Markdown files, each a book (default: the chapters in pressroom.yml, "
            "else manuscript/*.md)"
        ),
    )
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        help="output folder (default: output: in pressroom.yml, else dist)",
    )
    build.add_argument(
        "--format",
        action="append",
        choices=list(WRITERS),
        help="output format; repeat for several (default: pdf, epub, archival)",
    )
    build.add_argument(
        "--paper",
        type=paper_size,
        metavar="SIZE",
        help=(f"paper: {', '.join(NAMED)}, or WxH with units such as 150x230mm (default: a4)"),
    )
    build.add_argument(
        "--bleed",
        type=float,
        default=3.0,
        metavar="MM",
        help="bleed for --format press, in millimetres (default: 3)",
    )
    build.add_argument("--theme", type=Path, help="a theme folder laid out like the default")
    build.add_argument(
        "--css",
        action="append",
        type=Path,
        default=[],
        help=(
            "a stylesheet after the theme's; repeatable. Named print.css or epub.css it applies "
            "to that format only"
        ),
    )
    build.add_argument("--config", type=Path, help="project file (default: ./pressroom.yml)")
    build.add_argument(
        "-M",
        "--metadata",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a metadata value over the front matter; repeatable",
    )
    build.add_argument(
        "--metadata-file",
        type=Path,
        action="append",
        default=[],
        help="YAML metadata under the front matter; repeatable",
    )
    build.add_argument("--strict", action="store_true", help="exit non-zero on any warning")
    build.add_argument(
        "--timeout",
        type=int,
        metavar="SECONDS",
        help="stop a book whose build takes longer (default: no limit)",
    )
    build.add_argument(
        "--limit",
        action="append",
        type=limit_setting,
        default=[],
        metavar="NAME=N",
        help="set a limit (see the README), past what a project's pressroom.yml may; repeatable",
    )
    build.add_argument(
        "--force",
        action="store_true",
        help="build even when nothing has changed since the outputs were written",
    )
    build.add_argument(
        "--check",
        action="store_true",
        help="check the outputs afterwards (EPUBCheck, Ace, lint rules)",
    )
    build.add_argument(
        "-j",
        "--jobs",
        type=jobs_count,
        metavar="N",
        help="build up to N books at once in worker processes (default: the cores available)",
    )
    build.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help="build the books on a Dask cluster, such as tcp://host:8786; outputs are written here",
    )
    build.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only errors (and warnings under --strict), not the outputs written",
    )

    check = commands.add_parser("check", help="validate built PDFs and EPUBs")
    check.add_argument("files", nargs="+", type=Path, help="outputs to check (.pdf, .epub)")
    check.add_argument(
        "--no-validators",
        dest="validators",
        action="store_false",
        help="only Pressroom's own rules: skip EPUBCheck, Ace and qpdf",
    )
    check.add_argument(
        "--all",
        dest="every",
        action="store_true",
        help="every place a validator names, not its first with a count of the others",
    )
    check.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help=("report only these codes (comma-separated; a prefix like E- or a glob like RSC-*)"),
    )
    check.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="do not report these codes (same forms as --select)",
    )
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "clean":
            return run_clean(args)
        if args.command == "check":
            return run_check(
                args.files,
                args.validators,
                codes(args.select),
                codes(args.ignore),
                every=args.every,
            )
        return run_build(args)
    except PressroomError as err:
        print(f"pressroom: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pressroom: interrupted; outputs already written are complete", file=sys.stderr)
        return 130
    except Exception as err:  # a bug in Pressroom, not in the input: still one line
        if os.environ.get("PRESSROOM_DEBUG"):
            raise
        print(
            f"pressroom: internal error: {type(err).__name__}: {err} "
            "(set PRESSROOM_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return 70


def paper_size(text: str) -> str:
    from .util.paper import paper

    try:
        paper(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


SCHEDULER = re.compile(r"(?:tcp|tls)://(?:[^\s/:\[\]]+|\[[0-9a-fA-F:]+\])(?::\d+)?")


def scheduler_address(text: str) -> str:
    """A Dask scheduler's address as `tcp://HOST:PORT` or `tls://HOST:PORT`."""
    if not SCHEDULER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a Dask scheduler's address (tcp://HOST:PORT or tls://HOST:PORT)"
        )
    return text.strip()


def limit_setting(text: str) -> tuple[str, int]:
    name, _, value = text.partition("=")
    if not value.strip().isdigit():
        raise argparse.ArgumentTypeError(f"'{text}' is not NAME=N (a whole number)")
    return name.strip(), int(value)


def jobs_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of jobs (1 or more)")
    return value


def codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def run_clean(args: argparse.Namespace) -> int:
    from .clean import clean_file, format_report

    result = clean_file(args.raw, args.output, args.report)
    for line in format_report(result, str(args.raw)):
        print(line, file=sys.stderr)
    if args.output is None:
        sys.stdout.write(result.markdown)
    return 0


def run_build(args: argparse.Namespace) -> int:
    from .run import printing

    if args.manuscripts:  # as many books as files named: start their processes at once
        _start_early(args, len(args.manuscripts))
    try:
        return _build(args)
    finally:
        printing.cool()


def _start_early(args: argparse.Namespace, books: int) -> None:
    """The processes a build will use, started before it reads and plans: one book's print
    process, or the server that forks the workers, each importing WeasyPrint meanwhile."""
    from .run import printing
    from .run.parallel import prestart
    from .util.processes import cores

    if args.jobs == 1 or args.scheduler or cores() < 2 or printing.started():
        return
    if books == 1 and _pages_wanted(args.format):
        printing.warm(args.jobs)  # a long book is laid out in parts by as many processes
    elif books > 1:
        prestart()


def _pages_wanted(formats: list[str] | None) -> bool:
    """Whether the formats named (all the defaults or the config's, when none is) may
    need pages laid out: a build of the EPUB alone has no use for a print process."""
    from .formats import WRITERS, expand

    return not formats or any(WRITERS[name].pages for name in expand(formats))


def _build(args: argparse.Namespace) -> int:
    from .config import Config, find_config, read_config
    from .context import Stylesheet
    from .diagnostics import Diagnostics
    from .formats import DEFAULT_FORMATS
    from .load.frontmatter import METADATA_KEYS, parse_override, read_yaml, warn_unknown
    from .run.build import plan
    from .run.catalog import Settings, build_all
    from .run.progress import view
    from .themes import Theme
    from .util.files import read_text
    from .util.processes import cores

    found = Diagnostics()
    config_path = find_config(args.config)
    config = read_config(config_path, found) if config_path else Config()
    metadata = [read_yaml(p, read_text(p), what="metadata file") for p in args.metadata_file]
    overrides = [parse_override(Path("-M"), pair) for pair in args.metadata]
    for layer in metadata + overrides:
        warn_unknown(layer, found, METADATA_KEYS)
    if args.limit:  # the user's own: no ceiling
        try:
            config.limits = config.limits.raised(dict(args.limit))
        except ValueError as err:
            raise PressroomError("--limit", str(err)) from None
    books = plan(
        args.manuscripts, config, metadata=metadata, overrides=overrides, timeout=args.timeout
    )
    if not args.manuscripts:  # the books of pressroom.yml or manuscript/: known only now
        _start_early(args, len(books))
    Theme.load(args.theme or config.theme)  # a missing theme folder stops the run here
    settings = Settings(
        out=args.output or config.output or Path("dist"),
        formats=tuple(args.format or config.formats or DEFAULT_FORMATS),
        paper=args.paper or config.paper or "a4",
        theme=args.theme or config.theme,
        css=tuple(Stylesheet.of(p) for p in [*config.css, *args.css]),
        bleed=args.bleed,
        verify=args.check,
        force=args.force,
    )
    if _pages_wanted(list(settings.formats)):
        from .supported import require

        require()  # an unsupported WeasyPrint: one line before any book is read
    warnings = list(found)
    for diagnostic in warnings:
        if not args.quiet or args.strict:
            print(f"pressroom: {diagnostic}", file=sys.stderr)
    done = build_all(
        books,
        settings,
        view(args.quiet, args.strict),
        jobs=args.jobs or cores(),
        scheduler=args.scheduler,
    )
    warnings += done.warnings
    outputs, validated = done.outputs, done.validated
    status = 1 if args.strict and warnings else 0
    if args.strict and warnings:
        print(f"pressroom: --strict: {len(warnings)} warning(s)", file=sys.stderr)
    if done.failed:
        status = 1
        if len(books) > 1:
            print(f"pressroom: {len(done.failed)} of {len(books)} books failed", file=sys.stderr)
    if args.check:
        status = max(status, run_check(outputs, validators=True, validated=validated))
    return status


def run_check(
    files: list[Path],
    validators: bool,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    validated: dict[Path, list[Diagnostic]] | None = None,
    every: bool = False,
) -> int:
    from .checks import check, report, tools

    if validators:
        found = ", ".join(f"{name} {value}" for name, value in tools().items() if value)
        print(f"validators: {found or 'none found'}")
    findings = check(
        files,
        validators=validators,
        select=select or (),
        ignore=ignore or (),
        validated=validated or {},
        every=every,
    )
    for line in report(findings, files):
        print(line)
    return 1 if any(f.severity == "error" for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
