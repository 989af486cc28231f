// app/api/rum/route.ts: the browser's RUM beacons, checked against the spec and recorded with prom-client.
export { POST } from "@coachup/obs/ingest";

export const runtime = "nodejs";
