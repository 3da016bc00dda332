"""Whether a link's URL is one EPUBCheck accepts (RFC 3986 as WHATWG parses it): a web URL
needs a host of non-empty labels, and no URL holds a space or the other characters that
must be percent-encoded."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

# A host of labels, each non-empty (the last may be followed by a dot), or an IP address.
HOST = re.compile(r"(?:[^.\s/]+\.)*[^.\s/]+\.?|\[[0-9A-Fa-f:.]+\]")
WEB = ("http", "https", "ftp")
# What no URL (nor IRI: letters of any script are fine, as EPUBCheck reads them) may hold.
UNSAFE = frozenset(' "<>\\^`{|}\x7f') | {chr(n) for n in range(0x20)}


def encoded(href: str) -> str:
    """`href` with what no URL may hold (a space, `<`, `"`, …) percent-encoded."""
    return "".join(quote(c, safe="") if c in UNSAFE else c for c in href)


def broken(href: str) -> str | None:
    """Why `href` (as encoded) cannot be a URL, or None."""
    try:
        parts = urlsplit(href)
        host = parts.hostname
    except ValueError as err:  # an unclosed [ in the host, a port that is not a number
        return str(err)
    if parts.scheme.lower() in WEB and not HOST.fullmatch(host or ""):
        return f"no valid host in {href}"
    if encoded(href) != href:
        return f"characters a URL cannot hold in {href}"
    return None
