"use client";
// app/vitals.tsx: a client component imports only runtime-neutral subpaths, so no node:crypto reaches the browser.
import { TAG_VALUES, WEB_VITALS_LCP_MS, type EnvValue } from "@coachup/obs/metrics";
import type { LogEventKey } from "@coachup/obs/logs";

const env: EnvValue = TAG_VALUES.env[0];
const event: LogEventKey = "next.api_request";

export function Vitals() {
  return (
    <p data-metric={WEB_VITALS_LCP_MS.promName} data-env={env} data-event={event}>
      {WEB_VITALS_LCP_MS.description} Buckets (ms): {WEB_VITALS_LCP_MS.buckets.join(", ")}
    </p>
  );
}
