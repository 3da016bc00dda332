"""Tree edits keep every word in its place."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from pressroom.util.tree import remove, replace, without_class


def xml(el: ET.Element) -> str:
    return ET.tostring(el, encoding="unicode")


def test_dropping_a_class_keeps_the_text_around_it_in_order():
    body = ET.fromstring('<p>a <em>b</em> c <span class="pullquote">q</span> d.</p>')
    assert xml(without_class(body, "pullquote")) == "<p>a <em>b</em> c  d.</p>"
    # The shared tree is left as it was.
    assert xml(body) == '<p>a <em>b</em> c <span class="pullquote">q</span> d.</p>'


def test_dropping_the_first_child_hands_its_tail_to_the_parent_text():
    body = ET.fromstring('<p>a <span class="x y">q</span> d.</p>')
    assert xml(without_class(body, "y")) == "<p>a  d.</p>"
    body = ET.fromstring('<div><p class="x">gone</p>kept<p>next</p></div>')
    assert xml(without_class(body, "x")) == "<div>kept<p>next</p></div>"


def test_remove_and_replace_keep_tails():
    p = ET.fromstring("<p>1<b>2</b>3<i>4</i>5</p>")
    remove(p, p[1])
    assert xml(p) == "<p>1<b>2</b>35</p>"
    new = ET.Element("u")
    new.text = "x"
    replace(p, p[0], new)
    assert xml(p) == "<p>1<u>x</u>35</p>"
