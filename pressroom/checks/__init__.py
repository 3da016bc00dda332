"""`pressroom check`: validate built outputs and print a short report.

In the spirit of Standard Ebooks' `se lint`: a small set of rules, each with a short, stable
code and one message naming what is wrong and where; next to them, the real validators
(EPUBCheck, DAISY Ace, qpdf) when they are installed. Every code is in the catalogue
(`pressroom/data/codes.yml`, listed in the README); EPUBCheck's messages keep its own IDs.
A finding is an error or a warning; a check fails when it has an error. Nothing here raises
on a bad file: a file that cannot be read at all gives one finding.

    checks/epub.py         the package reader and the EPUB rules (E-…), `epub.RULES`
    checks/pdf.py          the PDF reader and the PDF rules (P-…), `pdf.RULES`
    checks/validators.py   EPUBCheck, DAISY Ace and qpdf, each its own process

Which rules a file gets is the writer registry's answer (`writers.writer_for`), not a guess
from its suffix here. `check(paths)` checks files concurrently (the validators are separate
processes); findings come back in the order of `paths`.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ..diagnostics import Diagnostic
from ..diagnostics import select as select_codes
from ..formats import writer_for
from ..layout import plural
from .epub import check_epub
from .pdf import check_pdf
from .validators import ace, ace_findings, epubcheck, epubcheck_findings, qpdf_findings

__all__ = [
    "ace_findings",
    "check",
    "check_file",
    "epubcheck_findings",
    "qpdf_findings",
    "report",
    "tools",
]


def check(
    paths: Iterable[Path],
    *,
    validators: bool = True,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    validated: Mapping[Path, list[Diagnostic]] | None = None,
    every: bool = False,
) -> list[Diagnostic]:
    """Check every file (concurrently); findings in the order of `paths`, only the codes
    chosen by `select` (all when empty) and not in `ignore`. The validators' findings for
    files in `validated` (run by the build, before writing) are taken, not run again.
    `every`: a validator's message once for each place it names, not the first alone."""
    validated = validated or {}
    paths = [Path(p) for p in paths]
    if not paths:
        return []
    workers = min(len(paths), max(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = pool.map(
            lambda p: (
                check_file(p, validators=False) + validated[p]
                if validators and p in validated
                else check_file(p, validators=validators, every=every)
            ),
            paths,
        )
        findings = [finding for result in results for finding in result]
    return select_codes(findings, select, ignore)


def check_file(path: Path, *, validators: bool = True, every: bool = False) -> list[Diagnostic]:
    """All findings for one file, by what the registry says it is; never raises."""
    path = Path(path)
    name = str(path)
    writer = writer_for(path)
    if writer is None or writer.check is None:
        return [Diagnostic(name, "F-TYPE", "error", "not an .epub or .pdf file: nothing to check")]
    if not path.is_file():
        what = "no such file" if not path.exists() else "not a regular file"
        return [Diagnostic(name, "F-READ", "error", what)]
    try:
        if writer.check == "epub":
            return check_epub(path, validators=validators, every=every)
        return check_pdf(path, validators=validators, every=every)
    except Exception as err:  # a rule tripped on something unforeseen: report, don't crash
        return [
            Diagnostic(
                name, "F-READ", "error", f"could not be checked ({type(err).__name__}: {err})"
            )
        ]


def report(findings: list[Diagnostic], checked: Sequence[Path]) -> list[str]:
    """The lines to print: every finding, then one summary line."""
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = sum(1 for f in findings if f.severity != "error")
    return [str(f) for f in findings] + [
        f"checked {plural(len(checked), 'file')}: {plural(errors, 'error')}, "
        f"{plural(warnings, 'warning')}"
    ]


def tools() -> dict[str, str | None]:
    """Which validators this machine can run: EPUBCheck's version, Ace's and qpdf's paths."""
    return {"epubcheck": epubcheck()[1], "ace": ace(), "qpdf": shutil.which("qpdf")}
