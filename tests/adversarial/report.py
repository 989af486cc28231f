"""Summaries of a run: failures grouped by class and by cause, as text, Markdown and JSON."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from .harness import Verdict


def show_id(cid: str) -> str:
    """A case id with control characters and surrogates escaped, for printing."""
    return cid.encode("unicode_escape").decode("ascii")


def cause(problem: str) -> str:
    """A problem with its case-specific details (quoted text, numbers, hashes) blanked, for grouping."""
    text = re.sub(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", "…", problem)
    text = re.sub(r"\b[0-9a-f]{12}\b", "H", text)
    text = re.sub(r"(?<![A-Za-z])\d+(\.\d+)?", "N", text)
    text = re.sub(r"(traceback: \w+ at [^:]+:N in \w+): .*", r"\1", text)
    return text[:160]


def groups(verdicts: dict[str, Verdict]) -> dict[str, list[Verdict]]:
    """Cause -> failing cases (a case appears under each of its distinct causes)."""
    out: dict[str, list[Verdict]] = defaultdict(list)
    for v in verdicts.values():
        for c in dict.fromkeys(cause(p) for p in v.problems):
            out[c].append(v)
    return dict(sorted(out.items(), key=lambda kv: (-len(kv[1]), kv[0])))


def summary(verdicts: dict[str, Verdict]) -> str:
    total = Counter(v.case.cls for v in verdicts.values())
    failed = Counter(v.case.cls for v in verdicts.values() if not v.ok)
    generated = sum(v.generated for v in verdicts.values())
    lines = [f"{sum(failed.values())} of {len(verdicts)} cases fail ({generated} generated output):"]
    lines += [f"  {cls:<7} {failed[cls]:>5} of {total[cls]:<5} fail" for cls in sorted(total)]
    lines.append("causes (cases):")
    lines += [f"  {len(vs):>5}  {c}" for c, vs in list(groups(verdicts).items())[:60]]
    return "\n".join(lines)


def markdown(verdicts: dict[str, Verdict]) -> str:
    out = ["# Adversarial run", "", "```", summary(verdicts), "```", ""]
    for c, vs in groups(verdicts).items():
        classes = Counter(v.case.cls for v in vs)
        out += [f"## {c}", "", f"{len(vs)} cases ({', '.join(f'{k} {n}' for k, n in sorted(classes.items()))}); "
                f"e.g. `{show_id(vs[0].case.id)}`: {vs[0].case.note}", ""]
        example = next(p for p in vs[0].problems if cause(p) == c)
        out += ["```", example[:1500], "```", "", "Spec change:", "", "```yaml", vs[0].case.snippet(), "```", ""]
        out += ["Cases: " + ", ".join(f"`{show_id(v.case.id)}`" for v in vs[:40]) + (" ..." if len(vs) > 40 else ""), ""]
    return "\n".join(out)


def as_json(verdicts: dict[str, Verdict]) -> list[dict[str, Any]]:
    return [{"id": v.case.id, "class": v.case.cls, "note": v.case.note, "ok": v.ok, "problems": v.problems,
             "lint": v.lint_code, "generated": v.generated,
             "runs": {k: r.to_dict() for k, r in v.runs.items()}} for v in verdicts.values()]
