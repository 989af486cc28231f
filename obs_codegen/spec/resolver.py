"""The resolver's state and helpers, shared by the resolution passes (`resolve`, `resolve_logs`, `resolve_alerts`).

`Resolver` holds the source, the diagnostics so far and the pieces earlier passes built; the
`_d`/`_s`/`_l`/`_num` readers take a value of the expected shape or a default, because resolution
also runs after the schema has reported shape errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..diagnostics import Diagnostic
from .hints import Hinter
from .loader import Source
from .model import Filter, Metric, PerEnv, Pos, Tag


def _d(data: Any, key: str) -> dict[str, Any]:
    v = data.get(key) if isinstance(data, dict) else None
    return v if isinstance(v, dict) else {}


def _s(data: dict[str, Any], key: str, default: str = "") -> str:
    v = data.get(key, default)
    return v if isinstance(v, str) else default


def _opt(data: dict[str, Any], key: str) -> str | None:
    v = data.get(key)
    return v if isinstance(v, str) else None


def _l(data: dict[str, Any], key: str) -> list[Any]:
    v = data.get(key)
    return v if isinstance(v, list) else []


def _num(v: Any) -> float | None:
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return None
    try:
        return float(v)
    except OverflowError:  # an integer beyond float range: rule spec-number-finite reports it
        return None


class Resolver:
    """Holds the source, the diagnostics so far and the pieces built by earlier passes."""

    def __init__(self, src: Source):
        self.src = src
        self.data: dict[str, Any] = src.data if isinstance(src.data, dict) else {}
        self.diags: list[Diagnostic] = []
        self.parts: dict[str, Any] = {}
        self.hints = Hinter()

    # helpers -------------------------------------------------------------------
    def pos(self, *path: Any) -> Pos:
        line, col = self.src.pos(path, key=True)
        return Pos(self.src.file(path), line, col)

    def error(self, path: tuple[Any, ...], rule: str, message: str, key: bool = False) -> None:
        """Report at the value at `path` (or, with `key`, at the key naming it)."""
        self.diags.append(self.src.diag(path, rule, message, key=key))

    def unknown(self, path: tuple[Any, ...], kind: str, name: Any, known: Iterable[str], key: bool = False) -> None:
        """Report a dangling reference. A name that is not a string was already reported by the schema."""
        if not isinstance(name, str):
            return
        hint = self.hints.close(name, known)
        more = f"; did you mean '{hint}'?" if hint else ""
        self.error(path, f"ref-unknown-{kind}", f"unknown {kind.replace('-', ' ')} '{name}'{more}", key=key)

    def per_env(self, value: Any, path: tuple[Any, ...]) -> PerEnv | None:
        envs = self.parts["project"].environments
        n = _num(value)
        if n is not None:
            return PerEnv(tuple((e, n) for e in envs))
        if not isinstance(value, dict):
            return None
        out = []
        for env in value:
            if env not in envs:
                self.unknown(path + (env,), "environment", env, envs, key=True)
        for env in envs:
            v = _num(value.get(env))
            if v is None:
                self.error(path, "ref-missing-environment", f"no value for environment '{env}'")
                return None
            out.append((env, v))
        return PerEnv(tuple(out))

    def filter(self, raw: Any, path: tuple[Any, ...]) -> Filter:
        out = []
        for name, value in (raw or {}).items() if isinstance(raw, dict) else ():
            tag = self.parts["tags"].get(name)
            if tag is None:
                self.unknown(path + (name,), "tag", name, self.parts["tags"], key=True)
                continue
            if tag.values and str(value) not in tag.values:
                self.error(path + (name,), "ref-unknown-tag-value",
                           f"'{value}' is not a value of tag '{name}' ({', '.join(tag.values)})")
                continue
            out.append((tag, str(value)))
        return tuple(out)

    def tag_list(self, raw: Any, path: tuple[Any, ...]) -> tuple[Tag, ...]:
        out: list[Tag] = []
        for i, name in enumerate(raw if isinstance(raw, list) else []):
            tags, sets = self.parts["tags"], self.parts["tag_sets"]
            if not isinstance(name, str):
                continue
            if name in sets:
                out.extend(t for t in sets[name] if t not in out)
            elif name in tags:
                if tags[name] not in out:
                    out.append(tags[name])
            else:
                self.unknown(path + (i,), "tag", name, list(tags) + list(sets))
        return tuple(out)

    def metric_ref(self, name: Any, path: tuple[Any, ...]) -> Metric | None:
        m = self.parts["metrics"].get(name) if isinstance(name, str) else None
        if m is None:
            self.unknown(path, "metric", name, self.parts["metrics"])
        return m

    def service_ref(self, name: Any, path: tuple[Any, ...]) -> str:
        if not isinstance(name, str) or name not in self.parts["services"]:
            self.unknown(path, "service", name, self.parts["services"])
        return str(name)
