"""Hostile and huge input, run as an attacker would: each case a fresh folder, a fresh
`pressroom` process under a time limit, its exit status, wall time, peak memory and the
first line it printed. The table is what the README's limits promise, measured.

    .venv/bin/python benchmarks/bench_hostile.py [--timeout 120] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

HEAD = "---\ntitle: T\nauthor: A. Writer\nrights: r\n---\n\n"
WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "and",
    "runs",
    "far",
    "away",
]


def words(n: int) -> str:
    return " ".join(WORDS[i % len(WORDS)] for i in range(n))


def alias_bomb(folder: Path) -> list[str]:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    (folder / "t.md").write_text(
        "---\ntitle: T\n" + "\n".join(lines) + "\nkeywords: [*a8]\n---\n\nText.\n"
    )
    return ["build", "t.md"]


def manuscript(text: str) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        (folder / "t.md").write_text(text)
        return ["build", "t.md"]

    return make


def notes(count: int) -> Callable[[Path], list[str]]:
    calls = "\n\n".join(
        f"Paragraph {n}, {words(20)}." + (f"[^{n}]" if count else "") for n in range(1000)
    )
    defs = "\n".join(f"[^{n}]: Note {n}." for n in range(count))
    return manuscript(HEAD + calls + "\n\n" + defs + "\n")


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def image(name: str, data: bytes | None = None, sparse: int = 0) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        (folder / "t.md").write_text(HEAD + f"![A picture]({name})\n")
        path = folder / name
        if sparse:
            with path.open("wb") as out:
                out.write(png_header(100, 100))
                out.truncate(sparse)
        else:
            path.write_bytes(data or b"")
        return ["build", "t.md"]

    return make


def use_bomb(folder: Path) -> list[str]:
    groups = "".join(
        f'<g id="g{i}">' + f'<use href="#g{i - 1}"/>' * 10 + "</g>" for i in range(1, 10)
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><g id="g0"><rect/></g>{groups}</svg>'
    return image("bomb.svg", svg.encode())(folder)


def zip_bomb(folder: Path) -> list[str]:
    with zipfile.ZipFile(folder / "bomb.epub", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/epub+zip")
        for n in range(4):
            zf.writestr(f"EPUB/{n}.xhtml", b"\0" * (1 << 30))
    return ["check", "--no-validators", "bomb.epub"]


def raw(paragraphs: int) -> Callable[[Path], list[str]]:
    def make(folder: Path) -> list[str]:
        text = "A Title\n\n" + "\n\n".join(
            f"Paragraph {n}: {words(30)} {n * 7919}." for n in range(paragraphs)
        )
        (folder / "raw.txt").write_text(text + "\n")
        return ["clean", "raw.txt", "-o", "t.md"]

    return make


def output_is_a_file(folder: Path) -> list[str]:
    (folder / "t.md").write_text(HEAD + "Text.\n")
    (folder / "dist").write_text("a file\n")
    return ["build", "t.md"]


def foreign_bag(folder: Path) -> list[str]:
    (folder / "t.md").write_text(HEAD + "Text.\n")
    (folder / "t-bag").mkdir()
    (folder / "t-bag" / "red.png").write_text("the author's\n")
    return ["build", "t.md", "-o", ".", "--format", "bag"]


def same_stem(folder: Path) -> list[str]:
    for sub in ("a", "b"):
        (folder / sub).mkdir()
        (folder / sub / "dup.md").write_text(HEAD + "Text.\n")
    return ["build", "a/dup.md", "b/dup.md"]


def nested(opening: str, count: int, closing: str = "") -> Callable[[Path], list[str]]:
    return manuscript(HEAD + opening * count + " deep" + closing * count + "\n")


CASES: dict[str, Callable[[Path], list[str]]] = {
    "YAML alias bomb (9 levels)": alias_bomb,
    "50 KB title": manuscript(f"---\ntitle: {words(9000)}\n---\n\nText.\n"),
    "1 MB paragraph": manuscript(HEAD + words(180_000) + ".\n"),
    "1 MB word": manuscript(HEAD + "x" * 1_000_000 + "\n"),
    "99 KB word to hyphenate": manuscript(HEAD + "abcdefghij" * 9_900 + "\n"),
    "99 KB address": manuscript(HEAD + "https://example.org/" + "abcdefghij/" * 9_000 + "\n"),
    "1,000 paragraphs, no notes": notes(0),
    "1,000 paragraphs, 1,000 notes": notes(1000),
    "1,000 nested list levels": manuscript(
        HEAD + "".join("    " * i + "- x\n" for i in range(1_000))
    ),
    "10,000 nested quotes": nested(">", 10_000),
    "20,000 unclosed [ in a paragraph": manuscript(HEAD + "x[ " * 20_000 + "\n"),
    "20,000 unclosed ^[ in a paragraph": manuscript(HEAD + "x^[ " * 20_000 + "\n"),
    "20,000 unclosed ^ and ~ markers": manuscript(HEAD + "x^a y~b " * 20_000 + "\n"),
    "5,000 nested [ ]": nested("[", 5_000, "]"),
    "10,000 nested inline elements": nested("<span>", 10_000, "</span>"),
    "SVG of nested <use>": use_bomb,
    "2 GiB sparse PNG": image("big.png", sparse=2 << 30),
    "12,000 × 12,000 PNG": image("huge.png", png_header(12_000, 12_000)),
    "SVG named .png": image("pic.png", b'<svg xmlns="http://www.w3.org/2000/svg"/>'),
    "text named .png": image("pic.png", b"not an image\n"),
    "check: 4 GiB zip bomb": zip_bomb,
    "clean: 1,000 paragraphs": raw(1_000),
    "clean: 10,000 paragraphs": raw(10_000),
    "date 2021-13-45": manuscript("---\ntitle: T\ndate: 2021-13-45\n---\n\nText.\n"),
    "quoted date '2021-13-45'": manuscript("---\ntitle: T\ndate: '2021-13-45'\n---\n\nT.\n"),
    'lone surrogate "\\ud800"': manuscript('---\ntitle: "\\ud800"\n---\n\nText.\n'),
    "C0 control character": manuscript(HEAD + "A bell \x07.\n"),
    "output folder is a file": output_is_a_file,
    "unclosed <video>, 3 chapters": manuscript(
        HEAD + "# One\n\n<video src=x>\n\nKept.\n\n# Two\n\nKept.\n\n# Three\n\nKept.\n"
    ),
    "foreign t-bag/ folder": foreign_bag,
    "two manuscripts, one name": same_stem,
}


def run(name: str, make: Callable[[Path], list[str]], limit: int) -> tuple:
    with tempfile.TemporaryDirectory(prefix="pressroom-hostile-") as tmp:
        folder = Path(tmp)
        args = make(folder)
        command = ["/usr/bin/time", "-f", "%M", sys.executable, "-m", "pressroom", *args]
        start = time.perf_counter()
        try:
            done = subprocess.run(
                command, cwd=folder, capture_output=True, text=True, timeout=limit
            )
        except subprocess.TimeoutExpired:
            return name, "timeout", limit, None, f"still running after {limit} s"
        took = time.perf_counter() - start
        lines = done.stderr.strip().splitlines()
        peak = int(lines[-1]) // 1024 if lines and lines[-1].isdigit() else None
        lines = [ln for ln in lines[:-1] if not ln.startswith("Command exited")]
        said = next((ln for ln in lines if "warning" not in ln), "") or (lines[0] if lines else "")
        if not said and done.returncode:  # `check` reports on stdout
            said = next((ln for ln in done.stdout.splitlines() if " error " in ln), "")
        return name, done.returncode, took, peak, said.replace(str(folder) + "/", "")[:90]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--only", nargs="*", help="run only cases whose name contains these")
    args = parser.parse_args()
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1700000000")
    print("| case | exit | seconds | peak MB | first line |\n|---|---|---|---|---|")
    for name, make in CASES.items():
        if args.only and not any(part in name for part in args.only):
            continue
        case, status, took, peak, said = run(name, make, args.timeout)
        print(
            f"| {case} | {status} | {took:.1f} | {peak if peak is not None else '?'} | {said} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
