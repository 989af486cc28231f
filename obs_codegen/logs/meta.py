"""Is a log schema a valid Draft 2020-12 schema? jsonschema-rs proves the common case, `jsonschema` decides the rest.

validate-logs refuses a schema that Python's `Draft202012Validator.check_schema` refuses, with its
message. That check costs about 35 ms a schema plus the import of `jsonschema` with its format
extras (about 0.15 s), on every run. `check_schema` here returns at once when the schema is proven
valid, and otherwise runs `jsonschema`'s check, which decides and explains as before. The proof:

  * the schema is plain JSON (`native_data.is_plain_json`), so jsonschema-rs reads what Python reads;
  * jsonschema-rs validates it against the 2020-12 meta-schema (`jsonschema_rs.meta`), whose patterns
    it reads the ECMA-262 way: they then also match in Python, whose `$` accepts more;
  * the strings the meta-schema gives a `format` (which `jsonschema` checks and jsonschema-rs does
    not) pass Python's checks: every `pattern` and `patternProperties` name compiles with `re`
    (the `regex` format is exactly that), `$ref` and `$dynamicRef` are fragments such as
    `#/$defs/name`, `$id` is a `urn:` name, `$schema` is the 2020-12 URI, and there is no
    `$vocabulary`. These are looked for in every object, wherever it is (over-approximating the
    places the meta-schema checks only sends more schemas to `jsonschema`).

`tests/test_log_meta.py` holds `proven_valid` to `check_schema` on the generated schemas and
thousands of their mutations.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..native_data import is_plain_json

__all__ = ["InvalidSchema", "check_schema", "proven_valid"]

_SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
_FRAGMENT = re.compile(r"#(?:/[A-Za-z0-9._~$-]+)*\Z")  # a URI reference: `#` and pchars, no percent signs
_URN = re.compile(r"urn:[A-Za-z0-9._~-]+(?::[A-Za-z0-9._~-]+)*\Z")  # an absolute URI without a fragment


class InvalidSchema(ValueError):
    """`jsonschema` refuses the schema; `message` is its message."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _formats_pass(node: Any) -> bool:
    """Do the strings the meta-schema checks formats of, found anywhere in `node`, pass Python's checks?"""
    if isinstance(node, list):
        return all(_formats_pass(item) for item in node)
    if not isinstance(node, Mapping):
        return True
    for key, value in node.items():
        if key == "$vocabulary":
            return False
        if isinstance(value, str):
            if key == "pattern":
                try:
                    re.compile(value)
                except Exception:  # re.error, OverflowError, RecursionError: `jsonschema` says which
                    return False
            elif (key in ("$ref", "$dynamicRef") and not _FRAGMENT.match(value)) \
                    or (key == "$id" and not _URN.match(value)) or (key == "$schema" and value != _SCHEMA_URI):
                return False
        elif key == "patternProperties" and isinstance(value, Mapping):
            try:
                for name in value:
                    re.compile(name)
            except Exception:
                return False
        if not _formats_pass(value):
            return False
    return True


def proven_valid(schema: Any) -> bool:
    """True when `schema` is proven a valid Draft 2020-12 schema (see the module docstring); False: not proven."""
    import jsonschema_rs

    try:
        return is_plain_json(schema) and _formats_pass(schema) and bool(jsonschema_rs.meta.is_valid(schema))
    except (ValueError, TypeError, RecursionError):  # a lone surrogate (UnicodeEncodeError), a schema too deep
        return False


def check_schema(schema: Any) -> None:
    """Raise InvalidSchema with `jsonschema`'s message when `Draft202012Validator.check_schema` refuses
    `schema` (it runs only when `proven_valid` cannot prove the schema valid)."""
    if proven_valid(schema):
        return
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidSchema(exc.message) from exc
