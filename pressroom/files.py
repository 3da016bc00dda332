"""Reading sources strictly and writing outputs atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import PressroomError


def read_text(path: str | Path) -> str:
    """Read a UTF-8 text file, or raise a PressroomError naming the file (and line)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise PressroomError(path, "no such file") from None
    except IsADirectoryError:
        raise PressroomError(path, "is a directory, not a file") from None
    except OSError as err:
        raise PressroomError(path, f"cannot read: {err.strerror}") from None
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise PressroomError(path, "binary data (NUL byte), expected UTF-8 text", line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise PressroomError(path, f"not UTF-8 text (byte 0x{data[err.start]:02x})", line) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise PressroomError(path, "file is empty")
    return text


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file,
    and a failed build leaves the previous output intact."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_folder_atomic(target: Path, files: dict[str, bytes]) -> None:
    """Assemble a folder beside `target`, then swap it in with renames, so a reader never
    sees half a folder and a failure leaves the old one as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        for name, data in files.items():
            path = work / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        work.chmod(0o755)  # mkdtemp made it private
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            target.rename(old)
        work.rename(target)
        if old:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
