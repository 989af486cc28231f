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
    compiled = _compile(*load(path, display, limits))
    return lint_compiled(compiled) if lint else compiled


def compile_bytes(raw: bytes, display: str, lint: bool = True, tree: Any = None) -> Compiled:
    """`compile_spec` of spec bytes read elsewhere (the base of `obs-codegen diff`); its includes come from `tree`."""
    compiled = _compile(*load_bytes(raw, display, tree=tree))
    return lint_compiled(compiled) if lint else compiled


def lint_compiled(compiled: Compiled) -> Compiled:
    """`compiled` (from `compile_spec(lint=False)`) with the lint rules' diagnostics: what `lint=True` returns.

    Apart so that a caller can start other work on the resolved model first (`generate` starts
    rendering while the rules run; `backends.rendering`)."""
    if compiled.model is None:
        return compiled
    from .lint import run_rules

    more = run_rules(compiled.model, compiled.source, sound=not has_errors(compiled.diagnostics))
    return replace(compiled, diagnostics=normalize([*compiled.diagnostics, *more]))


def _compile(src: Source, diags: list[Diagnostic]) -> Compiled:
    if src.data is None or not isinstance(src.data, dict):
        return Compiled(src, None, normalize(diags))
    from .spec.resolve import resolve

    model, more = resolve(src)
    if src.included:
        model = replace(model, included=tuple((rel, raw) for rel, _, raw in src.included))
    return Compiled(src, model, normalize(diags + more))
