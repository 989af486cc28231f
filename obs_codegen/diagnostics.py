"""The one diagnostic type, and its renderings as text, JSON and GitHub annotations."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]


def printable(text: str) -> str:
    """`text` with every non-printable character (controls, lone surrogates, U+2028, ...) as a `\\uXXXX` escape.

    Messages quote spec values, and a value can hold anything the loader rejects: printed raw,
    a lone surrogate cannot even be encoded, and a newline would forge a second finding.
    """
    return "".join(ch if ch.isprintable() else (f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"
                                                if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}") for ch in str(text))


def _github_data(text: str) -> str:
    """A workflow command's message, escaped as GitHub's toolkit does (`escapeData`): `%`, CR and LF as
    %25, %0D, %0A (so a message may span lines in the annotation but never forges a second command);
    any other non-printable character is then shown as a `\\uXXXX` escape (`printable`)."""
    return printable(str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _github_property(text: str) -> str:
    """A workflow command's property value (`escapeProperty`): also `:` and `,` as %3A and %2C."""
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


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
        return f"{printable(self.file)}:{self.line}:{self.column}: {self.severity}[{self.rule}]: {printable(self.message)}"

    def github(self) -> str:
        """A GitHub Actions workflow command: `%`, CR and LF escaped in the message, also `:` and `,` in properties."""
        kind = "error" if self.severity == "error" else "warning"
        return (
            f"::{kind} file={_github_property(self.file)},line={self.line},col={self.column},"
            f"title={_github_property(self.rule)}::{_github_data(self.message)}"
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
