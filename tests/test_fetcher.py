"""What WeasyPrint may read (`writers/fetcher.py`): the stylesheets' own folders, nothing
above them, however the URL spells its way out."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from pressroom.run.build import build
from pressroom.writers.fetcher import LocalFetcher, folder

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201e5273fda0000000049454e44ae426082"
)


@pytest.mark.parametrize(
    "url",
    [
        "file:///css-0/../../secret.png",
        "file:///css-0/%2e%2e/%2e%2e/secret.png",
        "file:///css-0/sub/%2E%2E/%2E%2E/%2E%2E/secret.png",
    ],
)
def test_a_stylesheet_reads_nothing_above_its_folder(tmp_path, url):
    (tmp_path / "secret.png").write_bytes(PNG)
    styles = tmp_path / "project" / "styles"
    styles.mkdir(parents=True)
    (styles / "inside.png").write_bytes(PNG)
    seen: set[Path] = set()
    refused: list[str] = []
    fetcher = LocalFetcher({"file:///css-0/": folder(styles, seen)}, refused)
    assert fetcher.read(url) is None
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert refused == [url] and seen == set()
    assert fetcher.read("file:///css-0/inside.png") == PNG
    assert seen == {(styles / "inside.png").resolve()}


def test_a_house_style_pointing_two_folders_up_embeds_nothing(tmp_path):
    """A project's `styles/print.css` with `url(%2e%2e/%2e%2e/secret.png)`: a B-FETCH
    warning, and the file two folders up is neither embedded nor an input of the build."""
    (tmp_path / "secret.png").write_bytes(PNG)
    project = tmp_path / "a" / "project"
    (project / "styles").mkdir(parents=True)
    (project / "styles" / "print.css").write_text(
        "body { background: url(%2e%2e/%2e%2e/secret.png) }\n", "utf-8"
    )
    (project / "book.md").write_text("---\ntitle: T\nauthor: A\n---\n\nText.\n", "utf-8")
    built = build(project / "book.md", project / "out", ("pdf",))
    assert [d.code for d in built.diagnostics if "secret.png" in d.message] == ["B-FETCH"]
    page = PdfReader(project / "out" / "book.pdf").pages[0]
    resources = page["/Resources"]
    assert "/XObject" not in resources or not resources["/XObject"]
