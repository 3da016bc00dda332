"""The tests exercise the installed package, and the package carries its data."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pytest

import pressroom

SOURCE_TREE = Path(__file__).resolve().parent.parent / "pressroom"


@pytest.mark.skipif(
    os.environ.get("PRESSROOM_TEST_INSTALLED") != "1",
    reason="only under scripts/test, which installs the wheel",
)
def test_pressroom_is_imported_from_the_installed_wheel():
    where = Path(pressroom.__file__).resolve().parent
    assert where != SOURCE_TREE, f"tests import the source tree ({where}), not the wheel"
    assert "site-packages" in where.parts


@pytest.mark.parametrize(
    "name",
    [
        "themes/default/print.css",
        "themes/default/epub.css",
        "themes/default/fonts/NotoSerif-Regular.ttf",
        "themes/default/fonts/OFL.txt",
        "themes/default/templates/epub/page.xhtml",
        "themes/default/templates/epub/toc.ncx",
        "themes/default/templates/print/handout.html.j2",
        "themes/default/strings/en.yml",
        "data/codes.yml",
        "clean/furniture.txt",
    ],
)
def test_package_data_is_installed(name):
    assert resources.files("pressroom").joinpath(name).is_file(), name
