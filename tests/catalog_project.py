"""A small catalog for the parallel and cluster tests: a project with pressroom.yml, a house
style, four manuscripts (notes, an image, a bibliography) and a broken fifth."""

from __future__ import annotations

import shutil
from pathlib import Path

from support import write

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BOOKS = ["atlas", "bread", "cities", "stones"]
BROKEN = "broken"


def tiny(title: str, body: str) -> str:
    return f"---\ntitle: {title}\nauthor: A. Writer\nrights: © 2024 A. Writer\n---\n\n{body}\n"


def catalog(folder: Path) -> Path:
    write(
        folder,
        {
            "pressroom.yml": "publisher: Catalog Press\nlang: en\n",
            "styles/print.css": "h1 { letter-spacing: 0.02em; }\n",
            "manuscript/atlas.md": tiny(
                "Atlas",
                "# Maps\n\nA map of the coast.[^1]\n\n"
                '![A rectangle crossed by a line](images/map.png "The coast")\n\n'
                "[^1]: Drawn in 1820.",
            ),
            "manuscript/bread.md": tiny("Bread", "# Flour\n\nWheat and rye.[^a]\n\n[^a]: Mostly."),
            "manuscript/cities.md": tiny(
                "Cities", "# Rivers\n\nEvery city has one.\n\n## Bridges\n\nAnd bridges."
            ),
            "manuscript/stones.md": tiny(
                "Stones", "# Counting\n\nCounted by hand [@smith2020, p. 4].\n"
            ).replace("---\n\n", "bibliography: sources.bib\n---\n\n", 1),
            f"manuscript/{BROKEN}.md": "---\ntitle: [unclosed\n---\n\nText.\n",
        },
    )
    (folder / "manuscript" / "images").mkdir()
    shutil.copy(FIXTURES / "book" / "images" / "map.png", folder / "manuscript" / "images")
    shutil.copy(FIXTURES / "scholar" / "sources.bib", folder / "manuscript")
    return folder


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
