"""`pressroom.yml`: a project's settings and metadata defaults, typed and checked by line.

    title: The Book                   # any front-matter key: a default the manuscript overrides
    author: A. Writer
    chapters: [01-one.md, 02-two.md]  # several files that make ONE book, in order
    name: the-book                    # output names (default: the project folder's name)
    theme: themes/house               # a theme folder (default: the built-in theme)
    css: [extra.css]                  # stylesheets after the theme's (print.css/epub.css: one format)
    formats: [pdf, epub]              # default: pdf, epub, archival
    paper: a4
    output: dist

Paths are relative to the file. Command-line options win over the file; the file's
metadata is a default under the manuscript's own front matter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostics
from .errors import PressroomError
from .formats import WRITERS
from .limits import CEILING, DEFAULT, Limits
from .load.frontmatter import METADATA_KEYS, Layer, read_yaml, warn_unknown
from .util.files import read_text
from .util.paper import paper

__all__ = ["Config", "find_config", "read_config"]

CONFIG_NAME = "pressroom.yml"
SETTINGS = frozenset({"chapters", "name", "theme", "css", "formats", "paper", "output", "limits"})


@dataclass
class Config:
    path: Path | None = None  # the file, when there is one
    metadata: Layer | None = None  # its metadata keys, as a layer
    chapters: list[Path] = field(default_factory=list)
    name: str | None = None
    theme: Path | None = None
    css: list[Path] = field(default_factory=list)
    formats: list[str] | None = None
    paper: str | None = None
    output: Path | None = None
    limits: Limits = DEFAULT

    @property
    def folder(self) -> Path:
        return self.path.parent if self.path else Path.cwd()


def find_config(explicit: Path | None, folder: Path | None = None) -> Path | None:
    """`--config FILE`, or pressroom.yml in the current folder."""
    if explicit is not None:
        if not explicit.is_file():
            raise PressroomError(explicit, "config file not found")
        return explicit
    found = (folder or Path.cwd()) / CONFIG_NAME
    return found if found.is_file() else None


def read_config(path: Path, diagnostics: Diagnostics) -> Config:
    layer = read_yaml(path, read_text(path), first_line=1, what=CONFIG_NAME)
    base = path.parent
    data = layer.data

    def fail(key: str, message: str) -> PressroomError:
        return PressroomError(path, message, layer.line(key))

    def strings(key: str) -> list[str]:
        value = data.get(key)
        if value is None:
            return []
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
            raise fail(key, f"'{key}' must be a list of file names")
        return items

    def one(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise fail(key, f"'{key}' must be text")
        return value.strip()

    project = base.resolve()

    def inside(key: str, name: str) -> Path:
        """A path the project names, which must stay in the project's folder: a project
        sent by someone else reads and writes nothing of the user's (symlinks followed)."""
        found = base / name
        if not found.resolve().is_relative_to(project):
            raise fail(
                key,
                f"'{key}: {name}' is outside the project folder; only the command line "
                "may name a path outside it",
            )
        return found

    config = Config(path=path)
    config.chapters = [inside("chapters", name) for name in strings("chapters")]
    for name, chapter in zip(strings("chapters"), config.chapters, strict=True):
        if not chapter.is_file():
            raise fail("chapters", f"chapter file {name} not found")
    config.css = [inside("css", name) for name in strings("css")]
    config.formats = strings("formats") or None
    for name in config.formats or []:
        if name not in WRITERS:
            raise fail("formats", f"unknown format '{name}' (choose from {', '.join(WRITERS)})")
    config.paper = one("paper")
    if config.paper:
        try:
            paper(config.paper)
        except ValueError as err:
            raise fail("paper", str(err)) from None
    theme, output = one("theme"), one("output")
    config.theme = inside("theme", theme) if theme else None
    config.output = inside("output", output) if output else None
    if config.output is not None and config.output.resolve() == project:
        raise fail(
            "output", f"'output: {output}' is the project folder itself; name a folder in it"
        )
    raised = data.get("limits") or {}
    if not isinstance(raised, dict):
        raise fail("limits", "'limits' must be a mapping such as {footnotes: 50000}")
    try:
        config.limits = DEFAULT.raised(raised, ceiling=CEILING)
    except ValueError as err:
        raise fail("limits", str(err)) from None
    config.name = one("name")
    if config.name and ("/" in config.name or config.name.startswith(".")):
        raise fail("name", f"'name: {config.name}' must be a plain file name")
    metadata: dict[str, Any] = {k: v for k, v in data.items() if k not in SETTINGS}
    warn_unknown(layer, diagnostics, METADATA_KEYS | SETTINGS)
    config.metadata = Layer(
        path=path,
        data={k: v for k, v in metadata.items() if k in METADATA_KEYS},
        lines={k: v for k, v in layer.lines.items() if k in METADATA_KEYS},
    )
    return config
