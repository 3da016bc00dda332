"""Themes: a folder of stylesheets, fonts, templates and UI strings.

    themes/default/
        print.css          the handout (and archival copy) stylesheet
        epub.css           the EPUB stylesheet
        fonts/             faces the CSS names with url("fonts/…")
        templates/         Jinja templates: print/handout.html.j2, epub/*.xhtml, epub/toc.ncx
        strings/en.yml     words the templates print ("About the author", …), by language

A theme given with `--theme DIR` (or `theme:` in pressroom.yml) is laid out the same way and
needs only what it changes: every file it lacks comes from the default theme, which ships
inside the package and is read with `importlib.resources`, so it works from a wheel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import yaml

from ..errors import PressroomError

Folder = Traversable | Path


def default_folder() -> Traversable:
    return resources.files("pressroom.themes").joinpath("default")


# A theme may come with a project from someone else: it is read as its own regular files,
# no link out of it followed, each file and the whole within these.
MOST_FILE_BYTES = 50_000_000
MOST_FILES = 5_000
MOST_DEPTH = 20


def _linked(node: Traversable) -> bool:
    return isinstance(node, Path) and node.is_symlink()


def _find(root: Folder, relative: str) -> Traversable | None:
    node: Traversable = root
    for part in relative.split("/"):
        if not part or part in (".", ".."):
            return None
        node = node.joinpath(part)
        if _linked(node):
            return None
    return node if node.is_file() else None


def _walk(root: Folder, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, Traversable]]:
    if depth > MOST_DEPTH:
        raise PressroomError(
            root if isinstance(root, Path) else prefix, "theme folders nest too deep"
        )
    for child in sorted(root.iterdir(), key=lambda c: c.name):
        name = f"{prefix}{child.name}"
        if _linked(child):
            continue  # never followed: it may lead out of the theme, or round in a loop
        if child.is_dir():
            yield from _walk(child, name + "/", depth + 1)
        elif child.is_file():
            yield name, child


@dataclass(frozen=True)
class Theme:
    """A theme folder over the default one: `read` finds a file in the first that has it."""

    folders: tuple[Folder, ...]
    name: str = "default"

    @classmethod
    def load(cls, folder: Path | None = None) -> Theme:
        if folder is None:
            return cls(folders=(default_folder(),))
        if not folder.is_dir():
            raise PressroomError(folder, "theme folder not found")
        return cls(folders=(folder, default_folder()), name=folder.name)

    def find(self, relative: str) -> Traversable | None:
        for folder in self.folders:
            found = _find(folder, relative)
            if found is not None:
                return found
        return None

    def read(self, relative: str) -> bytes:
        found = self.find(relative)
        if found is None:
            raise PressroomError(
                self.folders[0] if isinstance(self.folders[0], Path) else relative,
                f"theme has no {relative}",
            )
        return found.read_bytes()

    def css(self, kind: str) -> str:
        """The theme's stylesheet for `print` or `epub`."""
        return self.read(f"{kind}.css").decode("utf-8")

    def template(self, name: str) -> str:
        return self.read(f"templates/{name}").decode("utf-8")

    def files(self) -> dict[str, bytes]:
        """Every file the theme provides (its own first): what a build may read from it."""
        found: dict[str, bytes] = {}
        for folder in self.folders:
            for name, node in _walk(folder):
                if name not in found and "__pycache__" not in name and not name.endswith(".py"):
                    if isinstance(node, Path) and node.stat().st_size > MOST_FILE_BYTES:
                        raise PressroomError(
                            node, f"a theme file of over {MOST_FILE_BYTES:,} bytes"
                        )
                    found[name] = node.read_bytes()
                    if len(found) > MOST_FILES:
                        raise PressroomError(
                            folder if isinstance(folder, Path) else name,
                            f"a theme of over {MOST_FILES:,} files",
                        )
        return dict(sorted(found.items()))

    @cached_property
    def _strings(self) -> dict[str, dict[str, Any]]:
        tables: dict[str, dict[str, Any]] = {}
        for folder in reversed(self.folders):  # the theme's own words over the default's
            strings = folder.joinpath("strings")
            if not strings.is_dir():
                continue
            for node in strings.iterdir():
                if node.name.endswith(".yml"):
                    lang = node.name.removesuffix(".yml")
                    data = yaml.safe_load(node.read_text("utf-8")) or {}
                    tables.setdefault(lang, {}).update(data)
        return tables

    def strings(self, lang: str) -> dict[str, Any]:
        """UI strings for `lang`, the most specific file first: zh-Hant-TW → zh-Hant → zh →
        en for what a language lacks."""
        tables = self._strings
        merged = dict(tables.get("en", {}))
        parts = lang.split("-")
        merged.update(tables.get(parts[0].lower(), {}))
        for n in range(2, len(parts) + 1):
            merged.update(tables.get("-".join(parts[:n]), {}))
        return merged
