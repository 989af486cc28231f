"""Spec-wide lint rules: finite numbers and unique dashboard uids."""

from __future__ import annotations

import math
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from ..spec.loader import Source
from ..spec.model import Model
from .registry import rule


@rule("dashboard-uid-collision", "Each service's dashboard uid (and the SLO overview's) is unique.")
def _uid_collision(model: Model, src: Source) -> Iterator[Diagnostic]:
    seen = {model.slo_overview_uid: "the SLO overview"}
    for svc in model.services:
        other = seen.get(svc.dashboard_uid)
        if other is not None:
            yield src.diag(("services", svc.name), "dashboard-uid-collision",
                           f"service '{svc.name}' gets dashboard uid '{svc.dashboard_uid}', already used by {other}",
                           key=True)
        seen[svc.dashboard_uid] = f"service '{svc.name}'"


@rule("spec-number-finite", "Numbers in the spec are finite (no .nan or .inf) and at most 2^53.")
def _finite(model: Model, src: Source) -> Iterator[Diagnostic]:
    def walk(node: object, path: tuple[object, ...]) -> Iterator[Diagnostic]:
        if isinstance(node, float) and not math.isfinite(node):
            yield src.diag(path, "spec-number-finite", f"{node} is not a usable number here")
        elif isinstance(node, int) and not isinstance(node, bool) and abs(node) > 2**53:
            yield src.diag(path, "spec-number-finite", "integer is too large to be represented exactly (over 2^53)")
        elif isinstance(node, dict):
            for k, v in node.items():
                yield from walk(v, path + (k,))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, path + (i,))

    yield from walk(src.data, ())
