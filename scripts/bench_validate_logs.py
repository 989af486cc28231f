"""Benchmark `validate-logs`: generate N log lines, validate them, print lines per second.

    .venv/bin/python scripts/bench_validate_logs.py [--lines 100000] [--bad-every 100] [--memory]

Lines are the seed's six examples (tests/fixtures/logs/good.jsonl) with varied
values; every `--bad-every`-th line carries a raw `text` field. Measures the
library path the CLI uses (parse + schema check + per-kind counts), from a file
on disk, after the validators are compiled. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from obs_codegen.logs.validate import LogValidator, Stats  # noqa: E402 (after the sys.path line above)
from obs_codegen.pipeline import compile_spec  # noqa: E402


def generate(path: Path, n: int, bad_every: int) -> None:
    rng = random.Random(42)
    seeds = [json.loads(line) for line in (ROOT / "tests/fixtures/logs/good.jsonl").read_text().splitlines()]
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            event = dict(seeds[i % len(seeds)])
            if "latencyMs" in event:
                event["latencyMs"] = round(rng.uniform(1, 9000), 1)
            event["requestId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            if bad_every and i % bad_every == bad_every - 1:
                event["text"] = "a raw prompt that must never be logged"
            out.write(json.dumps(event, separators=(",", ":")) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--bad-every", type=int, default=100)
    parser.add_argument("--memory", action="store_true", help="also measure peak memory (slow: tracemalloc)")
    args = parser.parse_args()
    model = compile_spec(ROOT / "spec/observability.yaml", lint=False).model
    assert model is not None
    validator = LogValidator.from_model(model)
    for checker in validator.checkers.values():  # the Python explainers too (built on first use), as before
        assert checker.validator is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.jsonl"
        generate(path, args.lines, args.bad_every)
        size = path.stat().st_size
        stats = Stats()
        start = time.perf_counter()
        with path.open("rb") as stream:
            findings = sum(1 for _ in validator.validate_lines(stream, str(path), stats))
        elapsed = time.perf_counter() - start
        print(f"{stats.lines} lines ({size / 1e6:.1f} MB), {stats.invalid} invalid, {findings} findings "
              f"in {elapsed:.2f} s: {stats.lines / elapsed:,.0f} lines/s")
        if args.memory:
            tracemalloc.start()
            with path.open("rb") as stream:
                for _ in validator.validate_lines(stream, str(path), Stats()):
                    pass
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            print(f"peak traced memory while validating: {peak / 1e6:.2f} MB (file: {size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
