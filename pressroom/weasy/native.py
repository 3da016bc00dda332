"""WeasyPrint imported with its native libraries opened by the dynamic linker alone.

WeasyPrint opens GLib, Pango, HarfBuzz and fontconfig by trying each library's Windows and
macOS names before its Linux soname (`weasyprint/text/ffi.py`). cffi hands every name it
cannot open to `ctypes.util.find_library`, which on Linux runs `ldconfig -p`, then gcc, then
ld, to search for it: 22 searches at each import, 0.13 s of the 0.34 s the import takes, most
of them to learn that `libgobject-2.0-0` is not a Linux name. While WeasyPrint is imported
here, such a search finds nothing at once, and each library is opened by the next name on
WeasyPrint's list, its soname (`libgobject-2.0.so.0`), which the dynamic linker finds as it
finds any library. The libraries loaded are the same (tests/test_native.py compares them).
Should a library open only through a search, WeasyPrint is imported again the usual way.

Imported by this package before WeasyPrint; the first import of WeasyPrint is the one that
counts. `find_library` is replaced only for the length of that import.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import sys
from collections.abc import Iterator

from ..supported import require
from .patch import Patch, Target


@contextlib.contextmanager
def _found_by_the_linker() -> Iterator[None]:
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        # WeasyPrint prints advice before it raises when a library cannot be opened.
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        ctypes.util.find_library = original


def _forget_weasyprint() -> None:
    for name in [name for name in sys.modules if name.split(".")[0] == "weasyprint"]:
        del sys.modules[name]


require()  # before WeasyPrint's import: an unsupported release is refused as it is
if sys.platform.startswith("linux") and "weasyprint" not in sys.modules:
    try:
        with _found_by_the_linker():
            import weasyprint  # noqa: F401
    except OSError:
        _forget_weasyprint()


PATCH = Patch(
    name="libraries-opened-by-soname",
    kind="speed",
    targets=(Target("ctypes.util", "find_library", ("name",)),),
    why=(
        "WeasyPrint's import opens its libraries by their Linux names without 22 searches "
        "(ldconfig, gcc, ld): 0.13 s of 0.34 s"
    ),
    test="tests/test_native.py::test_no_library_is_searched_for",
    install=None,
)
