"""A zip archive written from entries compressed beforehand.

`zipfile` compresses every entry as it writes it; an entry whose bytes were compressed
before (by `deflate`, kept by its content) is copied as it is here. The archive is the one
`zipfile` writes for the same entries, stamp and attributes (no zip64: an EPUB's entries
are far below its limits).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

LOCAL = struct.Struct("<4s2B4HL2L2H")
CENTRAL = struct.Struct("<4s4B4HL2L5H2L")
END = struct.Struct("<4s4H2LH")
VERSION = 20  # what zipfile writes for stored and deflated entries alike
UNIX = 3
LIMIT = (1 << 31) - 1


@dataclass(frozen=True)
class Entry:
    """One file of the archive: `packed` is its data as stored (raw deflate, or the bytes
    themselves when not `deflated`)."""

    name: str
    crc: int
    size: int
    packed: bytes
    deflated: bool = True


def deflate(data: bytes, level: int = 9) -> bytes:
    """Raw deflate, as zipfile compresses an entry at `level`."""
    packer = zlib.compressobj(level, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def entry(name: str, data: bytes, deflated: bool = True, packed: bytes | None = None) -> Entry:
    """An entry for `data`; `packed`, when given, is `deflate(data)` made before."""
    if packed is None:
        packed = deflate(data) if deflated else data
    return Entry(name, zlib.crc32(data), len(data), packed, deflated)


def write(entries: list[Entry], stamp: tuple[int, ...], mode: int = 0o100644) -> bytes:
    """The archive of `entries` in order, each stamped `stamp` (year … second), made on
    Unix with permissions `mode`."""
    dosdate = (stamp[0] - 1980) << 9 | stamp[1] << 5 | stamp[2]
    dostime = stamp[3] << 11 | stamp[4] << 5 | (stamp[5] // 2)
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for item in entries:
        if item.size > LIMIT or len(item.packed) > LIMIT:
            raise ValueError(f"{item.name}: too large for an archive without zip64")
        try:
            name, flags = item.name.encode("ascii"), 0
        except UnicodeEncodeError:
            name, flags = item.name.encode("utf-8"), 0x800
        method = zlib.DEFLATED if item.deflated else 0
        sizes = (item.crc, len(item.packed), item.size)
        header = LOCAL.pack(
            b"PK\x03\x04", VERSION, 0, flags, method, dostime, dosdate, *sizes, len(name), 0
        )
        parts += [header, name, item.packed]
        central.append(
            CENTRAL.pack(
                b"PK\x01\x02",
                VERSION,
                UNIX,
                VERSION,
                0,
                flags,
                method,
                dostime,
                dosdate,
                *sizes,
                len(name),
                0,
                0,
                0,
                0,
                mode << 16,
                offset,
            )
            + name
        )
        offset += len(header) + len(name) + len(item.packed)
    directory = b"".join(central)
    end = END.pack(b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join([*parts, directory, end])
