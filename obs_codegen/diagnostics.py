"""The one diagnostic type, and its renderings as text, JSON and GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Diagnostic:
    """A finding about the spec: where it is, which rule, how bad, and what to do."""

    file: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str

    def text(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.severity}[{self.rule}]: {self.message}"

    def github(self) -> str:
        kind = "error" if self.severity == "error" else "warning"
        msg = self.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return (
            f"::{kind} file={self.file},line={self.line},col={self.column},"
            f"title={self.rule}::{msg}"
        )


def normalize(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sort by position and drop exact duplicates."""
    return sorted(set(diags))


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in diags)


def render(diags: Iterable[Diagnostic], fmt: str) -> str:
    """Render diagnostics as `text`, `json` or `github`; returns '' when there are none (text)."""
    items = normalize(diags)
    if fmt == "json":
        return json.dumps([asdict(d) for d in items], indent=2) + "\n"
    if fmt == "github":
        return "".join(d.github() + "\n" for d in items)
    return "".join(d.text() + "\n" for d in items)
