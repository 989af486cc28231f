"""Every panel of every generated dashboard against its panel plugin's own schema (pinned @grafana/schema).

The dashboard-level check (test_dashboards_tsc.py) types panels by `Dashboard`, where
`options` and `fieldConfig.defaults.custom` are loose records. Here each panel's
`options` and `fieldConfig` become a constant typed `PanelJson<Options, FieldConfig>`
with the `Options`/`FieldConfig` of its kind (timeseries, stat, heatmap) from
`@grafana/schema/dist/esm/raw/composable/<kind>/panelcfg/x/<Kind>PanelCfg_types.gen`,
and `tsc --noEmit --strict` runs once over the Coach Up spec and every test case.
Negative controls: a panel missing a required option, with an unknown option, or with
a wrong enum value must each fail. A node script also compares the defaults in
`dashboards.panels` with the `defaultOptions` the pinned package ships.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from conftest import CASE_NAMES, CASES, ROOT, model_of, run, tsc

from obs_codegen.backends import dashboards
from obs_codegen.backends.dashboards import panels as panel_defaults
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model
from obs_codegen.verify.dashboards import panels_of

TS_DIR = ROOT / "tests" / "ts"
SCHEMA = "@grafana/schema/dist/esm/raw/composable"
# panel type -> (module directory, type-module stem, has its own FieldConfig)
KINDS = {
    "timeseries": ("timeseries", "TimeSeriesPanelCfg", True),
    "stat": ("stat", "StatPanelCfg", False),
    "heatmap": ("heatmap", "HeatmapPanelCfg", True),
}


def _boards(model: Model, prefix: str) -> dict[str, dict[str, Any]]:
    files = dashboards.render(model, Templates())
    return {f"{prefix}-{p.stem}": json.loads(b) for p, b in files.items() if p.suffix == ".json"}


def _fixture(board: dict[str, Any]) -> str:
    lines = ['import type { NoCustom, PanelJson } from "./panel-json";']
    for kind, (folder, stem, _) in KINDS.items():
        lines.append(f'import type * as {kind} from "{SCHEMA}/{folder}/panelcfg/x/{stem}_types.gen";')
    for panel in panels_of(board):
        if panel.get("type") == "row":
            continue
        kind = panel["type"]
        assert kind in KINDS, f"panel type {kind!r} has no schema in KINDS"  # a new kind must be added here
        custom = f"{kind}.FieldConfig" if KINDS[kind][2] else "NoCustom"
        body = json.dumps({"options": panel["options"], "fieldConfig": panel["fieldConfig"]}, indent=2,
                          ensure_ascii=False)
        lines.append(f"// {panel['title']}\nexport const panel{panel['id']}: PanelJson<{kind}.Options, {custom}> = "
                     f"{body};")
    return "\n".join(lines) + "\n"


def _tsc(workdir: Path, boards: dict[str, dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    for name in ("dashboard-json.ts", "panel-json.ts"):
        shutil.copy(TS_DIR / name, workdir / name)
    for name, board in boards.items():
        (workdir / f"{name}.ts").write_text(_fixture(board), encoding="utf-8")
    config = {"extends": str(TS_DIR / "tsconfig.json"), "compilerOptions": {"noUnusedLocals": False},
              "files": sorted(f"{n}.ts" for n in boards)}
    return tsc(workdir, config, "--noEmit", "--strict")


def _errors(result: subprocess.CompletedProcess[str]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():
        match = re.match(r"^([\w-]+)\.ts\(\d+,\d+\): error TS\d+: (.*)$", line)
        if match:
            errors.setdefault(match.group(1), []).append(match.group(2))
    return errors


def test_every_panel_matches_its_plugin_schema(model: Model, tmp_path: Path) -> None:
    boards = _boards(model, "coachup")
    for case in CASE_NAMES:
        boards |= _boards(model_of(CASES / case / "spec.yaml"), case)
    kinds = {p["type"] for b in boards.values() for p in panels_of(b)} - {"row"}
    assert kinds == set(KINDS), kinds  # every kind emitted is checked, and every checked kind is emitted
    result = _tsc(tmp_path / "ok", boards)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr


def _first(board: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(p for p in panels_of(board) if p.get("type") == kind)


BREAKAGES = {
    "no_show_legend": (lambda b: _first(b, "timeseries")["options"]["legend"].pop("showLegend"),
                       "Property 'showLegend' is missing"),
    "no_tooltip_sort": (lambda b: _first(b, "timeseries")["options"]["tooltip"].pop("sort"),
                        "Property 'sort' is missing"),
    "no_wide_layout": (lambda b: _first(b, "stat")["options"].pop("wideLayout"), "Property 'wideLayout' is missing"),
    "no_show_value": (lambda b: _first(b, "heatmap")["options"].pop("showValue"), "Property 'showValue' is missing"),
    "unknown_option": (lambda b: _first(b, "timeseries")["options"].update(legacyLegend=True), "legacyLegend\"' does not exist"),
    "unknown_custom": (lambda b: _first(b, "timeseries")["fieldConfig"]["defaults"]["custom"].update(bars=True),
                       "bars\"' does not exist"),
    "bad_draw_style": (lambda b: _first(b, "timeseries")["fieldConfig"]["defaults"]["custom"].update(
        drawStyle="area"), '"area"'),
    "stat_custom": (lambda b: _first(b, "stat")["fieldConfig"]["defaults"].update(custom={"drawStyle": "line"}),
                    "not assignable to type 'never'"),
}


def test_panel_schema_check_rejects_missing_or_unknown_options(model: Model, tmp_path: Path) -> None:
    good = _boards(model, "coachup")
    base = {"untouched": good["coachup-provider"]}  # has all three kinds
    assert {p["type"] for p in panels_of(base["untouched"])} >= set(KINDS)
    boards = dict(base)
    for name, (mutate, _) in BREAKAGES.items():
        board = copy.deepcopy(base["untouched"])
        mutate(board)
        boards[name] = board
    result = _tsc(tmp_path / "bad", boards)
    errors = _errors(result)
    assert "untouched" not in errors, errors["untouched"]
    for name, (_, message) in BREAKAGES.items():
        assert any(message in e for e in errors.get(name, [])), (name, errors.get(name), result.stdout[-2000:])


def test_defaults_are_grafanas(tmp_path: Path) -> None:
    """Every option `dashboards.panels` fills in has the value the pinned plugin's `defaultOptions` gives it."""
    script = tmp_path / "defaults.mjs"
    imports = ", ".join(f'["{k}", "{SCHEMA}/{f}/panelcfg/x/{s}_types.gen"]' for k, (f, s, _) in KINDS.items())
    script.write_text(
        f"const out = {{}};\nfor (const [kind, path] of [{imports}]) {{\n"
        "  const m = await import(path);\n  out[kind] = m.defaultOptions ?? {};\n}\n"
        "console.log(JSON.stringify(out));\n", encoding="utf-8")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules", target_is_directory=True)
    result = run(["node", str(script)], tmp_path)
    assert result.returncode == 0, result.stderr
    published: dict[str, dict[str, Any]] = json.loads(result.stdout)
    assert published["stat"]["wideLayout"] is True  # the script really read the package

    def compare(ours: Any, theirs: Any, path: str) -> list[str]:
        if isinstance(theirs, dict) and isinstance(ours, dict):
            return [d for k in theirs.keys() & ours.keys() for d in compare(ours[k], theirs[k], f"{path}.{k}")]
        return [] if ours == theirs else [f"{path}: ours {ours!r}, Grafana {theirs!r}"]

    diffs = [d for kind in KINDS for d in compare(panel_defaults.OPTIONS[kind], published[kind], kind)]
    assert diffs == []
    compared = sum(len(published[k].keys() & panel_defaults.OPTIONS[k].keys()) for k in KINDS)
    assert compared >= 15, compared
