"""jsonschema set up to give ajv's verdicts: whole-value patterns and formats, as JavaScript reads them.

Logs are validated in Node with ajv and in CI with `validate-logs`; both must accept the same
lines. Python's jsonschema differs from ajv in two places that matter for log schemas:

  * `pattern`: jsonschema runs `re.search(pattern, value)`, ajv `new RegExp(pattern, "u").test(value)`.
    Python's `$` also matches before a final newline and its `\\d`, `\\w`, `\\s`, `.` are wider, so
    `{"userIdHash": "u:<hex>\\n"}` passed validate-logs and failed ajv. Here every pattern is first
    spelled the JavaScript way for Python (`ecma_regex.portable`); a pattern the `u` flag refuses
    (ajv refuses the whole schema) falls back to Python's own reading.
  * `format`: `date-time` and `time` go through an RFC 3339 regex ending in `$`, so a trailing
    newline passed; here they must hold for the whole value. A leap second (`23:59:60`), which
    RFC 3339 and ajv accept, was refused; here it is accepted.

`Validator` is Draft 2020-12 with that `pattern` keyword, `FORMAT_CHECKER` the format checker;
(jsonschema-rs, which decides most lines in `validate`, reads patterns and formats as ajv does on its own.)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError

from ..backends.ecma_regex import PatternError, portable

WHOLE_VALUE_FORMATS = ("date-time", "time")  # checked with an RFC 3339 regex that ends in `$`


@lru_cache(maxsize=1024)
def pattern_search(pattern: str) -> Callable[[str], re.Match[str] | None]:
    """`value -> match or None`: does `pattern` match somewhere in `value`, as `new RegExp(pattern, "u")` decides."""
    try:
        compiled = re.compile(portable(pattern))
    except (PatternError, re.error):
        compiled = re.compile(pattern)
    return compiled.search


def _whole_value(check: Callable[[object], bool]) -> Callable[[object], bool]:
    def whole(instance: object) -> bool:
        return bool(check(instance)) and not (isinstance(instance, str) and instance.endswith("\n"))

    return whole


# A leap second (`23:59:60`): RFC 3339 allows it, ajv-formats and jsonschema-rs accept it, rfc3339-validator
# does not; it is checked here with :59 in its place.
_LEAP = re.compile(r"(T23:59:)60(?=(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$)", re.IGNORECASE)


def _leap_second(check: Callable[[object], bool]) -> Callable[[object], bool]:
    def leap(instance: object) -> bool:
        if isinstance(instance, str) and not instance.endswith("\n"):
            instance = _LEAP.sub(r"\g<1>59", instance)
        return bool(check(instance))

    return leap


def _format_checker() -> FormatChecker:
    base = Draft202012Validator.FORMAT_CHECKER
    checker = FormatChecker(())
    for name, (check, raises) in base.checkers.items():
        if name == "date-time":
            check = _leap_second(check)
        checker.checks(name, raises)(_whole_value(check) if name in WHOLE_VALUE_FORMATS else check)
    return checker


FORMAT_CHECKER = _format_checker()


def _pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Iterator[ValidationError]:
    if validator.is_type(instance, "string") and not pattern_search(pattern)(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


Validator = validators.extend(Draft202012Validator, {"pattern": _pattern})


def validator(schema: Any) -> Any:
    """A validator for `schema` that answers as ajv does (see the module docstring)."""
    return Validator(schema, format_checker=FORMAT_CHECKER)
