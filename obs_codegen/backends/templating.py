"""Jinja2 templates for text outputs, where unescaped interpolation is impossible.

Templates live in `templates/<backend>/` (shipped in the wheel as `obs_codegen/templates`);
`--templates DIR` points at a user's own copies, which take precedence file by file. The same
rules hold for both:

  * A template's language is its file type: `x.py.j2` is Python, `.ts.j2` (`.d.ts.j2`
    included) TypeScript, `.js.j2` JavaScript (escaped as TypeScript: same grammar), `.json.j2`
    JSON, `.toml.j2` TOML, `.yaml.j2`/`.yml.j2` YAML, `.md.j2` Markdown; any
    other type (`py.typed.j2`) may not print values at all.
  * Every `{{ ... }}` must print an `Escaped` value: the output of an escaping filter
    (see `escaped.FILTERS`: `py_str`, `ts_doc`, `toml_key`, `md_cell_code`, `num`, `ident`, ...) made
    for the template's language, a macro call (its body obeys the same rule), a string
    literal written in the template itself, or an `Escaped` value a backend built with the
    same escapers. Anything else (a spec string, a number, a boolean, `x | lower`,
    `a ~ b`) stops rendering with `UnescapedOutput`, naming the template and line. Numbers
    go through `num`, booleans through `py_bool` or `json`.
  * `{% filter %}` blocks, which would print unchecked text, are refused when the template loads.
  * In Python and TypeScript templates, text escaped for a docstring or a comment must also
    land in one (`contexts` reads the rendered file to check), and Python must compile; so an
    old override that put `comment` inside a docstring fails loudly instead of letting a triple
    quote out.

The templates run in Jinja2's sandbox, so a template cannot forge an `Escaped` value either.
The machinery lives in `escaped` (loaded on the first render) and `contexts`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2



def packaged_templates_dir() -> Path:
    """templates/ next to the package in a checkout, or obs_codegen/templates in a wheel."""
    from ..output.fresh import packaged_templates_dir

    return packaged_templates_dir()


class Templates:
    """Loads templates from an optional override directory, then the packaged ones."""

    def __init__(self, override: Path | None = None):
        self.override = Path(override) if override else None
        self._env: jinja2.Environment | None = None

    def dirs(self) -> list[Path]:
        from ..output.fresh import template_dirs

        return template_dirs(self.override)

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            from .escaped import make_environment

            self._env = make_environment(self.dirs())
        return self._env

    def render(self, name: str, **context: Any) -> bytes:
        """Render template `name` (e.g. 'catalog/observability.md.j2') to LF-terminated UTF-8 bytes.

        Raises `escaped.UnescapedOutput` (or a Jinja2 template error) when the template breaks a rule.
        """
        from . import escaped

        text = escaped.render(self.env, name, context).replace("\r\n", "\n")
        return (text.rstrip("\n") + "\n").encode("utf-8")

    def fingerprint(self) -> str:
        """Hash of every template file that could be used, for the freshness check.

        Reads only regular files, within bounds (safe_io.read_tree): a FIFO, device, symlink loop or
        an enormous --templates directory raises OSError instead of hanging; call it before rendering.
        """
        from ..output.fresh import templates_fingerprint

        return templates_fingerprint(self.dirs())
