"""How Pressroom changes WeasyPrint and pydyf: a table of patches, each checked against the
installed release when this package is imported, and installed only while Pressroom itself
lays out or writes (`patched`), then taken off again.

A patch names its targets (module, attribute, and the parameters it expects), says whether
it only buys speed or changes behaviour, and installs itself through a `Patcher`, which
keeps what it replaced. A target that is missing or has other parameters is an error for a
behaviour patch (Pressroom would print a different book) and, for a speed patch, one warning:
WeasyPrint's own code then runs. Nothing skips itself silently.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import sys
import threading
from collections.abc import Callable, Collection, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal

from ..supported import Unsupported

Kind = Literal["speed", "behaviour"]


@dataclass(frozen=True)
class Target:
    """A module attribute or class attribute Pressroom replaces or reaches into:
    `weasyprint.layout.block` and `_linebox_layout`, or a class's `LayoutContext.__init__`.
    `parameters`: the names its signature has, checked when not None."""

    module: str
    attribute: str
    parameters: tuple[str, ...] | None = None

    def __str__(self) -> str:
        return f"{self.module}.{self.attribute}"

    def resolve(self) -> Any:
        found: Any = importlib.import_module(self.module)
        for name in self.attribute.split("."):
            found = getattr(found, name)
        return found

    def problem(self) -> str | None:
        """What is wrong with the target in the installed release, or None."""
        try:
            found = self.resolve()
        except (ImportError, AttributeError):
            return f"{self} is missing"
        if self.parameters is None:
            return None
        function = found.fget if isinstance(found, property) else found
        if not callable(function):
            return f"{self} is not a function"
        try:
            names = tuple(inspect.signature(function).parameters)
        except (TypeError, ValueError):
            return f"{self} has no signature"
        if names != self.parameters:
            return f"{self} takes ({', '.join(names)}), not ({', '.join(self.parameters)})"
        return None


@dataclass(frozen=True)
class Patch:
    """One change to WeasyPrint or pydyf, as `docs/weasyprint/<name>.md` writes it up."""

    name: str
    kind: Kind
    targets: tuple[Target, ...]
    why: str  # one line
    test: str  # the test that shows it (tests/…::name)
    # Sets the patch's attributes for one window; None for a patch Pressroom applies by
    # calling it (on laid-out pages, a document's metadata, WeasyPrint's import).
    install: Callable[[Patcher], None] | None
    # Checks beyond the targets' presence and signatures (a target's code, a sample's
    # bytes): each returns what is wrong, or None.
    checks: tuple[Callable[[], str | None], ...] = ()

    @property
    def upstream(self) -> str:
        """Where the change WeasyPrint itself would need is written up."""
        return f"docs/weasyprint/{self.name}.md"

    def problem(self) -> str | None:
        for target in self.targets:
            if found := target.problem():
                return found
        for check in self.checks:
            if found := check():
                return found
        return None


# Set in the context that opened the window (`window`): only there do the patches act.
# Another thread, whose context is its own, meets WeasyPrint's own code even while a
# window is open.
_ACTIVE: ContextVar[bool] = ContextVar("pressroom_patched", default=False)


def _dispatched(new: Any, old: Any) -> Any:
    """What is set in place of `old`: `new` where the patches are active, `old` elsewhere.
    A function or class is called through a function that chooses; a property reads
    through a property that chooses; plain values (Pressroom's own class flags) are set as
    they are."""
    if isinstance(new, property) and isinstance(old, property):
        fget, original = new.fget, old.fget
        assert fget is not None and original is not None

        @functools.wraps(fget)
        def chosen_property(self: Any) -> Any:
            return (fget if _ACTIVE.get() else original)(self)

        return property(chosen_property)
    if callable(new) and callable(old):

        def chosen(*args: Any, **kwargs: Any) -> Any:
            return (new if _ACTIVE.get() else old)(*args, **kwargs)

        if inspect.isfunction(new):
            return functools.wraps(new)(chosen)
        chosen.__name__ = chosen.__qualname__ = getattr(new, "__name__", "chosen")
        chosen.__wrapped__ = new  # type: ignore[attr-defined]
        return chosen
    return new


@dataclass
class Patcher:
    """Sets attributes for the patches of one window and puts the originals back after."""

    replaced: list[tuple[Any, str, Any, bool]] = field(default_factory=list)

    def put(self, owner: Any, name: str, make: Callable[[Any], Any]) -> None:
        """Set `owner.name` to `make(current value)`: a patch wraps what is there (what
        it wraps is WeasyPrint's own code, or the patch installed before it)."""
        own = name in vars(owner)
        current = vars(owner)[name] if own else getattr(owner, name)
        self.replaced.append((owner, name, current, own))
        setattr(owner, name, _dispatched(make(current), current))

    def restore(self) -> None:
        while self.replaced:
            owner, name, value, own = self.replaced.pop()
            if own:
                setattr(owner, name, value)
            else:
                delattr(owner, name)


@dataclass
class Gate:
    """The patches the installed release takes, decided once, at import."""

    patches: tuple[Patch, ...]
    active: tuple[Patch, ...] = ()
    skipped: dict[str, str] = field(default_factory=dict)  # speed patch → why not
    depth: int = 0
    patcher: Patcher = field(default_factory=Patcher)
    lock: threading.RLock = field(default_factory=threading.RLock)

    def check(self, release: str) -> None:
        """Raise `Unsupported` for a behaviour patch whose targets are not as expected; warn
        once for each speed patch left out."""
        active = []
        for patch in self.patches:
            problem = patch.problem()
            if problem is None:
                active.append(patch)
            elif patch.kind == "behaviour":
                raise Unsupported.of(release, f"{problem} (needed by the patch {patch.name})")
            else:
                self.skipped[patch.name] = problem
                print(
                    f"pressroom: warning: {release}: {problem}; the patch {patch.name} is left "
                    "out and WeasyPrint's own, slower code runs",
                    file=sys.stderr,
                )
        self.active = tuple(active)


# The patches a test turns off (`without`): WeasyPrint's own code runs in their place.
_WITHOUT: ContextVar[frozenset[str]] = ContextVar("pressroom_without", default=frozenset())


@contextlib.contextmanager
def without(*names: str) -> Iterator[None]:
    """Within, the windows opened leave these patches out (to compare with WeasyPrint's own
    code)."""
    token = _WITHOUT.set(_WITHOUT.get() | frozenset(names))
    try:
        yield
    finally:
        _WITHOUT.reset(token)


_GATE: Gate | None = None  # set once by the package, when its check has passed


def use(gate: Gate) -> None:
    global _GATE
    _GATE = gate


def applies(name: str) -> bool:
    """Whether the patch `name` is in use now: the release takes it, and no test left it
    out (`without`)."""
    return (
        _GATE is not None
        and any(patch.name == name for patch in _GATE.active)
        and name not in _WITHOUT.get()
    )


@contextlib.contextmanager
def window() -> Iterator[None]:
    """The active patches installed, for as long as the outermost window is open: WeasyPrint
    is changed only while Pressroom lays out or writes with it, and only for the context
    (the thread) that opened the window: each replacement chooses by `_ACTIVE`. The lock
    keeps two Pressroom threads from installing them twice: the second waits."""
    gate = _GATE
    assert gate is not None, "pressroom.weasy is imported before any window is opened"
    with gate.lock:
        if gate.depth == 0:
            off: Collection[str] = _WITHOUT.get()
            try:
                for patch in gate.active:
                    if patch.name not in off and patch.install is not None:
                        patch.install(gate.patcher)
            except BaseException:
                gate.patcher.restore()
                raise
        gate.depth += 1
        active = _ACTIVE.set(True)
        try:
            yield
        finally:
            _ACTIVE.reset(active)
            gate.depth -= 1
            if gate.depth == 0:
                gate.patcher.restore()
