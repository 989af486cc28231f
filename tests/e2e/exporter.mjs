// Coach Up traffic of the TypeScript services (next, web) through the generated TypeScript package, for the
// end-to-end Prometheus test (tests/test_e2e.py; tests/e2e/exporter.py simulates the Python-side services).
//
//     node exporter.mjs OUT_TYPESCRIPT_DIR --env production --env staging --env dev --otel-env dev
//
// next: the environments named by --otel-env record through `otel.createOtelMetrics` (the OpenTelemetry JS SDK
// with its Prometheus exporter, created with PROMETHEUS_EXPORTER_OPTIONS), the others through
// `instrumentation.createMetrics` (prom-client): every env-filtered dashboard query and rule of the next service
// reads series of exactly one client. web: each tick's browser measurements go through the RUM path as a page
// would send them, `rum.createRumReporter` batches handed to the ingest route handler (`ingest.createIngestHandler`,
// in process, as `Request`s), which records them into the prom-client registry. One HTTP server on a free
// loopback port serves /metrics (prom-client) and /otel (OpenTelemetry); it prints {"port": N} once listening and
// ticks every --interval seconds until terminated or --lifetime seconds have passed.
import http from "node:http";
import { pathToFileURL } from "node:url";
import { Registry } from "prom-client";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";

const [dir, ...rest] = process.argv.slice(2);
const args = { env: [], otelEnv: [], interval: 0.5, lifetime: 300 };
for (let i = 0; i < rest.length; i += 2) {
  const [flag, value] = [rest[i], rest[i + 1]];
  if (flag === "--env") args.env.push(value);
  else if (flag === "--otel-env") args.otelEnv.push(value);
  else if (flag === "--interval") args.interval = Number(value);
  else if (flag === "--lifetime") args.lifetime = Number(value);
  else throw new Error(`unknown flag ${flag}`);
}
const load = (name) => import(pathToFileURL(`${dir}/${name}.js`).href);
const { TAG_VALUES } = await load("metrics");
const { createMetrics } = await load("instrumentation");
const { createOtelMetrics, METER_NAME, PROMETHEUS_EXPORTER_OPTIONS } = await load("otel");
const { createIngestHandler } = await load("ingest");
const { createRumReporter } = await load("rum");

const MODELS = { openai: ["gpt-4o-mini", "gpt-4o"], anthropic: ["claude-3-5-sonnet"], deepgram: ["nova-2"],
                 elevenlabs: ["eleven_turbo_v2"], google: ["gemini-1.5-flash"] };
const TRAFFIC = { production: 6, staging: 2, dev: 1 };

let seed = 11; // mulberry32: the same traffic every run
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
function latency(median, slowShare = 0, slowMs = 12000) {
  if (random() < slowShare) return slowMs * (0.8 + 1.2 * random());
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return median * Math.exp(0.5 * normal);
}

const registry = new Registry();
const exporter = new PrometheusExporter({ ...PROMETHEUS_EXPORTER_OPTIONS, preventServerStart: true });
const provider = new MeterProvider({ readers: [exporter] });
const promNext = createMetrics("next", registry);
const otelNext = createOtelMetrics("next", provider.getMeter(METER_NAME));
const nextOf = (env) => (args.otelEnv.includes(env) ? otelNext : promNext);
const ingest = createIngestHandler({ registry });
const beacons = [];
const reporters = Object.fromEntries(args.env.map((env) => [env, createRumReporter({
  endpoint: "http://127.0.0.1/api/rum", labels: { env }, flushMs: 0,
  send: (body) => beacons.push(ingest(new Request("http://127.0.0.1/api/rum", {
    method: "POST", body, headers: { "content-type": "application/json" } }))),
})]));

function* calls() {
  for (const env of args.env) for (const provider of TAG_VALUES.provider) {
    for (const model of MODELS[provider] ?? [`${provider}-default`]) yield [env, provider, model];
  }
}

// Every counter child at 0, so the error series exist before the first error.
for (const env of args.env) {
  for (const route of TAG_VALUES.route) {
    nextOf(env).nextRequestErrors({ env, route }).inc(0);
    nextOf(env).nextStreamDisconnects({ env, route }).inc(0);
  }
}
for (const [env, provider, model_id] of calls()) {
  for (const error_type of TAG_VALUES.errorType) nextOf(env).nextProviderErrors({ env, provider, model_id, error_type }).inc(0);
}

function request(env, route) {
  const m = nextOf(env);
  const labels = { env, route };
  const chat = route === "POST /api/chat";
  const streamed = chat || route === "POST /api/stt" || route === "POST /api/tts";
  const took = chat ? latency(3000, 0.08) : latency(180);
  m.nextRequestCount(labels).inc();
  m.nextRequestLatencyMs(labels).observe(took);
  m.nextSseFirstTokenMs(labels).observe(latency(streamed ? 700 : 150));
  m.nextStreamDurationMs(labels).observe(Math.max(took - 500, 10));
  if (random() < (chat ? 0.04 : 0.01)) m.nextRequestErrors(labels).inc();
  if (streamed && random() < 0.03) m.nextStreamDisconnects(labels).inc();
}

function providerCall(env, provider, model_id) {
  const m = nextOf(env);
  const labels = { env, provider, model_id };
  const took = latency(900, 0.02, 30000);
  const error = random() < 0.06 ? pick(TAG_VALUES.errorType) : took > 30000 ? "timeout" : undefined;
  const tokensIn = 200 + Math.floor(random() * 2800);
  const tokensOut = error ? 0 : 20 + Math.floor(random() * 780);
  m.nextProviderLatencyMs(labels).observe(took);
  if (error) m.nextProviderErrors({ ...labels, error_type: error }).inc();
  m.nextProviderTokensIn(labels).inc(tokensIn);
  m.nextProviderTokensOut(labels).inc(tokensOut);
  m.nextProviderCostCents(labels).inc((tokensIn * 0.015 + tokensOut * 0.06) / 100);
}

let first = true;
function browser(env) {
  const r = reporters[env];
  for (let i = 0; i < (TRAFFIC[env] ?? 1); i++) {
    r.record("web.vitals.lcp_ms", latency(1600, 0.05, 5000));
    r.record("web.vitals.inp_ms", latency(120));
    r.record("web.vitals.cls", pick([0, 0.02, 0.04, 0.08, 0.3]));
    r.record("web.vitals.ttfb_ms", latency(300));
    r.record("web.audio.start_ms", latency(900));
    if (first || random() < 0.05) r.record("web.sse.stalls", 1); // one stall in the first tick: the series exists
  }
  r.flush();
}

async function tick() {
  for (const env of args.env) {
    for (const route of TAG_VALUES.route) for (let i = 0; i < (TRAFFIC[env] ?? 1); i++) request(env, route);
  }
  for (const [env, provider, model] of calls()) for (let i = 0; i < 2; i++) providerCall(env, provider, model);
  for (const env of args.env) browser(env);
  first = false;
  for (const response of await Promise.all(beacons.splice(0))) {
    if (response.status !== 202) throw new Error(`the ingest route rejected a beacon: ${await response.text()}`);
  }
}

await tick();
const server = http.createServer(async (req, res) => {
  if (req.url === "/otel") return exporter.getMetricsRequestHandler(req, res);
  if (req.url !== "/metrics") { res.statusCode = 404; return res.end(); }
  res.setHeader("Content-Type", registry.contentType);
  res.end(await registry.metrics());
});
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
console.log(JSON.stringify({ port: server.address().port }));
const deadline = Date.now() + args.lifetime * 1000;
const timer = setInterval(() => {
  if (Date.now() > deadline) {
    clearInterval(timer);
    server.close();
    return;
  }
  tick().catch((err) => { console.error(err); process.exit(1); });
}, args.interval * 1000);
process.on("SIGTERM", () => process.exit(0));
