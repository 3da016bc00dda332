"""The README says what the tool does: its Quick start, options and code catalogue stay true."""

from __future__ import annotations

import re
from pathlib import Path

from pressroom.cli import parser
from pressroom.diagnostics import catalogue

README = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")


def section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end > 0 else None]


def test_quick_start_has_two_one_line_commands():
    blocks = re.findall(r"```\n(.*?)```", section("Quick start"), re.S)
    assert len(blocks) == 2
    assert all(block.count("\n") == 1 for block in blocks), blocks


def test_every_code_in_the_catalogue_is_in_the_readme_table_and_no_other():
    rows = re.findall(
        r"^\| `([A-Z0-9-]+)` \| (error|warning) \| (build|check) \| (.+) \|$",
        section("Diagnostics"),
        re.M,
    )
    assert [r[0] for r in rows] == list(catalogue())
    for code, severity, stage, summary in rows:
        entry = catalogue()[code]
        assert (severity, stage, summary) == (entry.severity, entry.stage, entry.summary)


def test_every_build_and_check_option_is_documented():
    commands = section("Commands")
    sub = parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name in ("build", "check", "clean"):
        for action in sub[name]._actions:
            for flag in action.option_strings:
                if flag not in ("-h", "--help", "--output") and flag.startswith("--"):
                    assert flag in commands, f"pressroom {name} {flag} is not in the README"


def test_every_limit_and_its_default_is_in_the_readme():
    from dataclasses import fields

    from pressroom.limits import CEILING, DEFAULT

    found = re.findall(
        r"^\| `(\w+)` \| ([\d,]+)(?: \(none\))? \| ([\d,]+|any) \|", section("Limits"), re.M
    )
    assert {f.name: f"{getattr(DEFAULT, f.name):,}" for f in fields(DEFAULT)} == {
        name: default for name, default, _ in found
    }
    assert {f.name: f"{getattr(CEILING, f.name):,}" for f in fields(CEILING)} == {
        name: ceiling.replace("any", "0") for name, _, ceiling in found
    }
