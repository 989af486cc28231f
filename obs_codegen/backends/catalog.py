"""Backend: the Markdown catalog `docs/observability.md`.

Every metric, tag, header, log event, SLO and alert with a stable HTML anchor
(from `naming.anchor`) that other backends link to: alert runbook_url and
dashboard panel links point here.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..lint.metrics import series_count
from ..spec.model import Model
from .escape import num
from .escaped import Escaped, code, code_join, escaped
from .templating import Templates


def _num(value: float) -> Escaped:
    """A number as the catalog shows it, exactly as the spec wrote it (`1048576`, `0.005`, `1e-12`), never
    rounded to six digits as `%g` would (`1.04858e+06`); digits, `.`, `e`, `-` need no Markdown escape."""
    return code("markdown", num(value))  # finite, or Unrepresentable


def _per_env(per_env: object) -> Escaped:
    uniform = per_env.uniform  # type: ignore[attr-defined]
    if uniform is not None:
        return _num(uniform)
    return code_join("markdown", ", ", [code("markdown", escaped("md", env), ": ", _num(v))
                                        for env, v in per_env.values])  # type: ignore[attr-defined]


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    text = templates.render(
        "catalog/observability.md.j2",
        model=model,
        per_env=_per_env,
        series_count=series_count,
    )
    return {PurePosixPath("docs/observability.md"): text}
