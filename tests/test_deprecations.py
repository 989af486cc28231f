"""Deprecations and renames end to end: what each real consumer of the generated output makes of them.

One spec (the minimal case, plus a deprecated metric with a replacement, a renamed metric, a deprecated
header and a deprecated log field) is generated once; then:
- mypy (`--enable-error-code deprecated`, PEP 702) flags exactly the consumer lines that use a deprecated
  recording method or the renamed metric's former method, and the package still passes `mypy --strict`;
  at run time nothing warns (`-W error`), the old constant is the new one, and `deprecation` is readable;
- the TypeScript language service reports exactly the uses of deprecated constants (code 6385, what editors
  strike through), `tsc --strict` compiles the consumer, and node sees the old constant as the new object;
- the log schema marks the field `deprecated` and both Python jsonschema and ajv still accept lines using it;
- the catalog marks every deprecated and renamed item;
- lint's `deprecated-expired` and diff's verdict on a removal follow SOURCE_DATE_EPOCH across remove_after.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CASES, ROOT, VENV_BIN, mypy, run, run_cli, tsc

FIXTURE = ROOT / "tests" / "fixtures" / "ts_package" / "deprecations.cjs"
AJV_CHECK = ROOT / "tests" / "js" / "ajv_check.mjs"
QUEUE = "  api.queue.depth: {type: gauge, unit: items, tags: [env], description: Jobs waiting.}"
VENDOR = "  x-vendor: {group: provider, description: Vendor key., format: enum, tag: vendor, hops: [client-api]}"
USER = "        userIdHash: {tag: userIdHash, description: User.}"
REMOVE_AFTER = "2030-06-30"
AFTER = "1924992000"  # 2031-01-01T00:00:00Z, after REMOVE_AFTER
BEFORE = "1893456000"  # 2030-01-01T00:00:00Z, before it


def _edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def deprecated_spec() -> str:
    text = (CASES / "minimal" / "spec.yaml").read_text(encoding="utf-8")
    text = _edit(text, QUEUE, QUEUE[:-1] + f", deprecated: {{since: 2026-11-01, replacement: api.queue.waiting, "
                 f"remove_after: {REMOVE_AFTER}}}}}\n  api.queue.waiting: {{type: gauge, unit: items, tags: [env], "
                 "description: Jobs waiting in every queue.}")
    text = _edit(text, "  api.request.latency_ms: {", "  api.request.latency_ms: {renamed_from: api.request.duration_ms, ")
    text = _edit(text, VENDOR, VENDOR[:-1] + ", deprecated: {since: v3}}")
    return _edit(text, USER, USER[:-1] + f", deprecated: {{since: 2026-11-01, remove_after: {REMOVE_AFTER}}}}}")


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("deprecations")
    (root / "spec.yaml").write_text(deprecated_spec(), encoding="utf-8")
    result = run_cli("generate", "--spec", "spec.yaml", "--out", "out", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root


PY_CONSUMER = """\
from shop_obs.headers import X_VENDOR
from shop_obs.instrumentation import create_metrics
from shop_obs.metrics import API_QUEUE_DEPTH, API_REQUEST_DURATION_MS, API_REQUEST_LATENCY_MS

m = create_metrics("api")
m.api_queue_depth(env="prod").set(1)
m.api_request_duration_ms(env="prod", route="GET /items").observe(3)
m.api_request_latency_ms(env="prod", route="GET /items").observe(3)
m.api_queue_waiting(env="prod").set(2)
assert m.API_REQUEST_DURATION_MS is m.API_REQUEST_LATENCY_MS
assert API_REQUEST_DURATION_MS is API_REQUEST_LATENCY_MS
assert API_QUEUE_DEPTH.deprecation is not None and API_QUEUE_DEPTH.deprecation.replacement == "api.queue.waiting"
assert API_REQUEST_LATENCY_MS.deprecation is None and X_VENDOR == "x-vendor"
assert "api.queue.waiting" in getattr(type(m), "api_queue_depth").__deprecated__
"""


def test_mypy_reports_exactly_the_deprecated_calls(generated: Path) -> None:
    (generated / "consumer.py").write_text(PY_CONSUMER, encoding="utf-8")
    strict = mypy("out/python/shop_obs", generated / "out" / "python", cwd=generated)
    assert strict.returncode == 0, strict.stdout
    result = run([str(VENV_BIN / "mypy"), "--strict", "--enable-error-code", "deprecated", "--no-incremental",
                  "--cache-dir", os.devnull, "consumer.py"], generated, {"MYPYPATH": str(generated / "out" / "python")})
    flagged = {(int(line.split(":")[1]), line.rsplit("[", 1)[-1].rstrip("]"))
               for line in result.stdout.splitlines() if line.startswith("consumer.py:")}
    assert flagged == {(6, "deprecated"), (7, "deprecated"), (10, "deprecated")}, result.stdout


def test_python_runtime_gives_no_warning(generated: Path) -> None:
    pytest.importorskip("prometheus_client")
    (generated / "consumer.py").write_text(PY_CONSUMER, encoding="utf-8")
    result = subprocess.run([sys.executable, "-W", "error", "consumer.py"], cwd=generated, capture_output=True,
                            text=True, timeout=60, check=False, env={**os.environ, "PYTHONPATH": "out/python"})
    assert result.returncode == 0, result.stderr


TS_CONSUMER = """\
import { X_VENDOR, X_REQUEST_ID } from "./out/typescript/headers.js";
import { API_QUEUE_DEPTH, API_REQUEST_DURATION_MS, API_REQUEST_LATENCY_MS } from "./out/typescript/metrics.js";
export const a: string = API_QUEUE_DEPTH.promName;
export const b: string = API_REQUEST_DURATION_MS.promName;
export const c: string = API_REQUEST_LATENCY_MS.promName + X_REQUEST_ID;
export const d: string | undefined = API_QUEUE_DEPTH.deprecation?.replacement;
export const e: string = X_VENDOR;
"""


def test_typescript_language_service_strikes_exactly_the_deprecated_names(generated: Path) -> None:
    (generated / "consumer.ts").write_text(TS_CONSUMER, encoding="utf-8")
    (generated / "package.json").write_text('{"type": "module"}', encoding="utf-8")
    node = shutil.which("node")
    assert node, "node is required"
    result = run([node, str(FIXTURE), str(ROOT / "node_modules" / "typescript"), "consumer.ts"], generated)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert all(d["code"] in (6385, 6387) for d in report), report  # no type error
    flagged = {(d["line"], d["text"].split("'")[1]) for d in report}
    assert flagged == {(1, "X_VENDOR"), (2, "API_QUEUE_DEPTH"), (2, "API_REQUEST_DURATION_MS"), (3, "API_QUEUE_DEPTH"),
                       (4, "API_REQUEST_DURATION_MS"), (6, "API_QUEUE_DEPTH"), (7, "X_VENDOR")}, report
    compiled = tsc(generated, {"compilerOptions": {"strict": True, "noEmit": True, "module": "nodenext",
                                                   "moduleResolution": "nodenext", "target": "es2022"},
                               "files": ["consumer.ts"]})
    assert compiled.returncode == 0, compiled.stdout
    node_check = run([node, "--input-type=module", "-e",
                      "import * as m from './out/typescript/metrics.js';"
                      "if (m.API_REQUEST_DURATION_MS !== m.API_REQUEST_LATENCY_MS) process.exit(3);"
                      "if (m.API_QUEUE_DEPTH.deprecation.replacement !== 'api.queue.waiting') process.exit(4);"
                      "if ('deprecation' in m.API_QUEUE_WAITING) process.exit(5);"], generated)
    assert node_check.returncode == 0, node_check.stdout + node_check.stderr


def test_log_schema_marks_the_field_and_still_accepts_it(generated: Path) -> None:
    import jsonschema

    schema = json.loads((generated / "out" / "schemas" / "logs" / "api.schema.json").read_text(encoding="utf-8"))
    marked = [path for path, node in _walk(schema) if isinstance(node, dict) and node.get("deprecated") is True]
    assert marked and all(path[-1] == "userIdHash" for path in marked), marked
    line = {"ts": "2026-12-01T00:00:00Z", "level": "info", "service": "api", "env": "prod",
            "requestId": "0f8fad5b-d9cb-469f-a165-70867728950e", "route": "GET /items", "status": 200, "latencyMs": 3,
            "userIdHash": "u:" + "a" * 32}
    jsonschema.Draft202012Validator(schema).validate(line)
    (generated / "line.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")
    ajv = run([shutil.which("node") or "node", str(AJV_CHECK), str(generated / "out" / "schemas" / "logs"),
               str(generated / "line.jsonl")], generated)
    assert ajv.returncode == 0, ajv.stdout + ajv.stderr  # compiled in strict mode, and the line is valid


def _walk(node: object, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], object]]:
    found: list[tuple[tuple[str, ...], object]] = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _walk(v, path + (str(k),))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            found += _walk(v, path + (str(i),))
    return found


def test_catalog_marks_deprecated_and_renamed_items(generated: Path) -> None:
    catalog = (generated / "out" / "docs" / "observability.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in catalog.splitlines() if line.startswith("| ")}
    queue = next(v for k, v in rows.items() if "shop.api.queue.depth" in k)
    assert "**Deprecated** since 2026-11-01; use metric `api.queue.waiting` instead; to be removed after " \
           f"{REMOVE_AFTER}." in queue
    assert "Renamed from `api.request.duration_ms`." in next(v for k, v in rows.items() if "latency_ms" in k)
    assert "**Deprecated** since v3." in next(v for k, v in rows.items() if "x-vendor" in k)
    assert "**Deprecated**" not in next(v for k, v in rows.items() if "shop.api.queue.waiting" in k)


def test_lint_warns_only_after_remove_after(generated: Path) -> None:
    def expired(epoch: str) -> list[str]:
        result = run_cli("lint", "--spec", "spec.yaml", cwd=generated, env={"SOURCE_DATE_EPOCH": epoch})
        assert result.returncode == 0, result.stdout
        return [line for line in result.stdout.splitlines() + result.stderr.splitlines() if "deprecated-expired" in line]

    assert expired(BEFORE) == []
    assert len(expired(AFTER)) == 2  # the metric and the log field; the header has no remove_after


def test_diff_accepts_a_removal_only_after_remove_after(generated: Path) -> None:
    text = deprecated_spec()
    line = next(x for x in text.splitlines() if x.startswith("  api.queue.depth:"))
    (generated / "removed.yaml").write_text(_edit(text, line + "\n", ""), encoding="utf-8")

    def verdict(epoch: str) -> tuple[int, set[tuple[str, str]]]:
        result = run_cli("diff", "--spec", "removed.yaml", "--against", "spec.yaml", "--format", "json",
                         cwd=generated, env={"SOURCE_DATE_EPOCH": epoch})
        return result.returncode, {(f["rule"], f["severity"]) for f in json.loads(result.stdout)["findings"]}

    assert verdict(BEFORE) == (1, {("metric-removed", "error"), ("code-name-removed", "error")})
    assert verdict(AFTER) == (0, {("metric-removed", "info"), ("code-name-removed", "info")})
