// app/api/chat/route.ts: the Node.js runtime (hashId uses node:crypto; edge code imports only headers, metrics, logs).
import { HASH_SALT_ENV, hashId } from "@coachup/obs/hashing";
import { X_REQUEST_ID, X_USER_ID, sanitizeHeaders, sseResponseHeaders } from "@coachup/obs/headers";
import { logLine } from "@coachup/obs/logs";

export const runtime = "nodejs";

async function currentUserId(req: Request): Promise<string> {
  return req.headers.get("x-demo-user") ?? "anonymous"; // your auth here, e.g. Clerk's `(await auth()).userId`
}

export async function POST(req: Request): Promise<Response> {
  const started = Date.now();
  const inbound = sanitizeHeaders("browser-next", req.headers);
  const requestId = inbound.headers[X_REQUEST_ID] ?? crypto.randomUUID();
  const userIdHash = hashId("userIdHash", await currentUserId(req), process.env[HASH_SALT_ENV] ?? "dev-only-salt");
  const { headers } = sanitizeHeaders("next-py", { ...inbound.headers, [X_REQUEST_ID]: requestId, [X_USER_ID]: userIdHash });
  const upstream = await fetch(`${process.env.PY_URL}/chat`, { method: "POST", headers, body: await req.text() });
  console.log(logLine("next.api_request", { ts: new Date().toISOString(), level: "info", service: "next",
    env: "production", requestId, route: "POST /api/chat", method: "POST", status: upstream.status,
    latencyMs: Date.now() - started, userIdHash }));
  return new Response(upstream.body, { headers: sseResponseHeaders() });
}
