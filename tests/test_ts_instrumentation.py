"""The TypeScript instrumentation subpaths as a Node service uses them: typed label objects and run-time checks.

`@coachup/obs/instrumentation` (prom-client) and `@coachup/obs/otel` (OpenTelemetry) are installed the way an
app gets them (the package in node_modules, prom-client and @opentelemetry/api beside it as its peer
dependencies). `tsc --strict` accepts a consumer that records every kind of metric through both, and rejects,
each at its line with TypeScript's own error code, a misspelt label, a missing label, an extra label and an
enum value outside the spec; the same for the RUM reporter (`rum`: an unknown metric, `env: "prod"`), the
ingest route's pinned labels (`ingest`) and the Convex log-line metrics (`logmetrics`). At run time
(`node`), an untyped caller's bad label set or value gets a
`LabelValueError` naming the metric and label, a bounded-string label's pattern and `max_values` budget are
enforced, `setLabelChecks(false)` leaves only the label-name checks, and both clients accept the good calls.
(That the series they expose are exactly the queried ones is tests/test_client_matrix.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run, tsc
from test_ts_package import RESOLUTIONS, STRICT, install

GOOD = """\
import { Registry } from "prom-client";
import { createMetrics } from "@coachup/obs/instrumentation";
import { createOtelMetrics } from "@coachup/obs/otel";
import type { BoundCounter, BoundHistogram } from "@coachup/obs/labels";
import { createIngestHandler, createMetricsHandler } from "@coachup/obs/ingest";
import { createLogMetrics } from "@coachup/obs/logmetrics";
import { createRumReporter, reportWebVitals } from "@coachup/obs/rum";

const m = createMetrics("next", new Registry());
m.nextRequestCount({ env: "production", route: "POST /api/chat" }).inc();
m.nextRequestLatencyMs({ env: "dev", route: "GET /api/sessions" }).observe(120);
const end = m.nextSseFirstTokenMs({ env: "staging", route: "POST /api/chat" }).startTimer();
end();
m.nextProviderErrors({ env: "dev", provider: "openai", model_id: "gpt-4o-mini", error_type: "timeout" }).inc(2);
createMetrics("convex", new Registry()).convexUsersDailyActive({ env: "production" }).set(12);
const o = createOtelMetrics("next");
const c: BoundCounter = o.nextRequestCount({ env: "production", route: "POST /api/chat" });
const h: BoundHistogram = o.nextRequestLatencyMs({ env: "dev", route: "POST /api/chat" });
c.inc();
h.observe(3);
const reporter = createRumReporter({ labels: { env: "production" }, send: (body: string) => void body });
const kept: boolean = reporter.record("web.vitals.lcp_ms", 1200);
reportWebVitals(reporter);
const post: (req: Request) => Promise<Response> = createIngestHandler({ registry: new Registry(), labels: { env: "dev" } });
const get = createMetricsHandler({ token: "t" });
createLogMetrics("convex").convexQueryItemsReturned({ env: "production" }).observe(3);
void [kept, post, get];
export {};
"""
BAD = {  # name -> (the line, the TypeScript error it must get)
    "misspelt": ('m.nextRequestCount({ env: "production", rout: "POST /api/chat" }).inc();', "TS2561"),
    "missing": ('m.nextRequestCount({ env: "production" }).inc();', "TS2345"),
    "extra": ('m.nextRequestCount({ env: "production", route: "POST /api/chat", user: "u" }).inc();', "TS2353"),
    "enum": ('m.nextRequestCount({ env: "prod", route: "POST /api/chat" }).inc();', "TS2322"),
    "otel-enum": ('createOtelMetrics("next").nextRequestCount({ env: "production", route: "GET /x" }).inc();', "TS2322"),
    "service": ('createMetrics("nxt", new Registry());', "TS2769"),
}
BAD_TOGETHER = [  # the RUM, ingest and log-line subpaths: one tsc run, each line must fail with its code
    ('reporter.record("web.vitals.lcp", 1200);', "TS2345"),
    ('createRumReporter({ labels: { env: "prod" } });', "TS2322"),
    ('createIngestHandler({ labels: { env: "prod" } });', "TS2322"),
    ('createLogMetrics("convex").convexFunctionErrors({ env: "prod" }).inc();', "TS2322"),
    ('createLogMetrics("convex").convexFunctionErrors({}).inc();', "TS2345"),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ts-instrumentation")
    install(root)
    return root


def _tsc(project: Path, name: str, source: str) -> tuple[int, str]:
    (project / f"{name}.ts").write_text(source, encoding="utf-8")
    options = {**STRICT, **RESOLUTIONS["nodenext"]}
    done = tsc(project, {"compilerOptions": options, "files": [f"{name}.ts"]}, name=f"tsconfig.{name}.json")
    return done.returncode, done.stdout + done.stderr


def test_a_consumer_of_both_clients_compiles(project: Path) -> None:
    code, output = _tsc(project, "good", GOOD)
    assert code == 0, output


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_wrong_label_set_fails_tsc_at_its_line(project: Path, case: str) -> None:
    line, error = BAD[case]
    source = GOOD.replace("export {};\n", "") + line + "\nexport {};\n"
    code, output = _tsc(project, f"bad_{case.replace('-', '_')}", source)
    lineno = source.splitlines().index(line) + 1
    errors = [x for x in output.splitlines() if "error TS" in x]
    assert code != 0 and errors, output
    assert all(f"({lineno}," in x for x in errors) and any(error in x for x in errors), output


def test_misused_rum_ingest_and_logmetrics_fail_tsc_at_each_line(project: Path) -> None:
    source = GOOD.replace("export {};\n", "") + "".join(line + "\n" for line, _ in BAD_TOGETHER) + "export {};\n"
    code, output = _tsc(project, "bad_together", source)
    lines = source.splitlines()
    errors = [x for x in output.splitlines() if "error TS" in x]
    assert code != 0
    for line, error in BAD_TOGETHER:
        at = [x for x in errors if x.startswith(f"bad_together.ts({lines.index(line) + 1},")]
        assert any(error in x for x in at), (line, output)
    assert len({x.split(",")[0] for x in errors}) == len(BAD_TOGETHER), output  # no other line fails


RUNTIME = """\
import { Registry } from "prom-client";
import { createMetrics } from "@coachup/obs/instrumentation";
import { LabelValueError, setLabelChecks } from "@coachup/obs/labels";
import { createOtelMetrics } from "@coachup/obs/otel";

const m = createMetrics("next", new Registry());
const o = createOtelMetrics("next");
const results = {};
const attempt = (name, fn) => {
  try { fn(); results[name] = "ok"; }
  catch (e) { results[name] = e instanceof LabelValueError ? `LabelValueError: ${e.message}` : `${e.name}: ${e.message}`; }
};
const tokens = (model_id) => ({ env: "dev", provider: "openai", model_id });
attempt("good", () => m.nextRequestCount({ env: "dev", route: "POST /api/chat" }).inc());
attempt("otel-good", () => o.nextRequestCount({ env: "dev", route: "POST /api/chat" }).inc());
attempt("enum", () => m.nextRequestCount({ env: "prod", route: "POST /api/chat" }).inc());
attempt("otel-enum", () => o.nextRequestCount({ env: "prod", route: "POST /api/chat" }).inc());
attempt("unknown", () => m.nextRequestCount({ env: "dev", route: "POST /api/chat", user: "u:1" }).inc());
attempt("missing", () => m.nextRequestCount({ env: "dev" }).inc());
attempt("pattern", () => m.nextProviderTokensIn(tokens("bad model id!")).inc());
for (let i = 0; i < 30; i++) attempt(`budget-${i}`, () => m.nextProviderTokensIn(tokens(`model-${i}`)).inc());
attempt("over-budget", () => m.nextProviderTokensIn(tokens("model-30")).inc());
attempt("again", () => m.nextProviderTokensIn(tokens("model-0")).inc());
setLabelChecks(false);
attempt("enum-unchecked", () => m.nextRequestCount({ env: "prod", route: "POST /api/chat" }).inc());
attempt("unknown-unchecked", () => m.nextRequestCount({ env: "dev", route: "POST /api/chat", user: "u:1" }).inc());
console.log(JSON.stringify(results));
"""


def test_run_time_checks_catch_untyped_callers(project: Path) -> None:
    (project / "runtime.mjs").write_text(RUNTIME, encoding="utf-8")
    done = run(["node", "runtime.mjs"], project)
    assert done.returncode == 0, done.stderr
    r = json.loads(done.stdout)
    assert r["good"] == r["otel-good"] == r["again"] == r["enum-unchecked"] == "ok", r
    assert all(r[f"budget-{i}"] == "ok" for i in range(30)), r
    where = 'LabelValueError: metric "next.request.count"'
    assert r["enum"].startswith(f'{where}, label "env": value "prod" is not one of'), r
    assert r["otel-enum"] == r["enum"], r
    assert r["unknown"] == r["unknown-unchecked"] == f'{where} has no label "user"', r
    assert r["missing"] == f'{where}, label "route": expected a string, got undefined', r
    assert r["pattern"].startswith('LabelValueError: metric "next.provider.tokens_in", label "model_id": value '
                                   '"bad model id!" does not match'), r
    assert "would be distinct value 31, over max_values 30" in r["over-budget"], r


def test_a_service_of_labelless_metrics_records_through_both_clients(tmp_path: Path) -> None:
    """A metric without labels: `createMetrics` and `createOtelMetrics` both record it (no label set to check)."""
    from conftest import CASES, write_files

    from obs_codegen.backends import typescript
    from obs_codegen.backends.templating import Templates
    from obs_codegen.pipeline import compile_spec

    text = (CASES / "minimal" / "spec.yaml").read_text(encoding="utf-8")
    text = text.replace("services:\n", "services:\n  batch: {title: Batch, description: Batch jobs.}\n", 1)
    text = text.replace("metrics:\n", "metrics:\n  batch.jobs.count: {type: counter, unit: jobs, description: Jobs.}\n", 1)
    (tmp_path / "spec.yaml").write_text(text, encoding="utf-8")
    compiled = compile_spec(tmp_path / "spec.yaml")
    assert compiled.model is not None and compiled.ok, [d.text() for d in compiled.diagnostics]
    files = typescript.render(compiled.model, Templates())
    write_files({p.relative_to("typescript"): d for p, d in files.items()}, tmp_path / "pkg")
    (tmp_path / "node_modules").symlink_to(Path(__file__).resolve().parent.parent / "node_modules")
    script = ("import { Registry } from 'prom-client';\n"
              "import { createMetrics } from './pkg/instrumentation.js';\n"
              "import { createOtelMetrics } from './pkg/otel.js';\n"
              "const r = new Registry();\n"
              "createMetrics('batch', r).batchJobsCount().inc(2);\n"
              "createOtelMetrics('batch').batchJobsCount().inc();\n"
              "console.log((await r.metrics()).split('\\n').filter((l) => l.startsWith('shop_batch')).join(';'));\n")
    (tmp_path / "t.mjs").write_text(script, encoding="utf-8")
    (tmp_path / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    done = run(["node", "t.mjs"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "shop_batch_jobs_count_total 2", done.stdout
