"""Deterministic generators of large-but-legal specs (issue 18): each must get an answer quickly.

`python tests/large_specs.py DIR` writes every case to DIR/<name>.yaml (for profiling with
`python -m cProfile -s cumtime -m obs_codegen.cli.main lint --spec DIR/<name>.yaml`).
The shapes are the ones that hung: a ~1.9 MB flow list, and 6k-20k unique mappings
(services, tags, metrics, bucket sets, unknown keys, dangling references).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

HEAD = """\
version: 1
project: {name: shop, metric_prefix: shop, environments: [prod, dev]}
"""

TARGET_BYTES = 1_900_000


def _flow_list_of_values() -> str:
    """One enum tag whose values are a single ~1.9 MB flow sequence."""
    items, size, i = [], 0, 0
    while size < TARGET_BYTES:
        item = f"value-{i:06d}"
        items.append(item)
        size += len(item) + 2
        i += 1
    return (HEAD + "services:\n  api: {description: The API.}\n"
            + "tags:\n  route: {type: enum, description: Route., values: [" + ", ".join(items) + "]}\n")


def _flow_list_of_numbers() -> str:
    """A bucket set whose ~1.9 MB flow sequence holds increasing numbers."""
    items, size, i = [], 0, 0
    while size < TARGET_BYTES:
        item = str(i + 1)
        items.append(item)
        size += len(item) + 2
        i += 1
    return HEAD + "services:\n  api: {description: The API.}\nbucket_sets:\n  b: [" + ", ".join(items) + "]\n"


def _flow_mapping_of_services() -> str:
    """Every service in one flow mapping on one line (~1.9 MB)."""
    items, size, i = [], 0, 0
    while size < TARGET_BYTES:
        item = f"s{i:06d}: {{description: Service {i}.}}"
        items.append(item)
        size += len(item) + 2
        i += 1
    return HEAD + "services: {" + ", ".join(items) + "}\n"


def _services(n: int) -> Callable[[], str]:
    def build() -> str:
        return HEAD + "services:\n" + "".join(f"  s{i:05d}: {{description: Service {i}.}}\n" for i in range(n))
    build.__doc__ = f"{n} services, each a small mapping."
    return build


def _tags(n: int) -> Callable[[], str]:
    def build() -> str:
        return (HEAD + "services:\n  api: {description: The API.}\ntags:\n"
                + "".join(f"  t{i:05d}: {{type: enum, values: [a, b], description: Tag {i}.}}\n" for i in range(n)))
    build.__doc__ = f"{n} enum tags."
    return build


def _metrics(n: int) -> Callable[[], str]:
    def build() -> str:
        return (HEAD + "services:\n  api: {description: The API.}\n"
                + "tags:\n  route: {type: enum, values: [a, b], description: Route.}\nmetrics:\n"
                + "".join(f"  api.m{i:05d}.count: {{type: counter, unit: requests, tags: [route], "
                          f"description: Metric {i}.}}\n" for i in range(n)))
    build.__doc__ = f"{n} counters."
    return build


def _dangling_refs(n: int) -> Callable[[], str]:
    def build() -> str:
        return (HEAD + "services:\n" + "".join(f"  s{i:05d}: {{description: Service {i}.}}\n" for i in range(n))
                + "metrics:\n" + "".join(f"  x{i:05d}.m.count: {{type: counter, unit: requests, tags: [t{i:05d}], "
                                         f"description: Metric {i}.}}\n" for i in range(n)))
    build.__doc__ = f"{n} services and {n} metrics whose service and tag do not exist (did-you-mean over {n})."
    return build


def _unknown_keys(n: int) -> Callable[[], str]:
    def build() -> str:
        return (HEAD + "services:\n  api:\n    description: The API.\n"
                + "".join(f"    k{i:05d}: {i}\n" for i in range(n)))
    build.__doc__ = f"{n} unknown keys in one service."
    return build


def _bucket_sets(n: int) -> Callable[[], str]:
    def build() -> str:
        return (HEAD + "services:\n  api: {description: The API.}\nbucket_sets:\n"
                + "".join(f"  b{i:05d}: [1, 2, 3]\n" for i in range(n)))
    build.__doc__ = f"{n} bucket sets."
    return build


CASES: dict[str, Callable[[], str]] = {
    "flow-list-values": _flow_list_of_values,
    "flow-list-numbers": _flow_list_of_numbers,
    "flow-mapping-services": _flow_mapping_of_services,
    "services-20k": _services(20_000),
    "tags-6k": _tags(6_000),
    "tags-20k": _tags(20_000),
    "metrics-6k": _metrics(6_000),
    "metrics-20k": _metrics(20_000),
    "dangling-refs-6k": _dangling_refs(6_000),
    "unknown-keys-20k": _unknown_keys(20_000),
    "bucket-sets-20k": _bucket_sets(20_000),
}


def write_all(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, build in CASES.items():
        path = directory / f"{name}.yaml"
        path.write_text(build(), encoding="utf-8")
        out[name] = path
    return out


if __name__ == "__main__":
    for case, p in write_all(Path(sys.argv[1])).items():
        print(f"{case}: {p} ({p.stat().st_size} bytes)")
