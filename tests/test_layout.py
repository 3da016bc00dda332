"""The Jinja step (`layout.py`): a theme's templates are data a project may send, so they run
sandboxed, read only their theme's templates, and fail in one line at their file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from pressroom import layout
from pressroom.errors import PressroomError
from pressroom.themes import Theme
from support import pressroom

BOOK = "---\ntitle: T\nauthor: A\n---\n\nText.\n"


def _theme(folder: Path, template: str, name: str = "print/handout.html.j2") -> Path:
    theme = folder / "theme"
    (theme / "templates" / Path(name).parent).mkdir(parents=True, exist_ok=True)
    (theme / "templates" / name).write_text(template, "utf-8")
    return theme


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("{{ cycler.__init__.__globals__.os.system('touch PWNED') }}", "unsafe"),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "unsafe"),
        ("{{ lipsum.__globals__['os'].popen('touch PWNED').read() }}", "unsafe"),
        ("{% set x = [] %}{{ x.append(1) }}", "unsafe"),
        ('{% include "../../../../etc/passwd" %}', "no template"),
        ("{% if %}", "Expected an expression"),
        ("{{ no_such_name.attribute }}", "undefined"),
    ],
)
def test_a_template_that_reaches_past_the_sandbox_is_one_line(tmp_path, template, said):
    theme = _theme(tmp_path, "<html>\n<body>\n" + template + "\n</body></html>\n")
    with pytest.raises(PressroomError) as raised:
        layout.render(Theme.load(theme), "print/handout.html.j2", doc=None)
    err = raised.value
    assert err.code == "B-THEME"
    assert err.path.endswith("templates/print/handout.html.j2")
    assert err.line == 3
    assert said in err.message
    assert not (tmp_path / "PWNED").exists() and not Path("PWNED").exists()


def test_a_theme_template_reaching_for_os_stops_the_build_in_one_line(tmp_path):
    theme = _theme(tmp_path, "{{ cycler.__init__.__globals__.os.system('touch PWNED') }}\n")
    (tmp_path / "book.md").write_text(BOOK, "utf-8")
    run = pressroom("build", "book.md", "--theme", str(theme), "-o", "out", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1, run.stderr
    assert "templates/print/handout.html.j2:1: template: " in run.stderr
    assert "unsafe" in run.stderr
    assert not (tmp_path / "PWNED").exists()
    assert not list((tmp_path / "out").glob("book*")) if (tmp_path / "out").exists() else True


def test_the_default_theme_renders_in_the_sandbox(tmp_path):
    """Nothing the default templates do needs more than the sandbox allows (the EPUB's and
    the handout's templates are all made)."""
    (tmp_path / "book.md").write_text(BOOK, "utf-8")
    run = pressroom(
        "build", "book.md", "-o", "out", "--format", "pdf", "--format", "epub", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "out" / "book.pdf").is_file() and (tmp_path / "out" / "book.epub").is_file()
