"""A Coach Up traffic simulator exposing every spec metric through the generated instrumentation.

Run by tests/test_e2e.py with the generated package on PYTHONPATH:

    python exporter.py --env production --env staging --env dev

It creates every service's metrics with `coachup_obs.instrumentation.create_metrics`, starts
prometheus_client's HTTP server on 127.0.0.1 at an ephemeral port, prints `{"port": N}`
on stdout and then simulates traffic every 0.5 s until it is terminated (or `--lifetime`
seconds pass, so it never outlives a crashed test): requests on every route, SSE chat turns
with slow ones (over the 8 s chat SLO threshold), 5xx errors, aborted streams, provider calls
on every provider and model with tokens, costs, retries and every error type (timeouts
included), assessment jobs per rubric version, Convex functions, the daily-active-users
gauge and browser Web Vitals. Every label combination is initialised and every histogram
child observed on each tick, so rates and quantiles are non-empty for every panel.

`--skip-service next --skip-service web` leaves those services to tests/e2e/exporter.mjs (the
generated TypeScript package in Node), as tests/test_e2e.py runs it.

Written against the typed per-service dataclasses, as a FastAPI/Next.js developer would;
tests/test_e2e.py type-checks it with mypy --strict.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator

import prometheus_client

# The generated package: on PYTHONPATH when run, on MYPYPATH when type-checked.
from coachup_obs.instrumentation import create_metrics
from coachup_obs.metrics import TAG_VALUES

# Realistic model ids per provider (the spec's modelId tag is a bounded string, not an enum).
MODELS = {
    "openai": ("gpt-4o-mini", "gpt-4o"),
    "anthropic": ("claude-3-5-sonnet",),
    "deepgram": ("nova-2",),
    "elevenlabs": ("eleven_turbo_v2",),
    "google": ("gemini-1.5-flash",),
}
RUBRICS = ("v1", "v2")
TRAFFIC = {"production": 6, "staging": 2, "dev": 1}  # requests per route per tick
DAU = {"production": 1800.0, "staging": 35.0, "dev": 4.0}


class Simulator:
    """One tick of Coach Up traffic per call to `tick`, across every label value."""

    def __init__(self, envs: list[str], seed: int = 7, calm: bool = False, incidents: tuple[str, ...] = (),
                 skip: tuple[str, ...] = ()) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        unexposed = prometheus_client.CollectorRegistry()  # a skipped service's metrics: simulated, never served

        def where(service: str) -> prometheus_client.CollectorRegistry:
            return unexposed if service in skip else self.registry

        self.next = create_metrics("next", where("next"))
        self.py = create_metrics("py", where("py"))
        self.convex = create_metrics("convex", where("convex"))
        self.web = create_metrics("web", where("web"))
        self.provider = create_metrics("provider", where("provider"))
        self.routes = TAG_VALUES["route"]
        self.noise = 0.0 if calm else 1.0  # calm: no random errors or slow outliers (traffic within every SLO)
        self.incidents = incidents  # environments where every POST /api/chat fails
        self.error_types = TAG_VALUES["errorType"]
        self.providers = TAG_VALUES["provider"]
        self.envs = envs
        self.rng = random.Random(seed)
        self._initialise()

    def calls(self) -> Iterator[tuple[str, str, str]]:
        """Every (env, provider, model_id) combination."""
        for env in self.envs:
            for provider in self.providers:
                for model in MODELS.get(provider, (f"{provider}-default",)):
                    yield env, provider, model

    def _initialise(self) -> None:
        """Create every counter child at 0 so error series exist before the first error."""
        for env in self.envs:
            for counter in (self.convex.CONVEX_FUNCTION_ERRORS, self.convex.CONVEX_RATE_LIMIT_EVENTS,
                            self.web.WEB_SSE_STALLS):
                counter.labels(env=env)
            for route in self.routes:
                for c in (self.next.NEXT_REQUEST_ERRORS, self.next.NEXT_STREAM_DISCONNECTS, self.py.PY_REQUEST_ERRORS):
                    c.labels(env=env, route=route)
        for env, provider, model in self.calls():
            for c in (self.py.PY_RETRIES_COUNT, self.py.PY_BACKOFF_COUNT):
                c.labels(env=env, provider=provider, model_id=model)
            for error_type in self.error_types:
                for c in (self.next.NEXT_PROVIDER_ERRORS, self.py.PY_UPSTREAM_ERRORS,
                          self.provider.PROVIDER_REQUEST_ERRORS):
                    c.labels(env=env, provider=provider, model_id=model, error_type=error_type)

    def latency(self, median_ms: float, slow_share: float = 0.0, slow_ms: float = 12000.0) -> float:
        """Log-normal latency around `median_ms`; `slow_share` of calls take about `slow_ms`."""
        if self.rng.random() < slow_share:
            return slow_ms * self.rng.uniform(0.8, 2.0)
        return median_ms * self.rng.lognormvariate(0.0, 0.5)

    def tick(self) -> None:
        for env in self.envs:
            for route in self.routes:
                for _ in range(TRAFFIC.get(env, 1)):
                    self.request(env, route)
        for env, provider, model in self.calls():
            for _ in range(2):
                self.provider_call(env, provider, model)
        for env in self.envs:
            self.background(env)

    def request(self, env: str, route: str) -> None:
        chat = route == "POST /api/chat"
        streamed = chat or route in ("POST /api/stt", "POST /api/tts")
        latency = self.latency(3000.0 - 1000.0 * (1 - self.noise), slow_share=0.08 * self.noise) if chat \
            else self.latency(180.0)
        labels = {"env": env, "route": route}
        self.next.NEXT_REQUEST_COUNT.labels(**labels).inc()
        self.next.NEXT_REQUEST_LATENCY_MS.labels(**labels).observe(latency)
        self.next.NEXT_SSE_FIRST_TOKEN_MS.labels(**labels).observe(self.latency(700.0 if streamed else 150.0))
        self.next.NEXT_STREAM_DURATION_MS.labels(**labels).observe(max(latency - 500.0, 10.0))
        if (chat and env in self.incidents) or self.rng.random() < (0.04 if chat else 0.01) * self.noise:
            self.next.NEXT_REQUEST_ERRORS.labels(**labels).inc()
        if streamed and self.rng.random() < 0.03:
            self.next.NEXT_STREAM_DISCONNECTS.labels(**labels).inc()
        self.py.PY_REQUEST_COUNT.labels(**labels).inc()
        self.py.PY_REQUEST_LATENCY_MS.labels(**labels).observe(latency * 0.9)
        if self.rng.random() < 0.01 * self.noise:
            self.py.PY_REQUEST_ERRORS.labels(**labels).inc()

    def provider_call(self, env: str, provider: str, model: str) -> None:
        labels = {"env": env, "provider": provider, "model_id": model}
        latency = self.latency(900.0, slow_share=0.02 * self.noise, slow_ms=30000.0)
        error: str | None = None
        if self.rng.random() < 0.06 * self.noise:
            error = self.rng.choice(self.error_types)
        elif latency > 30000.0:
            error = "timeout"
        tokens_in = self.rng.randint(200, 3000)
        tokens_out = 0 if error else self.rng.randint(20, 800)
        cost = (tokens_in * 0.015 + tokens_out * 0.06) / 100.0
        for count, errors, hist in (
            (self.provider.PROVIDER_REQUEST_COUNT, self.provider.PROVIDER_REQUEST_ERRORS,
             self.provider.PROVIDER_REQUEST_LATENCY_MS),
            (None, self.py.PY_UPSTREAM_ERRORS, self.py.PY_UPSTREAM_LATENCY_MS),
            (None, self.next.NEXT_PROVIDER_ERRORS, self.next.NEXT_PROVIDER_LATENCY_MS),
        ):
            if count is not None:
                count.labels(**labels).inc()
            hist.labels(**labels).observe(latency)
            if error:
                errors.labels(**labels, error_type=error).inc()
        for tokens_in_c, tokens_out_c, cost_c in (
            (self.provider.PROVIDER_TOKENS_IN, self.provider.PROVIDER_TOKENS_OUT, self.provider.PROVIDER_COST_CENTS),
            (self.py.PY_PROVIDER_TOKENS_IN, self.py.PY_PROVIDER_TOKENS_OUT, self.py.PY_PROVIDER_COST_CENTS),
            (self.next.NEXT_PROVIDER_TOKENS_IN, self.next.NEXT_PROVIDER_TOKENS_OUT, self.next.NEXT_PROVIDER_COST_CENTS),
        ):
            tokens_in_c.labels(**labels).inc(tokens_in)
            tokens_out_c.labels(**labels).inc(tokens_out)
            cost_c.labels(**labels).inc(cost)
        if error in ("timeout", "rate_limited", "server_error"):
            self.py.PY_RETRIES_COUNT.labels(**labels).inc()
            self.py.PY_BACKOFF_COUNT.labels(**labels).inc()

    def background(self, env: str) -> None:
        for rubric in RUBRICS:
            self.py.PY_ASSESSMENT_BACKLOG_MS.labels(env=env, rubric_version=rubric).observe(
                self.latency(20000.0, slow_share=0.05 * self.noise, slow_ms=200000.0))
        self.py.PY_ASSESSMENT_OLDEST_WAITING_MS.labels(env=env).set(self.rng.uniform(0.0, 30000.0))
        for _ in range(TRAFFIC.get(env, 1)):
            self.convex.CONVEX_FUNCTION_LATENCY_MS.labels(env=env).observe(self.latency(40.0, slow_share=0.01))
            self.convex.CONVEX_QUERY_ITEMS_RETURNED.labels(env=env).observe(self.rng.choice((0, 1, 3, 12, 40, 300)))
            if self.rng.random() < 0.05:
                self.convex.CONVEX_FUNCTION_ERRORS.labels(env=env).inc()
            if self.rng.random() < 0.03:
                self.convex.CONVEX_RATE_LIMIT_EVENTS.labels(env=env).inc()
            self.web.WEB_VITALS_LCP_MS.labels(env=env).observe(self.latency(1600.0, slow_share=0.05, slow_ms=5000.0))
            self.web.WEB_VITALS_INP_MS.labels(env=env).observe(self.latency(120.0))
            self.web.WEB_VITALS_CLS.labels(env=env).observe(self.rng.choice((0.0, 0.02, 0.04, 0.08, 0.3)))
            self.web.WEB_VITALS_TTFB_MS.labels(env=env).observe(self.latency(300.0))
            self.web.WEB_AUDIO_START_MS.labels(env=env).observe(self.latency(900.0))
            if self.rng.random() < 0.05:
                self.web.WEB_SSE_STALLS.labels(env=env).inc()
        self.convex.CONVEX_USERS_DAILY_ACTIVE.labels(env=env).set(DAU.get(env, 10.0) + self.rng.randint(0, 5))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--env", action="append", required=True, help="an environment to simulate (repeat)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between traffic ticks")
    parser.add_argument("--lifetime", type=float, default=300.0, help="exit after this many seconds")
    parser.add_argument("--calm", action="store_true", help="no random errors or slow outliers")
    parser.add_argument("--incident", action="append", default=[], help="every POST /api/chat fails in this env")
    parser.add_argument("--skip-service", action="append", default=[],
                        help="do not expose this service's metrics (another exporter serves them; repeat)")
    args = parser.parse_args(argv)

    sim = Simulator(args.env, calm=args.calm, incidents=tuple(args.incident), skip=tuple(args.skip_service))
    sim.tick()
    server, _thread = prometheus_client.start_http_server(0, addr="127.0.0.1", registry=sim.registry)
    print(json.dumps({"port": server.server_port}), flush=True)
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        time.sleep(args.interval)
        sim.tick()
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
