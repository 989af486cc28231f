"""How `obs-codegen diff` prints its findings: text, JSON, GitHub annotations, or a Markdown table."""

from __future__ import annotations

import json

from ..diagnostics import _github_data, _github_property, printable
from . import Finding
from .registry import CATEGORIES


def verdict(findings: list[Finding]) -> str:
    breaking = sum(f.breaking for f in findings)
    accepted = sum(f.severity == "error" and f.accepted is not None for f in findings)
    if not findings:
        return "no changes that matter to readers of the spec"
    parts = [f"{breaking} breaking", f"{sum(f.severity == 'warning' for f in findings)} warning(s)"]
    if accepted:
        parts.append(f"{accepted} accepted")
    return ", ".join(parts) + f" in {len(findings)} change(s)"


def _where(f: Finding) -> str:
    p = f.change.pos
    return f"{printable(p.file)}:{p.line}:{p.column}"


def text(findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        note = f" (accepted: {printable(f.accepted)})" if f.accepted else ""
        lines.append(f"{_where(f)}: {f.severity}[{f.change.rule}] {f.category}: {printable(f.change.message)}{note}")
    return "".join(line + "\n" for line in lines)


def github(findings: list[Finding]) -> str:
    kinds = {"error": "error", "warning": "warning", "info": "notice"}
    out = []
    for f in findings:
        p = f.change.pos
        kind = "notice" if f.accepted else kinds[f.severity]
        out.append(f"::{kind} file={_github_property(p.file)},line={p.line},col={p.column},"
                   f"title={_github_property(f.change.rule + ' (' + f.category + ')')}::{_github_data(f.change.message)}\n")
    return "".join(out)


def as_json(findings: list[Finding]) -> str:
    return json.dumps({"breaking": sum(f.breaking for f in findings), "findings": [f.to_dict() for f in findings]},
                      indent=2) + "\n"


def _cell(text: str) -> str:
    from ..backends.escape import md

    return md(text)


def markdown(findings: list[Finding]) -> str:
    """A pull-request comment: the verdict, then one table per category, breaking changes first."""
    from ..backends.escape import md_cell_code

    out = [f"### obs-codegen diff: {verdict(findings)}\n"]
    for category in CATEGORIES:
        rows = [f for f in findings if f.category == category]
        if not rows:
            continue
        out.append(f"\n#### {category}\n\n| verdict | rule | item | change |\n|---|---|---|---|\n")
        for f in rows:
            v = ("breaking" if f.breaking else f"accepted ({f.accepted})" if f.accepted and f.severity == "error"
                 else f.severity)
            out.append(f"| {_cell(v)} | {md_cell_code(f.change.rule)} | {md_cell_code(f.change.subject)} | "
                       f"{_cell(f.change.message)} |\n")
    return "".join(out)
