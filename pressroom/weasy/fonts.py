"""The fonts of `@font-face` rules: WeasyPrint 70 writes each into a temporary folder of its
own (`FontConfiguration.add_font_face`) and removes the folder when the configuration is
finalised, which a forked process (the print process, a worker) never does: it ends without
running finalisers. Pressroom removes it itself when its layouts are done."""

from __future__ import annotations

import shutil
from typing import Any

from .patch import Patch, Target


def release(fonts: Any) -> None:
    """Remove the folder `fonts` (a `FontConfiguration`) keeps its fonts in, if it made one."""
    folder = getattr(fonts, "_folder", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        fonts._folder = None


FONTS_FOLDER = Patch(
    name="fonts-folder-removed",
    kind="behaviour",
    targets=(
        Target(
            "weasyprint.text.fonts",
            "FontConfiguration.add_font_face",
            ("self", "rule_descriptors", "url_fetcher"),
        ),
        Target("weasyprint.text.fonts", "FontConfiguration.__del__", ("self",)),
    ),
    why="the temporary folder of a stylesheet's fonts is removed by the process that made it",
    test="tests/test_weasy.py::test_a_build_leaves_no_temporary_folder",
    install=None,
)

PATCHES = (FONTS_FOLDER,)
