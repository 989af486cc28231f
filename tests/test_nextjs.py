"""`next build` of a minimal App Router app that depends on the generated TypeScript package as the README says.

`tests/nextjs_app/` is the app: a route handler using `hashId` and `sanitizeHeaders` (Node.js runtime), the
RUM ingest route (`export { POST } from "@coachup/obs/ingest"`), the metrics route (`createMetricsHandler`), a
client component using metric and log constants and one starting the Web Vitals reporter, with
`"@coachup/obs": "file:../../out/typescript"` in its package.json and no next.config at all (no
`transpilePackages`, no `resolve.extensionAlias`, no Turbopack rule). Its pinned dependencies (next, react,
react-dom, prom-client, web-vitals, typescript, @types/*) come from its own package-lock.json, installed once with `npm ci` into
`.cache/nextjs/` (ignored; at the same depth as the app, so the `file:` path reaches the same
`out/typescript`) and reinstalled only when the lock changes. The app is built with webpack and with
Turbopack, once each (a module fixture); each build must compile and type-check, list the route handlers as
dynamic, and ship no `node:crypto` code (`hashId`), prom-client or ingest code to the browser while the client
chunks carry the metric names and the reporter. Each build is then started with `next start` on 127.0.0.1
(stopped by its process group): the generated reporter's sendBeacon batches (tests/js/rum_beacon.mjs) show up
as web.vitals.* buckets on the metrics route, each malformed beacon gets its 4xx and a JSON error and leaves
every web series unchanged, and (webpack build) a real Prometheus scrapes the metrics route with the bearer
token and sees the beacon's bucket. The README's snippets are the app's files, byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, require_binary, run
from e2e.stack import Prometheus, StackError, free_port, stop

APP = ROOT / "tests" / "nextjs_app"
CACHE = ROOT / ".cache" / "nextjs"
SOURCES = ("package.json", "package-lock.json", "tsconfig.json", "app")
README_FILES = ("app/api/chat/route.ts", "app/vitals.tsx", "app/api/rum/route.ts", "app/api/metrics/route.ts",
                "app/rum.tsx")

pytestmark = pytest.mark.xdist_group("nextjs")


@pytest.fixture(scope="module")
def app() -> Path:
    """The app's sources in `.cache/nextjs`, its locked dependencies installed there (once per lock)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        target = CACHE / name
        if target.is_dir():
            shutil.rmtree(target)
        (shutil.copytree if (APP / name).is_dir() else shutil.copyfile)(APP / name, target)
    lock = hashlib.sha256((APP / "package.json").read_bytes() + (APP / "package-lock.json").read_bytes()).hexdigest()
    stamp = CACHE / "node_modules" / ".obs-codegen-lock"
    if not stamp.exists() or stamp.read_text() != lock:
        ci = run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], CACHE, timeout=900)
        assert ci.returncode == 0, ci.stdout[-2000:] + ci.stderr[-3000:]
        stamp.write_text(lock)
    linked = CACHE / "node_modules" / "@coachup" / "obs"
    assert linked.resolve() == (ROOT / "out" / "typescript").resolve(), linked.resolve()
    return CACHE


def next_build(app: Path, bundler: str) -> tuple[int, str]:
    """`next build --<bundler>` in its own process group, which is ended afterwards: a worker that outlives the
    build would otherwise keep writing into `.next` and hold `.next/lock` for the next build."""
    with subprocess.Popen([str(app / "node_modules" / ".bin" / "next"), "build", f"--{bundler}"], cwd=app,
                          env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "CI": "1"}, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True) as build:
        try:
            output, _ = build.communicate(timeout=900)
        finally:
            try:
                os.killpg(build.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return build.returncode, output


@pytest.fixture(scope="module", params=["webpack", "turbopack"])
def built(app: Path, request: pytest.FixtureRequest) -> tuple[Path, str, str]:
    """The app built once per bundler (the most expensive step of the suite): (app, bundler, build output)."""
    if (app / ".next").exists():
        shutil.rmtree(app / ".next")
    tsconfig = (app / "tsconfig.json").read_text()
    code, output = next_build(app, request.param)
    assert code == 0, output[-6000:]
    assert (app / "tsconfig.json").read_text() == tsconfig, "next build had to change tsconfig.json"
    return app, request.param, output


def test_next_build(built: tuple[Path, str, str]) -> None:
    app, bundler, output = built
    assert f"({'Turbopack' if bundler == 'turbopack' else 'webpack'})" in output, output[:500]
    for route in ("/api/chat", "/api/rum", "/api/metrics"):  # route handlers, server-rendered on demand
        assert re.search(rf"ƒ {route}\b", output), output[-3000:]
    assert "Running TypeScript" in output  # Next type-checked the app against the .d.ts
    chunks = {p: p.read_text(errors="replace") for p in (app / ".next" / "static").rglob("*.js")}
    assert chunks
    assert any('"coachup_web_vitals_lcp_ms"' in text for text in chunks.values())  # the client component's promName
    assert any("sendBeacon" in text for text in chunks.values())  # the RUM reporter reached the browser
    leaked = [p.name for p, text in chunks.items() if "createHmac" in text or "hashId: " in text]
    assert not leaked, f"node:crypto code in browser chunks: {leaked}"
    server_only = [p.name for p, text in chunks.items() if INGEST_MARK in text or "prom-client" in text]
    assert not server_only, f"ingest route or prom-client code in browser chunks: {server_only}"
    server = {p: p.read_text(errors="replace") for p in (app / ".next" / "server").rglob("*.js")}
    assert any("createHmac" in t for t in server.values()), "control: the server bundle carries hashId"
    assert any(INGEST_MARK in t for t in server.values()), "control: the server bundle carries the ingest route"


# --- the built app, started: the RUM ingest route and the metrics route ---------------------------------

INGEST_MARK = "the body is over"  # a message of the generated ingest route (not of the browser reporter)
TOKEN = "obs-codegen-test-token"
BEACON = ROOT / "tests" / "js" / "rum_beacon.mjs"


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[str]

    def post(self, body: bytes | str, content_type: str = "application/json") -> tuple[int, Any]:
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(f"{self.base}/api/rum", data=data, method="POST",
                                     headers={"content-type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def metrics(self, token: str | None = TOKEN) -> tuple[int, str]:
        req = urllib.request.Request(f"{self.base}/api/metrics",
                                     headers={"authorization": f"Bearer {token}"} if token else {})
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()


@pytest.fixture(scope="module")
def server(built: tuple[Path, str, str]) -> Iterator[Server]:
    """`next start` of the build on 127.0.0.1 at a free port, stopped by its PID (its process group) afterwards."""
    app = built[0]
    port = free_port()
    proc = subprocess.Popen([str(app / "node_modules" / ".bin" / "next"), "start", "-H", "127.0.0.1", "-p", str(port)],
                            cwd=app, env={**os.environ, "NEXT_TELEMETRY_DISABLED": "1", "METRICS_TOKEN": TOKEN},
                            text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        srv = Server(f"http://127.0.0.1:{port}", proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if srv.metrics()[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        else:
            pytest.fail(f"next start did not serve /api/metrics: {proc.stdout.read() if proc.stdout else ''}"[-3000:])
        yield srv
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def web_samples(text: str) -> dict[str, float]:
    """Every web.* sample of an exposition: `name{labels}` -> value."""
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if line.startswith("coachup_web_")}


BAD_BEACONS = [  # (what is wrong, body, content type, expected status, where the error points)
    ("unknown field", {"labels": {"env": "dev"}, "events": [{"metric": "web.vitals.lcp_ms", "value": 1, "url": "/x"}]},
     "application/json", 400, "$.events[0]"),
    ("unknown metric", {"labels": {"env": "dev"}, "events": [{"metric": "next.request.count", "value": 1}]},
     "application/json", 400, "$.events[0].metric"),
    ("negative value", {"labels": {"env": "dev"}, "events": [{"metric": "web.vitals.lcp_ms", "value": -5}]},
     "application/json", 400, "$.events[0].value"),
    ("non-finite value", '{"labels": {"env": "dev"}, "events": [{"metric": "web.vitals.lcp_ms", "value": 1e999}]}',
     "application/json", 400, "$.events[0].value"),
    ("out of range", {"labels": {"env": "dev"}, "events": [{"metric": "web.vitals.cls", "value": 1000}]},
     "application/json", 400, "$.events[0].value"),
    ("fractional counter", {"labels": {"env": "dev"}, "events": [{"metric": "web.sse.stalls", "value": 0.5}]},
     "application/json", 400, "$.events[0].value"),
    ("env outside the enum", {"labels": {"env": "prod"}, "events": [{"metric": "web.vitals.lcp_ms", "value": 1}]},
     "application/json", 400, "$.labels.env"),
    ("a raw URL as a label", {"labels": {"env": "dev", "page": "/sessions/123?u=ann"},
                              "events": [{"metric": "web.vitals.lcp_ms", "value": 1}]},
     "application/json", 400, "$.labels.page"),
    ("missing label", {"events": [{"metric": "web.vitals.lcp_ms", "value": 1}]}, "application/json", 400,
     "$.events[0]"),
    ("one bad event of two", {"labels": {"env": "dev"}, "events": [{"metric": "web.vitals.lcp_ms", "value": 900},
                                                                   {"metric": "web.vitals.lcp_ms", "value": "900"}]},
     "application/json", 400, "$.events[1].value"),
    ("too many events", {"labels": {"env": "dev"}, "events": [{"metric": "web.sse.stalls", "value": 1}] * 51},
     "application/json", 413, "$.events"),
    ("oversized body", {"labels": {"env": "dev"}, "events": [{"metric": "web.sse.stalls", "value": 1}],
                        "pad": "x" * 20000}, "application/json", 413, None),
    ("not JSON", "{labels: dev}", "application/json", 400, "$"),
    ("wrong content type", {"events": []}, "application/x-www-form-urlencoded", 415, None),
]


def test_a_good_beacon_is_recorded_as_web_vitals_buckets(server: Server, built: tuple[Path, str, str]) -> None:
    """The generated reporter's batches (sendBeacon) reach the route and show up as buckets on the metrics route."""
    env = {"webpack": "staging", "turbopack": "dev"}[built[1]]  # each server is fresh; the env tells them apart
    ran = run(["node", str(BEACON), str(ROOT / "out" / "typescript"), f"{server.base}/api/rum", env], timeout=60)
    assert ran.returncode == 0, ran.stderr[-3000:]
    *beacons, summary = [json.loads(line) for line in ran.stdout.splitlines()]
    assert beacons == [{"status": 202, "body": {"recorded": 3}}, {"status": 202, "body": {"recorded": 1}}], beacons
    assert summary == {"accepted": [True, True, False, True, True], "pending": 0}
    status, text = server.metrics()
    assert status == 200
    samples = web_samples(text)
    lcp = "coachup_web_vitals_lcp_ms_bucket{le=%s,env=\"" + env + "\"}"
    assert samples[lcp % '"1000"'] == 0 and samples[lcp % '"1800"'] == 1, text
    assert samples[f'coachup_web_vitals_cls_bucket{{le="0.1",env="{env}"}}'] == 1
    assert samples[f'coachup_web_sse_stalls_total{{env="{env}"}}'] == 1
    assert samples[f'coachup_web_vitals_ttfb_ms_count{{env="{env}"}}'] == 1
    assert not any(k.startswith("coachup_web_vitals_inp_ms") for k in samples), "the dropped INP value was recorded"
    assert server.metrics(token=None)[0] == 401  # the metrics route wants the token


@pytest.mark.parametrize("case", BAD_BEACONS, ids=[c[0] for c in BAD_BEACONS])
def test_a_bad_beacon_gets_a_4xx_and_records_nothing(server: Server, case: tuple[Any, ...]) -> None:
    _, body, content_type, status, at = case
    before = web_samples(server.metrics()[1])
    got, reply = server.post(body if isinstance(body, str) else json.dumps(body), content_type)
    assert got == status, reply
    assert isinstance(reply.get("error"), str) and reply["error"], reply
    assert reply.get("at") == at, reply
    assert web_samples(server.metrics()[1]) == before, "a rejected beacon changed the web series"


def test_prometheus_scrapes_the_beacon_from_the_metrics_route(server: Server, built: tuple[Path, str, str],
                                                              tmp_path: Path) -> None:
    """A real Prometheus scrapes the app's metrics route (bearer token) and sees the beacon's bucket."""
    if built[1] != "webpack":
        pytest.skip("one Prometheus scrape is enough: both builds serve the same route (checked above)")
    env = "production"
    got, _ = server.post(json.dumps({"labels": {"env": env}, "events": [{"metric": "web.vitals.lcp_ms",
                                                                        "value": 2100}]}))
    assert got == 202
    host = server.base.removeprefix("http://")
    config = {"global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
              "scrape_configs": [{"job_name": "next", "metrics_path": "/api/metrics",
                                  "authorization": {"credentials": TOKEN}, "static_configs": [{"targets": [host]}]}]}
    (tmp_path / "prometheus.yml").write_text(json.dumps(config))
    port = free_port()
    with (tmp_path / "prometheus.log").open("wb") as log:
        prom = subprocess.Popen([require_binary("prometheus"), f"--config.file={tmp_path / 'prometheus.yml'}",
                                 f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}",
                                 "--log.level=warn"], stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    try:
        api = Prometheus(f"http://127.0.0.1:{port}")
        query = f'coachup_web_vitals_lcp_ms_bucket{{env="{env}",le="2500"}}'
        result: list[Any] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not result and prom.poll() is None:
            try:
                result = api.query(query)
            except (urllib.error.URLError, ConnectionError, StackError):
                pass
            time.sleep(0.3)
        assert result, f"Prometheus never saw {query}:\n{(tmp_path / 'prometheus.log').read_text()[-2000:]}"
        assert float(result[0]["value"][1]) == 1 and result[0]["metric"]["job"] == "next", result
        assert not api.query(f'coachup_web_vitals_lcp_ms_bucket{{env="{env}",le="2000"}} > 0')  # 2100 > 2000
    finally:
        stop(prom)


def fences(text: str) -> list[tuple[str, str]]:
    """Every fenced code block of a Markdown text: (info string, body)."""
    return [(m["info"], m["body"]) for m in re.finditer(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```$", text, re.S | re.M)]


def test_readme_snippets_are_the_apps_files() -> None:
    blocks = [body for _, body in fences((ROOT / "README.md").read_text(encoding="utf-8"))]
    for name in README_FILES:
        assert (APP / name).read_text(encoding="utf-8") in blocks, f"README has no block equal to tests/nextjs_app/{name}"
    dependency = {"dependencies": {"@coachup/obs": json.loads((APP / "package.json").read_text())["dependencies"]
                                   ["@coachup/obs"]}}
    json_blocks = [json.loads(body) for info, body in fences((ROOT / "README.md").read_text()) if info == "json"]
    assert dependency in json_blocks, "README shows the app's package.json dependency on the generated package"
