"""ECMA-262 patterns applied in Python exactly as an editor's JSON Schema validator applies them.

The spec schema (`schema.py`) is published for editors, which read its `pattern`s as
ECMA-262 regular expressions: there `$` matches only at the end of the value. Python's
`re` lets `$` match before a final newline too, so `jsonschema`'s own `pattern` keyword
(`re.search`) accepted `period: "28d\\n"`, a label `route\\n` or a package name ending in a
newline. `spec_validator()` is Draft 2020-12 with a `pattern` keyword that first translates
every end anchor to `\\Z`, so the published patterns stay ECMA-correct and both engines
agree; `python_pattern` is the translation. jsonschema-rs (`spec/shape.py`) is given the same
keyword (`PatternKeyword`), so both schema engines read every spec pattern through `compiled`.
Importing this module does not import `jsonschema` (about 0.15 s): `spec_validator` does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from typing import Any


def python_pattern(ecma: str) -> str:
    """`ecma` with each `$` anchor (not escaped, not in a class) as `\\Z`: `^[a-z]+$` -> `^[a-z]+\\Z`."""
    out, in_class, i = [], False, 0
    while i < len(ecma):
        ch = ecma[i]
        if ch == "\\":
            out.append(ecma[i:i + 2])
            i += 2
            continue
        if in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "$":
            ch = r"\Z"
        out.append(ch)
        i += 1
    return "".join(out)


@functools.lru_cache(maxsize=256)
def compiled(ecma: str) -> re.Pattern[str]:
    return re.compile(python_pattern(ecma))


class PatternKeyword:
    """The `pattern` keyword for jsonschema-rs (its `keywords=` option): `compiled(pattern).search`, as `spec_validator` reads it."""

    def __init__(self, parent_schema: Any, value: str, schema_path: Any):
        self.search = compiled(value).search

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and not self.search(instance):
            raise ValueError("does not match")


@functools.lru_cache(maxsize=1)
def spec_validator() -> Any:
    """The Python jsonschema validator class for the spec: Draft 2020-12 with the `pattern` keyword above."""
    from jsonschema import Draft202012Validator, validators
    from jsonschema.exceptions import ValidationError

    def pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
        if validator.is_type(instance, "string") and not compiled(pattern).search(instance):
            yield ValidationError(f"{instance!r} does not match {pattern!r}")

    return validators.extend(Draft202012Validator, {"pattern": pattern})
