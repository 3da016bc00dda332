"""Archives written from entries compressed beforehand are those zipfile writes."""

from __future__ import annotations

import io
import zipfile

import pytest

from pressroom.util import zipwrite

STAMP = (2023, 11, 14, 22, 13, 20)
FILES = {
    "mimetype": b"application/epub+zip",
    "META-INF/container.xml": b"<container/>\n" * 40,
    "EPUB/caf\u00e9.xhtml": "<p>Caf\u00e9</p>".encode() * 500,
    "EPUB/empty.css": b"",
}


def by_zipfile() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, data in FILES.items():
            info = zipfile.ZipInfo(name, date_time=STAMP)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            stored = name == "mimetype"
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            dst.writestr(info, data, compresslevel=None if stored else 9)
    return out.getvalue()


def test_the_archive_is_the_one_zipfile_writes():
    entries = [zipwrite.entry(n, d, deflated=n != "mimetype") for n, d in FILES.items()]
    assert zipwrite.write(entries, STAMP) == by_zipfile()


def test_entries_compressed_before_are_copied_as_they_are():
    entries = [
        zipwrite.entry(n, d, packed=zipwrite.deflate(d))
        if n != "mimetype"
        else zipwrite.entry(n, d, deflated=False)
        for n, d in FILES.items()
    ]
    data = zipwrite.write(entries, STAMP)
    assert data == by_zipfile()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {n: archive.read(n) for n in archive.namelist()} == FILES


def test_an_entry_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(zipwrite, "LIMIT", 10)
    with pytest.raises(ValueError, match="zip64"):
        zipwrite.write([zipwrite.entry("big", b"x" * 11)], STAMP)
