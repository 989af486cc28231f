"""Dashboards, 1,000 timeseries panels with one query each: our backend beside grafanalib and foundation-sdk.

    .venv/bin/python scripts/bench_dashboards.py [--panels 1000] [--rounds 7]

Each builder runs in this one process, warm (imports and a first build done), and is timed from
the panel descriptions to the JSON bytes written, `rounds` times; the median and minimum are
printed as a Markdown table. Ours: obs-codegen's dashboards layer (drafts -> plan -> the dashboard
JSON as data, sorted keys, indent 2: what `generate` writes), with the Coach Up spec's model for
the project-wide parts. grafanalib alone: its TimeSeries panels and Dashboard, `json.dumps` with its
encoder. grafana-foundation-sdk (a test extra; skipped when not installed): its builders and
encoder. Used by scripts/bench.py; not part of the tool.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def queries(n: int) -> list[tuple[str, str]]:
    return [(f'sum by (route) (rate(synth_s{i // 100}_m{i}_total{{env="$env"}}[5m]))', "{{route}}") for i in range(n)]


def ours(n: int) -> Callable[[], bytes]:
    from obs_codegen.backends.dashboards import _dump
    from obs_codegen.backends.dashboards.build import dashboard_json
    from obs_codegen.backends.dashboards.common import Draft
    from obs_codegen.backends.dashboards.layout import plan, var_datasource
    from obs_codegen.spec.loader import load
    from obs_codegen.spec.resolve import resolve

    src, _ = load(ROOT / "spec" / "observability.yaml")
    model, _ = resolve(src)
    qs = queries(n)

    def build() -> bytes:
        drafts = [Draft("timeseries", f"Panel {i}", f"Rate of metric {i}.", "reqps", [q]) for i, q in enumerate(qs)]
        laid = plan(model, "bench-uid", "Bench", "1,000 panels.", ["bench"], [("All", drafts)], [var_datasource()])
        return _dump(dashboard_json(laid))
    return build


def grafanalib_alone(n: int) -> Callable[[], bytes]:
    from grafanalib._gen import DashboardEncoder
    from grafanalib.core import Dashboard, GridPos, Target, TimeSeries

    qs = queries(n)

    def build() -> bytes:
        panels = [TimeSeries(title=f"Panel {i}", description=f"Rate of metric {i}.", unit="reqps",
                             targets=[Target(expr=expr, legendFormat=legend, refId="A")],
                             gridPos=GridPos(h=8, w=12, x=(i % 2) * 12, y=(i // 2) * 8)) for i, (expr, legend) in enumerate(qs)]
        board = Dashboard(title="Bench", uid="bench-uid", panels=panels).auto_panel_ids()
        return json.dumps(board.to_json_data(), cls=DashboardEncoder, indent=2, sort_keys=True).encode()
    return build


def foundation_sdk(n: int) -> Callable[[], bytes] | None:
    try:
        from grafana_foundation_sdk.builders import dashboard, prometheus, timeseries
        from grafana_foundation_sdk.cog.encoder import JSONEncoder
        from grafana_foundation_sdk.models.dashboard import GridPos
    except ImportError:
        return None
    qs = queries(n)

    def build() -> bytes:
        board = dashboard.Dashboard("Bench").uid("bench-uid")
        for i, (expr, legend) in enumerate(qs):
            board = board.with_panel(
                timeseries.Panel().title(f"Panel {i}").description(f"Rate of metric {i}.").unit("reqps")
                .grid_pos(GridPos(h=8, w=12, x=(i % 2) * 12, y=(i // 2) * 8))
                .with_target(prometheus.Dataquery().expr(expr).legend_format(legend).ref_id("A")))
        return json.dumps(board.build(), cls=JSONEncoder, indent=2, sort_keys=True).encode()
    return build


def timed(build: Callable[[], bytes], rounds: int) -> tuple[float, float, int]:
    size = len(build())  # warm
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        build()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times), size


def report(panels: int, rounds: int) -> str:
    builders = [("obs-codegen dashboards backend", ours(panels)), ("grafanalib alone", grafanalib_alone(panels)),
                ("grafana-foundation-sdk", foundation_sdk(panels))]
    lines = [f"#### Dashboards, {panels:,} timeseries panels with one query each ({rounds} rounds, in process)", "",
             "| builder | median | min | JSON |", "|---|---:|---:|---:|"]
    for label, build in builders:
        if build is None:
            lines.append(f"| {label} | not installed | - | - |")
            continue
        median, least, size = timed(build, rounds)
        lines.append(f"| {label} | {median * 1000:.0f} ms | {least * 1000:.0f} ms | {size / 1e6:.1f} MB |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--panels", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(report(args.panels, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
