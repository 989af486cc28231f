"""Traffic for any spec: every metric of the spec, every label combination, on every tick.

Run by tests/test_e2e_second_spec.py for a spec other than Coach Up (whose realistic simulator is
exporter.py):

    python spec_exporter.py --spec tests/cases/relay/spec.yaml --env live --env canary

It compiles the spec with obs-codegen, registers one prometheus_client family per metric under
the names the model gives (`base_name`, label names, bucket bounds), prints `{"port": N}` once
it listens on 127.0.0.1, and then every 0.5 s increments every counter child (a `part_of` counter
by less than its total), sets every gauge child and observes every histogram child once near each
bucket bound, so every rate, ratio and quantile has data. Bounded string tags get two synthetic
values. It exits after `--lifetime` seconds so it never outlives a crashed test.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

import prometheus_client

from obs_codegen.pipeline import compile_spec
from obs_codegen.spec.model import Metric, Tag


def _values(tag: Tag, envs: list[str]) -> list[str]:
    if tag.is_environment:
        return envs
    return list(tag.values) if tag.kind == "enum" else ["v1", "v2"]


class Simulator:
    def __init__(self, metrics: tuple[Metric, ...], envs: list[str], seed: int = 7) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        self.rng = random.Random(seed)
        self.children: list[tuple[Metric, Any]] = []
        for m in metrics:
            labels = [t.label for t in m.tags]
            kind = {"counter": prometheus_client.Counter, "gauge": prometheus_client.Gauge}.get(m.type)
            if kind is not None:
                family: Any = kind(m.base_name, m.description, labels, registry=self.registry)
            else:
                family = prometheus_client.Histogram(m.base_name, m.description, labels, buckets=m.buckets,
                                                     registry=self.registry)
            for combo in itertools.product(*(_values(t, envs) for t in m.tags)):
                self.children.append((m, family.labels(*combo) if labels else family))

    def tick(self) -> None:
        for m, child in self.children:
            if m.type == "counter":
                child.inc(self.rng.randint(1, 3) if m.part_of else self.rng.randint(10, 20))
            elif m.type == "gauge":
                child.set(self.rng.randint(1, 100))
            else:
                for bound in m.buckets:
                    child.observe(bound * 0.9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--spec", required=True, type=Path)
    parser.add_argument("--env", action="append", required=True)
    parser.add_argument("--interval", type=float, default=0.5)
    parser.add_argument("--lifetime", type=float, default=300.0)
    args = parser.parse_args(argv)
    compiled = compile_spec(args.spec, args.spec.name)
    if not compiled.ok or compiled.model is None:
        print("\n".join(d.text() for d in compiled.diagnostics), file=sys.stderr)
        return 2
    sim = Simulator(compiled.model.metrics, args.env)
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
