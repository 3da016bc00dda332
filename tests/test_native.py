"""WeasyPrint imported through `weasy/native.py` opens the same native libraries as its own
import does, without searching for the names that are not Linux's."""

from __future__ import annotations

import subprocess
import sys

import pytest

LOADED = """
import sys
{first}
import weasyprint.text.ffi
maps = open("/proc/self/maps").read().split("\\n")
print("\\n".join(sorted({{line.split()[-1] for line in maps if ".so" in line}})))
"""


def _libraries(first: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", LOADED.format(first=first)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(out.stdout.split())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's library search")
def test_weasyprint_opens_the_same_libraries_without_a_search():
    # What `pressroom.weasy` imports besides WeasyPrint, first, so that only WeasyPrint's
    # own libraries can differ.
    usual = _libraries(
        "import contextvars, csv, pressroom.errors, pressroom.markup, pressroom.model"
    )
    direct = _libraries("import pressroom.weasy")
    assert any("libpango-1.0.so" in path for path in usual)
    assert direct == usual


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's library search")
def test_no_library_is_searched_for():
    script = (
        "import ctypes.util\n"
        "searched = []\n"
        "original = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: searched.append(name) or original(name)\n"
        "import pressroom.weasy.native, weasyprint\n"
        "print(len(searched))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "0"
