"""The obs-codegen benchmark (issue 17): figures as ratios to the interpreter floor, never a timed test.

    .venv/bin/python scripts/bench.py [--sizes 100,1000,10000] [--lines 1000000] [--quick]
    make bench

The machine this runs on is shared and noisy, so every command is run interleaved with the
floors, `python -c pass` and `python -c 'import yaml'`, in the same rounds, and reported as
median and minimum wall time, the median as a multiple of each floor, and the peak RSS of the
process (from wait4). Workloads:

  * the Coach Up spec (spec/observability.yaml) and synthetic specs of its shape
    (scripts/synth_spec.py: 100 metrics per service) at each size: `lint`, `generate` (into a
    fresh temporary directory; with the per-user caches of compiled templates and Python parse
    verdicts warm, and again with no cache), `check` (the manifest fast path) and `check --full`;
  * per-stage times in one process (load, resolve, lint, each backend, run as the pipeline runs
    them), the minimum of two or three fresh processes, for every spec, and the
    t(largest)/t(previous) ratio per stage, to show where scaling is not linear;
  * dashboards, 1,000 timeseries panels with one query each (scripts/bench_dashboards.py): our
    backend beside grafanalib alone and grafana-foundation-sdk (a test extra; skipped when absent);
  * `validate-logs` on a generated JSON Lines file (`--lines`, 1 % invalid) against ajv
    (scripts/ajv_bench.mjs) on the same file and schemas, as lines per second.

Prints Markdown (the README's "Performance" section is a copy of a run). Not part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
PY = sys.executable
TOOL = str(Path(PY).parent / "obs-codegen")
FLOORS = [("python -c pass", [PY, "-c", "pass"]), ("python -c 'import yaml'", [PY, "-c", "import yaml"])]


def run(cmd: list[str], cwd: Path) -> tuple[float, int, int]:
    """(wall seconds, peak RSS in KiB, exit code) of one run of `cmd`, its output discarded."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss, proc.returncode


def measure(workloads: list[tuple[str, list[str]]], rounds: int, cwd: Path) -> dict[str, dict[str, float]]:
    """Run the floors and `workloads` interleaved, `rounds` times; per label: median, min, peak RSS (MiB)."""
    times: dict[str, list[float]] = {}
    rss: dict[str, int] = {}
    for _ in range(rounds):
        for label, cmd in FLOORS + workloads:
            seconds, peak, code = run(cmd, cwd)
            if code not in (0, 1):
                raise SystemExit(f"bench: `{' '.join(cmd)}` exited {code}")
            times.setdefault(label, []).append(seconds)
            rss[label] = max(rss.get(label, 0), peak)
    return {label: {"median": statistics.median(ts), "min": min(ts), "rss": rss[label] / 1024}
            for label, ts in times.items()}


def table(title: str, results: dict[str, dict[str, float]]) -> str:
    floor_pass = results[FLOORS[0][0]]["median"]
    floor_yaml = results[FLOORS[1][0]]["median"]
    lines = [f"#### {title}", "", "| command | median | min | × `python -c pass` | × `import yaml` | peak RSS |",
             "|---|---:|---:|---:|---:|---:|"]
    for label, r in results.items():
        lines.append(f"| `{label}` | {r['median']:.3f} s | {r['min']:.3f} s | {r['median'] / floor_pass:.1f} "
                     f"| {r['median'] / floor_yaml:.2f} | {r['rss']:.0f} MiB |")
    return "\n".join(lines) + "\n"


def spec_workloads(spec: Path, out: Path) -> list[tuple[str, list[str]]]:
    s, o = ["--spec", str(spec)], ["--out", str(out)]
    # `generate` runs with the user's caches warm from the run before (compiled templates, Python parse verdicts),
    # as after a spec edit; `generate, no cache` without any (as on a fresh CI machine).
    return [("lint", [TOOL, "lint", *s]), ("generate", [TOOL, "generate", *s, *o]),
            ("generate, no cache", ["env", "OBS_CODEGEN_CACHE_DIR=", TOOL, "generate", *s, *o]),
            ("check", [TOOL, "check", *s, *o]), ("check --full", [TOOL, "check", "--full", *s, *o])]


STAGES = r"""
import json, sys, time
from pathlib import Path
from obs_codegen.spec.loader import load
from obs_codegen.spec.resolve import resolve
from obs_codegen.lint import run_rules
from obs_codegen.backends import BACKENDS, backend
from obs_codegen.backends.templating import Templates
from obs_codegen.heap import frozen, refreeze, tune_for_batch
tune_for_batch()  # the collector as the CLI sets it
t = {}
s = time.perf_counter(); src, diags = load(sys.argv[1]); t["load+validate"] = time.perf_counter() - s
s = time.perf_counter(); model, more = resolve(src); t["resolve"] = time.perf_counter() - s
s = time.perf_counter(); run_rules(model, src, sound=True); t["lint rules"] = time.perf_counter() - s
tpl = Templates()
with frozen():  # as backends.render_all runs them: what earlier stages kept is not walked by the collector
    for name in sorted(BACKENDS):
        s = time.perf_counter(); backend(name)(model, tpl); t["backend " + name] = time.perf_counter() - s
        refreeze()
print(json.dumps(t))
"""


def stages(spec: Path) -> dict[str, float]:
    """Seconds per pipeline stage for `spec`, in one fresh process (imports included in each first use)."""
    proc = subprocess.run([PY, "-c", STAGES, str(spec)], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def stage_table(per_spec: dict[str, dict[str, float]]) -> str:
    names = list(per_spec)
    lines = ["#### Stages (one process, seconds; the minimum of 2-3 fresh processes)", "",
             "| stage | " + " | ".join(names) + (f" | {names[-1]} / {names[-2]} |" if len(names) > 2 else " |"),
             "|---|" + "---:|" * (len(names) + (1 if len(names) > 2 else 0))]
    for stage in per_spec[names[0]]:
        row = [f"{per_spec[n][stage]:.3f}" for n in names]
        if len(names) > 2:
            prev = per_spec[names[-2]][stage]
            row.append(f"{per_spec[names[-1]][stage] / prev:.1f}" if prev > 0.0005 else "-")
        lines.append(f"| {stage} | " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"


def logs_bench(tmp: Path, schemas: Path, lines: int) -> str:
    from bench_validate_logs import generate

    path = tmp / "bench.jsonl"
    generate(path, lines, 100)
    size = path.stat().st_size
    ours, rss, _ = run([TOOL, "validate-logs", "--schemas", str(schemas), str(path)], ROOT)
    out = [f"#### validate-logs, {lines:,} lines ({size / 1e6:.0f} MB, 1 % invalid)", "",
           "| validator | wall | lines/s | peak RSS |", "|---|---:|---:|---:|",
           f"| `obs-codegen validate-logs` | {ours:.2f} s | {lines / ours:,.0f} | {rss / 1024:.0f} MiB |"]
    node = shutil.which("node")
    if node and (ROOT / "node_modules" / "ajv").exists():
        start = time.perf_counter()
        proc = subprocess.run([node, str(ROOT / "scripts" / "ajv_bench.mjs"), str(schemas), str(path)], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        wall = time.perf_counter() - start
        res = json.loads(proc.stdout)
        out.append(f"| ajv (node, streaming) | {wall:.2f} s | {lines / wall:,.0f} | - |")
        out.append("")
        out.append(f"ajv: {res['invalid']:,} invalid of {res['lines']:,}; validation alone "
                   f"{res['lines'] / res['seconds']:,.0f} lines/s.")
    return "\n".join(out) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="synthetic spec sizes, in metrics")
    parser.add_argument("--lines", type=int, default=1_000_000, help="validate-logs file size (0: skip)")
    parser.add_argument("--rounds", type=int, default=0, help="rounds per workload (default: by size)")
    parser.add_argument("--quick", action="store_true", help="sizes 100,1000 and 100,000 log lines")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.lines = "100,1000", 100_000
    from synth_spec import generate as synth

    sizes = [int(s) for s in args.sizes.split(",") if s]
    print(f"### obs-codegen benchmark, {time.strftime('%Y-%m-%d')}\n")
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
          f"Python {platform.python_version()}, PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}"
          "\n", flush=True)
    per_spec: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="obs-bench-") as name:
        tmp = Path(name)
        specs = [("Coach Up spec", ROOT / "spec" / "observability.yaml", args.rounds or 7)]
        for n in sizes:
            path = tmp / f"synth-{n}.yaml"
            path.write_text(synth(n), encoding="utf-8")
            rounds = args.rounds or (5 if n <= 100 else 3 if n <= 1000 else 2)
            specs.append((f"synthetic, {n:,} metrics ({path.stat().st_size / 1e6:.1f} MB spec)", path, rounds))
        for title, spec, rounds in specs:
            out = tmp / f"out-{spec.stem}"
            code = run([TOOL, "generate", "--spec", str(spec), "--out", str(out)], ROOT)[2]
            if code:
                raise SystemExit(f"bench: generate of {spec} failed ({code})")
            files = [p for p in out.rglob("*") if p.is_file()]
            results = measure(spec_workloads(spec, out), rounds, ROOT)
            print(table(f"{title}: {rounds} round(s); output {len(files)} files, "
                        f"{sum(p.stat().st_size for p in files) / 1e6:.1f} MB", results), flush=True)
            runs = [stages(spec) for _ in range(max(2, min(rounds, 3)))]  # the minimum of fresh processes
            per_spec[spec.stem if spec.stem != "observability" else "coachup"] = {
                stage: min(r[stage] for r in runs) for stage in runs[0]}
        print(stage_table(per_spec), flush=True)
        from bench_dashboards import report as dashboards_report

        print(dashboards_report(1000, 7), flush=True)
        if args.lines:
            print(logs_bench(tmp, tmp / "out-observability" / "schemas" / "logs", args.lines), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
