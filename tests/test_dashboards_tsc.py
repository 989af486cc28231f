"""Type-check every generated dashboard against Grafana's published `Dashboard` type.

For each dashboard a `<name>.ts` wrapper (`export const dashboard: DashboardJson = <json>;`)
is written to a temporary directory next to a copy of tests/ts/dashboard-json.ts
(which maps @grafana/schema's `Dashboard` to its JSON form), with `node_modules`
linked in so `@grafana/schema` resolves through its package exports, then
`tsc --noEmit --strict` runs once over all of them. The negative test proves the
check has teeth: a wrong field type, a legacy key, an unknown enum value and a
missing required field must each fail, while the untouched dashboard passes.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import CASE_NAMES, CASES, ROOT, model_of, tsc

from obs_codegen.backends import dashboards
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model

TS_DIR = ROOT / "tests" / "ts"


def _dashboards(model: Model) -> dict[str, dict[str, Any]]:
    files = dashboards.render(model, Templates())
    return {p.stem: json.loads(b) for p, b in files.items() if p.suffix == ".json"}


def _tsc(workdir: Path, boards: dict[str, dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    shutil.copy(TS_DIR / "dashboard-json.ts", workdir / "dashboard-json.ts")
    for name, board in boards.items():
        body = json.dumps(board, indent=2, ensure_ascii=False)
        (workdir / f"{name}.ts").write_text(
            'import type { DashboardJson } from "./dashboard-json";\n\n'
            f"export const dashboard: DashboardJson = {body};\n", encoding="utf-8")
    config = {"extends": str(TS_DIR / "tsconfig.json"), "files": sorted(f"{n}.ts" for n in boards)}
    return tsc(workdir, config, "--noEmit", "--strict")


def test_every_dashboard_typechecks(model: Model, tmp_path: Path) -> None:
    boards = {f"coachup-{k}": v for k, v in _dashboards(model).items()}
    for case in CASE_NAMES:
        boards |= {f"{case}-{k}": v for k, v in _dashboards(model_of(CASES / case / "spec.yaml")).items()}
    assert len(boards) >= len(model.services) + 1
    result = _tsc(tmp_path / "ok", boards)
    assert result.returncode == 0, result.stdout + result.stderr


BREAKAGES = {
    "grid_w_string": (lambda p, d: p["gridPos"].update(w="12"), "Type 'string' is not assignable to type 'number'"),
    "legacy_span": (lambda p, d: p.update(span=6), "'\"span\"' does not exist"),
    "threshold_mode": (lambda p, d: p["fieldConfig"]["defaults"]["thresholds"].update(mode="bogus"), "\"bogus\""),
    "no_schema_version": (lambda p, d: d.pop("schemaVersion"), "Property 'schemaVersion' is missing"),
    "variable_type": (lambda p, d: d["templating"]["list"][0].update(type="querry"), "VariableType"),
}


def test_tsc_rejects_broken_dashboards(model: Model, tmp_path: Path) -> None:
    good = _dashboards(model)["next"]
    boards = {"untouched": good}
    for name, (mutate, _) in BREAKAGES.items():
        board = copy.deepcopy(good)
        mutate(next(p for p in board["panels"] if p["type"] != "row"), board)
        boards[name] = board
    result = _tsc(tmp_path / "bad", boards)
    assert result.returncode != 0
    errors: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^(\w+)\.ts\(\d+,\d+\): error TS\d+: (.*)$", line)
        if match:
            errors.setdefault(match.group(1), []).append(match.group(2))
    assert "untouched" not in errors, errors["untouched"]
    for name, (_, message) in BREAKAGES.items():
        assert any(message in e for e in errors.get(name, [])), (name, errors.get(name), result.stdout[-2000:])

