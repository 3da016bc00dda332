"""Images, checked by what they are, not by their names.

A raster image is sniffed by its magic bytes (the name must agree) and decoded with Pillow
under limits on bytes and pixels, so a truncated file, a decompression bomb or a text file
named `.png` stops the build with one line. An SVG is a document that reading systems run
like a web page: it is rebuilt from an allow-list of elements and attributes, with local
`#fragment` references only, and what was removed is reported. Both writers use these
checked bytes; the archive keeps the author's original as the source.
"""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from PIL import Image as Pillow

from ..limits import DEFAULT, Limits

MAGIC = {
    b"\x89PNG\r\n\x1a\n": "image/png",
    b"\xff\xd8\xff": "image/jpeg",
    b"GIF87a": "image/gif",
    b"GIF89a": "image/gif",
}
PILLOW_FORMATS = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
}
NAMES = {
    "image/png": "a PNG",
    "image/jpeg": "a JPEG",
    "image/gif": "a GIF",
    "image/webp": "a WebP",  # an EPUB 3.3 core media type
    "image/svg+xml": "an SVG",
}
GZIP = b"\x1f\x8b"

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
# Static SVG: shapes, text, paint servers, clipping, masking, filters. No script, no
# animation (it can rewrite hrefs), no foreignObject (HTML inside), no <image> (it loads
# a file), no <style> (url() in CSS reaches out).
ELEMENTS = frozenset(
    {
        "svg",
        "g",
        "defs",
        "title",
        "desc",
        "symbol",
        "use",
        "switch",
        "a",
        "path",
        "rect",
        "circle",
        "ellipse",
        "line",
        "polyline",
        "polygon",
        "text",
        "tspan",
        "textPath",
        "linearGradient",
        "radialGradient",
        "stop",
        "pattern",
        "clipPath",
        "mask",
        "marker",
        "filter",
        "feBlend",
        "feColorMatrix",
        "feComponentTransfer",
        "feComposite",
        "feConvolveMatrix",
        "feDiffuseLighting",
        "feDisplacementMap",
        "feDistantLight",
        "feDropShadow",
        "feFlood",
        "feFuncA",
        "feFuncB",
        "feFuncG",
        "feFuncR",
        "feGaussianBlur",
        "feMerge",
        "feMergeNode",
        "feMorphology",
        "feOffset",
        "fePointLight",
        "feSpecularLighting",
        "feSpotLight",
        "feTile",
        "feTurbulence",
    }
)
URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I)


class ImageError(Exception):
    """What is wrong with an image, in one sentence (the loader adds file and line)."""


@dataclass
class Checked:
    media_type: str
    data: bytes
    removed: list[str] = field(default_factory=list)  # SVG parts taken out


def sniff(data: bytes) -> str | None:
    for magic, media_type in MAGIC.items():
        if data.startswith(magic):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in data[:4096]:
        return "image/svg+xml"
    return None


def check_image(
    path: Path,
    declared: str,
    limits: Limits = DEFAULT,
    decode: Decode | None = None,
    svg: Callable[[bytes, Limits], Checked] | None = None,
) -> Checked:
    """The image's checked bytes; ImageError when it is not what its name says, too big,
    or broken. `decode` checks a PNG, JPEG or GIF as `decode_raster` does (or knows it
    passed before); `svg` sanitizes an SVG as `sanitize_svg` does (or gives what it did)."""
    size = path.stat().st_size
    if size > limits.image_bytes:
        raise ImageError(f"is {size:,} bytes; the limit is {limits.image_bytes:,}")
    data = path.read_bytes()
    if declared == "image/svg+xml" and data.startswith(GZIP):  # .svgz: a compressed SVG
        data = _gunzipped(data, limits.image_bytes)
    found = sniff(data)
    if found is None:
        raise ImageError("is not a PNG, JPEG, GIF, WebP or SVG image (its content says otherwise)")
    if found != declared:
        raise ImageError(f"is {NAMES[found]} file with a name for {NAMES[declared]} one")
    if found == "image/svg+xml":
        return (svg or sanitize_svg)(data, limits)
    return Checked(found, (decode or decode_raster)(data, found, limits))


def _gunzipped(data: bytes, most: int) -> bytes:
    import zlib

    inflate = zlib.decompressobj(wbits=31)
    try:
        out = inflate.decompress(data, most + 1)
    except zlib.error as err:
        raise ImageError(f"is not a readable compressed SVG ({err})") from None
    if len(out) > most:
        raise ImageError(f"expands to over {most:,} bytes; the limit is {most:,}")
    return out


Decode = Callable[[bytes, str, Limits], bytes]


def decode_raster(data: bytes, media_type: str, limits: Limits) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Pillow.DecompressionBombWarning)
        try:
            with Pillow.open(io.BytesIO(data), formats=[PILLOW_FORMATS[media_type]]) as im:
                width, height = im.size
                if width * height > limits.image_pixels:
                    raise ImageError(
                        f"is {width:,} × {height:,} pixels; the limit is {limits.image_pixels:,} pixels"
                    )
                im.load()  # every pixel: a truncated file fails here, not in the layout
        except ImageError:
            raise
        except (Pillow.DecompressionBombWarning, Pillow.DecompressionBombError) as err:
            raise ImageError(f"is too large to decode safely ({err})") from None
        except Exception as err:  # Pillow raises many types for a broken file
            raise ImageError(
                f"cannot be read as {NAMES[media_type]} image ({type(err).__name__}: {err})"
            ) from None
    return data


def sanitize_svg(data: bytes, limits: Limits = DEFAULT) -> Checked:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_pis=True,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise ImageError(f"is not well-formed SVG ({err})") from None
    if etree.QName(root).localname != "svg" or etree.QName(root).namespace != SVG:
        raise ImageError("is not an SVG document (no <svg> root in the SVG namespace)")
    count = sum(1 for _ in root.iter())
    if count > limits.svg_elements:
        raise ImageError(f"has {count:,} elements; the limit is {limits.svg_elements:,}")
    removed: list[str] = []
    _clean(root, removed)
    _bounded_uses(root, limits.svg_drawn)
    out = etree.tostring(root, xml_declaration=True, encoding="utf-8")
    return Checked("image/svg+xml", out, list(dict.fromkeys(removed)))


def _clean(root: etree._Element, removed: list[str]) -> None:
    """Keep allowed elements with their safe attributes; drop the rest with all inside."""
    stack = [root]
    while stack:
        el = stack.pop()
        _clean_attributes(el, removed)
        kept = []
        for child in list(el):
            if not isinstance(child.tag, str):  # an entity left unresolved
                _drop(child, removed, "an entity reference")
            elif (name := etree.QName(child)).namespace != SVG or name.localname not in ELEMENTS:
                _drop(child, removed, f"<{name.localname}>")
            else:
                kept.append(child)
        stack.extend(reversed(kept))  # document order


def _clean_attributes(el: etree._Element, removed: list[str]) -> None:
    for attribute, raw in list(el.attrib.items()):
        value = raw if isinstance(raw, str) else raw.decode("utf-8", "replace")
        local = etree.QName(attribute).localname
        lowered = value.strip().lower()
        if local.lower().startswith("on"):
            why = f"event handler {local}"
        elif local == "href" and not value.strip().startswith("#"):
            why = f"link to {value[:60]!r}"
        elif "javascript:" in lowered or ("data:" in lowered and local != "d"):
            why = f"{local}={value[:60]!r}"
        elif any(not ref.startswith("#") for _, ref in URL.findall(value)):
            why = f"outside reference in {local}"
        else:
            continue
        del el.attrib[attribute]
        removed.append(why)


def _drop(el: etree._Element, removed: list[str], what: str) -> None:
    parent = el.getparent()
    if parent is not None:
        parent.remove(el)  # lxml keeps the tail in place (it moves the tail text to parent)
        removed.append(what)


def _bounded_uses(root: etree._Element, limit: int) -> None:
    """<use> draws another element again; nested, a few lines can draw billions."""
    by_id = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}
    drawn: dict[etree._Element, int] = {}
    visiting: set[etree._Element] = set()

    def size(el: etree._Element) -> int:
        if el in drawn:
            return drawn[el]
        if el in visiting:
            raise ImageError("has a <use> that refers to itself")
        visiting.add(el)
        total = 1
        for child in el:
            if isinstance(child.tag, str):
                total += size(child)
        if etree.QName(el).localname == "use":
            href = el.get("href") or el.get(f"{{{XLINK}}}href") or ""
            target = by_id.get(href[1:]) if href.startswith("#") else None
            if target is not None:
                total += size(target)
        visiting.discard(el)
        drawn[el] = total
        if total > limit:
            raise ImageError(
                f"draws more than {limit:,} elements once its <use> references are followed"
            )
        return total

    try:
        size(root)
    except RecursionError:
        raise ImageError("nests <use> references too deeply") from None
