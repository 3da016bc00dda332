"""The `pressroom` command: clean, build, check. Errors are one line, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__
from .errors import PressroomError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pressroom", description=(
        "Single-source publishing: Markdown manuscript → print PDF, EPUB 3, archival PDF/A."))
    parser.add_argument("--version", action="version", version=f"pressroom {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    clean = commands.add_parser("clean", help="turn raw web text into a Markdown manuscript")
    clean.add_argument("raw", type=Path, help="raw text file (paragraphs split by blank lines)")
    clean.add_argument("-o", "--output", type=Path, help="manuscript to write (default: stdout)")
    clean.add_argument("--report", type=Path, help="also write what was removed as JSON")

    build = commands.add_parser("build", help="build manuscripts into PDF and EPUB")
    build.add_argument("manuscripts", nargs="*", type=Path,
                       help="Markdown files (default: manuscript/*.md)")
    build.add_argument("-o", "--output", type=Path, default=Path("dist"),
                       help="output folder (default: dist)")
    build.add_argument("--format", action="append", choices=["pdf", "epub", "archival", "bag"],
                       help="output format; repeat for several (default: all)")
    build.add_argument("--paper", choices=["a4", "letter"], default="a4")
    build.add_argument("--check", action="store_true",
                       help="check the outputs afterwards (EPUBCheck, Ace, lint rules)")

    check = commands.add_parser("check", help="validate built PDFs and EPUBs")
    check.add_argument("files", nargs="+", type=Path, help="outputs to check (.pdf, .epub)")
    check.add_argument("--no-validators", dest="validators", action="store_false",
                       help="only Pressroom's own rules: skip EPUBCheck, Ace and qpdf")

    args = parser.parse_args(argv)
    try:
        if args.command == "clean":
            return run_clean(args)
        if args.command == "check":
            return run_check(args.files, args.validators)
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
        print(f"pressroom: internal error: {type(err).__name__}: {err} "
              "(set PRESSROOM_DEBUG=1 for details)", file=sys.stderr)
        return 70


def run_clean(args) -> int:
    from .clean import clean_file, format_report
    result = clean_file(args.raw, args.output, args.report)
    for line in format_report(result, str(args.raw)):
        print(line, file=sys.stderr)
    if args.output is None:
        sys.stdout.write(result.markdown)
    return 0


def run_build(args) -> int:
    from .build import FORMATS, build, find_manuscripts
    sources = args.manuscripts or find_manuscripts()
    formats = tuple(args.format) if args.format else FORMATS
    outputs = []
    for source in sources:
        built = build(source, args.output, formats, args.paper)
        for warning in built.warnings:
            print(f"pressroom: warning: {warning}", file=sys.stderr)
        for path in built.outputs:
            print(path)
        outputs += [p for p in built.outputs if p.suffix in (".pdf", ".epub")]
    return run_check(outputs, validators=True) if args.check else 0


def run_check(files: list[Path], validators: bool) -> int:
    from .check import check, report, tools
    if validators:
        found = ", ".join(f"{name} {value}" for name, value in tools().items() if value)
        print(f"validators: {found or 'none found'}")
    findings = check(files, validators=validators)
    for line in report(findings, files):
        print(line)
    return 1 if any(f.severity == "error" for f in findings) else 0


if __name__ == "__main__":
    sys.exit(main())
