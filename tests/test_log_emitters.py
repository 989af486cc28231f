"""Log lines written through Python's standard `logging` with the generated `JsonFormatter`, and
through structlog with the generated `StructlogProcessor`, validate with `obs-codegen validate-logs`
(the real CLI against the generated schemas), and so do lines of the TypeScript helper through
`console` and through a pino-shaped sink (tsc --strict, node); what the libraries add on their own (the message,
structlog's `timestamp`, a forbidden raw-content field) never reaches the line. The negative
control is the usual python-json-logger shape (a `message` key), which the schemas reject."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SPEC, run, run_cli, tsc, write_files

from obs_codegen.backends import python_pkg, typescript
from obs_codegen.backends.templating import Templates
from obs_codegen.spec.model import Model

REQUEST_ID = "3f2b8c1e-9d4a-4b7e-8f6a-2c1d0e9b7a65"
EMIT = f"""
import logging, sys, structlog
from coachup_obs.emitters import JsonFormatter, StructlogProcessor, bind_request_id

handler = logging.StreamHandler(sys.stdout)
handler.setFormatter(JsonFormatter(service="py", env="production"))
log = logging.getLogger("matrix")
log.addHandler(handler)
log.setLevel(logging.DEBUG)
log.propagate = False
bind_request_id("{REQUEST_ID}")
log.warning("provider call retrying", extra={{"obs": {{
    "span": "provider.chat", "provider": "openai", "modelId": "gpt-4o-mini", "status": "retrying",
    "retry": {{"attempt": 1, "max": 3, "backoffMs": 250, "prompt": "raw"}}, "prompt": "raw user text"}}}})
log.error("job failed", extra={{"job": "assessment.multi_turn", "rubricVersion": "v2", "interactions": 0,
                                "latencyMs": 5.0, "status": "error", "error": {{"type": "timeout"}}}})
structlog.configure(processors=[structlog.processors.TimeStamper(fmt="iso"),
                                StructlogProcessor(service="py", env="staging"),
                                structlog.processors.JSONRenderer()],
                    logger_factory=structlog.PrintLoggerFactory(sys.stdout))
structlog.get_logger().info("job done", job="assessment.single_turn", rubricVersion="v1", interactions=3,
                            latencyMs=812.5, status="ok", transcript="raw user text")
"""


@pytest.fixture(scope="module")
def pkg(model: Model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_files(python_pkg.render(model, Templates()), tmp_path_factory.mktemp("pkg")) / "python"


def validate(path: Path) -> tuple[int, str]:
    ran = run_cli("validate-logs", "--spec", str(SPEC), str(path))
    return ran.returncode, ran.stdout + ran.stderr


def test_logging_and_structlog_lines_validate(pkg: Path, tmp_path: Path) -> None:
    ran = run([sys.executable, "-c", EMIT], env={"PYTHONPATH": str(pkg)}, timeout=60)
    assert ran.returncode == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert [(x["level"], x["env"], x["requestId"]) for x in lines] == [
        ("warn", "production", REQUEST_ID), ("error", "production", REQUEST_ID), ("info", "staging", REQUEST_ID)]
    assert not any({"message", "event", "timestamp", "prompt", "transcript"} & set(x) for x in lines), lines
    assert lines[0]["retry"] == {"attempt": 1, "max": 3, "backoffMs": 250}, lines[0]  # nested raw field dropped
    assert all(x["ts"].endswith("Z") for x in lines), lines
    (tmp_path / "app.jsonl").write_text(ran.stdout)
    code, output = validate(tmp_path / "app.jsonl")
    assert code == 0, output
    assert "3 lines read: 3 valid, 0 invalid" in output, output


def test_the_plain_json_logger_shape_is_rejected(tmp_path: Path) -> None:
    """What python-json-logger writes for the same call: the schemas reject its `message` key."""
    line = {"ts": "2026-01-01T00:00:00Z", "level": "info", "service": "py", "env": "production",
            "requestId": REQUEST_ID, "job": "assessment.single_turn", "rubricVersion": "v1", "interactions": 3,
            "latencyMs": 812.5, "status": "ok", "message": "job done"}
    (tmp_path / "plain.jsonl").write_text(json.dumps(line) + "\n")
    code, output = validate(tmp_path / "plain.jsonl")
    assert code == 1 and "$.message" in output, output


TS_MAIN = f"""
import {{ createLogger, PINO_OPTIONS, type PinoLike }} from "./typescript/emitters.js";
const requestId = (): string => "{REQUEST_ID}";
const log = createLogger({{ service: "next", env: "production", sink: "console", requestId }});
log.info({{ route: "POST /api/chat", method: "POST", status: 200, latencyMs: 812, sse: {{ firstTokenMs: 120, text: "raw" }},
           prompt: "raw user text" }}, "done");
// What pino(PINO_OPTIONS) writes for a call: its level formatter's fields, then the object.
const write = (label: string) => (obj: object): void => {{
  console.log(JSON.stringify({{ ...PINO_OPTIONS.formatters.level(label), ...obj }}));
}};
const pinoLike: PinoLike = {{ debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") }};
createLogger({{ service: "convex", env: "dev", sink: pinoLike, requestId }})
  .warn({{ function: "chat.send", latencyMs: 3, status: "error" }}, "slow");
"""
TS_CONFIG: dict[str, Any] = {"compilerOptions": {"strict": True, "noUnusedLocals": True, "noUnusedParameters": True,
                                 "exactOptionalPropertyTypes": True, "noUncheckedIndexedAccess": True,
                                 "module": "nodenext", "moduleResolution": "nodenext", "target": "es2022",
                                 "lib": ["es2022"], "types": ["node"], "outDir": "js", "rootDir": ".",
                                 "typeRoots": [str(ROOT / "node_modules" / "@types")]},
             "files": ["main.ts"]}


def test_typescript_console_and_pino_lines_validate(model: Model, tmp_path: Path) -> None:
    write_files(typescript.render(model, Templates()), tmp_path)
    (tmp_path / "package.json").write_text('{"type": "module"}')
    (tmp_path / "main.ts").write_text(TS_MAIN)
    compiled = tsc(tmp_path, TS_CONFIG)  # main.ts against the package's emitters.d.ts
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (tmp_path / "js" / "typescript").mkdir()
    for shipped in (tmp_path / "typescript").glob("*.js"):  # the package's own JavaScript runs, as shipped
        (tmp_path / "js" / "typescript" / shipped.name).write_bytes(shipped.read_bytes())
    ran = run(["node", "js/main.js"], tmp_path, timeout=60)
    assert ran.returncode == 0, ran.stderr
    lines = [json.loads(line) for line in ran.stdout.splitlines()]
    assert [(x["service"], x["level"]) for x in lines] == [("next", "info"), ("convex", "warn")], lines
    assert not any({"prompt", "msg", "message", "pid", "hostname", "time"} & set(x) for x in lines), lines
    assert lines[0]["sse"] == {"firstTokenMs": 120}, lines[0]  # nested raw field dropped
    (tmp_path / "ts.jsonl").write_text(ran.stdout)
    code, output = validate(tmp_path / "ts.jsonl")
    assert code == 0 and "2 lines read: 2 valid, 0 invalid" in output, output
