"""What WeasyPrint may read while it lays a book out: the book's checked images, the theme
and the user's stylesheets' folders. No network, and nothing elsewhere on the machine."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import weasyprint

from ..context import BuildContext

Resolver = Callable[[str], "bytes | None"]


def folder(root: Path, seen: set[Path]) -> Resolver:
    """Files under `root`; each one served is added to `seen` (an input of the build)."""
    root = root.resolve()

    def read(relative: str) -> bytes | None:
        path = (root / relative).resolve()
        if not (path.is_relative_to(root) and path.is_file()):
            return None
        seen.add(path)
        return path.read_bytes()

    return read


def theme(ctx: BuildContext) -> Resolver:
    def read(relative: str) -> bytes | None:
        found: Traversable | None = ctx.theme.find(relative)
        return found.read_bytes() if found is not None else None

    return read


class LocalFetcher(weasyprint.URLFetcher):
    """Lets WeasyPrint read only the book's checked images, the theme and the user's
    stylesheets' folders: no network, and nothing elsewhere on the machine."""

    def __init__(self, roots: dict[str, Resolver], refused: list[str]):
        super().__init__(allowed_protocols={"file"})
        self.roots = {urlparse(url).path: read for url, read in roots.items()}
        self.refused = refused

    def fetch(self, url: str, headers: Any = None) -> weasyprint.urls.URLFetcherResponse:
        data = self.read(url)
        if data is None:
            self.refused.append(url)
            raise ValueError(f"not fetched: {url}")
        name = urlparse(url).path
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return weasyprint.urls.URLFetcherResponse(url, data, {"Content-Type": media_type})

    def read(self, url: str) -> bytes | None:
        parsed = urlparse(url)
        if parsed.scheme != "file":
            return None
        for prefix, read in self.roots.items():
            if parsed.path.startswith(prefix):
                return read(unquote(parsed.path[len(prefix) :]))
        return None
