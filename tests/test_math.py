"""TeX math and MathML: what the Markdown reader makes of dollars, and the sanitizer of MathML."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import pytest

from pressroom.load.markdown import to_html
from pressroom.load.math import bad_formulas
from pressroom.load.sanitize import sanitize


def tree_of(text: str) -> ET.Element:
    safe, _ = sanitize(to_html(text))
    return ET.fromstring(f"<div>{safe}</div>")


def test_inline_math_becomes_mathml_with_its_tex_as_alttext():
    tree = tree_of("The area is $A = \\pi r^2$ here.")
    (math,) = tree.iter("math")
    assert math.get("alttext") == "A = \\pi r^2"
    assert math.get("display") == "inline"
    assert [mi.text for mi in math.iter("mi")] == ["A", "π", "r"]
    assert "$" not in "".join(tree.itertext())


def test_display_math_is_a_block_formula():
    tree = tree_of("Before.\n\n$$\\frac{n(n+1)}{2}$$\n\nAfter.")
    (math,) = tree.iter("math")
    assert math.get("display") == "block"
    assert next(math.iter("mfrac"), None) is not None


def test_prices_code_and_escaped_dollars_stay_text():
    text = "It costs $5 and $6; `$x$` is code; \\$y\\$ is escaped; $ spaced $ too."
    tree = tree_of(text)
    assert next(tree.iter("math"), None) is None
    assert (
        "".join(tree.itertext())
        == "It costs $5 and $6; $x$ is code; $y$ is escaped; $ spaced $ too."
    )


def test_tex_in_math_is_not_read_as_markdown():
    (math,) = tree_of("Then $a_1 * b_2 * c$ holds.").iter("math")
    assert math.get("alttext") == "a_1 * b_2 * c"
    assert next(math.iter("em"), None) is None


def test_a_formula_that_does_not_parse_is_kept_as_code_and_found():
    tree = tree_of("Broken $\\frac{1}{$ and unknown $\\nosuchcommand x$.")
    assert next(tree.iter("math"), None) is None
    assert bad_formulas(tree) == ["$\\frac{1}{$", "$\\nosuchcommand x$"]


def test_raw_mathml_passes_the_sanitizer_without_links_or_foreign_content():
    html = (
        '<p><math display="block" href="javascript:x" onclick="x()"><mi>y</mi><mo>=</mo>'
        "<annotation-xml><script>x()</script></annotation-xml></math></p>"
    )
    safe, warnings = sanitize(html)
    assert safe == '<p><math display="block"><mi>y</mi><mo>=</mo></math></p>'
    assert warnings == ["<annotation-xml> removed"]


@pytest.mark.parametrize(
    ("tex", "why"),
    [
        ("\\frac{1}{" * 12 + "x" + "}" * 12, "fractions nested more than 6 deep"),
        ("x+" * 2500 + "x", "longer than 4,000 characters"),
        (
            "\\begin{matrix}"
            + "\\\\".join("&".join(["1"] * 100) for _ in range(100))
            + "\\end{matrix}",
            "longer than",
        ),
        ("{" * 60 + "x" + "}" * 60, "nested more than 40 deep"),
    ],
)
def test_a_formula_past_the_limits_is_printed_as_written(tex, why):
    """Drawing a fraction measures its parts again for every fraction around it: 14 deep
    took 37 s. Past the limits a formula is kept as written, with a warning."""
    from pressroom.load.math import MathError, tex_to_mathml

    with pytest.raises(MathError, match=why):
        tex_to_mathml(tex, display=True)


def test_the_limits_leave_real_formulas_alone():
    from pressroom.load.math import tex_to_mathml

    for tex in (
        "\\frac{1}{1+\\frac{1}{1+\\frac{1}{1+\\frac{1}{x}}}}",  # a continued fraction
        "\\sum_{k=1}^{n} \\binom{n}{k} x^k y^{n-k} = (x+y)^n",
        "\\begin{pmatrix} a & b \\\\ c & d \\end{pmatrix}",
    ):
        assert tex_to_mathml(tex, display=False).startswith("<math")
