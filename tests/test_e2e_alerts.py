"""End to end, the alert path: generated rules in a real Prometheus -> a real Alertmanager with the
generated routing tree -> a webhook receiver in this test.

The exporter simulates calm Coach Up traffic (no random errors, no slow outliers: every SLO is
met; a tick every 0.1 s, so the 1-day windows' traffic guard is met within seconds) with an
incident: every POST /api/chat fails in production and in dev. Prometheus evaluates the generated
rules every second; the test copy of the rule files sets every `for:` to 0s (20s for the no-data
alerts, which must outlast the first scrapes); expressions, labels and annotations are the
generated ones. The test copy of the Alertmanager configuration gives each placeholder receiver a
webhook to 127.0.0.1 and a 1s group_wait; routing tree, grouping and inhibition are the generated
ones. The page must reach the production pager, the dev incident must be a ticket, the slow-burn
alert must be inhibited by the fast-burn one of the same SLO and environment, and nothing else
may arrive.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import write_files
from e2e.stack import EXPORTER, STARTUP_SECONDS, Prometheus, Stack, free_port, parse_time, stop, tail

from obs_codegen.backends import alertmanager, render_all
from obs_codegen.backends.yaml_doc import yaml_document
from obs_codegen.spec.model import Model

WAIT_SECONDS = 60.0
pytestmark = pytest.mark.xdist_group("e2e-alerts")

EXPECTED = {("coachup-page-production", "ChatAvailabilityBurnFast", "production", "page"),
            ("coachup-ticket-dev", "ChatAvailabilityBurnFast", "dev", "ticket")}


def alertmanager_binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if not found:
        pytest.fail("alertmanager not found: `make test` installs Debian's prometheus-alertmanager package")
    return found


class Receiver:
    """A webhook receiver on 127.0.0.1: every notification, by receiver (the URL path)."""

    def __init__(self) -> None:
        self.notifications: list[tuple[str, dict[str, Any]]] = []
        received = self.notifications

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                received.append((self.path.strip("/"), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def delivered(self) -> set[tuple[str, str, str, str]]:
        return {(receiver, a["labels"]["alertname"], a["labels"].get("env", ""), a["labels"]["severity"])
                for receiver, body in self.notifications for a in body["alerts"] if a["status"] == "firing"}

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def webhook_config(model: Model, webhook_port: int) -> dict[str, Any]:
    """The generated routing tree; each placeholder receiver gets a webhook, notifications go out after 1s."""
    config = alertmanager.routing_tree(model)
    config["route"].update(group_wait="1s", group_interval="1s")
    for r in config["receivers"]:
        r["webhook_configs"] = [{"url": f"http://127.0.0.1:{webhook_port}/{r['name']}", "send_resolved": False}]
    return config


def start_alertmanager(config: Path, workdir: Path) -> tuple[subprocess.Popen[Any], str]:
    for attempt in range(3):
        port = free_port()
        log = workdir / f"alertmanager-{attempt}.log"
        with log.open("wb") as err:
            proc = subprocess.Popen([alertmanager_binary(), f"--config.file={config}",
                                     f"--storage.path={workdir / f'am-{attempt}'}",
                                     f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
                                     "--log.level=warn"], stdout=err, stderr=err, stdin=subprocess.DEVNULL, cwd=workdir)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        return proc, f"127.0.0.1:{port}"
            except OSError:
                pass
            time.sleep(0.1)
        stop(proc)
        if "address already in use" not in tail(log):
            raise RuntimeError(f"alertmanager did not become ready:\n{tail(log)}")
    raise RuntimeError("alertmanager: no free port after 3 attempts")


def am_alerts(address: str, **params: str) -> list[dict[str, Any]]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    with urllib.request.urlopen(f"http://{address}/api/v2/alerts?{query}", timeout=5) as resp:
        return list(json.load(resp))


class AlertPath:
    def __init__(self, receiver: Receiver, prom: Prometheus, am: str) -> None:
        self.receiver, self.prom, self.am = receiver, prom, am


@pytest.fixture(scope="module")
def path(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertPath]:
    work = tmp_path_factory.mktemp("alerts")
    out = write_files(render_all(model), work / "out")
    rules = []
    for f in sorted((out / "prometheus" / "rules").glob("*.yml")):
        doc = yaml.safe_load(f.read_text())
        for group in doc["groups"]:
            for rule in group["rules"]:
                if "for" in rule:  # a no-data alert keeps a `for:` longer than the first scrapes take
                    rule["for"] = "20s" if rule["alert"].endswith("NoData") else "0s"
        (work / f.name).write_text(yaml_document(doc))
        rules.append(work / f.name)
    receiver = Receiver()
    config = work / "alertmanager.yml"
    config.write_text(yaml_document(webhook_config(model, receiver.port)))
    am_proc, am = start_alertmanager(config, work)
    exporter = [str(EXPORTER), "--calm", "--interval", "0.1", "--incident", "production", "--incident", "dev"]
    stack = Stack(out / "python", rules, work, model.project.environments, shutil.which("prometheus") or "prometheus",
                  exporter=exporter, alertmanager=am)
    try:
        stack.start()
        assert stack.api is not None
        deadline = time.monotonic() + WAIT_SECONDS
        slow = 'ALERTS{alertname="ChatAvailabilityBurnSlow", env="production", alertstate="firing"}'
        while time.monotonic() < deadline and not (EXPECTED <= receiver.delivered() and stack.api.query(slow)):
            time.sleep(0.2)
        # two more rule evaluations and a notification round after the last expected delivery: a late extra
        # alert would have been sent by then
        settled = time.time() + 2.5
        while time.monotonic() < deadline and not all(parse_time(g["lastEvaluation"]) > settled
                                                       for g in stack.api.groups()):
            time.sleep(0.2)
        time.sleep(1.5)  # Alertmanager's group_wait (1s) for an alert that arrived with that evaluation
        yield AlertPath(receiver, stack.api, am)
    finally:
        stack.stop()
        stop(am_proc)
        receiver.close()


def test_page_reaches_the_production_pager_and_dev_gets_a_ticket(path: AlertPath) -> None:
    assert path.receiver.delivered() == EXPECTED


def test_notification_labels(path: AlertPath, model: Model) -> None:
    pages = [a for r, body in path.receiver.notifications if r == "coachup-page-production" for a in body["alerts"]]
    for prod in pages:  # one alert per burn-rate tier that tripped, labelled with its windows
        windows = (prod["labels"].pop("long_window"), prod["labels"].pop("short_window"))
        assert windows in {("1h", "5m"), ("6h", "30m")}, windows
        assert prod["labels"] == {"alertname": "ChatAvailabilityBurnFast", "env": "production", "owner": "coachup",
                                  "service": "next", "severity": "page", "slo": "chat-availability"}
        assert prod["annotations"]["runbook_url"].endswith("#slo-chat-availability")
        assert f"over the last {windows[0]} in production" in prod["annotations"]["description"]
    assert pages
    groups = {json.dumps(body["groupLabels"], sort_keys=True) for _, body in path.receiver.notifications}
    assert groups == {json.dumps({"alertname": "ChatAvailabilityBurnFast", "env": e, "slo": "chat-availability"},
                                 sort_keys=True) for e in ("dev", "production")}


def test_slow_burn_is_inhibited_not_delivered(path: AlertPath) -> None:
    firing = {(s["metric"]["alertname"], s["metric"]["env"])
              for s in path.prom.query('ALERTS{alertstate="firing"}')}
    assert ("ChatAvailabilityBurnSlow", "production") in firing
    assert firing <= {(n, e) for n in ("ChatAvailabilityBurnFast", "ChatAvailabilityBurnSlow")
                      for e in ("production", "dev")}, firing
    inhibited = {(a["labels"]["alertname"], a["labels"]["env"]) for a in am_alerts(path.am, inhibited="true")
                 if a["status"]["inhibitedBy"]}
    assert ("ChatAvailabilityBurnSlow", "production") in inhibited
    assert not any(r for r, _ in path.receiver.notifications if "BurnSlow" in json.dumps(_))
