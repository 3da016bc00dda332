"""Every touch of WeasyPrint's and pydyf's private API, and nothing else.

Pressroom lays out with WeasyPrint and changes some of what it does: for speed (the same
bytes, sooner) or for behaviour (footnotes that stay with their calls, a tagged structure
PDF/UA-1 accepts). Each change is a `Patch` in `PATCHES`, written up in `docs/weasyprint/`
as the change upstream that would let Pressroom drop it.

Importing this package checks the installed releases (`versions.SUPPORTED`) and every
patch's targets: an unsupported release or a behaviour patch whose target has changed is
`Unsupported`, one line; a speed patch whose target has changed is left out with one
warning. The patches are installed only inside `patched()`, around Pressroom's own layouts
and writes, act only in the context (the thread) that opened it, and are taken off after:
another user of WeasyPrint in the same process gets WeasyPrint's own behaviour.
"""

from __future__ import annotations

import contextlib

# First: the releases checked, then WeasyPrint imported with its libraries opened without a
# search (`native`).
from . import native

# isort: split

import weasyprint

from ..supported import SUPPORTED, Unsupported, specifier, supported
from . import drawing, fonts, lines, notes, parts, tagging, xmp
from .patch import Gate, Patch, Target, applies, use, window, without

__all__ = [
    "PATCHES",
    "SUPPORTED",
    "Patch",
    "Target",
    "Unsupported",
    "applies",
    "patched",
    "specifier",
    "supported",
    "table",
    "without",
]

# In the order they are installed: a patch that wraps a target wraps what the ones before
# it made (`tagging`: languages, then pull quotes).
PATCHES: tuple[Patch, ...] = (
    native.PATCH,
    *notes.PATCHES,
    *lines.PATCHES,
    *tagging.PATCHES,
    *drawing.PATCHES,
    *parts.PATCHES,
    *xmp.PATCHES,
    *fonts.PATCHES,
)

_gate = Gate(PATCHES)
_gate.check(f"weasyprint {weasyprint.__version__}")
use(_gate)


def patched() -> contextlib.AbstractContextManager[None]:
    """Pressroom's patches installed for the length of the `with` block (re-entrant)."""
    return window()


def skipped() -> dict[str, str]:
    """The speed patches this release does not take, and why."""
    return dict(_gate.skipped)


def table() -> str:
    """The patch table as Markdown, as `docs/weasyprint/README.md` shows it."""
    rows = [
        "| patch | kind | targets | why | test | upstream |",
        "|---|---|---|---|---|---|",
    ]
    for patch in PATCHES:
        targets = "<br>".join(f"`{target}`" for target in patch.targets)
        upstream = patch.upstream.removeprefix("docs/weasyprint/")
        rows.append(
            f"| `{patch.name}` | {patch.kind} | {targets} | {patch.why} | "
            f"`{patch.test}` | [{upstream}]({upstream}) |"
        )
    return "\n".join(rows) + "\n"
