"""`python -m tests.adversarial [--full] [--only REGEX] [--report FILE] [--json FILE]`: run the suite.

Prints one line per failing case and a summary grouped by class and cause; exits 1 when any
case fails. `make adversarial` runs the full-size set this way; `make test` runs the default
set through tests/test_hostile_specs.py instead.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from . import harness, report, runner
from .generate import base_case, cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.adversarial", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the full-size set (thousands of cases) instead of the default")
    parser.add_argument("--only", metavar="REGEX", help="only the cases whose id matches (re.search)")
    parser.add_argument("--report", type=Path, help="write a Markdown report of the failures here")
    parser.add_argument("--json", type=Path, help="write every verdict as JSON here")
    parser.add_argument("--keep", type=Path, help="run in this (new) directory and keep it, instead of a temporary one")
    parser.add_argument("--list", action="store_true", help="print the case ids and exit")
    args = parser.parse_args(argv)
    selected = [base_case(), *cases(args.full)]
    if args.only:
        selected = [c for c in selected if re.search(args.only, c.id)]
    if args.list:
        print("\n".join(c.id.encode("unicode_escape").decode() for c in selected))
        return 0
    root = args.keep or Path(tempfile.mkdtemp(prefix="obs-adversarial-"))
    try:
        settings = harness.Settings.from_env()
        if args.full:
            settings.commands = tuple(runner.COMMANDS)
        verdicts = harness.run(selected, root / "run" if args.keep is None else root, settings, log=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    for v in verdicts.values():
        if not v.ok:
            print(f"FAIL {report.show_id(v.case.id)}: {v.problems[0][:200]}")
    print(report.summary(verdicts))
    if args.report:
        args.report.write_text(report.markdown(verdicts), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(report.as_json(verdicts), indent=1, ensure_ascii=True), encoding="utf-8")
    return 1 if any(not v.ok for v in verdicts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
