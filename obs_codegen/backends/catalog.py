"""Backend: the Markdown catalog `docs/observability.md`.

Every metric, tag, header, log event, SLO and alert with a stable HTML anchor
(from `naming.anchor`) that other backends link to: alert runbook_url and
dashboard panel links point here.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..lint.metrics import series_count
from ..spec.model import Model
from .templating import Templates


def _num(value: float) -> str:
    return f"{value:g}"


def _per_env(per_env: object) -> str:
    uniform = per_env.uniform  # type: ignore[attr-defined]
    if uniform is not None:
        return _num(uniform)
    return ", ".join(f"{env}: {_num(v)}" for env, v in per_env.values)  # type: ignore[attr-defined]


def render(model: Model, templates: Templates) -> dict[PurePosixPath, bytes]:
    text = templates.render(
        "catalog/observability.md.j2",
        model=model,
        per_env=_per_env,
        num=_num,
        series_count=series_count,
    )
    return {PurePosixPath("docs/observability.md"): text}
