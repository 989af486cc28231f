"""Run the exporter and a real Prometheus on loopback, and talk to Prometheus's HTTP API.

Used by tests/test_e2e.py. With `node_exporter`, a second exporter (tests/e2e/exporter.mjs: the
TypeScript services through the generated TypeScript package) is scraped too, as the jobs
coachup-node (/metrics, prom-client) and coachup-otel (/otel, OpenTelemetry). Every process gets an
ephemeral port on 127.0.0.1 and temporary storage; `Stack.stop` terminates them by their own PIDs (terminate, wait, kill).
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

EXPORTER = Path(__file__).parent / "exporter.py"
STARTUP_SECONDS = 15.0


class StackError(RuntimeError):
    """A process did not start or Prometheus answered with an error."""


def free_port() -> int:
    """A port that was free a moment ago (bind 0, read, close); callers retry on a collision."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop(proc: subprocess.Popen[Any] | None) -> None:
    """Stop one process we started, by its PID: terminate, wait, then kill."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
    if proc.stdout is not None:
        proc.stdout.close()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Linux: SIGTERM the child if the test process dies without running its finalizers."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def tail(path: Path, chars: int = 2000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else ""


class Prometheus:
    """A thin client for Prometheus's HTTP API (urllib only)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def get(self, path: str, **params: Any) -> Any:
        """GET `path`; returns `data`, raises StackError with Prometheus's error text otherwise."""
        query = urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(f"{self.base}{path}?{query}", timeout=10) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as err:  # 400/422: bad query, with a JSON error body
            body = json.loads(err.read() or b"{}")
        if body.get("status") != "success":
            raise StackError(f"{body.get('errorType', 'error')}: {body.get('error', body)}")
        return body["data"]

    def query(self, expr: str) -> list[Any]:
        return list(self.get("/api/v1/query", query=expr)["result"])

    def query_range(self, expr: str, seconds: float, step: float) -> list[Any]:
        end = time.time()
        return list(self.get("/api/v1/query_range", query=expr, start=end - seconds, end=end, step=step)["result"])

    def label_values(self, label: str, match: str) -> list[str]:
        return sorted(self.get(f"/api/v1/label/{urllib.parse.quote(label)}/values", **{"match[]": match}))

    def groups(self) -> list[dict[str, Any]]:
        return list(self.get("/api/v1/rules")["groups"])


def finite_values(result: list[Any]) -> list[float]:
    """Every non-NaN, non-infinite sample value of an instant or range query result."""
    values = [v for series in result for v in (series.get("values") or [series.get("value")]) if v]
    return [float(v[1]) for v in values if math.isfinite(float(v[1]))]


def parse_time(text: str) -> float:
    """Prometheus RFC 3339 timestamp (nanoseconds, Z) -> epoch seconds."""
    head, _, frac = text.rstrip("Z").partition(".")
    offset = ""
    for sign in ("+", "-"):
        if sign in frac:
            frac, _, rest = frac.partition(sign)
            offset = sign + rest
    stamp = datetime.fromisoformat(head + (offset or "+00:00"))
    return stamp.timestamp() + (float("0." + frac) if frac else 0.0)


@dataclass
class Stack:
    """One exporter and one Prometheus scraping it and evaluating `rule_files`."""

    python_out: Path  # the generated out/python (PYTHONPATH of the exporter)
    rule_files: list[Path]
    workdir: Path
    envs: tuple[str, ...]
    prometheus_binary: str
    procs: list[subprocess.Popen[Any]] = field(default_factory=list)
    api: Prometheus | None = None
    exporter: list[str] = field(default_factory=lambda: [str(EXPORTER)])  # script and its arguments before --env
    alertmanager: str | None = None  # host:port Prometheus sends its alerts to
    # A second exporter (a full command) that prints {"port": N} and serves /metrics (prom-client) and /otel
    # (OpenTelemetry), scraped as jobs coachup-node and coachup-otel: tests/e2e/exporter.mjs.
    node_exporter: list[str] | None = None

    def start(self) -> Prometheus:
        exporter_port = self._start_exporter()
        node_port = self._start_exporter(self.node_exporter, "node-exporter.log") if self.node_exporter else None
        self.api = self._start_prometheus(exporter_port, node_port)
        return self.api

    def stop(self) -> None:
        for proc in reversed(self.procs):
            stop(proc)

    def _spawn(self, cmd: list[str], log: Path, env: dict[str, str] | None = None,
               stdout: int | None = None) -> subprocess.Popen[Any]:
        with log.open("wb") as err:
            proc = subprocess.Popen(cmd, stdout=stdout if stdout is not None else err, stderr=err,
                                    stdin=subprocess.DEVNULL, env={**os.environ, **(env or {})}, cwd=self.workdir,
                                    preexec_fn=_die_with_parent)
        self.procs.append(proc)
        return proc

    def _start_exporter(self, command: list[str] | None = None, log_name: str = "exporter.log") -> int:
        log = self.workdir / log_name
        cmd = command or [sys.executable, *self.exporter, *(a for env in self.envs for a in ("--env", env))]
        proc = self._spawn(cmd, log, {"PYTHONPATH": str(self.python_out), "PROMETHEUS_DISABLE_CREATED_SERIES": "True"},
                           subprocess.PIPE)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], STARTUP_SECONDS)
        line = proc.stdout.readline() if ready else b""  # the exporter prints its port once it listens
        if not line:
            proc.wait(timeout=5)
            raise StackError(f"exporter exited ({proc.returncode}) before listening:\n{tail(log)}")
        return int(json.loads(line)["port"])

    def _start_prometheus(self, exporter_port: int, node_port: int | None = None) -> Prometheus:
        config = self.workdir / "prometheus.yml"
        node = [{"job_name": job, "metrics_path": path, "static_configs": [{"targets": [f"127.0.0.1:{node_port}"]}]}
                for job, path in (("coachup-node", "/metrics"), ("coachup-otel", "/otel")) if node_port is not None]
        config.write_text(json.dumps({  # JSON is YAML
            "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(p) for p in self.rule_files],
            "scrape_configs": [{"job_name": "coachup", "static_configs": [{"targets": [f"127.0.0.1:{exporter_port}"]}]},
                               *node],
            **({"alerting": {"alertmanagers": [{"static_configs": [{"targets": [self.alertmanager]}]}]}}
               if self.alertmanager else {}),
        }, indent=1))
        for attempt in range(3):
            port = free_port()
            log = self.workdir / f"prometheus-{attempt}.log"
            proc = self._spawn([self.prometheus_binary, f"--config.file={config}",
                                f"--storage.tsdb.path={self.workdir / f'tsdb-{attempt}'}",
                                f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"], log)
            api = Prometheus(f"http://127.0.0.1:{port}")
            deadline = time.monotonic() + STARTUP_SECONDS
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"{api.base}/-/ready", timeout=2) as resp:
                        if resp.status == 200:
                            return api
                except (urllib.error.URLError, ConnectionError):
                    pass
                time.sleep(0.1)
            stop(proc)
            if "address already in use" not in tail(log):
                raise StackError(f"prometheus did not become ready on port {port}:\n{tail(log)}")
        raise StackError("prometheus: no free port after 3 attempts")

    def wait_for_data(self, timeout: float, scrapes: int = 3) -> float:
        """Block until `scrapes` successful scrapes happened and every rule group evaluated after
        that (so rates have two samples and recording rules have seen them); returns seconds waited."""
        assert self.api is not None
        start = time.monotonic()
        deadline = start + timeout
        since: float | None = None
        while time.monotonic() < deadline:
            if since is None:
                up = self.api.query('min(sum_over_time(up{job=~"coachup|coachup-node|coachup-otel"}[1m]))')
                if up and float(up[0]["value"][1]) >= scrapes:
                    since = time.time()
            else:
                groups = self.api.groups()
                if groups and all(parse_time(g["lastEvaluation"]) > since for g in groups):
                    return time.monotonic() - start
            time.sleep(0.2)
        logs = "\n".join(f"{p.name}:\n{tail(p)}" for p in sorted(self.workdir.glob("*.log")))
        raise StackError(f"no data after {timeout:.0f}s ({'rules not evaluated' if since else 'exporter not scraped'})"
                         f"\n{logs}")
