// app/api/metrics/route.ts: Prometheus scrapes this process's registry here (with the token, when one is set).
import { createMetricsHandler } from "@coachup/obs/ingest";

export const runtime = "nodejs";
export const dynamic = "force-dynamic";
export const GET = createMetricsHandler({ token: process.env.METRICS_TOKEN });
