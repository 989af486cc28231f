"""validate-logs' schema check (`logs/meta.py`): what jsonschema-rs proves valid, `jsonschema` accepts too.

On every generated log schema (Coach Up and each test case) the proof holds, so `jsonschema` is not
needed to start; on thousands of seeded mutations of them (bad patterns, references, ids, types,
values jsonschema-rs would read differently), whenever `proven_valid` holds,
`Draft202012Validator.check_schema` accepts the schema: a refused schema is always refused by
`jsonschema`, with its message.
"""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from conftest import CASE_NAMES, CASES, model_of
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from obs_codegen.backends.log_schemas import service_schema
from obs_codegen.logs.meta import InvalidSchema, check_schema, proven_valid

MUTANTS: list[Any] = [
    "(", ")", "a{4294967296}", "(" * 1200 + "a" + ")" * 1200, "\\p{L}", "(?<x>a)", "(?P<x>a)", "[", "a\n", "",
    "#/$defs/ x", "#/$defs/x", "#/$defs/%zz", "#", "#x", "http://a b", "urn:x#frag", "urn:x", "urn:", "a b",
    "https://json-schema.org/draft/2020-12/schema", "http://json-schema.org/draft-07/schema#", "x",
    "strnig", "string", "integer", ["string", "null"], [], {}, {"type": "string"}, True, False, None, 0, -1, 1.5,
    float("nan"), 10 ** 30, ("x",), {"$vocabulary": {"https://x": True}}, {"$anchor": "a\n"}, {"$anchor": "a"},
    {"patternProperties": {"(": {}}}, {"patternProperties": {"^a": {}}}, {"pattern": "(?<x>a)"}, {"$ref": "#/x"},
    {"$ref": "other.json"}, {"$id": "urn:a:b"}, {"$id": "http://x/y"}, {"format": 5}, {"minimum": "1"},
]
KEYS = ["pattern", "$ref", "$id", "$schema", "type", "required", "enum", "minimum", "properties", "$defs",
        "patternProperties", "$dynamicRef", "additionalProperties", "$comment", "$anchor", "items"]


def _schemas() -> list[dict[str, Any]]:
    out = []
    for case in ["coachup", *CASE_NAMES]:
        model = model_of(CASES / case / "spec.yaml" if case != "coachup" else CASES.parent.parent / "spec" /
                         "observability.yaml")
        out += [s for s in (service_schema(model, svc.name) for svc in model.services) if s is not None]
    return out


@pytest.fixture(scope="module")
def schemas() -> list[dict[str, Any]]:
    return _schemas()


def _python_accepts(schema: Any) -> bool:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError:
        return False
    except (OverflowError, RecursionError, ValueError):  # a pattern Python cannot compile
        return False
    return True


def test_every_generated_schema_is_proven_valid(schemas: list[dict[str, Any]]) -> None:
    assert len(schemas) >= 4
    for schema in schemas:
        assert proven_valid(schema) and _python_accepts(schema)


def _nodes(node: Any) -> list[Any]:
    out = [node] if isinstance(node, dict) else []
    for child in node.values() if isinstance(node, dict) else node if isinstance(node, list) else []:
        out += _nodes(child)
    return out


def test_what_jsonschema_rs_proves_jsonschema_accepts(schemas: list[dict[str, Any]]) -> None:
    rng = random.Random(17)
    proven = unproven = 0
    for n in range(3000):
        schema = copy.deepcopy(schemas[n % len(schemas)])
        for _ in range(rng.randint(1, 2)):
            target = rng.choice(_nodes(schema))
            target[rng.choice(KEYS)] = copy.deepcopy(rng.choice(MUTANTS))
        if proven_valid(schema):
            proven += 1
            assert _python_accepts(schema), schema
        else:
            unproven += 1
    assert proven > 100 and unproven > 1000  # both sides are exercised


def test_a_refused_schema_gets_jsonschemas_message() -> None:
    with pytest.raises(InvalidSchema) as caught:
        check_schema({"type": "strnig"})
    with pytest.raises(SchemaError) as python:
        Draft202012Validator.check_schema({"type": "strnig"})
    assert caught.value.message == python.value.message
