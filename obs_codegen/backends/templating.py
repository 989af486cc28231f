"""Jinja2 templates for text outputs, with language-aware literal filters.

Templates live in `templates/<backend>/` (shipped in the wheel as
`obs_codegen/templates`); `--templates DIR` points at a user's own copies, which
take precedence file by file. Every spec value that lands in generated code must
pass through a literal filter (`ts_str`, `py_str`, `json`), never be interpolated raw.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2

MAX_TEMPLATE_FILES = 5_000
MAX_TEMPLATE_BYTES = 8 * 1024 * 1024


def packaged_templates_dir() -> Path:
    """templates/ next to the package in a checkout, or obs_codegen/templates in a wheel."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / "templates", package.parent / "templates"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("obs-codegen templates directory not found")


def ts_str(value: Any) -> str:
    """A TypeScript string literal: JSON escaping plus U+2028/2029 and `</` made safe."""
    text = json.dumps(str(value), ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/")


def py_str(value: Any) -> str:
    """A Python string literal (repr), with U+2028/2029 escaped for editors."""
    return repr(str(value)).replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def toml_str(value: Any) -> str:
    """A TOML basic string: JSON escaping (no surrogate escapes) plus DEL, which TOML forbids raw."""
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def comment_text(value: Any) -> str:
    """Text safe inside a /* */ or # comment: one line, no comment terminators."""
    text = " ".join(str(value).split())
    return text.replace("*/", "* /").replace("\u2028", " ").replace("\u2029", " ")


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and HTML escaped."""
    text = " ".join(str(value).split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


def to_json(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=indent)


class Templates:
    """Loads templates from an optional override directory, then the packaged ones."""

    def __init__(self, override: Path | None = None):
        self.override = Path(override) if override else None
        self._env: jinja2.Environment | None = None

    def dirs(self) -> list[Path]:
        return ([self.override] if self.override else []) + [packaged_templates_dir()]

    @property
    def env(self) -> jinja2.Environment:
        if self._env is None:
            import jinja2

            self._env = jinja2.Environment(
                loader=jinja2.FileSystemLoader([str(d) for d in self.dirs()]),
                undefined=jinja2.StrictUndefined,
                autoescape=False,
                keep_trailing_newline=True,
                trim_blocks=True,
                lstrip_blocks=True,
            )
            self._env.filters.update(ts_str=ts_str, py_str=py_str, json=to_json, comment=comment_text, md=md_cell,
                                     toml_str=toml_str)
        return self._env

    def render(self, name: str, **context: Any) -> bytes:
        """Render template `name` (e.g. 'catalog/observability.md.j2') to LF-terminated UTF-8 bytes."""
        text = self.env.get_template(name).render(**context)
        text = text.replace("\r\n", "\n")
        return (text.rstrip("\n") + "\n").encode("utf-8")

    def fingerprint(self) -> str:
        """Hash of every template file that could be used, for the freshness check.

        Reads only regular files, within bounds (safe_io.read_tree): a FIFO, device, symlink loop or
        an enormous --templates directory raises OSError instead of hanging; call it before rendering.
        """
        from ..safe_io import read_tree

        h = hashlib.sha256()
        for d in self.dirs():
            for rel, data in read_tree(d, MAX_TEMPLATE_FILES, MAX_TEMPLATE_BYTES, 8 * MAX_TEMPLATE_BYTES):
                h.update(rel.encode() + b"\0" + data + b"\0")
        return h.hexdigest()
