"""SLO rule cost before and after a change, measured by a real Prometheus: rules per SLO and samples read per evaluation.

    .venv/bin/python scripts/bench_slo_rules.py [--before REV] [--series-per-env 3] [--scrape 60]

"Before" is the committed out/prometheus/rules at git revision REV (default: the last commit whose SLO
windows all read the raw series), "after" the working tree's. The script backfills a TSDB
(`promtool tsdb create-blocks-from openmetrics`) with every series the SLO rule groups of either read:
each raw input series `--series-per-env` times per environment (an `instance` label apart), one sample
every `--scrape` seconds, and each recording rule's output once per 60 s evaluation, over the longest
window any rule reads. It starts Debian's Prometheus on 127.0.0.1 on that TSDB, runs every rule's
expression of every `slo-*` group as an instant query at the end of the data with `stats=all`, and sums
`totalQueryableSamples` (the samples the query engine loaded) per group: what one evaluation of the
group reads. Values are synthetic; sample counts depend only on series and timestamps.

Raw reads grow with the number of raw series and the scrape rate; recorded reads do not, so the ratio
this prints at 3 instances and a 60 s scrape is a lower bound for most deployments. Prints Markdown.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from obs_codegen.backends.promtool_cost import Selector, selectors  # noqa: E402
from obs_codegen.spec import naming  # noqa: E402

RULES = "out/prometheus/rules"
BEFORE = "cfe8914"  # the last commit whose 1d, 3d and period SLI windows read the raw series
EVALUATION = 60  # seconds between rule evaluations (Prometheus's usual global evaluation_interval)
ENVIRONMENTS = ("production", "staging", "dev")


def rule_files(rev: str | None) -> dict[str, dict[str, Any]]:
    """{file name: rules document} of out/prometheus/rules at `rev` (None: the working tree)."""
    if rev is None:
        return {p.name: yaml.safe_load(p.read_text()) for p in sorted((ROOT / RULES).glob("*.rules.yml"))}
    names = subprocess.run(["git", "ls-tree", "--name-only", f"{rev}:{RULES}"], cwd=ROOT, check=True,
                           capture_output=True, text=True).stdout.split()
    return {n: yaml.safe_load(subprocess.run(["git", "show", f"{rev}:{RULES}/{n}"], cwd=ROOT, check=True,
                                             capture_output=True, text=True).stdout)
            for n in names if n.endswith(".rules.yml")}


def slo_groups(files: dict[str, dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {g["name"]: g["rules"] for doc in files.values() for g in doc["groups"] if g["name"].startswith("slo-")}


def _label_value(op: str, value: str) -> str:
    """A value that satisfies a generated matcher: the first alternative of a regex (`8000|8000\\.0`)."""
    return value.split("|")[0].replace("\\", "") if op == "=~" else value


def series_needed(selected: list[Selector], per_env: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """{(name, labels): the longest window read, seconds} of every series the selectors read."""
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for sel in selected:
        fixed = {k: _label_value(op, v) for k, op, v in sel.matchers if k != "env" and op in ("=", "=~")}
        recorded = ":" in sel.name
        for env in ENVIRONMENTS:
            for i in range(1 if recorded else per_env):
                labels = {**fixed, "env": env, **({} if recorded else {"instance": f"i{i}"})}
                key = (sel.name, tuple(sorted(labels.items())))
                out[key] = max(out.get(key, 0.0), sel.window or 0.0)
    return out


def write_openmetrics(work: Path, wanted: dict[tuple[str, tuple[tuple[str, str], ...]], float], end: int,
                      scrape: int) -> tuple[list[Path], int]:
    """Counters for raw series (one sample per scrape), gauges for records (one per evaluation), each over its
    longest window plus 10 minutes, in one file a day (promtool re-reads its whole input for every 2h block it
    writes: one file for 28 days takes minutes); returns the files and the number of samples."""
    by_name: dict[str, list[tuple[tuple[str, str], ...]]] = defaultdict(list)
    for name, labels in sorted(wanted):
        by_name[name].append(labels)
    first = end - int(max(wanted.values())) - 600
    files, total = [], 0
    for day in range(first // 86400 * 86400, end + 1, 86400):
        path = work / f"day-{day}.om"
        with path.open("w") as f:
            for name, label_sets in by_name.items():
                recorded = ":" in name
                step = EVALUATION if recorded else scrape
                f.write(f"# TYPE {name} {'gauge' if recorded else 'unknown'}\n")
                for labels in label_sets:
                    start = end - (int(wanted[(name, labels)]) + 600) // step * step
                    text = ",".join(f'{k}="{v}"' for k, v in labels)
                    lines = [f"{name}{{{text}}} {1 if recorded else (t - start) // step} {t}\n"
                             for t in range(start, end + 1, step) if day <= t < day + 86400]
                    f.writelines(lines)
                    total += len(lines)
            f.write("# EOF\n")
        files.append(path)
    return files, total


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def query_samples(base: str, expr: str, at: int) -> int:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr, "time": at, "stats": "all"})
    with urllib.request.urlopen(url, timeout=120) as resp:
        body = json.load(resp)
    return int(body["data"]["stats"]["samples"]["totalQueryableSamples"])


def measure(base: str, groups: dict[str, list[dict[str, Any]]], at: int) -> dict[str, tuple[int, int, int]]:
    """{group: (rules, samples read per evaluation, of which by rules reading windows of 1d or more)}."""
    out = {}
    for name, rules in groups.items():
        reads = [(query_samples(base, r["expr"], at), r["expr"]) for r in rules]
        long = sum(n for n, expr in reads if any((s.window or 0) >= 86400 for s in selectors(expr)))
        out[name] = (len(rules), sum(n for n, _ in reads), long)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default=BEFORE, help="git revision of the rules to compare against")
    parser.add_argument("--series-per-env", type=int, default=3, help="raw series per input and environment")
    parser.add_argument("--scrape", type=int, default=60, help="seconds between raw samples")
    args = parser.parse_args()
    before, after = slo_groups(rule_files(args.before)), slo_groups(rule_files(None))
    exprs = [r["expr"] for groups in (before, after) for rules in groups.values() for r in rules]
    wanted = series_needed([s for e in exprs for s in selectors(e)], args.series_per_env)
    end = int(time.time()) // 3600 * 3600
    with tempfile.TemporaryDirectory(prefix="bench-slo-") as tmp:
        work = Path(tmp)
        files, samples = write_openmetrics(work, wanted, end, args.scrape)
        for path in files:
            subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "-q", str(path),
                            str(work / "tsdb")], check=True, capture_output=True)
            path.unlink()
        (work / "prometheus.yml").write_text("global: {evaluation_interval: 1m}\n")
        port = free_port()
        with (work / "prometheus.log").open("wb") as log:
            proc = subprocess.Popen(["prometheus", f"--config.file={work / 'prometheus.yml'}",
                                     f"--storage.tsdb.path={work / 'tsdb'}", "--storage.tsdb.retention.time=400d",
                                     f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
                                    stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(f"{base}/-/ready", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError):
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.stderr.write((work / "prometheus.log").read_text())
                    return 1
                time.sleep(0.2)
            old, new = measure(base, before, end), measure(base, after, end)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    version = subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    print(f"SLO rule groups, before ({args.before}) and after (working tree): {version}; {len(wanted)} series, "
          f"{samples:,} samples backfilled; raw inputs {args.series_per_env} per environment x "
          f"{len(ENVIRONMENTS)} environments at a {args.scrape}s scrape, records every {EVALUATION}s.\n")
    print("| group | rules before | rules after | samples / evaluation before | of which windows >= 1d "
          "| samples / evaluation after | of which windows >= 1d | before / after |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name in sorted(set(old) | set(new)):
        (rb, sb, lb), (ra, sa, la) = old.get(name, (0, 0, 0)), new.get(name, (0, 0, 0))
        share = f"{sb and 100 * lb / sb:.0f} %"
        print(f"| {name} | {rb} | {ra} | {sb:,} | {lb:,} ({share}) | {sa:,} | {la:,} ({sa and 100 * la / sa:.0f} %) "
              f"| {sb / sa if sa else float('inf'):.1f} |")
    print(f"\nSLI windows recorded from the {naming.SLO_BASE_WINDOW} rates: those of a day or more.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
