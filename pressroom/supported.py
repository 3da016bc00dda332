"""The WeasyPrint and pydyf releases Pressroom supports, checked from their installed
metadata alone: no import, so that a build can refuse an unsupported release before it
reads or writes anything."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import PressroomError

__all__ = ["SUPPORTED", "Unsupported", "require", "specifier", "supported"]

# Pressroom replaces private parts of these two (`pressroom/weasy/`): each release range here is
# the one the test suite runs on (`scripts/test`; the lowest: `scripts/test-lowest`).
# pyproject.toml pins the same ranges (tests/test_weasy.py compares them).
SUPPORTED: dict[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "weasyprint": ((70,), (71,)),
    "pydyf": ((0, 13), (0, 14)),
}


class Unsupported(PressroomError):
    """WeasyPrint or pydyf is not a release Pressroom supports, or a part of it that
    Pressroom changes is not as it expects: one line, before anything is written."""

    @classmethod
    def of(cls, what: str, problem: str) -> Unsupported:
        return cls(what, f"{problem}; Pressroom supports {supported()}")


def _dotted(numbers: tuple[int, ...]) -> str:
    return ".".join(str(n) for n in numbers)


def specifier(name: str) -> str:
    """`name`'s supported range as a requirement: `weasyprint>=70,<71`."""
    low, high = SUPPORTED[name]
    return f"{name}>={_dotted(low)},<{_dotted(high)}"


def supported() -> str:
    return " and ".join(specifier(name) for name in SUPPORTED)


def parse(text: str) -> tuple[int, ...]:
    """The release numbers of a version string (`70.0` → (70, 0); `71.0b1` → (71, 0))."""
    numbers = []
    for part in text.split("."):
        digits = ""
        for character in part:
            if not character.isdigit():
                break
            digits += character
        if not digits:
            break
        numbers.append(int(digits))
        if len(digits) != len(part):
            break
    return tuple(numbers)


def within(name: str, found: str) -> bool:
    low, high = SUPPORTED[name]
    return low <= parse(found) < high


def require(installed: dict[str, str] | None = None) -> None:
    """Raise `Unsupported` unless every package in SUPPORTED is installed at a supported
    release (`installed`: name → version, else read from the installed metadata)."""
    for name in SUPPORTED:
        try:
            found = installed[name] if installed is not None else version(name)
        except (PackageNotFoundError, KeyError):
            raise Unsupported.of(name, "is not installed") from None
        if not within(name, found):
            raise Unsupported.of(f"{name} {found}", "is not a supported release")
