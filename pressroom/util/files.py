"""Reading sources strictly and writing outputs atomically."""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from ..errors import PressroomError

# What XML (and so EPUB and the PDF's tagged text) cannot hold, or Unicode reserves:
# C0 controls but tab and line ends, surrogates, and noncharacters.
NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufdd0-\ufdef"
    + "".join(
        f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17)
    )
    + "]"
)


# The same characters in UTF-8, which a regular expression over bytes finds much sooner:
# controls; U+FDD0–U+FDEF; U+FFFE, U+FFFF; U+nFFFE, U+nFFFF of planes 1–16. (Surrogates
# are not valid UTF-8: decoding refuses them first.)
NOT_TEXT_UTF8 = re.compile(
    rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xb7[\x90-\xaf]|\xef\xbf[\xbe\xbf]"
    rb"|[\xf0-\xf4][\x8f\x9f\xaf\xbf]\xbf[\xbe\xbf]"
)


def bad_character(text: str) -> tuple[int, str] | None:
    """(index, description) of the first character text may not hold, or None."""
    found = NOT_TEXT.search(text)
    if found is None:
        return None
    code = ord(found.group())
    kind = (
        "control character"
        if code < 0x20
        else "surrogate"
        if 0xD800 <= code <= 0xDFFF
        else "Unicode noncharacter"
    )
    return found.start(), f"{kind} U+{code:04X}"


def read_text(path: str | Path, max_bytes: int = 0) -> str:
    """Read a UTF-8 text file, or raise a PressroomError naming the file (and line).
    `max_bytes` (when not 0) refuses a larger file before reading it."""
    path = Path(path)
    try:
        found = path.stat()
        if stat.S_ISDIR(found.st_mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(found.st_mode):
            # A pipe would wait for ever, a device (/dev/zero) never end.
            raise PressroomError(path, "is not a regular file")
        if max_bytes and found.st_size > max_bytes:
            raise PressroomError(path, f"is {found.st_size:,} bytes; the limit is {max_bytes:,}")
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
    bad = bad_character(text) if NOT_TEXT_UTF8.search(data) else None
    if bad is not None:
        at, what = bad
        line = text.count("\n", 0, at) + 1
        column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise PressroomError(path, f"{what} at column {column}: not allowed in text", line)
    if not text.strip():
        raise PressroomError(path, "file is empty")
    return text


def _cannot_write(path: Path, err: OSError) -> PressroomError:
    reason = err.strerror or str(err)
    if isinstance(err, (FileExistsError, NotADirectoryError)):
        reason = "a file stands where a folder is needed"
    elif isinstance(err, IsADirectoryError):
        reason = "is a folder"
    return PressroomError(err.filename or path, f"cannot write {path.name}: {reason}")


Output = bytes | dict[str, bytes]  # a file, or a folder: relative path → bytes


def made_by_pressroom(folder: Path) -> bool:
    """A folder Pressroom may replace: a bag it wrote says so in its bag-info.txt."""
    info = folder / "bag-info.txt"
    try:
        return info.is_file() and "Bag-Software-Agent: Pressroom" in info.read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def write_outputs(outputs: dict[Path, Output]) -> None:
    """Write every output of a book whole, or none: each is first written under a
    temporary name beside its target, and only when all are written (a full disk fails
    here) are they renamed into place. A folder is replaced only if Pressroom made it."""
    for target, data in outputs.items():
        if (
            isinstance(data, dict)
            and target.exists()
            and not (target.is_dir() and made_by_pressroom(target))
        ):
            raise PressroomError(
                target,
                "exists and was not made by Pressroom: it is left "
                "alone; move it or build into another folder (-o)",
            )
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in outputs.items():
            staged.append((_stage(target, data), target))
    except BaseException:
        for temporary, _ in staged:
            _discard(temporary)
        raise
    for n, (temporary, target) in enumerate(staged):
        try:
            if temporary.is_dir():
                _swap_folder(temporary, target)
            else:
                os.replace(temporary, target)
        except OSError as err:
            for left, _ in staged[n:]:
                _discard(left)
            err.filename = str(target)  # not the temporary name
            raise _cannot_write(target, err) from None


def _stage(target: Path, data: Output) -> Path:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, dict):
            work = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
            try:
                for name, content in data.items():
                    path = work / name
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(content)
                work.chmod(0o755)  # mkdtemp made it private
            except BaseException:
                shutil.rmtree(work, ignore_errors=True)
                raise
            return work
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.chmod(tmp, 0o644)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return Path(tmp)
    except OSError as err:
        raise _cannot_write(target, err) from None


def _discard(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _swap_folder(new: Path, target: Path) -> None:
    """Replace `target` by `new` with renames only, so a reader never sees half a folder.
    The old one goes into a folder made here for it (a fresh name: nothing of the user's
    that happens to be named alike is touched), then away."""
    attic = None
    if target.exists():
        attic = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.old."))
        target.rename(attic / target.name)
    new.rename(target)
    if attic:
        shutil.rmtree(attic)


def write_private(path: Path, data: bytes) -> None:
    """Write `path` (a file of Pressroom's own: a cache entry) through a temporary file
    created beside it under a fresh name (`O_EXCL`): a planted file or symlink of a fixed
    name is never written through."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def own_folder(folder: Path, top: Path) -> bool:
    """Make `folder` (below `top`) if needed, and say whether it is a real folder all the
    way down from `top`: no step of it a symlink, which could lead Pressroom's writes and
    deletions into a folder of the user's."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        relative = folder.relative_to(top)
    except (OSError, ValueError):
        return False
    step = top
    for part in relative.parts:
        step = step / part
        if step.is_symlink() or not step.is_dir():
            return False
    return True


def write_atomic(path: str | Path, data: bytes | str) -> None:
    """One file, written whole or not at all (see `write_outputs`)."""
    write_outputs({Path(path): data.encode("utf-8") if isinstance(data, str) else data})
