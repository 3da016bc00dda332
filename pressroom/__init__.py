"""Pressroom: one manuscript in, a print PDF, an EPUB 3 and an archival PDF/A out.

The pipeline, one package a stage (ARCHITECTURE.md):

    clean → load → transform → layout (Jinja) → writers (pdf | archival | epub | …) → check

The names below are imported when first used: `import pressroom` stays cheap, and nothing
imports WeasyPrint before a print format is asked for.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

# name → the module that defines it
_PUBLIC = {
    "build": "pressroom.run.build",
    "render": "pressroom.run.build",
    "load": "pressroom.load",
    "Sources": "pressroom.load",
    "Document": "pressroom.model",
    "BuildContext": "pressroom.context",
    "check": "pressroom.checks",
    "clean_text": "pressroom.clean",
    "PressroomError": "pressroom.errors",
    "WRITERS": "pressroom.formats",
}

__all__ = ["__version__", *sorted(_PUBLIC)]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'pressroom' has no attribute {name!r}")
