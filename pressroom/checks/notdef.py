"""Characters a PDF draws with glyph 0 (.notdef): the empty boxes of a missing font.

A composite (Type0) font maps each code in the text to a CID through its /Encoding (a CMap
stream, or Identity-H), and each CID to a glyph through /CIDToGIDMap. Glyph 0 is .notdef,
so a code whose glyph is 0 is a character no font had. Fonts are subset to the codes the
pages use, and the /ToUnicode map lists those codes with the characters they stand for:
reading the fonts answers the question without parsing any page's content stream.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

HEX = r"<([0-9A-Fa-f]+)>"
BLOCK = r"begin{0}(.*?)end{0}"
SPACE = re.compile(rb"\s+")
# Codes one CMap may map, at the most: a font has at most 65,536 glyphs.
MOST_CODES = 1 << 17


class TooManyCodes(ValueError):
    """A CMap that maps more codes than any font has glyphs for."""


def _blocks(text: str, kind: str) -> Iterator[str]:
    yield from re.findall(BLOCK.format(kind), text, re.S)


def to_unicode(cmap: str) -> dict[int, str]:
    """code → text from a ToUnicode CMap (bfchar and bfrange)."""
    return _mapping(cmap, "bf", HEX, _utf16, lambda first, n: chr(int(first, 16) + n))


def _mapping(cmap: str, kind: str, value: str, one: Callable, nth: Callable) -> dict:
    """A CMap's `<kind>char` entries (code, value) and `<kind>range` entries (low, high,
    first value), as code → `one(value)`, and for a range code → `nth(first, offset)`."""
    found: dict = {}
    for block in _blocks(cmap, f"{kind}char"):
        for code, text in re.findall(rf"{HEX}\s*{value}", block):
            found[int(code, 16)] = one(text)
            if len(found) > MOST_CODES:
                raise TooManyCodes()
    for block in _blocks(cmap, f"{kind}range"):
        for low, high, first in re.findall(rf"{HEX}\s*{HEX}\s*{value}", block):
            span = int(high, 16) - int(low, 16) + 1
            if len(found) + span > MOST_CODES:  # 0–FFFFFFFF would be four billion
                raise TooManyCodes()
            for offset in range(span):
                found[int(low, 16) + offset] = nth(first, offset)
    return found


def _utf16(hexed: str) -> str:
    try:
        return bytes.fromhex(hexed).decode("utf-16-be")
    except (ValueError, UnicodeDecodeError):
        return ""


def cids(cmap: str) -> dict[int, int]:
    """code → CID from an encoding CMap stream (cidchar and cidrange)."""
    return _mapping(cmap, "cid", r"(\d+)", int, lambda first, n: int(first) + n)


def notdef_text(font: Any, get: Any) -> list[str]:
    """What a Type0 font draws as .notdef; `get(obj, key)` reads a resolved entry."""
    if get(font, "/Subtype") != "/Type0":
        return []
    descendant = (get(font, "/DescendantFonts") or [None])[0]
    unicode_map = get(font, "/ToUnicode")
    if descendant is None or unicode_map is None:
        return []
    used = to_unicode(unicode_map.get_data().decode("latin-1"))
    encoding = get(font, "/Encoding")
    if hasattr(encoding, "get_data"):
        code_cid = cids(encoding.get_data().decode("latin-1"))
    elif encoding in ("/Identity-H", "/Identity-V"):
        code_cid = {code: code for code in used}
    else:
        return []
    gid_map = get(descendant.get_object(), "/CIDToGIDMap")
    table = gid_map.get_data() if hasattr(gid_map, "get_data") else None

    def gid(cid: int) -> int:
        if table is None:  # /Identity
            return cid
        pair = table[2 * cid : 2 * cid + 2]
        return int.from_bytes(pair, "big") if len(pair) == 2 else 0

    return [used.get(code, "") for code, cid in sorted(code_cid.items()) if gid(cid) == 0]
