"use client";
// app/rum.tsx: Web Vitals from the browser, batched to the ingest route with navigator.sendBeacon.
import { useEffect } from "react";
import { createRumReporter, reportWebVitals, type RumReporter } from "@coachup/obs/rum";

let reporter: RumReporter | undefined; // one per page load (effects may run twice in development)

export function Rum() {
  useEffect(() => {
    if (reporter !== undefined) return;
    reporter = createRumReporter({ labels: { env: "production" } }); // your deployment's environment
    reportWebVitals(reporter);
  }, []);
  return null;
}

// Elsewhere in the browser code: an SSE stream that stalled.
export function reportStall(): void {
  reporter?.record("web.sse.stalls", 1);
}
