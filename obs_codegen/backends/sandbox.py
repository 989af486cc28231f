"""Jinja2's sandbox with the same verdicts, decided faster for what our templates read most.

A 10,000-metric spec makes the templates read about two million attributes (`m.spec`,
`tag.name`), each through `SandboxedEnvironment.getattr`: a failed `getattr` on a dict (an
exception) before its item lookup, a `str.format` check, then `is_safe_attribute`, which
tests the object against seven internal types. `FastSandbox` keeps every verdict and return
value of that method and only shortens the way to it:

  * a plain `dict` has no instance attributes, so `getattr(d, name)` fails exactly when `name`
    is not an attribute of the `dict` type: then the item is looked up directly (the same
    value, or the same undefined);
  * `wrap_str_format` only wraps bound methods (`types.MethodType` and builtin methods, types
    that cannot be subclassed): any other value skips it;
  * `is_safe_attribute` of the base sandbox depends on the attribute's name and on which of
    Jinja2's internal types the object is an instance of, that is on the object's type: its
    verdict is cached per (type, name), for objects whose `__class__` is their type.

Calls (`{{ helper(x) }}`, 100,000 of them per large backend) go through `SandboxedEnvironment.call`,
which asks `is_safe_callable` (the function's `unsafe_callable` and `alters_data` attributes) and then
`Context.call`, which looks for a `jinja_pass_arg` (`pass_context` ...) on the callable and on its
`__call__`, drops the `_loop_vars`/`_block_vars` the compiler adds inside loops, and turns a
`StopIteration` into an undefined. A plain Python function whose `__dict__` is empty has none of
those attributes (nor has its type), so `call` does exactly that rest itself.

Anything else (a dict subclass, a method, an object that lies about its class, a decorated or
marked function, a macro) takes Jinja2's own path. tests/test_templating.py holds this sandbox to
`SandboxedEnvironment` on a table of objects, attributes and callables.
"""

from __future__ import annotations

import types
from typing import Any

from jinja2.sandbox import SandboxedEnvironment

_DICT_ATTRIBUTES = frozenset(dir(dict))
_METHODS = (types.MethodType, types.BuiltinMethodType)
_STOP_ITERATION = "value was undefined because a callable raised a StopIteration exception"  # as Context.call


class FastSandbox(SandboxedEnvironment):
    """`SandboxedEnvironment` whose `getattr` takes a shorter way to the same result (see the module)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._safe: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        cls = type(obj)
        if getattr(obj, "__class__", None) is not cls:
            return super().is_safe_attribute(obj, attr, value)
        key = (cls, attr)
        safe = self._safe.get(key)
        if safe is None:
            safe = self._safe[key] = super().is_safe_attribute(obj, attr, value)
        return safe

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (as the base)
        if type(__obj) is not types.FunctionType or __obj.__dict__:
            return super().call(__context, __obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __context.environment.undefined(_STOP_ITERATION)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):  # an unhashable name: as the base's item lookup
                return self.undefined(obj=obj, name=attribute)
        try:
            value = getattr(obj, attribute)
        except AttributeError:
            return super().getattr(obj, attribute)
        if type(value) in _METHODS:
            return super().getattr(obj, attribute)  # str.format and friends: the base wraps them
        cls = type(obj)
        safe = self._safe.get((cls, attribute))  # is_safe_attribute's cache, read here: one call less per read
        if safe is None or getattr(obj, "__class__", None) is not cls:
            safe = self.is_safe_attribute(obj, attribute, value)
        if safe:
            return value
        return self.unsafe_undefined(obj, attribute)
