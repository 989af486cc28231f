// The generated browser reporter (`rum`) against a running ingest route, as a browser would use it:
// `navigator.sendBeacon` (here a stand-in that posts the beacon's Blob with fetch, as the browser does) sends
// the batches `createRumReporter` builds. Run by tests/test_nextjs.py:
//
//     node rum_beacon.mjs OUT_TYPESCRIPT_DIR http://127.0.0.1:PORT/api/rum ENV
//
// Prints one JSON line per beacon: its HTTP status and response body, and what `record` returned.
import { pathToFileURL } from "node:url";

const [dir, endpoint, env] = process.argv.slice(2);
const sent = [];
globalThis.navigator = {
  sendBeacon(url, blob) {
    sent.push(fetch(url, { method: "POST", body: blob, headers: { "content-type": blob.type } })
      .then(async (r) => ({ status: r.status, body: await r.json() })));
    return true;
  },
};
const { createRumReporter } = await import(pathToFileURL(`${dir}/rum.js`).href);
const reporter = createRumReporter({ endpoint, labels: { env }, maxEvents: 3, flushMs: 0 });
const accepted = [
  reporter.record("web.vitals.lcp_ms", 1234.5), // le="1800"
  reporter.record("web.vitals.cls", 0.07), // le="0.1"
  reporter.record("web.vitals.inp_ms", -3), // dropped: the route would reject the batch
  reporter.record("web.sse.stalls", 1), // third queued event: the batch is sent
  reporter.record("web.vitals.ttfb_ms", 310),
];
reporter.flush();
for (const result of await Promise.all(sent)) console.log(JSON.stringify(result));
console.log(JSON.stringify({ accepted, pending: reporter.pending() }));
