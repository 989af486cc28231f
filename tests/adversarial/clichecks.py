"""What a CLI run must look like, whatever the spec: the checks on exit codes and output.

`cli_problems` judges one command's run; `consistency_problems` judges the commands of one
case together. Each problem is one line that starts with a short cause (`traceback:`,
`exit code:`, `lint format:`, ...) so the report can group cases by it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

DIAGNOSTIC = re.compile(r"(?P<file>[^\n]+?):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): (?P<sev>error|warning)"
                        r"\[(?P<rule>[a-z][a-z0-9-]*)\]: (?P<msg>.+)")
GITHUB = re.compile(r"::(?P<sev>error|warning) file=[^,\n]+,line=[1-9][0-9]*,col=[1-9][0-9]*,title=[a-z][a-z0-9-]*::.*")
SUMMARY = re.compile(r"obs-codegen: .+")
FRAME = re.compile(r'  File "(?P<file>[^"]+)", line (?P<line>\d+), in (?P<fn>\S+)')


def traceback_cause(text: str) -> str:
    """`UnicodeEncodeError at obs_codegen/diagnostics.py:52 in render` from a printed traceback."""
    lines = text[text.rfind("Traceback (most recent call last)"):].splitlines()
    frames = [m for m in map(FRAME.match, lines) if m]
    ours = [m for m in frames if "obs_codegen" in m["file"]] or frames
    where = ""
    if ours:
        f = ours[-1]
        path = f["file"][f["file"].rfind("obs_codegen"):] if "obs_codegen" in f["file"] else f["file"]
        where = f" at {path}:{f['line']} in {f['fn']}"
    last = next((ln for ln in reversed(lines) if ln and not ln.startswith(" ")), "?")
    return f"{last.split(':', 1)[0]}{where}: {last[:300]}"


def _controls(text: str) -> list[str]:
    """Characters a terminal or log viewer would act on: controls (but \\n and \\t), separators, surrogates."""
    found = sorted({ch for ch in text if (unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\t")
                    or ch in "\u2028\u2029\u0085" or 0xDC80 <= ord(ch) <= 0xDCFF})
    return [f"U+{ord(ch):04X}" for ch in found]


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line]


def _text_format(lines: list[str], code: int) -> list[str]:
    problems = []
    bad = [line for line in lines if not (DIAGNOSTIC.fullmatch(line) or SUMMARY.fullmatch(line))]
    if bad:
        problems.append(f"lint format: a line is neither `file:line:col: severity[rule]: message` nor a summary: "
                        f"{bad[0][:200]!r}")
    if code == 1 and not any((m := DIAGNOSTIC.fullmatch(line)) and m["sev"] == "error" for line in lines):
        problems.append("lint format: exit code 1 without an error diagnostic")
    return problems


def _json_format(stdout: str, code: int) -> list[str]:
    if code == 2:
        return []
    try:
        doc = json.loads(stdout) if stdout.strip() else []
    except ValueError as exc:
        return [f"lint json: output is not JSON ({str(exc)[:100]})"]
    keys = {"file": str, "line": int, "column": int, "rule": str, "severity": str, "message": str}
    if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
        return ["lint json: output is not a list of objects"]
    bad = [d for d in doc if any(not isinstance(d.get(k), t) for k, t in keys.items())
           or (d.get("line", 0) < 1 or d.get("column", 0) < 1) or not re.fullmatch(r"[a-z][a-z0-9-]*", str(d.get("rule")))]
    problems = [f"lint json: a diagnostic lacks file/line/column/rule: {json.dumps(bad[0])[:200]}"] if bad else []
    if code == 1 and not any(d.get("severity") == "error" for d in doc):
        problems.append("lint json: exit code 1 without an error diagnostic")
    return problems


def cli_problems(command: str, code: int | None, stdout: str, stderr: str) -> list[str]:
    """Everything wrong with one run of `command` (see runner.COMMANDS)."""
    problems: list[str] = []
    both = stdout + stderr
    if "Traceback (most recent call last)" in both:
        problems.append("traceback: " + traceback_cause(both))
    elif "internal error" in both:
        line = next(ln for ln in both.splitlines() if "internal error" in ln)
        problems.append("internal error: " + re.sub(r"\(([A-Za-z]+Error|[A-Za-z]+Exception):.*", r"(\1)", line)[:200])
    if code not in (0, 1, 2):
        problems.append(f"exit code: {code} (expected 0, 1 or 2)")
    if problems:
        return problems
    if command == "lint":
        problems += _text_format(_lines(stderr), code or 0) + ([f"lint: unexpected stdout {stdout[:100]!r}"] if stdout else [])
    elif command == "lint-json":
        problems += _json_format(stdout, code or 0)
    elif command == "lint-github" and code != 2:
        bad = [line for line in _lines(stdout) if not GITHUB.fullmatch(line)]
        if bad:
            problems.append(f"lint github: a line is not a `::error file=,line=,col=,title=::` command: {bad[0][:200]!r}")
    elif command == "generate" and code == 0 and not re.search(r"obs-codegen: \d+ files in ", stderr):
        problems.append(f"generate: exit 0 without the summary line: {stderr[-200:]!r}")
    if code == 2 and command in ("lint", "generate"):
        lines = _lines(stderr)
        if len(lines) != 1 or not lines[0].startswith(("obs-codegen: ", "Error: ")):
            problems.append(f"exit 2 message: expected one `obs-codegen: ...` line, got {stderr[:200]!r}")
    controls = _controls(stdout + stderr)
    if controls:
        problems.append(f"raw control characters in {command} output: {', '.join(controls)}")
    return problems


def consistency_problems(runs: dict[str, Any], out_exists: bool) -> list[str]:
    """The commands of one case agree: all lint formats exit alike, generate succeeds iff lint does."""
    codes = {name: run.code for name, run in runs.items()}
    if None in codes.values():
        return []  # a hang or crash is already reported
    problems = []
    lint_codes = {codes.get(c) for c in ("lint", "lint-json", "lint-github") if c in codes}
    if len(lint_codes) > 1:
        problems.append(f"consistency: lint formats exit differently {sorted(codes.items())}")
    lint, generate = codes.get("lint"), codes.get("generate")
    if lint == 0 and generate != 0:
        problems.append(f"consistency: lint is clean but generate exits {generate}")
    if lint in (1, 2) and generate != lint:
        problems.append(f"consistency: lint exits {lint} but generate exits {generate}")
    if generate != 0 and out_exists:
        problems.append("consistency: generate failed but created out/")
    return problems
