"""The CommonMark and GFM spec examples as one book each, against their expected HTML.

    .venv/bin/python scripts/conformance.py SPEC_BOOK_FOLDER BUILT.epub

SPEC_BOOK_FOLDER is what the corpus's `make_book.py` writes (exNNN.md, expected/exNNN.html,
pressroom.yml). For each example: the words of the expected rendering that the EPUB's
chapter does not have (a multiset difference, so a word lost once counts). Prints one line an
example that loses words and a summary.
"""

from __future__ import annotations

import re
import sys
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import yaml


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        if tag == "img":
            self.parts.append(" " + (dict(attrs).get("alt") or "") + " ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip -= 1
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def words(html: str) -> Counter:
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts)
    return Counter(w for w in re.findall(r"\w+", text))


def main(folder: Path, epub: Path) -> int:
    chapters = yaml.safe_load((folder / "pressroom.yml").read_text("utf-8"))["chapters"]
    with zipfile.ZipFile(epub) as z:
        spine = re.findall(r'<itemref idref="([^"]+)"', z.read("EPUB/content.opf").decode())
        items = re.findall(r"<item [^>]*>", z.read("EPUB/content.opf").decode())
        hrefs = {
            re.search(r'id="([^"]+)"', i).group(1): re.search(r'href="([^"]+)"', i).group(1)
            for i in items
        }
        whole = "".join(z.read(f"EPUB/{hrefs[i]}").decode("utf-8") for i in spine)
    # Each example opens with the chapter heading `# Example N` that make_book.py wrote.
    pieces = re.split(r"<h1[^>]*>Example (\d+)</h1>", whole)
    shown = {int(pieces[k]): pieces[k + 1] for k in range(1, len(pieces) - 1, 2)}
    lost_in = 0
    for chapter in chapters:
        source = (folder / chapter).read_text("utf-8")
        number = int(re.match(r"# Example (\d+)", source).group(1))
        expected = (folder / "expected" / Path(chapter).with_suffix(".html").name).read_text(
            "utf-8"
        )
        lost = words(expected) - words(shown.get(number, ""))
        if lost:
            lost_in += 1
            print(f"{chapter} (example {number}): lost {' '.join(sorted(lost.elements()))[:150]}")
    print(f"{len(chapters)} examples; {lost_in} lose words of their expected rendering")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
