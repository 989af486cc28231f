// Record one sample per metric and label value through a generated TypeScript client module, then print what
// a real scrape of `/metrics` returns (run by tests/test_client_matrix.py in a subprocess).
//
//     node scrape.mjs prom-client|opentelemetry-js|logmetrics-mtail OUT_TYPESCRIPT_DIR [--default-buckets]
//
// `prom-client` uses `instrumentation.createMetrics` on a fresh Registry; `opentelemetry-js` uses
// `otel.createOtelMetrics` with the OpenTelemetry JS SDK and its Prometheus exporter (created with the
// package's PROMETHEUS_EXPORTER_OPTIONS). Either is served by an HTTP server on a free loopback port and
// fetched once. `--default-buckets` (the negative control) hands createOtelMetrics a meter that drops the
// bucket advice, so the SDK's default boundaries apply. `logmetrics-mtail` (the Convex path) records through
// `logmetrics.createLogMetrics` into a log file and prints what the generated mtail program (OUT/mtail) exposes
// for it (`mtail --one_shot`, no HTTP).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [client, dir, ...flags] = process.argv.slice(2);
const load = (name) => import(pathToFileURL(`${dir}/${name}.js`).href);
const { LABEL_CHECKS } = await load("labels");
const CANDIDATES = ["v1", "gpt-4o-mini", "a1", "x"]; // sample values tried against a bounded-string tag's pattern

function valuesOf(check, label) {
  if (check.values !== undefined) return [...check.values].sort();
  const found = CANDIDATES.find((c) => check.pattern === undefined || check.pattern.test(c));
  if (found === undefined) throw new Error(`no sample value matches the pattern of label ${label}`);
  return [found];
}

function* combinations(lists) {
  if (lists.length === 0) { yield []; return; }
  const [first, ...rest] = lists;
  for (const v of first) for (const tail of combinations(rest)) yield [v, ...tail];
}

const camel = (constant) => constant.toLowerCase().replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

const metricsModule = await load("metrics");
const { METRICS } = metricsModule;

function record(serviceMetrics, service) {
  const fields = service === undefined ? Object.keys(serviceMetrics).filter((k) => k === k.toUpperCase())
    : Object.keys(metricsModule).filter((k) => METRICS[metricsModule[k]?.key] === metricsModule[k]
                                                 && metricsModule[k].key.startsWith(`${service}.`));
  for (const field of fields) {
    const spec = metricsModule[field]; // the UPPER_CASE field is the metric's constant in metrics.js
    if (spec === undefined || METRICS[spec.key] !== spec) throw new Error(`no metric constant for field ${field}`);
    const method = serviceMetrics[camel(field)];
    if (typeof method !== "function") throw new Error(`no recording method ${camel(field)} for ${spec.key}`);
    const checks = LABEL_CHECKS[spec.key] ?? {};
    for (const combo of combinations(spec.labels.map((l) => valuesOf(checks[l], l)))) {
      const bound = method(Object.fromEntries(spec.labels.map((l, i) => [l, combo[i]])));
      if (spec.type === "counter") bound.inc();
      else if (spec.type === "gauge") bound.set(1);
      else bound.observe(spec.buckets[Math.floor(spec.buckets.length / 2)]);
    }
  }
}

const services = [...new Set(Object.keys(METRICS).map((k) => k.split(".")[0]))].sort();
let handler;
if (client === "prom-client") {
  const { Registry } = await import("prom-client");
  const { createMetrics } = await load("instrumentation");
  const registry = new Registry();
  for (const s of services) record(createMetrics(s, registry));
  handler = async (_req, res) => { res.setHeader("Content-Type", registry.contentType); res.end(await registry.metrics()); };
} else if (client === "opentelemetry-js") {
  const { MeterProvider } = await import("@opentelemetry/sdk-metrics");
  const { PrometheusExporter } = await import("@opentelemetry/exporter-prometheus");
  const { createOtelMetrics, METER_NAME, PROMETHEUS_EXPORTER_OPTIONS } = await load("otel");
  const exporter = new PrometheusExporter({ ...PROMETHEUS_EXPORTER_OPTIONS, preventServerStart: true });
  const provider = new MeterProvider({ readers: [exporter] });
  let meter = provider.getMeter(METER_NAME);
  if (flags.includes("--default-buckets")) {
    const real = meter;
    meter = { createCounter: (n, o) => real.createCounter(n, o), createGauge: (n, o) => real.createGauge(n, o),
              createHistogram: (n, { advice, ...o }) => real.createHistogram(n, o) };
  }
  for (const s of services) record(createOtelMetrics(s, meter));
  handler = (req, res) => exporter.getMetricsRequestHandler(req, res);
} else if (client === "logmetrics-mtail") {
  const { createLogMetrics } = await load("logmetrics");
  const lines = [];
  for (const s of services) record(createLogMetrics(s, (line) => lines.push(line)), s);
  const log = join(mkdtempSync(join(tmpdir(), "logmetrics-")), "functions.log");
  writeFileSync(log, lines.join("\n") + "\n");
  const ran = spawnSync("mtail", ["--progs", `${dir}/../mtail`, "--logs", log, "--one_shot", "--one_shot_format",
                                  "prometheus", "--emit_prog_label=false", "--address", "127.0.0.1", "--port", "0"], { encoding: "utf8" });
  if (ran.status !== 0) throw new Error(`mtail failed (${ran.status}): ${ran.stderr}`);
  await new Promise((resolve) => process.stdout.write(ran.stdout, resolve));
  process.exit(0);
} else {
  console.error("usage: node scrape.mjs prom-client|opentelemetry-js|logmetrics-mtail OUT_TYPESCRIPT_DIR [--default-buckets]");
  process.exit(2);
}
const server = http.createServer(handler);
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
try {
  const response = await fetch(`http://127.0.0.1:${server.address().port}/metrics`);
  process.stdout.write(await response.text());
} finally {
  server.close();
}
