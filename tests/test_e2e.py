"""End to end: the spec's own instrumentation feeds a real Prometheus that loads the generated rules, and every
generated dashboard query is run against it (`make e2e`).

The Coach Up spec is rendered into a temporary out/; tests/e2e/exporter.py simulates the py, convex and
provider traffic through the generated `coachup_obs.instrumentation` module, and tests/e2e/exporter.mjs the
TypeScript services' in Node through the generated TypeScript package: next through prom-client
(`instrumentation`) in production and staging and through the OpenTelemetry JS SDK (`otel`) in dev, web as RUM
beacons of the browser reporter (`rum`) recorded by the ingest route handler (`ingest`). /usr/bin/prometheus
scrapes all three endpoints every second and evaluates the generated rule files every second. Once three
scrapes are in and every rule group has evaluated after them, the checks in tests/e2e/checks.py assert through
the HTTP API that every rule is healthy, every recording rule and every dashboard target returns data, every
alert expression evaluates and reads existing series, and every metric is exposed with the spec's labels and
buckets. Negative tests break one dashboard label and one histogram bucket and show the failure names the
dashboard, panel and query (or the rule).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import ROOT, mypy, require_binary, run, write_files
from e2e import checks
from e2e.stack import EXPORTER, Prometheus, Stack

from obs_codegen.backends import render_all
from obs_codegen.spec.model import Model

WAIT_SECONDS = 40.0
NODE_EXPORTER = Path(__file__).parent / "e2e" / "exporter.mjs"
TS_SERVICES = ("next", "web")  # fed from Node by NODE_EXPORTER, not by the Python exporter
OTEL_ENVS = ("dev",)  # next's series in these environments come from the OpenTelemetry variant


# One Prometheus for the whole module: under pytest-xdist (--dist loadfile) every test runs on one worker.
pytestmark = pytest.mark.xdist_group("e2e")

@pytest.fixture(scope="module")
def out(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = write_files(render_all(model), tmp_path_factory.mktemp("out"))
    (out / "node_modules").symlink_to(ROOT / "node_modules")  # where typescript/*.js find prom-client and OpenTelemetry
    return out


def rule_groups(out: Path) -> dict[str, list[dict[str, Any]]]:
    groups = {}
    for path in sorted((out / "prometheus" / "rules").glob("*.yml")):
        for group in yaml.safe_load(path.read_text())["groups"]:
            groups[group["name"]] = group["rules"]
    return groups


def dashboards(out: Path) -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted((out / "grafana" / "dashboards").glob("*.json"))}


def start_stack(model: Model, out: Path, workdir: Path) -> Stack:
    envs = model.project.environments
    node = ["node", str(NODE_EXPORTER), str(out / "typescript"), *(a for env in envs for a in ("--env", env)),
            *(a for env in OTEL_ENVS for a in ("--otel-env", env))]
    stack = Stack(out / "python", sorted((out / "prometheus" / "rules").glob("*.yml")), workdir, envs,
                  require_binary("prometheus"),
                  exporter=[str(EXPORTER), *(a for s in TS_SERVICES for a in ("--skip-service", s))],
                  node_exporter=node)
    try:
        stack.start()
        stack.wait_for_data(WAIT_SECONDS)
    except BaseException:
        stack.stop()
        raise
    return stack


@pytest.fixture(scope="module")
def prom(model: Model, out: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Prometheus]:
    started = time.monotonic()
    stack = start_stack(model, out, tmp_path_factory.mktemp("stack"))
    try:
        assert stack.api is not None
        print(f"e2e stack ready in {time.monotonic() - started:.1f}s")
        yield stack.api
    finally:
        stack.stop()
        assert all(p.poll() is not None for p in stack.procs), "a process of the e2e stack is still running"


def fail_with(failures: list[str]) -> None:
    assert not failures, f"{len(failures)} failure(s):\n" + "\n".join(failures)


# --- the generated instrumentation module, without Prometheus ----------------------------------

def run_python(code: str, out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": str(out / "python"), "PROMETHEUS_DISABLE_CREATED_SERIES": "True"}
    return run([sys.executable, "-c", code, *args], env=env, timeout=60)


STDLIB_ONLY = """
import sys
sys.modules["prometheus_client"] = None  # any import of it now raises ImportError
before = set(sys.modules)
import coachup_obs, coachup_obs.instrumentation
third_party = sorted(m for m in set(sys.modules) - before
                     if m.split(".")[0] not in sys.stdlib_module_names and m.split(".")[0] != "coachup_obs")
try:
    coachup_obs.instrumentation.create_metrics("next")
    print(third_party, "eager")
except ImportError:
    print(third_party, "lazy")
"""


def test_package_import_stays_stdlib_only(out: Path) -> None:
    ran = run_python(STDLIB_ONLY, out)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["[]", "lazy"], ran.stdout


DESCRIBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from exporter import Simulator
sim = Simulator(["production"])
sim.tick()
families = {}
for f in sim.registry.collect():
    families[f.name] = {"type": f.type, "help": f.documentation,
                        "samples": sorted({s.name for s in f.samples}),
                        "labels": sorted({k for s in f.samples for k in s.labels if k != "le"}),
                        "le": sorted({float(s.labels["le"]) for s in f.samples if "le" in s.labels})}
print(json.dumps(families))
"""


def instrumentation_failures(model: Model, out: Path) -> list[str]:
    """The prometheus_client objects `create_metrics` makes, against the spec."""
    ran = run_python(DESCRIBE, out, str(EXPORTER.parent))
    assert ran.returncode == 0, ran.stderr
    families = json.loads(ran.stdout)
    failures = []
    for m in model.metrics:
        f = families.pop(m.base_name, None)
        if f is None:
            failures.append(f"metric {m.key}: no prometheus_client family {m.base_name}")
            continue
        got = {"type": f["type"], "help": f["help"], "samples": f["samples"], "labels": f["labels"], "le": f["le"]}
        want = {"type": m.type, "help": m.description, "samples": sorted(m.series), "labels": sorted(m.labels),
                "le": sorted(m.buckets) + [float("inf")] if m.type == "histogram" else []}
        failures += [f"metric {m.key}: {k} is {got[k]}, spec says {want[k]}" for k in want if got[k] != want[k]]
    return failures + [f"family {name} is not in the spec" for name in families]


def test_instrumentation_matches_spec(model: Model, out: Path) -> None:
    fail_with(instrumentation_failures(model, out))


def drop_slo_bucket(out: Path, tmp_path: Path) -> Path:
    """A copy of out/ whose metrics.py and metrics.js lack bucket 8000 (the chat-latency SLO threshold) in
    next.request.latency_ms: what a hand edit of the instrumentation would do."""
    copy = tmp_path / "broken"
    shutil.copytree(out, copy, symlinks=True)
    for path, anchor, line_start in ((copy / "python" / "coachup_obs" / "metrics.py", "NEXT_REQUEST_LATENCY_MS: Final",
                                      "buckets="),
                                     (copy / "typescript" / "metrics.js", "export const NEXT_REQUEST_LATENCY_MS",
                                      "buckets: ")):
        text = path.read_text()
        start = text.index(anchor)
        line = text[start:].split(line_start, 1)[1].split("\n", 1)[0]
        assert ", 8000," in line, line
        path.write_text(text[:start] + text[start:].replace(", 8000,", ",", 1))
    return copy


def test_dropped_bucket_fails_the_instrumentation_check(model: Model, out: Path, tmp_path: Path) -> None:
    failures = instrumentation_failures(model, drop_slo_bucket(out, tmp_path))
    assert len(failures) == 1 and failures[0].startswith("metric next.request.latency_ms: le is"), failures


def test_exporter_typechecks_against_the_generated_module(out: Path, tmp_path: Path) -> None:
    """The typed per-service attributes work under mypy --strict, and a wrong name or service does not."""
    checked = mypy(EXPORTER, out / "python")
    assert checked.returncode == 0, checked.stdout
    text = EXPORTER.read_text()
    broken = text.replace('create_metrics("web"', 'create_metrics("webb"').replace(
        "self.next.NEXT_REQUEST_COUNT.", "self.next.NEXT_REQUEST_COUNTS.")
    assert broken.count("webb") == 1 and broken.count("NEXT_REQUEST_COUNTS") == 1
    (tmp_path / "exporter_broken.py").write_text(broken)
    checked = mypy(tmp_path / "exporter_broken.py", out / "python")
    assert checked.returncode != 0
    assert '"NextMetrics" has no attribute "NEXT_REQUEST_COUNTS"' in checked.stdout, checked.stdout
    assert "No overload variant of \"create_metrics\"" in checked.stdout, checked.stdout


# --- against a real Prometheus --------------------------------------------------------------------

def test_every_rule_group_loaded_and_healthy(prom: Prometheus, out: Path) -> None:
    fail_with(checks.rule_health_failures(prom, rule_groups(out)))


def test_every_recording_rule_returns_data(prom: Prometheus, out: Path) -> None:
    fail_with(checks.recording_rule_failures(prom, rule_groups(out)))


def test_every_alert_expression_evaluates_over_existing_series(prom: Prometheus, out: Path) -> None:
    fail_with(checks.alert_failures(prom, rule_groups(out)))


def test_every_metric_exposed_with_spec_labels_and_buckets(prom: Prometheus, model: Model) -> None:
    fail_with(checks.exposition_failures(prom, model.metrics))


def test_every_dashboard_target_returns_data(prom: Prometheus, out: Path, model: Model) -> None:
    boards = dashboards(out)
    uids = {s.dashboard_uid for s in model.services if model.metrics_for(s.name)}
    assert {b["uid"] for b in boards.values()} == uids | {model.slo_overview_uid}
    fail_with(checks.dashboard_failures(prom, boards, model.project.environments))


def test_the_typescript_services_series_come_from_node(prom: Prometheus, model: Model) -> None:
    """next: prom-client (job coachup-node) in production and staging, OpenTelemetry (coachup-otel) in dev; web:
    the RUM beacons recorded by the ingest route (coachup-node); none of either from the Python exporter."""
    envs = set(model.project.environments)
    for m in model.metrics:
        service = m.key.split(".")[0]
        if service not in TS_SERVICES:
            continue
        got = {(r["metric"]["job"], r["metric"]["env"]) for r in prom.query(f"count by (job, env) ({m.series[0]})")}
        if service == "web":
            want = {("coachup-node", env) for env in envs}
        else:
            want = {("coachup-otel" if env in OTEL_ENVS else "coachup-node", env) for env in envs}
        assert got == want, (m.key, sorted(got))
    python = prom.query('count by (job) ({job="coachup", __name__=~"coachup_(next|web)_.*"})')
    assert not python, python
    assert prom.query('count({job="coachup", __name__=~"coachup_py_.*"})'), "control: the Python exporter is scraped"


def test_renamed_label_in_a_dashboard_query_is_caught(prom: Prometheus, out: Path, model: Model) -> None:
    board = dashboards(out)["next.json"]
    target = next(t for p in checks.panels(board["panels"]) for t in p.get("targets", [])
                  if 'model_id=~"$model_id"' in t["expr"] and "tokens_in" in t["expr"] and "[1d]" in t["expr"])
    panel = next(p["title"] for p in checks.panels(board["panels"]) if target in p.get("targets", []))
    target["expr"] = re.sub(r"(?<!\$)\bmodel_id\b", "modelId", target["expr"])  # the label, not $model_id
    assert target["expr"].count("modelId") == 2 and "$model_id" in target["expr"], target["expr"]
    failures = checks.dashboard_failures(prom, {"next.json": board}, model.project.environments)
    assert len(failures) == 1, failures
    assert failures[0].startswith(f"{board['title']} ({board['uid']}) / panel {panel!r} / {target['refId']}: "
                                  "returned no series"), failures[0]
    assert f"query: {target['expr']}" in failures[0], failures[0]


def test_dropped_bucket_is_caught_by_prometheus(model: Model, out: Path, tmp_path: Path) -> None:
    """The exporter built from a package whose latency histogram lacks the SLO's 8000 ms bucket:
    the chat-latency SLO recording rules return nothing and the bucket check names the metric."""
    broken = drop_slo_bucket(out, tmp_path)
    stack = start_stack(model, broken, tmp_path)
    try:
        assert stack.api is not None
        groups = rule_groups(out)
        records = checks.recording_rule_failures(stack.api, groups)
        expected = {f"rule group 'slo-chat-latency', record {checks.selector_of(r['record'], r['labels'])}: no series"
                    for r in groups["slo-chat-latency"]
                    if r.get("record", "").startswith(("slo:sli_bad_events", "slo:sli_error", "slo:error_"))}
        assert len(expected) == 10 and {f.split("\n")[0] for f in records} == expected, records
        exposition = checks.exposition_failures(stack.api, model.metrics)
        assert exposition == ["metric next.request.latency_ms: coachup_next_request_latency_ms_bucket le buckets "
                              "missing [8000.0], unexpected []"], exposition
    finally:
        stack.stop()
