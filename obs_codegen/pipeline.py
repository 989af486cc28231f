"""The compiler pipeline in one place: load -> resolve -> check -> render.

The CLI and the tests call these functions; none of them writes files or prints.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic, has_errors, normalize
from .spec.loader import DEFAULT_LIMITS, Limits, Source, load, load_bytes
from .spec.model import Model


@dataclass
class Compiled:
    """What a run of the pipeline produced: the model (if any) and every diagnostic."""

    source: Source
    model: Model | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.model is not None and not has_errors(self.diagnostics)


def compile_spec(path: str | Path, display: str | None = None, lint: bool = True,
                 limits: Limits = DEFAULT_LIMITS) -> Compiled:
    """Load, resolve and (optionally) lint the spec at `path` (within `limits`). OSError if unreadable."""
    return _compile(*load(path, display, limits), lint)


def compile_bytes(raw: bytes, display: str, lint: bool = True, tree: Any = None) -> Compiled:
    """`compile_spec` of spec bytes read elsewhere (the base of `obs-codegen diff`); its includes come from `tree`."""
    return _compile(*load_bytes(raw, display, tree=tree), lint)


def _compile(src: Source, diags: list[Diagnostic], lint: bool) -> Compiled:
    if src.data is None or not isinstance(src.data, dict):
        return Compiled(src, None, normalize(diags))
    from .spec.resolve import resolve

    model, more = resolve(src)
    if src.included:
        model = replace(model, included=tuple((rel, raw) for rel, _, raw in src.included))
    diags += more
    if lint:
        from .lint import run_rules

        diags += run_rules(model, src, sound=not has_errors(diags))
    return Compiled(src, model, normalize(diags))
