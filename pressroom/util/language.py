"""Language tags: are they well-formed, which way does their script run, what are they called.

Babel's CLDR data answers direction and names, so a new right-to-left locale needs no code.
"""

from __future__ import annotations

import re
from functools import cache

from babel import Locale
from babel.core import UnknownLocaleError

# BCP 47 in the shape books use: a 2–3 letter language, then subtags (script, region,
# variant) of 1–8 letters or digits. `x-` private use and extlang are allowed by the shape.
TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
DIRECTIONS = {"ltr", "rtl", "auto"}


def is_tag(value: str) -> bool:
    return bool(TAG.match(value))


@cache
def locale(tag: str) -> Locale | None:
    try:
        return Locale.parse(tag.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        # A region or variant babel does not know (hy-AM-arevmda): the language alone.
        primary = tag.split("-")[0]
        if primary == tag:
            return None
        return locale(primary)


def direction(tag: str) -> str:
    """'rtl' for a language written right to left (ar, he, fa, ur, az-Arab …), else 'ltr'."""
    found = locale(tag)
    return "rtl" if found is not None and found.text_direction == "rtl" else "ltr"


def name(tag: str, in_lang: str = "en") -> str:
    """The language's name in `in_lang` (Armenian, arménien …), from the primary subtag."""
    primary = tag.split("-")[0].lower()
    reader = locale(in_lang) or Locale("en")
    found = reader.languages.get(primary) or Locale("en").languages.get(primary)
    return found or f"the language tagged {tag}"
