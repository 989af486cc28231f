"""Stage 1b: the spec's data against the spec's JSON Schema, decided by jsonschema-rs, explained by `jsonschema`.

A valid spec (the common case) is proven valid by jsonschema-rs, a compiled Draft 2020-12
validator, in a few milliseconds, and Python's `jsonschema` (whose import alone, with its format
extras, costs about 0.15 s) is never imported. Anything else goes to `jsonschema`, which decides
and explains it as before: one diagnostic per violation, with file, line, column and rule id. The
two engines read the schema the same way:

  * every `pattern` goes through the same Python regular expression (`patterns.compiled`, given
    to jsonschema-rs as a custom keyword), so the regex dialect cannot differ;
  * formats are annotations in both (the spec schema checks none);
  * jsonschema-rs sees only data it reads exactly as Python does (`native_data.is_plain_json`:
    dicts with string keys, lists, strings, booleans, None, finite floats, integers within 2**53).
    Anything else (a YAML set, bytes, an `!!omap` tuple, NaN, a huge integer, a lone surrogate, a
    schema it cannot compile) leaves the verdict to `jsonschema`.

`tests/test_spec_shape.py` holds the two engines to the same verdict on every spec under tests/
and on thousands of mutations of the Coach Up spec.
"""

from __future__ import annotations

import difflib
import functools
from typing import TYPE_CHECKING, Any

from ..diagnostics import Diagnostic
from ..native_data import is_plain_json

if TYPE_CHECKING:
    from .loader import Source

__all__ = ["native_valid", "python_errors", "validate_shape"]

_RULE_BY_VALIDATOR = {
    "additionalProperties": "spec-unknown-key",
    "required": "spec-missing-key",
    "type": "spec-type",
    "enum": "spec-enum",
    "const": "spec-enum",
    "pattern": "spec-pattern",
    "propertyNames": "spec-pattern",
}


def _kind(value: Any) -> str:
    return {bool: "boolean", int: "number", float: "number", str: "string"}.get(type(value), type(value).__name__)


@functools.lru_cache(maxsize=1)
def _native() -> Any:
    """jsonschema-rs's validator for the spec schema, or None when it cannot compile it."""
    import jsonschema_rs

    from .patterns import PatternKeyword
    from .schema import spec_schema

    try:
        return jsonschema_rs.Draft202012Validator(spec_schema(), validate_formats=False,
                                                  keywords={"pattern": PatternKeyword})
    except (ValueError, TypeError):
        return None


def native_valid(data: Any) -> bool:
    """True when jsonschema-rs proves `data` valid against the spec schema; False: not proven (ask `jsonschema`)."""
    validator = _native()
    if validator is None:
        return False
    try:
        return is_plain_json(data) and bool(validator.is_valid(data))
    except (ValueError, TypeError, OverflowError, RecursionError):  # UnicodeEncodeError is a ValueError
        return False


def python_errors(data: Any) -> list[Any]:
    """Every `jsonschema` error for `data` against the spec schema (the engine that explains)."""
    from .patterns import spec_validator
    from .schema import spec_schema

    return list(spec_validator()(spec_schema()).iter_errors(data))


def validate_shape(src: Source) -> list[Diagnostic]:
    """Validate `src.data` against the spec JSON Schema; one diagnostic per violation."""
    if native_valid(src.data):
        return []
    diags: list[Diagnostic] = []
    for err in python_errors(src.data):
        path = tuple(err.absolute_path)
        rule = _RULE_BY_VALIDATOR.get(str(err.validator), "spec-schema")
        where = ".".join(str(p) for p in path) or "(top level)"
        if err.validator == "additionalProperties" and isinstance(err.instance, dict):
            known = sorted(err.schema.get("properties", {}))
            for key in sorted(set(err.instance) - set(known)):
                hint = difflib.get_close_matches(key, known, n=1)
                more = f"; did you mean '{hint[0]}'?" if hint else f"; expected one of: {', '.join(known)}"
                diags.append(src.diag(path + (key,), rule, f"unknown key '{key}' in {where}{more}", key=True))
            continue
        if "propertyNames" in err.relative_schema_path:
            # jsonschema reports a bad name as a `pattern` error on the name itself, at the mapping's path.
            bad = err.instance
            pattern = err.schema.get("pattern", "")
            diags.append(src.diag(path + (bad,), "spec-pattern", f"name '{bad}' in {where} must match {pattern}",
                                  key=True))
            continue
        if err.validator == "required":
            diags.append(src.diag(path, rule, f"{where}: {err.message}", key=True))
            continue
        if err.validator in ("enum", "const"):
            allowed = err.validator_value if err.validator == "enum" else [err.validator_value]
            same = [a for a in allowed if str(a) == str(err.instance)]  # `version: "1"`: right text, wrong type
            if same:
                diags.append(src.diag(path, rule, f"{where} must be the {_kind(same[0])} {same[0]!r}, not the "
                                                  f"{_kind(err.instance)} {err.instance!r}"
                                                  + (" (remove the quotes)" if isinstance(err.instance, str) else "")))
                continue
            hint = difflib.get_close_matches(str(err.instance), [str(a) for a in allowed], n=1)
            more = f"; did you mean '{hint[0]}'?" if hint else ""
            shown = allowed[0] if len(allowed) == 1 else ", ".join(str(a) for a in allowed)
            diags.append(src.diag(path, rule, f"{where}: {err.instance!r} is not {'' if len(allowed) == 1 else 'one of '}"
                                              f"{shown}{more}"))
            continue
        diags.append(src.diag(path, rule, f"{where}: {err.message}"))
    return diags
