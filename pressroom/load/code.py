"""Fenced code: pymdown-extensions' SuperFences (fences anywhere: in lists, in block quotes)
highlighted by Pygments with CSS classes, so each theme sets its own colours.

Every fence goes through `listing`: a fence with a caption or an id becomes a listing,

    ```{.rust #lst:hello caption="Hello in Rust"}

    <figure class="listing" id="lst:hello"><figcaption>Hello in Rust</figcaption>
      <div class="highlight"><pre><code>…</code></pre></div></figure>

and each line of code is a `<span class="line">`, so that print can hang a wrapped line's
continuation under a mark (see the themes' CSS).
"""

from __future__ import annotations

import re
from html import escape, unescape
from typing import Any

from pymdownx.superfences import highlight_validator

from .typography import smarten

# Pygments' per-line spans carry generated ids (`__line-3-12`); a class says the same thing
# without filling the book with ids nobody links to.
LINE_SPAN = re.compile(r'<span id="__line-[^"]*">')
TAG = re.compile(r"<[^>]*>")
# A line this long may wrap on a small page: it is marked `long`, and print draws the
# continuation mark beside it only (a mark beside each of a book's ten thousand lines
# would weigh megabytes in the PDF).
LONG_LINE = 40


def validate(
    language: str, inputs: dict[str, str], options: dict[str, Any], attrs: dict[str, str], md
) -> bool:
    """SuperFences' own checks, with `caption` kept aside for `listing`."""
    caption = inputs.pop("caption", None)
    okay = highlight_validator(language, inputs, options, attrs, md)
    if caption is not None:
        options["caption"] = caption
    return okay


def listing(
    src: str, language: str, class_name: str, options: dict[str, Any], md, **kwargs: Any
) -> str:
    """The highlighted code, in a listing figure when it has a caption or an id."""
    caption = options.pop("caption", None)
    ident = kwargs.get("id_value") or ""
    kwargs["id_value"] = ""
    fences = md.preprocessors["fenced_code_block"]
    code = fences.highlight(src=src, language=language, options=options, md=md, **kwargs)
    code = _classify_lines(code)
    if caption is None and not ident:
        return code
    id_attr = f' id="{escape(ident)}"' if ident else ""
    title = f"<figcaption>{escape(smarten(caption), quote=False)}</figcaption>" if caption else ""
    return f'<figure class="listing"{id_attr}>{title}{code}</figure>'


def _classify_lines(code: str) -> str:
    """Each Pygments line span gets the class `line`, and `long` as well past LONG_LINE
    characters of text."""
    head, *lines = LINE_SPAN.split(code)
    out = [head]
    for line in lines:
        text = unescape(TAG.sub("", line))
        long = len(text.rstrip("\n").expandtabs(4)) > LONG_LINE
        out.append(f'<span class="line{" long" if long else ""}">{line}')
    return "".join(out)


EXTENSIONS: list[str] = ["pymdownx.highlight", "pymdownx.superfences"]
CONFIG: dict[str, dict[str, Any]] = {
    "pymdownx.highlight": {
        "use_pygments": True,
        "css_class": "highlight",
        "line_spans": "__line",
        # A fence without a language stays plain text rather than being guessed at.
        "guess_lang": False,
        "pygments_lang_class": True,
    },
    "pymdownx.superfences": {
        "custom_fences": [
            {"name": "*", "class": "highlight", "format": listing, "validator": validate}
        ]
    },
}
