"""The spec schema's patterns match whole values, in Python as in an editor's ECMA-262 engine (node).

Python's `re.search` lets `$` match before a final newline, so `jsonschema`'s own `pattern`
keyword accepted `28d\\n`; `spec_validator()` translates the anchor. One node run checks that every
pattern of the published schema gives the same verdict in both engines on a sample corpus (with
and without a trailing newline), and that each pattern accepts at least one sample.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from conftest import run
from jsonschema import Draft202012Validator
from test_adversarial import BASE as BASE_SPEC_TEXT

from obs_codegen.spec.patterns import compiled, python_pattern, spec_validator
from obs_codegen.spec.schema import spec_schema

SAMPLES = ["shop", "shop_obs", "a", "28d", "5m", "100ms", "x-request-id", "client-api", "api-availability",
           "ApiLatencyHigh", "userIdHash", "api.request.count", "@shop/obs", "shop-obs", "OBS_ID_HASH_SALT",
           "authorization", "Web", "1st", "2026-11-30", "2026-13-01", "", " shop", "shop ", "a$b", "a\\nb",
           "1.2.3", "01.2.3", "1h30m", "30m1h", "eu-prod", "us-east-1", "-prod", "shop:x:y"]


def patterns(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                yield value
            else:
                yield from patterns(value)
    elif isinstance(node, list):
        for item in node:
            yield from patterns(item)


def test_python_and_ecma_agree_on_every_schema_pattern(tmp_path: Path) -> None:
    found = sorted(set(patterns(spec_schema())))
    assert len(found) >= 6
    values = SAMPLES + [s + "\n" for s in SAMPLES] + ["shop\nx", "\nshop"]
    script = tmp_path / "ecma.mjs"
    script.write_text("import { readFileSync } from 'node:fs';\n"
                      "const { patterns, values } = JSON.parse(readFileSync(process.argv[2], 'utf8'));\n"
                      "process.stdout.write(JSON.stringify(patterns.map((p) => values.map((v) => new RegExp(p).test(v)))));\n")
    data = tmp_path / "cases.json"
    data.write_text(json.dumps({"patterns": found, "values": values}))
    ran = run(["node", str(script), str(data)], tmp_path)
    assert ran.returncode == 0, ran.stderr
    ecma = json.loads(ran.stdout)
    for pattern, verdicts in zip(found, ecma):
        python = [compiled(pattern).search(v) is not None for v in values]
        assert python == verdicts, pattern
        assert any(verdicts), f"no sample matches {pattern}: add one"
        assert not any(v for v, value in zip(verdicts, values) if value.endswith("\n")), pattern


def test_the_translation_keeps_escaped_and_class_dollars() -> None:
    assert python_pattern(r"^[a-z]+$") == r"^[a-z]+\Z"
    assert python_pattern(r"^\$[$]x$") == r"^\$[$]x\Z"
    assert python_pattern(r"^(a|b)$|^c$") == r"^(a|b)\Z|^c\Z"


def test_spec_validator_rejects_a_trailing_newline_that_jsonschema_accepts() -> None:
    data = yaml.safe_load(BASE_SPEC_TEXT)
    data["slos"]["api-availability"]["period"] = "28d\n"
    data["project"]["packages"]["python"] = "shop_obs\n"
    plain = [e.message for e in Draft202012Validator(spec_schema()).iter_errors(data)]
    ours = sorted(".".join(map(str, e.absolute_path)) for e in spec_validator()(spec_schema()).iter_errors(data))
    assert plain == []  # the bug: Python's `$` accepts the newline
    assert ours == ["project.packages.python", "slos.api-availability.period"]
